"""An application for a pilot grant: a case that moves through the workflow's states."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, swedish_text_search, utcnow
from grants.models.content import (
    Attachment,
    BudgetLine,
    ChecklistAnswer,
    ChecklistVersion,
    CoFinancingLine,
    FocusArea,
    RequestedAmount,
    ResultIndicator,
    application_focus_area,
    application_municipality,
)
from grants.models.organisations import Municipality
from workflows import State

if TYPE_CHECKING:
    from grants.models.assessment import Review, Screening
    from grants.models.audit import AuditEvent
    from grants.models.decisions import Assessment, Decision
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
    dnr: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    """The region's registry number (diarienummer, e.g. ``25RS1234``), registered by the officer;
    it comes from the region's registry and is never invented here."""
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

    # Project
    background: Mapped[str] = mapped_column(sa.Text, default="")
    aim: Mapped[str] = mapped_column(sa.Text, default="")
    activities: Mapped[str] = mapped_column(sa.Text, default="")
    """Activities with their timeline."""
    partners: Mapped[str] = mapped_column(sa.Text, default="")
    """Samverkan: who the applicant works with, and how."""
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    # Target group
    target_group: Mapped[str] = mapped_column(sa.Text, default="")
    age_bands: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    participants_girls: Mapped[int | None]
    participants_boys: Mapped[int | None]
    participants_other: Mapped[int | None]
    """Expected participants who are neither counted as girls nor boys (or not stated)."""
    # State aid
    state_aid_market: Mapped[bool | None]
    """Does the applicant run economic activity on a market the pilot benefits? None: unanswered."""
    de_minimis_previous_eur: Mapped[int | None] = mapped_column(sa.BigInteger)
    de_minimis_confirmed: Mapped[bool] = mapped_column(default=False)
    # Contact person (name, role, e-mail, phone; never a personal identity number)
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_role: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    # Form bookkeeping
    checklist_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checklist_version.id")
    )
    saved_sections: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """Sections the applicant has saved at least once (their problems are shown from then on)."""
    unsaved_input: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    """Per section, what the applicant typed that could not be stored as it was (letters in an
    amount, an impossible date): kept so that nothing typed is lost, and shown again with its
    errors. Submitting is refused while anything is here."""

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    events: Mapped[list[AuditEvent]] = relationship(
        back_populates="application", order_by="AuditEvent.id", viewonly=True
    )
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=application_focus_area, order_by=FocusArea.position
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=application_municipality, order_by=Municipality.name
    )
    indicators: Mapped[list[ResultIndicator]] = relationship(
        order_by=ResultIndicator.position, cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        order_by=(BudgetLine.year, BudgetLine.position), cascade="all, delete-orphan"
    )
    co_financing: Mapped[list[CoFinancingLine]] = relationship(
        order_by=(CoFinancingLine.year, CoFinancingLine.position), cascade="all, delete-orphan"
    )
    requested_amounts: Mapped[list[RequestedAmount]] = relationship(
        order_by=RequestedAmount.year, cascade="all, delete-orphan"
    )
    checklist_version: Mapped[ChecklistVersion | None] = relationship()
    checklist_answers: Mapped[list[ChecklistAnswer]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.application_id == Application.id,"
        " Attachment.report_id.is_(None), Attachment.removed_at.is_(None))",
        order_by=Attachment.id,
        viewonly=True,
    )

    screening: Mapped[Screening | None] = relationship(viewonly=True)
    reviews: Mapped[list[Review]] = relationship(
        order_by="Review.id", viewonly=True, overlaps="application"
    )
    assessment: Mapped[Assessment | None] = relationship(viewonly=True)
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="application", order_by="Decision.id"
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
    def requested_total(self) -> int:
        return sum(r.amount for r in self.requested_amounts)

    @property
    def cost_total(self) -> int:
        return sum(line.amount for line in self.budget_lines)

    @property
    def co_financing_total(self) -> int:
        return sum(line.amount for line in self.co_financing)

    @property
    def content_editable(self) -> bool:
        """Content changes only while drafting, or when returned for completion."""
        return self.state in (State.DRAFT, State.RETURNED)

    @property
    def current_decision(self) -> Decision | None:
        """The decision whose terms are in force: the newest one that sets terms (a correction
        or an approved amendment replaces the one before; a refused amendment and a
        cancellation leave the terms as they were)."""
        return next((d for d in reversed(self.decisions) if d.sets_terms), None)

    @property
    def cancellation(self) -> Decision | None:
        return next((d for d in self.decisions if d.kind == "cancellation"), None)

    @property
    def display_reference(self) -> str:
        return self.reference or f"Utkast {self.id}"

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.reference or 'draft'} {self.state}>"


sa.Index(
    "ix_application_search", swedish_text_search(Application.title, Application.summary),
    postgresql_using="gin",
).ddl_if(dialect="postgresql")
"""The public register's full-text search (PostgreSQL only; SQLite searches without it)."""

sa.Index("ix_application_submitted_at", Application.submitted_at, Application.id)
"""The officer's case list, newest received first, a page at a time (migration 0010)."""


class CaseCounter(Base):
    """The last case number used per year: case references are gap-free within a year."""

    __tablename__ = "case_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
