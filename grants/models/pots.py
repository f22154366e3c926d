"""The money reserved for pilots per budget year (the 1:1 pot)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import Base, UTCDateTime


class Pot(Base):
    __tablename__ = "pot"
    __table_args__ = (
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        # The last line of the pot invariant: a year's commitments never exceed its reservation
        # (operations use a guarded UPDATE first, so a refusal carries the figures).
        sa.CheckConstraint(
            "committed >= 0 AND released >= 0 AND released <= committed"
            " AND committed - released <= reserved",
            name="committed_within",
        ),
        sa.CheckConstraint("paid >= 0", name="paid_not_negative"),
    )

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reserved: Mapped[int] = mapped_column(sa.BigInteger)
    """Whole kronor reserved for pilots this budget year."""
    is_open: Mapped[bool] = mapped_column(default=True)
    """Whether new applications may ask for money from this year."""
    committed: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    """Whole kronor granted from this year (the sum of its commitment ledger entries)."""
    released: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    """Committed money given back to this year (reduced grants, cancelled pilots, unspent)."""
    paid: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    """Paid out against this year's commitments, whenever the payment was made."""
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set by the year-end close: no new commitments from this year after it."""
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    close_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    @property
    def remaining(self) -> int:
        """What can still be granted: reserved − committed + released."""
        return self.reserved - self.committed + self.released

    @property
    def net_committed(self) -> int:
        return self.committed - self.released

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def __repr__(self) -> str:
        return f"<Pot {self.year} reserved={self.reserved}>"
