"""What an application says: its indicators, budget, checklist answers, attachments.

The application row holds the single-valued sections (project, target group, state aid, contact);
the lists live here, one row per line, in whole kronor where they are money.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.db import Base, UTCDateTime, sql_in, utcnow


class CostType(StrEnum):
    OWN_STAFF = "own_staff"
    EXTERNAL_SERVICES = "external_services"
    TRAVEL = "travel"
    OTHER = "other"
    INDIRECT = "indirect"

    @property
    def label(self) -> str:
        return {
            CostType.OWN_STAFF: "Egen personal",
            CostType.EXTERNAL_SERVICES: "Externa tjänster",
            CostType.TRAVEL: "Resor",
            CostType.OTHER: "Övriga kostnader",
            CostType.INDIRECT: "Indirekta kostnader",
        }[self]


class CoFinancingKind(StrEnum):
    CASH = "cash"
    WORK_TIME = "work_time"

    @property
    def label(self) -> str:
        return {CoFinancingKind.CASH: "Kontanta medel",
                CoFinancingKind.WORK_TIME: "Arbetad tid"}[self]


class ChecklistAnswerValue(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "na"

    @property
    def label(self) -> str:
        return {ChecklistAnswerValue.YES: "Ja", ChecklistAnswerValue.NO: "Nej",
                ChecklistAnswerValue.NOT_APPLICABLE: "Inte aktuellt"}[self]


class FocusArea(Base):
    """One of the fund's insatsområden: reference data, seeded and editable."""

    __tablename__ = "focus_area"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


application_focus_area = sa.Table(
    "application_focus_area",
    Base.metadata,
    sa.Column("application_id", sa.ForeignKey("application.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("focus_area_code", sa.ForeignKey("focus_area.code"), primary_key=True),
)

application_municipality = sa.Table(
    "application_municipality",
    Base.metadata,
    sa.Column("application_id", sa.ForeignKey("application.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("municipality_code", sa.ForeignKey("municipality.code"), primary_key=True),
)


class ResultIndicator(Base):
    __tablename__ = "result_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(100), default="")
    baseline: Mapped[str] = mapped_column(sa.String(100), default="")
    target: Mapped[str] = mapped_column(sa.String(100), default="")
    by_sex: Mapped[bool] = mapped_column(default=False)
    """Whether results are reported separately for girls and boys (indicators about people)."""


class BudgetLine(Base):
    __tablename__ = "budget_line"
    __table_args__ = (
        sa.CheckConstraint(f"cost_type IN ({sql_in(CostType)})", name="cost_type"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    year: Mapped[int]
    cost_type: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    amount: Mapped[int] = mapped_column(sa.BigInteger)

    @property
    def cost_type_label(self) -> str:
        return CostType(self.cost_type).label


class CoFinancingLine(Base):
    __tablename__ = "co_financing_line"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(CoFinancingKind)})", name="kind"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    funder: Mapped[str] = mapped_column(sa.String(200))
    """Who contributes (the applicant itself or a partner)."""
    amount: Mapped[int] = mapped_column(sa.BigInteger)

    @property
    def kind_label(self) -> str:
        return CoFinancingKind(self.kind).label


class RequestedAmount(Base):
    """The support asked for from one budget year's pot."""

    __tablename__ = "requested_amount"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_not_negative"),)

    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger)


class ChecklistVersion(Base):
    """A published set of checklist questions. Applications keep the version they started on,
    so changing the questions never changes what an earlier applicant answered."""

    __tablename__ = "checklist_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[ChecklistQuestion]] = relationship(
        order_by="ChecklistQuestion.position", lazy="selectin"
    )


class ChecklistGroup(StrEnum):
    GENDER_EQUALITY = "gender_equality"
    SUSTAINABILITY = "sustainability"


class ChecklistQuestion(Base):
    __tablename__ = "checklist_question"
    __table_args__ = (
        sa.CheckConstraint(f"checklist IN ({sql_in(ChecklistGroup)})", name="checklist"),
        sa.UniqueConstraint("version_id", "position", name="position_per_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_version.id"), index=True)
    checklist: Mapped[str] = mapped_column(sa.String(30))
    position: Mapped[int]
    """The question's number, 1–9 across both checklists, as in the guidance."""
    text: Mapped[str] = mapped_column(sa.Text)
    hint: Mapped[str] = mapped_column(sa.Text, default="")


class ChecklistAnswer(Base):
    __tablename__ = "checklist_answer"
    __table_args__ = (
        sa.CheckConstraint(f"answer IN ({sql_in(ChecklistAnswerValue)})", name="answer"),
    )

    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checklist_question.id"), primary_key=True
    )
    answer: Mapped[str] = mapped_column(sa.String(3))
    explanation: Mapped[str] = mapped_column(sa.Text, default="")

    question: Mapped[ChecklistQuestion] = relationship(lazy="joined")

    @property
    def answer_label(self) -> str:
        return ChecklistAnswerValue(self.answer).label


class Attachment(Base):
    """An uploaded file, kept in the database (every app process sees it; backups include it).

    The bytes load only when asked for (``deferred``), so lists of attachments stay light.
    """

    __tablename__ = "attachment"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"), index=True)
    """Set for a file that belongs to a report rather than to the application itself."""
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    """The type found in the content (never the one the browser claimed)."""
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set when the applicant removes a draft's attachment; nothing received is deleted."""
