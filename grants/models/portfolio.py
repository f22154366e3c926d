"""The portfolio: how the core team sees the pilots together (the partner region's practice).

Officers tag each pilot with the levers it pulls and a horizon, record how pilots relate, and keep
a dated record of each portfolio review: which pilots to continue, which gaps to fill, which to
stop, each with a reason. Internal notes never reach the public version of the map.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, sql_in, utcnow

if TYPE_CHECKING:
    from grants.models.applications import Application


class Lever(StrEnum):
    """Systemic levers (hävstänger) a pilot works through."""

    CULTURE = "culture"
    DATA = "data"
    BUILT_ENVIRONMENT = "built_environment"
    MONEY = "money"
    GOVERNANCE = "governance"
    RULES = "rules"

    @property
    def label(self) -> str:
        return {
            Lever.CULTURE: "Kultur och förmågor",
            Lever.DATA: "Data och digitala tjänster",
            Lever.BUILT_ENVIRONMENT: "Byggd miljö",
            Lever.MONEY: "Upphandling, investeringar och budget",
            Lever.GOVERNANCE: "Policy, styrning och ledarskap",
            Lever.RULES: "Regler och lagar",
        }[self]


class Horizon(StrEnum):
    """How far from today's practice the pilot reaches."""

    NEAR = "near"
    NEXT = "next"
    NEW = "new"

    @property
    def label(self) -> str:
        return {Horizon.NEAR: "Nära – förbättrar det som finns",
                Horizon.NEXT: "Nästa – prövar något nytt inom dagens system",
                Horizon.NEW: "Nytt – prövar ett annat sätt att arbeta"}[self]

    @property
    def short_label(self) -> str:
        return {Horizon.NEAR: "Nära", Horizon.NEXT: "Nästa", Horizon.NEW: "Nytt"}[self]


pilot_lever = sa.Table(
    "pilot_lever",
    Base.metadata,
    sa.Column("application_id", sa.ForeignKey("application.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("lever", sa.String(30), primary_key=True),
    sa.CheckConstraint(f"lever IN ({sql_in(Lever)})", name="lever"),
)


class PortfolioEntry(Base):
    """One pilot's place in the portfolio: its horizon and the officers' internal note (the
    levers are rows of ``pilot_lever``)."""

    __tablename__ = "portfolio_entry"
    __table_args__ = (
        sa.CheckConstraint(f"horizon IS NULL OR horizon IN ({sql_in(Horizon)})",
                           name="horizon"),
    )

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"),
                                                primary_key=True)
    horizon: Mapped[str | None] = mapped_column(sa.String(10))
    internal_note: Mapped[str] = mapped_column(sa.Text, default="")
    """For the core team only: never shown publicly."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

    @property
    def horizon_label(self) -> str:
        return Horizon(self.horizon).label if self.horizon else "Inte bedömd"


class RelationKind(StrEnum):
    BUILDS_ON = "builds_on"
    RELATED_TO = "related_to"

    @property
    def label(self) -> str:
        return {RelationKind.BUILDS_ON: "bygger på",
                RelationKind.RELATED_TO: "hänger ihop med"}[self]


class PilotRelation(Base):
    """"Pilot A builds on pilot B", or "A is related to B"."""

    __tablename__ = "pilot_relation"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(RelationKind)})", name="kind"),
        sa.CheckConstraint("from_id <> to_id", name="not_to_itself"),
        sa.UniqueConstraint("from_id", "to_id", "kind", name="one_relation_of_a_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    to_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    """Internal: why they relate."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

    source: Mapped[Application] = relationship(foreign_keys=[from_id], lazy="joined")
    target: Mapped[Application] = relationship(foreign_keys=[to_id], lazy="joined")

    @property
    def kind_label(self) -> str:
        return RelationKind(self.kind).label


class PortfolioReview(Base):
    """A portfolio review meeting: what the core team decided about the portfolio that day."""

    __tablename__ = "portfolio_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(sa.Date, index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

    decisions: Mapped[list[PortfolioDecision]] = relationship(
        order_by="PortfolioDecision.id", cascade="all, delete-orphan", lazy="selectin")


class PortfolioChoice(StrEnum):
    CONTINUE = "continue"
    FILL_GAP = "fill_gap"
    STOP = "stop"

    @property
    def label(self) -> str:
        return {PortfolioChoice.CONTINUE: "Fortsätt", PortfolioChoice.FILL_GAP: "Fyll glapp",
                PortfolioChoice.STOP: "Avsluta"}[self]


class PortfolioDecision(Base):
    """One line of a review: continue or stop a pilot, or fill a gap (described in words, with
    the focus area and municipality where it shows), always with a reason."""

    __tablename__ = "portfolio_decision"
    __table_args__ = (
        sa.CheckConstraint(f"choice IN ({sql_in(PortfolioChoice)})", name="choice"),
        sa.CheckConstraint("choice = 'fill_gap' OR application_id IS NOT NULL",
                           name="pilot_unless_gap"),
        sa.CheckConstraint("choice <> 'fill_gap' OR length(gap) > 0", name="gap_described"),
        sa.CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("portfolio_review.id", ondelete="CASCADE"), index=True)
    choice: Mapped[str] = mapped_column(sa.String(10))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"))
    gap: Mapped[str] = mapped_column(sa.Text, default="")
    focus_area_code: Mapped[str | None] = mapped_column(sa.ForeignKey("focus_area.code"))
    municipality_code: Mapped[str | None] = mapped_column(sa.ForeignKey("municipality.code"))
    reason: Mapped[str] = mapped_column(sa.Text)

    application: Mapped[Application | None] = relationship(lazy="joined")

    @property
    def choice_label(self) -> str:
        return PortfolioChoice(self.choice).label
