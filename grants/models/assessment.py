"""Screening, rubrics and reviews: how a submitted case is checked and scored before a decision.

A rubric is data (criteria, weights, level labels); once a review has used a rubric it is frozen
and an edit makes a new version. A review belongs to one reviewer on one case and starts with the
jäv declaration (förvaltningslagen 16–18 §§): until the reviewer has declared "no jäv", they see
no more than the case's title, organisation and summary.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Base, UTCDateTime, sql_in, utcnow

if TYPE_CHECKING:
    from grants.models.applications import Application
    from grants.models.users import User


class Screening(Base):
    """The officer's formal check of a received application (one row per case, kept current)."""

    __tablename__ = "screening"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), primary_key=True)
    complete: Mapped[bool] = mapped_column(default=False)
    """The application has every part it needs (nothing to return for completion)."""
    eligible_applicant: Mapped[bool] = mapped_column(default=False)
    """A legal person of a kind that may apply."""
    within_aims: Mapped[bool] = mapped_column(default=False)
    """Within the fund's aims and focus areas (children and young people; a pilot, not
    ordinary operations)."""
    state_aid_handled: Mapped[bool] = mapped_column(default=False)
    """The state-aid question is checked (no economic activity, or de minimis declared)."""
    note: Mapped[str] = mapped_column(sa.Text, default="")
    screened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    screened_by: Mapped[User] = relationship(lazy="joined")

    CHECKS = ("complete", "eligible_applicant", "within_aims", "state_aid_handled")

    @property
    def passed(self) -> bool:
        return all(getattr(self, name) for name in self.CHECKS)


class CriterionKind(StrEnum):
    SCORED = "scored"
    """Scored 0–3 with a reason; weighted into the total."""
    HORIZONTAL = "horizontal"
    """Rated aktivt / delvis / inte; shown to deciders, not counted."""


class HorizontalRating(StrEnum):
    ACTIVE = "active"
    PARTIAL = "partial"
    NONE = "none"

    @property
    def label(self) -> str:
        return {HorizontalRating.ACTIVE: "Aktivt", HorizontalRating.PARTIAL: "Delvis",
                HorizontalRating.NONE: "Inte"}[self]


SCORE_MIN, SCORE_MAX = 0, 3


