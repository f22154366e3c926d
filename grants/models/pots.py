"""The money reserved for pilots per budget year (the 1:1 pot)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import Base


class Pot(Base):
    __tablename__ = "pot"
    __table_args__ = (
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        # The last line of the pot invariant: a year's commitments never exceed its reservation
        # (operations use a guarded UPDATE first, so a refusal carries the figures).
        sa.CheckConstraint("committed >= 0 AND committed <= reserved", name="committed_within"),
    )

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reserved: Mapped[int] = mapped_column(sa.BigInteger)
    """Whole kronor reserved for pilots this budget year."""
    is_open: Mapped[bool] = mapped_column(default=True)
    """Whether new applications may ask for money from this year."""
    committed: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    """Whole kronor granted from this year (the sum of its commitment ledger entries)."""

    @property
    def remaining(self) -> int:
        return self.reserved - self.committed

    def __repr__(self) -> str:
        return f"<Pot {self.year} reserved={self.reserved}>"
