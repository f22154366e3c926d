"""The assessment summary: what the reviews of a case say, side by side, for the officer who
presents the case and the decider who decides it.

Only reviews that are cleared of jäv and handed in count. Means are exact fractions, shown with
one decimal and a Swedish decimal comma; money stays whole kronor. The horizontal criteria are
shown but never counted in the points. The pot lines show, per budget year the application asks
money from, what is reserved, already granted and left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa

from grants.db import session
from grants.models import (
    JAV_GROUNDS,
    Application,
    CriterionKind,
    HorizontalRating,
    JavStatus,
    Pot,
    Review,
)
from grants.operations.assessment import reviewers_required


def one_decimal(value: Fraction) -> str:
    """``Fraction(5, 2)`` → ``"2,5"``: rounded half up to one decimal, with a decimal comma."""
    tenths = math.floor(value * 10 + Fraction(1, 2))
    sign = "−" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{sign}{whole},{tenth}"


@dataclass(frozen=True)
class ScoreLine:
    """One reviewer's score on one scored criterion, with the reason given."""

    title: str
    weight: int
    score: int | None
    reason: str


@dataclass(frozen=True)
class RatingLine:
    """One reviewer's rating on one horizontal criterion (not counted in the points)."""

    title: str
    rating: str | None
    reason: str

    @property
    def label(self) -> str:
        return HorizontalRating(self.rating).label if self.rating else "Inte bedömt"


@dataclass(frozen=True)
class ReviewerSummary:
    review_id: int
    name: str
    submitted_at: datetime | None
    scores: list[ScoreLine]
    ratings: list[RatingLine]
    weighted_total: int
    max_total: int
    recommendation: str
    """The recommendation's label, e.g. "Bevilja med lägre belopp"."""
    recommended_amount: int | None
    comment: str
    conflict_flags: list[str]

    def score_for(self, key: CriterionKey) -> int | None:
        return next((s.score for s in self.scores if (s.title, s.weight) == key), None)

    def rating_for(self, title: str) -> RatingLine | None:
        return next((r for r in self.ratings if r.title == title), None)


CriterionKey = tuple[str, int]
"""A scored criterion across reviews: its title and weight (reviews made on different rubric
versions are compared where the criterion is the same)."""


@dataclass(frozen=True)
class CriterionSummary:
    title: str
    weight: int
    scores: list[int]
    """The scores given, in the order of the reviewers."""

    @property
    def key(self) -> CriterionKey:
        return (self.title, self.weight)

    @property
    def mean(self) -> Fraction | None:
        return Fraction(sum(self.scores), len(self.scores)) if self.scores else None

    @property
    def mean_text(self) -> str:
        return one_decimal(self.mean) if self.mean is not None else "–"

    @property
    def spread_text(self) -> str:
        if not self.scores:
            return "–"
        low, high = min(self.scores), max(self.scores)
        return str(low) if low == high else f"{low}–{high}"


@dataclass(frozen=True)
class HorizontalSummary:
    title: str
    description: str
    ratings: list[RatingLine | None]
    """Per reviewer, in the order of the reviewers (None: the review's rubric lacks it)."""

    def count(self, rating: HorizontalRating) -> int:
        return sum(1 for r in self.ratings if r is not None and r.rating == rating.value)


@dataclass(frozen=True)
class PendingReviewer:
    """A reviewer on the case whose review does not count (yet): with the reason why."""

    name: str
    status: str
    jav_ground: str = ""
    jav_note: str = ""

    @property
    def jav(self) -> bool:
        return bool(self.jav_ground)


@dataclass(frozen=True)
class PotLine:
    year: int
    requested: int
    reserved: int | None
    """None: there is no pot for the year."""
    committed: int | None
    remaining: int | None

    @property
    def exists(self) -> bool:
        return self.reserved is not None

    @property
    def short(self) -> bool:
        """The pot has less left than the application asks from it."""
        return self.remaining is not None and self.remaining < self.requested


@dataclass(frozen=True)
class AssessmentSummary:
    required: int
    reviewers: list[ReviewerSummary]
    criteria: list[CriterionSummary]
    horizontal: list[HorizontalSummary]
    pending: list[PendingReviewer]
    pots: list[PotLine]
    requested_total: int
    max_total: int = 0
    """The highest weighted total a review can reach (on the newest rubric used)."""
    notes: list[str] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return len(self.reviewers)

    @property
    def complete(self) -> bool:
        return self.submitted >= self.required

    @property
    def mean_total(self) -> Fraction | None:
        if not self.reviewers:
            return None
        return Fraction(sum(r.weighted_total for r in self.reviewers), len(self.reviewers))

    @property
    def mean_total_text(self) -> str:
        return one_decimal(self.mean_total) if self.mean_total is not None else "–"

    @property
    def total_spread_text(self) -> str:
        totals = [r.weighted_total for r in self.reviewers]
        if not totals:
            return "–"
        return str(min(totals)) if min(totals) == max(totals) else f"{min(totals)}–{max(totals)}"


