"""The officer's assessment, the decision, its immutable letter, and the texts letters use.

A decision records what förvaltningslagen 31–33 §§ asks: the date, the operative content, who
decided and who presented the case. Its letter is issued once and never changes (bytes, sha256,
the data snapshot and the template version are stored); a correction is a new decision that
refers to the old one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.db import Base, UTCDateTime, append_only, sql_in, utcnow
from grants.money import format_permille

if TYPE_CHECKING:
    from grants.models.applications import Application
    from grants.models.reports import ChangeRequest
    from grants.models.users import User


class Outcome(StrEnum):
    GRANT = "grant"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {Outcome.GRANT: "Beviljas", Outcome.REJECT: "Avslås"}[self]


class Assessment(Base):
    """The officer's proposal to the decider (föredragandens förslag), made when assessing."""

    __tablename__ = "assessment"
    __table_args__ = (sa.CheckConstraint(f"proposal IN ({sql_in(Outcome)})", name="proposal"),)

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), primary_key=True)
    proposal: Mapped[str] = mapped_column(sa.String(10))
    proposed_amounts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    """Budget year (as text, JSON keys) → kronor proposed; empty for a rejection."""
    note: Mapped[str] = mapped_column(sa.Text, default="")
    """The föredragande's note: the case, the reviews, and why this proposal."""
    presented_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    presented_by: Mapped[User] = relationship(lazy="joined")

    @property
    def proposal_label(self) -> str:
        return {Outcome.GRANT: "Bevilja", Outcome.REJECT: "Avslå"}[Outcome(self.proposal)]

    @property
    def proposed_total(self) -> int:
        return sum(self.proposed_amounts.values())


class ReportKind(StrEnum):
    STAGE = "stage"
    """Formative, during the pilot: how it goes, costs so far (may carry a payment request)."""
    FOLLOW_UP = "follow_up"
    """At the end: results against targets, participants, costs, what was learned."""
    SCALE_UP = "scale_up"
    """Who takes the work into ordinary operations, financed how, from when."""
    FINAL_FINANCIAL = "final_financial"
    """The final accounting of costs and co-financing (may carry the last payment request)."""

    @property
    def label(self) -> str:
        return REPORT_KIND_LABELS[self]


REPORT_KIND_LABELS = {
    ReportKind.STAGE: "Delrapport",
    ReportKind.FOLLOW_UP: "Uppföljningsrapport",
    ReportKind.SCALE_UP: "Rapport om införande i ordinarie verksamhet",
    ReportKind.FINAL_FINANCIAL: "Ekonomisk slutrapport",
}


class DecisionKind(StrEnum):
    DECISION = "decision"
    """The decision on the application (and its corrections)."""
    AMENDMENT = "amendment"
    """Ändringsbeslut on a granted pilot's request: period, report dates, money between years.
    Outcome ``grant`` approves the change, ``reject`` refuses it."""
    CANCELLATION = "cancellation"
    """The grant is withdrawn (återkallat): unpaid money released, perhaps a repayment claim."""

    @property
    def label(self) -> str:
        return {DecisionKind.DECISION: "Beslut", DecisionKind.AMENDMENT: "Ändringsbeslut",
                DecisionKind.CANCELLATION: "Beslut om återkallelse"}[self]


