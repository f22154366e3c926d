"""The audit trail: one append-only row for every state change (who, when, from, to, why).

Append-only is enforced twice: the ORM refuses to update or delete an event, and database
triggers refuse UPDATE and DELETE statements from anywhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, RecordIsAppendOnly, UTCDateTime, append_only, utcnow
from grants.models.applications import STATE_VALUES

if TYPE_CHECKING:
    from grants.models.applications import Application
    from grants.models.users import User


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.CheckConstraint(f"from_state IN ({STATE_VALUES})", name="from_state"),
        # Creation is the one event without a state before it.
        sa.CheckConstraint(
            "(trigger = 'create') = (from_state IS NULL)", name="from_state_iff_not_create"
        ),
        sa.CheckConstraint(f"to_state IN ({STATE_VALUES})", name="to_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    """Who fired the trigger; NULL only for the system itself (e.g. a scheduled job)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")


AuditTrailIsAppendOnly = RecordIsAppendOnly
"""Raised when code tries to change or delete an audit event (the name callers know)."""

append_only(AuditEvent.__table__)
