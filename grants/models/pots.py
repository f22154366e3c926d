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
    )

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reserved: Mapped[int] = mapped_column(sa.BigInteger)
    """Whole kronor reserved for pilots this budget year."""
    is_open: Mapped[bool] = mapped_column(default=True)
    """Whether new applications may ask for money from this year."""

    def __repr__(self) -> str:
        return f"<Pot {self.year} reserved={self.reserved}>"
