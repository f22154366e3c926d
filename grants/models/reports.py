"""After the grant: the pilot's reports, payment requests made with them, and requests to change
the grant (which an amendment decision answers).

A report is the pilot owner's account of a stage, the end (follow-up), the scale-up or the final
money. Its lists live in their own rows (indicator outcomes, participants by age band and sex —
counts only, never data on individual children — actual costs, co-financing used); what was typed
but could not be stored as it was stays in ``unsaved_input``, as in the application form.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, sql_in, swedish_text_search, utcnow
from grants.models.content import Attachment, CoFinancingKind, CostType, ResultIndicator
from grants.models.decisions import ReportKind
from workflows import ReportState

if TYPE_CHECKING:
    from grants.models.applications import Application
    from grants.models.users import User


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(ReportKind)})", name="kind"),
        sa.CheckConstraint(f"state IN ({sql_in(ReportState)})", name="state"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.UniqueConstraint("application_id", "kind", "number", name="one_report_per_due"),
        # Handed in means a time and a person; approved or returned means a reviewer too.
        sa.CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_at"),
        sa.CheckConstraint("state NOT IN ('approved', 'returned') OR reviewed_by_id IS NOT NULL",
                           name="reviewed_by"),
        sa.CheckConstraint("stated_cost_total IS NULL OR stated_cost_total >= 0",
                           name="stated_total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    number: Mapped[int] = mapped_column(default=1)
    """Which report of its kind (stage report 1, 2, …); matches ``ReportDue.number``."""
    state: Mapped[str] = mapped_column(sa.String(20), default=ReportState.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    """The officer's words when approving or returning."""

    period_start: Mapped[date | None] = mapped_column(sa.Date)
    period_end: Mapped[date | None] = mapped_column(sa.Date)
    """The period the report covers."""
    # What was done (stage, follow-up)
    activities_done: Mapped[str] = mapped_column(sa.Text, default="")
    activities_deviations: Mapped[str] = mapped_column(sa.Text, default="")
    """What differed from the plan in the application, and why."""
    # What was learned (follow-up; stage reports may say it too)
    learned_worked: Mapped[str] = mapped_column(sa.Text, default="")
    learned_not_worked: Mapped[str] = mapped_column(sa.Text, default="")
    learned_for_others: Mapped[str] = mapped_column(sa.Text, default="")
    learnings_public: Mapped[bool] = mapped_column(default=False)
    """Whether what was learned may be published (the public register, the learning hub)."""
    gender_equality_outcome: Mapped[str] = mapped_column(sa.Text, default="")
    sustainability_outcome: Mapped[str] = mapped_column(sa.Text, default="")
    checklist_outcomes: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    """Per checklist question id (text keys): how the promise in the application turned out."""
    # Money
    stated_cost_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    """The total the pilot owner says their accounts show; compared with the lines, never fixed."""
    cost_comment: Mapped[str] = mapped_column(sa.Text, default="")
    # Scale-up
    receiving_organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    receiving_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    financing_after: Mapped[str] = mapped_column(sa.Text, default="")
    ordinary_from: Mapped[date | None] = mapped_column(sa.Date)
    changes_in_operations: Mapped[str] = mapped_column(sa.Text, default="")
    support_needed: Mapped[str] = mapped_column(sa.Text, default="")

    unsaved_input: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    """Fields typed in a form that could not be stored as typed (letters in a count, a negative
    amount): kept and shown again with their errors; submitting is refused while any is here."""
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    indicator_outcomes: Mapped[list[ReportIndicatorOutcome]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReportIndicatorOutcome.id")
    participants: Mapped[list[ReportParticipants]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReportParticipants.age_band")
    costs: Mapped[list[ReportCost]] = relationship(
        cascade="all, delete-orphan", lazy="selectin",
        order_by="(ReportCost.year, ReportCost.position)")
    co_financing: Mapped[list[ReportCoFinancing]] = relationship(
        cascade="all, delete-orphan", lazy="selectin",
        order_by="(ReportCoFinancing.year, ReportCoFinancing.position)")
    payment_request: Mapped[PaymentRequest | None] = relationship(
        back_populates="report", uselist=False, lazy="selectin")
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.report_id == Report.id, Attachment.removed_at.is_(None))",
        order_by=Attachment.id, viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return ReportState(self.state).label

    @property
    def kind_label(self) -> str:
        return ReportKind(self.kind).label

    @property
    def label(self) -> str:
        return f"{self.kind_label} {self.number}" if self.kind == ReportKind.STAGE \
            else self.kind_label

    @property
    def editable(self) -> bool:
        return self.state in (ReportState.DRAFT, ReportState.RETURNED)

    @property
    def cost_total(self) -> int:
        return sum(line.amount for line in self.costs)

    @property
    def co_financing_total(self) -> int:
        return sum(line.amount for line in self.co_financing)


sa.Index(
    "ix_report_learnings_search",
    swedish_text_search(Report.learned_worked, Report.learned_not_worked,
                        Report.learned_for_others),
    postgresql_using="gin",
).ddl_if(dialect="postgresql")
"""The register's search over published learnings (PostgreSQL only)."""


class ReportIndicatorOutcome(Base):
    """The outcome of one of the application's result indicators (by sex where it says so)."""

    __tablename__ = "report_indicator_outcome"
    __table_args__ = (sa.UniqueConstraint("report_id", "indicator_id", name="one_per_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("result_indicator.id"))
    outcome: Mapped[str] = mapped_column(sa.String(100), default="")
    outcome_girls: Mapped[str] = mapped_column(sa.String(100), default="")
    outcome_boys: Mapped[str] = mapped_column(sa.String(100), default="")
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")

    indicator: Mapped[ResultIndicator] = relationship(lazy="joined")


class ReportParticipants(Base):
    """How many took part, per age band and sex: counts only, never about individual children."""

    __tablename__ = "report_participants"
    __table_args__ = (
        sa.CheckConstraint("girls >= 0 AND boys >= 0 AND other >= 0", name="counts_not_negative"),
    )

    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"),
                                           primary_key=True)
    age_band: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    girls: Mapped[int] = mapped_column(default=0)
    boys: Mapped[int] = mapped_column(default=0)
    other: Mapped[int] = mapped_column(default=0)
    """Neither counted as girls nor boys, or not stated."""

    @property
    def total(self) -> int:
        return self.girls + self.boys + self.other


class ReportCost(Base):
    """An actual cost of one type in one year (compared with the application's budget)."""

    __tablename__ = "report_cost"
    __table_args__ = (
        sa.CheckConstraint(f"cost_type IN ({sql_in(CostType)})", name="cost_type"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    year: Mapped[int]
    cost_type: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    amount: Mapped[int] = mapped_column(sa.BigInteger)

    @property
    def cost_type_label(self) -> str:
        return CostType(self.cost_type).label


class ReportCoFinancing(Base):
    """Co-financing actually used (cash or worked time)."""

    __tablename__ = "report_co_financing"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(CoFinancingKind)})", name="kind"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    funder: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[int] = mapped_column(sa.BigInteger)

    @property
    def kind_label(self) -> str:
        return CoFinancingKind(self.kind).label


class PaymentRequestState(StrEnum):
    OPEN = "open"
    PAID = "paid"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {PaymentRequestState.OPEN: "Väntar på utbetalning",
                PaymentRequestState.PAID: "Utbetald",
                PaymentRequestState.REFUSED: "Avslagen"}[self]


class PaymentRequest(Base):
    """A request for payment of costs incurred (rekvisition), made with a stage, follow-up or
    final financial report. Finance pays it once the officer has approved the report."""

    __tablename__ = "payment_request"
    __table_args__ = (
        sa.CheckConstraint(f"state IN ({sql_in(PaymentRequestState)})", name="state"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("paid_amount >= 0 AND paid_amount <= amount", name="paid_within"),
        sa.CheckConstraint("state = 'open' OR handled_by_id IS NOT NULL", name="handled_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    """Kronor asked for: costs incurred and not yet paid."""
    state: Mapped[str] = mapped_column(sa.String(10), default=PaymentRequestState.OPEN.value,
                                       index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    """Finance's note: why less was paid than asked for, or why it was refused."""

    report: Mapped[Report] = relationship(back_populates="payment_request")
    application: Mapped[Application] = relationship()

    @property
    def state_label(self) -> str:
        return PaymentRequestState(self.state).label

    @property
    def reference(self) -> str:
        return f"Rekvisition {self.id}"


class ChangeRequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {ChangeRequestState.PENDING: "Väntar på beslut",
                ChangeRequestState.APPROVED: "Beviljad",
                ChangeRequestState.REFUSED: "Avslagen",
                ChangeRequestState.WITHDRAWN: "Återkallad"}[self]


class ChangeRequest(Base):
    """The pilot owner's request to change the grant (ändringsansökan): a longer period, moved
    report dates, or money moved from one budget year to another. A decider answers it with an
    amendment decision (``decision_id``)."""

    __tablename__ = "change_request"
    __table_args__ = (
        sa.CheckConstraint(f"state IN ({sql_in(ChangeRequestState)})", name="state"),
        sa.CheckConstraint(
            "(move_amount IS NULL AND move_from_year IS NULL AND move_to_year IS NULL)"
            " OR (move_amount > 0 AND move_from_year IS NOT NULL AND move_to_year IS NOT NULL"
            " AND move_from_year <> move_to_year)",
            name="money_move",
        ),
        sa.CheckConstraint("state IN ('pending', 'withdrawn') OR decision_id IS NOT NULL",
                           name="decided_by_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=ChangeRequestState.PENDING.value)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)
    """Why the change is needed."""
    new_project_end: Mapped[date | None] = mapped_column(sa.Date)
    new_report_dates: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    """``[{"kind": ..., "number": n, "due": "YYYY-MM-DD"}]``: reports whose date should move."""
    move_from_year: Mapped[int | None]
    move_to_year: Mapped[int | None]
    move_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"), unique=True)

    requested_by: Mapped[User] = relationship()

    @property
    def state_label(self) -> str:
        return ChangeRequestState(self.state).label
