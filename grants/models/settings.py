"""The fund's rules that an administrator sets (one row)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from grants.models.users import User

DEFAULT_MAX_SUPPORT_SHARE_PERCENT = 50
DEFAULT_MAX_GRANT_PER_PILOT = 150_000
DEFAULT_REVIEWERS_BELOW = 1
DEFAULT_REVIEWERS_AT_OR_ABOVE = 2
DEFAULT_REVIEWER_THRESHOLD = 50_000
DEFAULT_LAST_PROJECT_DATE = date(2026, 8, 1)
"""Kraftsamling barn och unga runs 2024-08-01 – 2026-08-01 (DOMAIN.md §1)."""


class FundSettings(Base):
    __tablename__ = "fund_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint(
            "max_support_share_percent BETWEEN 1 AND 100", name="support_share_range"
        ),
        sa.CheckConstraint("max_grant_per_pilot > 0", name="max_grant_positive"),
        sa.CheckConstraint(
            "reviewers_below BETWEEN 1 AND 5 AND reviewers_at_or_above BETWEEN 1 AND 5",
            name="reviewer_counts",
        ),
        sa.CheckConstraint("reviewer_threshold >= 0", name="reviewer_threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1, autoincrement=False)
    max_support_share_percent: Mapped[int] = mapped_column(
        default=DEFAULT_MAX_SUPPORT_SHARE_PERCENT
    )
    """The largest share of a pilot's total costs the fund pays (the rest is co-financing)."""
    max_grant_per_pilot: Mapped[int] = mapped_column(
        sa.BigInteger, default=DEFAULT_MAX_GRANT_PER_PILOT
    )
    last_project_date: Mapped[date] = mapped_column(sa.Date, default=DEFAULT_LAST_PROJECT_DATE)
    """No pilot may end later than this (the fund's own project period)."""
    reviewers_below: Mapped[int] = mapped_column(
        default=DEFAULT_REVIEWERS_BELOW, server_default=str(DEFAULT_REVIEWERS_BELOW))
    """Reviews a case needs when it asks for less than ``reviewer_threshold``."""
    reviewers_at_or_above: Mapped[int] = mapped_column(
        default=DEFAULT_REVIEWERS_AT_OR_ABOVE, server_default=str(DEFAULT_REVIEWERS_AT_OR_ABOVE))
    reviewer_threshold: Mapped[int] = mapped_column(
        sa.BigInteger, default=DEFAULT_REVIEWER_THRESHOLD,
        server_default=str(DEFAULT_REVIEWER_THRESHOLD))
    reviewer_may_decide: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Whether someone who reviewed a case may also decide it (off: they may not)."""

    def reviewers_required(self, requested: int) -> int:
        return (self.reviewers_at_or_above if requested >= self.reviewer_threshold
                else self.reviewers_below)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

    @property
    def max_support_share(self) -> str:
        return f"{self.max_support_share_percent} %"


class FundSettingsChange(Base):
    """Who changed the fund's rules, when, why, and from what to what (append-only by use)."""

    __tablename__ = "fund_settings_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    before: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    actor: Mapped[User] = relationship(lazy="joined")