def _reviewer_summary(review: Review) -> ReviewerSummary:
    rubric = review.rubric
    scores = []
    ratings = []
    for criterion in rubric.criteria:
        row = review.score_for(criterion.id)
        if criterion.kind == CriterionKind.SCORED:
            scores.append(ScoreLine(criterion.title, criterion.weight,
                                    row.score if row else None, row.reason if row else ""))
        else:
            ratings.append(RatingLine(criterion.title, row.rating if row else None,
                                      row.reason if row else ""))
    return ReviewerSummary(
        review_id=review.id, name=review.reviewer.name, submitted_at=review.submitted_at,
        scores=scores, ratings=ratings, weighted_total=review.weighted_total,
        max_total=rubric.max_weighted_total, recommendation=review.recommendation_label,
        recommended_amount=review.recommended_amount, comment=review.comment,
        conflict_flags=list(review.conflict_flags or []),
    )


def _pending(review: Review) -> PendingReviewer | None:
    name = review.reviewer.name
    if review.jav == JavStatus.DECLARED:
        ground = review.jav_ground or 0
        return PendingReviewer(name, "Jävig: räknas inte",
                               jav_ground=f"{ground}. {JAV_GROUNDS.get(ground, '')}",
                               jav_note=review.jav_note)
    if review.removed_at is not None:
        return None  # taken off the case: no longer part of it
    if review.jav == JavStatus.PENDING:
        return PendingReviewer(name, "Har inte lämnat sin jävsdeklaration")
    if not review.submitted:
        return PendingReviewer(name, "Granskningen är inte inlämnad")
    return None


def _pot_lines(application: Application) -> list[PotLine]:
    requested = {r.year: r.amount for r in application.requested_amounts}
    if not requested:
        return []
    pots = {p.year: p for p in session.scalars(sa.select(Pot).where(Pot.year.in_(list(requested))))}
    lines = []
    for year, amount in sorted(requested.items()):
        pot = pots.get(year)
        lines.append(PotLine(
            year=year, requested=amount,
            reserved=pot.reserved if pot else None, committed=pot.net_committed if pot else None,
            remaining=pot.remaining if pot else None,
        ))
    return lines


def assessment_summary(application: Application) -> AssessmentSummary:
    """The reviews of ``application`` side by side (see the module docstring).

    Reads ``application.reviews`` (with their reviewers, rubrics and scores) and the pots of
    the years the application asks money from; changes nothing.
    """
    counted = [r for r in application.reviews if r.cleared and r.submitted]
    reviewers = [_reviewer_summary(r) for r in counted]
    pending = [p for p in (_pending(r) for r in application.reviews
                           if not (r.cleared and r.submitted)) if p is not None]

    criteria: dict[CriterionKey, list[int]] = {}
    horizontal: dict[str, str] = {}
    for review in counted:
        for criterion in review.rubric.criteria:
            if criterion.kind == CriterionKind.SCORED:
                criteria.setdefault((criterion.title, criterion.weight), [])
            else:
                horizontal.setdefault(criterion.title, criterion.description)
    for reviewer in reviewers:
        for line in reviewer.scores:
            if line.score is not None:
                criteria[(line.title, line.weight)].append(line.score)

    notes = []
    if len({r.rubric_id for r in counted}) > 1:
        notes.append("Granskningarna är gjorda med olika versioner av bedömningsmallen. "
                     "Kriterier jämförs där titel och vikt är desamma.")
    newest = max((r.rubric for r in counted), key=lambda rubric: rubric.number, default=None)
    return AssessmentSummary(
        required=reviewers_required(application),
        reviewers=reviewers,
        criteria=[CriterionSummary(title, weight, scores)
                  for (title, weight), scores in criteria.items()],
        horizontal=[HorizontalSummary(title, description,
                                      [r.rating_for(title) for r in reviewers])
                    for title, description in horizontal.items()],
        pending=pending,
        pots=_pot_lines(application),
        requested_total=application.requested_total,
        max_total=newest.max_weighted_total if newest else 0,
        notes=notes,
    )


__all__ = ["AssessmentSummary", "assessment_summary", "one_decimal"]
