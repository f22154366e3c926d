"""Feedback on the service's accessibility, sent from the accessibility statement: each one a
small case for the officers (workflows/feedback.py), with its history of state changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, append_only, utcnow
from workflows.feedback import FeedbackState

if TYPE_CHECKING:
    from grants.models.users import User

_STATES = ", ".join(f"'{s.value}'" for s in FeedbackState)


class AccessibilityFeedback(Base):
    __tablename__ = "accessibility_feedback"
    __table_args__ = (sa.CheckConstraint(f"state IN ({_STATES})", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default=FeedbackState.RECEIVED.value)
    page: Mapped[str] = mapped_column(sa.String(500), default="")
    """Where the problem is, as the sender put it (an address or a page's name)."""
    description: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    wants_reply: Mapped[bool] = mapped_column(default=False)
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    """The logged-in person who sent it, if any."""
    address_key: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    """A keyed hash of the sender's address, only to limit how many one address may send."""

    events: Mapped[list[FeedbackEvent]] = relationship(
        back_populates="feedback", order_by="FeedbackEvent.id", lazy="selectin"
    )

    @property
    def reference(self) -> str:
        return f"T-{self.created_at.year}-{self.id:04d}"

    @property
    def state_label(self) -> str:
        return FeedbackState(self.state).label


class FeedbackEvent(Base):
    """One state change of a feedback case (who, when, from, to, why). Append-only."""

    __tablename__ = "feedback_event"
    __table_args__ = (
        sa.CheckConstraint(f"from_state IN ({_STATES})", name="from_state"),
        sa.CheckConstraint(f"to_state IN ({_STATES})", name="to_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accessibility_feedback.id"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    feedback: Mapped[AccessibilityFeedback] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")


append_only(FeedbackEvent.__table__)
