"""An application for a pilot grant: a case that moves through the workflow's states."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, utcnow
from workflows import State

if TYPE_CHECKING:
    from grants.models.audit import AuditEvent
    from grants.models.organisations import Organisation
    from grants.models.users import User

STATE_VALUES = ", ".join(f"'{s.value}'" for s in State)


class Application(Base):
    __tablename__ = "application"
    __table_args__ = (
        sa.CheckConstraint(f"state IN ({STATE_VALUES})", name="state"),
        # A case reference is given at the first submission and never taken away: a draft has
        # none, everything else (returned, withdrawn, ...) has one and a submission time.
        sa.CheckConstraint(
            "(state = 'draft' AND reference IS NULL AND submitted_at IS NULL)"
            " OR (state <> 'draft' AND reference IS NOT NULL AND submitted_at IS NOT NULL)",
            name="reference_iff_submitted",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    """The fund's own case reference, e.g. ``PF-2025-0007``; given at the first submission."""
    state: Mapped[str] = mapped_column(sa.String(20), default=State.DRAFT.value, index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the application first arrived (it is an allmän handling from then on)."""
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    events: Mapped[list[AuditEvent]] = relationship(
        back_populates="application", order_by="AuditEvent.id", viewonly=True
    )

    # Two people acting on one case at once: the later UPDATE finds the version changed and
    # fails with StaleDataError instead of silently overwriting the state.
    __mapper_args__ = {"version_id_col": version}

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def state_label(self) -> str:
        return State(self.state).label

    @property
    def display_reference(self) -> str:
        return self.reference or f"Utkast {self.id}"

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.reference or 'draft'} {self.state}>"


class CaseCounter(Base):
    """The last case number used per year: case references are gap-free within a year."""

    __tablename__ = "case_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