class Rubric(Base):
    """One version of the scoring rubric. The newest version is used for new reviews."""

    __tablename__ = "rubric"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

    criteria: Mapped[list[RubricCriterion]] = relationship(
        order_by="RubricCriterion.position", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def scored(self) -> list[RubricCriterion]:
        return [c for c in self.criteria if c.kind == CriterionKind.SCORED]

    @property
    def horizontal(self) -> list[RubricCriterion]:
        return [c for c in self.criteria if c.kind == CriterionKind.HORIZONTAL]

    @property
    def max_weighted_total(self) -> int:
        return sum(c.weight for c in self.scored) * SCORE_MAX


class RubricCriterion(Base):
    __tablename__ = "rubric_criterion"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({sql_in(CriterionKind)})", name="kind"),
        # Scored criteria weigh at least 1; horizontal ones are not counted at all.
        sa.CheckConstraint(
            "(kind = 'scored' AND weight BETWEEN 1 AND 10) OR (kind = 'horizontal' AND weight = 0)",
            name="weight_by_kind",
        ),
        sa.UniqueConstraint("rubric_id", "position", name="position_per_rubric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20), default=CriterionKind.SCORED.value)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[int] = mapped_column(default=1)
    level_labels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """What 0, 1, 2 and 3 mean for this criterion (scored criteria only)."""


class JavStatus(StrEnum):
    PENDING = "pending"
    NONE = "none"
    DECLARED = "declared"

    @property
    def label(self) -> str:
        return {JavStatus.PENDING: "Inte deklarerat", JavStatus.NONE: "Inget jäv",
                JavStatus.DECLARED: "Jävig"}[self]


JAV_GROUNDS: dict[int, str] = {
    1: "Saken angår mig själv, min make, sambo, förälder, barn, syskon eller någon annan "
       "närstående, eller kan väntas påverka mig eller någon närstående (16 § första stycket 1)",
    2: "Jag eller någon närstående är ställföreträdare för den sökande eller för någon som "
       "ärendet angår (16 § första stycket 2)",
    3: "Jag har tidigare tagit ställning i saken på ett sätt som kan ifrågasättas, eller "
       "medverkat i ärendet för den sökandes räkning (16 § första stycket 3)",
    4: "Det finns någon annan särskild omständighet som gör att min opartiskhet kan "
       "ifrågasättas (16 § första stycket 4)",
}
"""Förvaltningslagen (2017:900) 16 § points 1–4, as a reviewer declares them."""


class Recommendation(StrEnum):
    GRANT_FULL = "grant_full"
    GRANT_REDUCED = "grant_reduced"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {Recommendation.GRANT_FULL: "Bevilja sökt belopp",
                Recommendation.GRANT_REDUCED: "Bevilja med lägre belopp",
                Recommendation.REJECT: "Avslå"}[self]


class Review(Base):
    """One reviewer's assignment to one case: jäv declaration, scores, recommendation."""

    __tablename__ = "review"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id", name="one_per_reviewer"),
        sa.CheckConstraint(f"jav IN ({sql_in(JavStatus)})", name="jav"),
        sa.CheckConstraint(
            "(jav = 'declared') = (jav_ground IS NOT NULL)", name="ground_iff_declared"
        ),
        sa.CheckConstraint("jav_ground IS NULL OR jav_ground BETWEEN 1 AND 4", name="ground"),
        sa.CheckConstraint(
            f"recommendation IS NULL OR recommendation IN ({sql_in(Recommendation)})",
            name="recommendation",
        ),
        # A submitted review was made without jäv and says what it recommends.
        sa.CheckConstraint(
            "submitted_at IS NULL OR (jav = 'none' AND recommendation IS NOT NULL)",
            name="submitted_needs_recommendation",
        ),
        sa.CheckConstraint(
            "(recommendation = 'grant_reduced') = (recommended_amount IS NOT NULL)",
            name="amount_iff_reduced",
        ),
        sa.CheckConstraint("recommended_amount IS NULL OR recommended_amount >= 0",
                           name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric.id"))
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conflict_flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """Likely conflicts found at assignment (e.g. the reviewer's municipality is the pilot's)."""
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set when the officer takes the reviewer off the case (the row and its history stay)."""

    jav: Mapped[str] = mapped_column(sa.String(10), default=JavStatus.PENDING.value)
    jav_ground: Mapped[int | None]
    jav_note: Mapped[str] = mapped_column(sa.Text, default="")
    jav_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recommendation: Mapped[str | None] = mapped_column(sa.String(20))
    recommended_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    """The reviewer's comment to the officer."""
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])
    rubric: Mapped[Rubric] = relationship(lazy="joined")
    scores: Mapped[list[ReviewScore]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ReviewScore.criterion_id"
    )

    @property
    def active(self) -> bool:
        """On the case: not taken off and not jävig."""
        return self.removed_at is None and self.jav != JavStatus.DECLARED

    @property
    def cleared(self) -> bool:
        """Declared no jäv and still on the case: may see the whole application."""
        return self.removed_at is None and self.jav == JavStatus.NONE

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def jav_label(self) -> str:
        return JavStatus(self.jav).label

    @property
    def recommendation_label(self) -> str:
        return Recommendation(self.recommendation).label if self.recommendation else ""

    def score_for(self, criterion_id: int) -> ReviewScore | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)

    @property
    def weighted_total(self) -> int:
        weights = {c.id: c.weight for c in self.rubric.scored}
        return sum(weights[s.criterion_id] * s.score for s in self.scores
                   if s.score is not None and s.criterion_id in weights)


class ReviewScore(Base):
    """A reviewer's score (0–3) or horizontal rating on one criterion, with the reason."""

    __tablename__ = "review_score"
    __table_args__ = (
        sa.CheckConstraint(f"score IS NULL OR score BETWEEN {SCORE_MIN} AND {SCORE_MAX}",
                           name="score_range"),
        sa.CheckConstraint(f"rating IS NULL OR rating IN ({sql_in(HorizontalRating)})",
                           name="rating"),
    )

    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review.id", ondelete="CASCADE"), primary_key=True
    )
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_criterion.id"), primary_key=True
    )
    score: Mapped[int | None]
    rating: Mapped[str | None] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def rating_label(self) -> str:
        return HorizontalRating(self.rating).label if self.rating else ""