class Decision(Base):
    __tablename__ = "decision"
    __table_args__ = (
        sa.CheckConstraint(f"outcome IN ({sql_in(Outcome)})", name="outcome"),
        sa.CheckConstraint("appeal_deadline > minutes_posted", name="deadline_after_posting"),
        sa.CheckConstraint("minutes_posted >= decision_date", name="posted_after_decision"),
        # A grant has a project period and a support share; a rejection has neither.
        sa.CheckConstraint(
            "(outcome = 'grant' AND project_start IS NOT NULL AND project_end IS NOT NULL"
            " AND support_share_permille IS NOT NULL)"
            " OR (outcome = 'reject' AND support_share_permille IS NULL)",
            name="grant_has_terms",
        ),
        sa.CheckConstraint("length(reasons) > 0 OR outcome = 'grant'", name="reject_has_reasons"),
        sa.CheckConstraint(f"kind IN ({sql_in(DecisionKind)})", name="kind"),
        sa.CheckConstraint("kind = 'cancellation' OR claimed_back = 0",
                           name="claims_only_on_cancel"),
        sa.CheckConstraint("kind <> 'cancellation' OR outcome = 'reject'",
                           name="cancellation_withdraws"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(10))
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"), unique=True)
    """The decision this one corrects (förvaltningslagen 36 §); the old one stays on file."""
    correction_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    presented_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    decision_date: Mapped[date] = mapped_column(sa.Date)
    minutes_posted: Mapped[date] = mapped_column(sa.Date)
    """The day the approval of the minutes was posted on the region's notice board."""
    appeal_deadline: Mapped[date] = mapped_column(sa.Date)
    """The last day to appeal (laglighetsprövning: three weeks from ``minutes_posted``)."""
    project_start: Mapped[date | None] = mapped_column(sa.Date)
    project_end: Mapped[date | None] = mapped_column(sa.Date)
    support_share_permille: Mapped[int | None]
    """The grant as a share of the project's total costs, in tenths of a percent (500 = 50,0 %)."""
    reasons: Mapped[str] = mapped_column(sa.Text, default="")
    conditions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """The standard conditions, copied from the template in force when deciding."""
    extra_conditions: Mapped[str] = mapped_column(sa.Text, default="")
    decider_jav_confirmed: Mapped[bool] = mapped_column(default=False)
    """The decider confirmed that they are not disqualified (förvaltningslagen 16 §)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hold_letter: Mapped[bool] = mapped_column(default=False)
    """Decided in a meeting whose letters are released together (batch release)."""
    kind: Mapped[str] = mapped_column(sa.String(20), default=DecisionKind.DECISION.value,
                                      server_default=DecisionKind.DECISION.value)
    claimed_back: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    """A cancellation's repayment claim (återkrav), in kronor."""

    application: Mapped[Application] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id], lazy="joined")
    presented_by: Mapped[User] = relationship(foreign_keys=[presented_by_id], lazy="joined")
    amounts: Mapped[list[DecisionAmount]] = relationship(
        order_by="DecisionAmount.year", lazy="selectin", cascade="all, delete-orphan"
    )
    report_dues: Mapped[list[ReportDue]] = relationship(
        order_by="(ReportDue.due_date, ReportDue.id)", lazy="selectin",
        cascade="all, delete-orphan",
    )
    letter: Mapped[Letter | None] = relationship(back_populates="decision", uselist=False)
    supersedes: Mapped[Decision | None] = relationship(remote_side=[id])
    change_request: Mapped[ChangeRequest | None] = relationship(viewonly=True, uselist=False)
    """The request an amendment decision answers."""

    @property
    def outcome_label(self) -> str:
        if self.kind == DecisionKind.AMENDMENT:
            return "Ändringen beviljas" if self.outcome == Outcome.GRANT else "Ändringen avslås"
        if self.kind == DecisionKind.CANCELLATION:
            return "Stödet återkallas"
        return Outcome(self.outcome).label

    @property
    def kind_label(self) -> str:
        return DecisionKind(self.kind).label

    @property
    def sets_terms(self) -> bool:
        """Whether this decision's terms (money, period, reports) are the ones in force from it
        on: not a refused amendment, not a cancellation (the same rule as :func:`sets_terms`
        in SQL)."""
        if self.kind == DecisionKind.CANCELLATION:
            return False
        return not (self.kind == DecisionKind.AMENDMENT and self.outcome == Outcome.REJECT)

    @property
    def total(self) -> int:
        return sum(a.amount for a in self.amounts)

    @property
    def support_share(self) -> str:
        if self.support_share_permille is None:
            return ""
        return format_permille(self.support_share_permille)


def sets_terms(decision: Any = None) -> sa.ColumnElement[bool]:
    """Decision.sets_terms as a SQL condition on ``decision`` (the Decision entity or an alias
    of it), for queries that pick the decision in force."""
    decision = decision if decision is not None else Decision
    return sa.and_(
        decision.kind != DecisionKind.CANCELLATION.value,
        sa.not_(sa.and_(decision.kind == DecisionKind.AMENDMENT.value,
                        decision.outcome == Outcome.REJECT.value)),
    )


class DecisionAmount(Base):
    __tablename__ = "decision_amount"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger)


class ReportDue(Base):
    """A report the grant's conditions ask for, and when.

    ``(kind, number)`` names the report across decisions: an amendment copies the dues with new
    dates, and the report written for "stage report 2" answers whichever decision is in force.
    The officer may move a date (logged); reminders follow the date in force.
    """

    __tablename__ = "report_due"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(ReportKind)})", name="kind"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.UniqueConstraint("decision_id", "kind", "number", name="one_due_per_report"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    number: Mapped[int] = mapped_column(default=1, server_default="1")
    due_date: Mapped[date] = mapped_column(sa.Date)

    @property
    def label(self) -> str:
        label = ReportKind(self.kind).label
        return f"{label} {self.number}" if self.kind == ReportKind.STAGE else label


class Letter(Base):
    """An issued decision letter: immutable (ORM guard and database triggers)."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decision.id"), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    template_version: Mapped[str] = mapped_column(sa.String(40))
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """Everything the letter says, as data: the letter can be proven from it at any time."""
    html: Mapped[str] = deferred(mapped_column(sa.Text))
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    """Of the PDF bytes: a changed stored letter no longer matches."""

    decision: Mapped[Decision] = relationship(back_populates="letter")

    @property
    def filename(self) -> str:
        reference = self.snapshot.get("case", {}).get("dnr") or self.snapshot.get(
            "case", {}).get("reference", "")
        return f"beslut-{reference}-{self.id}.pdf"


append_only(Letter.__table__)


class LetterTextKey(StrEnum):
    CONDITIONS = "conditions"
    APPEAL_GRANT = "appeal_grant"
    APPEAL_REJECT = "appeal_reject"
    PROVISIONS = "provisions"

    @property
    def label(self) -> str:
        return {
            LetterTextKey.CONDITIONS: "Villkor för beviljat stöd",
            LetterTextKey.APPEAL_GRANT: "Hur man överklagar – beviljat stöd",
            LetterTextKey.APPEAL_REJECT: "Hur man överklagar – avslag",
            LetterTextKey.PROVISIONS: "Bestämmelser som tillämpas",
        }[self]


class LetterText(Base):
    """A versioned text block decision letters use (conditions, appeal instructions, provisions).

    Paragraphs are separated by blank lines; ``{sista_dag}`` and ``{anslagsdag}`` in appeal texts
    are filled in per decision. A new version is a new row; letters keep the text they were
    issued with in their snapshot.
    """

    __tablename__ = "letter_text"
    __table_args__ = (
        sa.CheckConstraint(f"key IN ({sql_in(LetterTextKey)})", name="key"),
        sa.UniqueConstraint("key", "version", name="version_per_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(30))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.split("\n\n") if p.strip()]


class LedgerKind(StrEnum):
    RESERVATION = "reservation"
    """A change of the year's reserved amount (signed), carry-over included."""
    COMMITMENT = "commitment"
    RELEASE = "release"
    PAYMENT = "payment"
    REPAYMENT_CLAIM = "repayment_claim"
    REPAYMENT = "repayment"
    """Money paid back after a claim (återkrav)."""

    @property
    def label(self) -> str:
        return {
            LedgerKind.RESERVATION: "Ändrad avsättning",
            LedgerKind.COMMITMENT: "Beviljat",
            LedgerKind.RELEASE: "Återfört till året",
            LedgerKind.PAYMENT: "Utbetalning",
            LedgerKind.REPAYMENT_CLAIM: "Återkrav",
            LedgerKind.REPAYMENT: "Återbetalning",
        }[self]


class PaymentKind(StrEnum):
    ADVANCE = "advance"
    COSTS = "costs"

    @property
    def label(self) -> str:
        return {PaymentKind.ADVANCE: "Förskott",
                PaymentKind.COSTS: "Mot redovisade kostnader"}[self]


class LedgerEntry(Base):
    """A movement of a year's reserved money (append-only); the finance issue adds more kinds.

    ``Pot.committed`` caches the sum of commitments and is guarded by the database.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(LedgerKind)})", name="kind"),
        # Only a reservation change is signed; every other movement is a positive amount.
        sa.CheckConstraint("amount > 0 OR (kind = 'reservation' AND amount <> 0)",
                           name="amount_sign"),
        sa.CheckConstraint(
            "(kind = 'payment') = (payment_kind IS NOT NULL AND payment_date IS NOT NULL)",
            name="payment_fields",
        ),
        sa.CheckConstraint(
            f"payment_kind IS NULL OR payment_kind IN ({sql_in(PaymentKind)})",
            name="payment_kind",
        ),
        sa.CheckConstraint("kind = 'reservation' OR application_id IS NOT NULL",
                           name="pilot_movements_name_the_pilot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.ForeignKey("pot.year"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    payment_kind: Mapped[str | None] = mapped_column(sa.String(10))
    payment_date: Mapped[date | None] = mapped_column(sa.Date)
    """The day the money left the region (may be in a later year than ``year``)."""
    reference: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    """What the payment rests on: the payment request, report or invoice number."""
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    """The form's one-time key: the same form sent twice books one movement."""

    @property
    def kind_label(self) -> str:
        label = LedgerKind(self.kind).label
        if self.payment_kind:
            label += f" ({PaymentKind(self.payment_kind).label.lower()})"
        return label


append_only(LedgerEntry.__table__)

sa.Index("ix_ledger_entry_year_kind", LedgerEntry.year, LedgerEntry.kind, LedgerEntry.amount)
"""The ledger summed per year and kind (the finance pages) from the index alone (migration
0010)."""


class PilotAccount(Base):
    """One granted pilot's money, cached from the ledger and guarded like the pots: paid never
    exceeds what is granted and not released."""

    __tablename__ = "pilot_account"
    __table_args__ = (
        sa.CheckConstraint(
            "granted >= 0 AND released >= 0 AND paid >= 0 AND released <= granted"
            " AND paid <= granted - released",
            name="paid_within_grant",
        ),
        sa.CheckConstraint("claimed >= 0 AND repaid >= 0 AND repaid <= claimed",
                           name="repaid_within_claim"),
    )

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"),
                                                primary_key=True)
    granted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    released: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    advances: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    claimed: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    """Repayment claimed (återkrav)."""
    repaid: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    @property
    def net_granted(self) -> int:
        return self.granted - self.released

    @property
    def unpaid(self) -> int:
        return self.net_granted - self.paid
