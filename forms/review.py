"""The reviewer's forms: the jäv declaration, and the review itself (built per rubric).

The forms check what a person can see next to a field (a score is one of 0–3, a reason is
written, a ground is chosen); the operations in :mod:`grants.operations.assessment` hold the
rules again and have the last word (their reasons are shown in the error summary).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_wtf import FlaskForm
from wtforms import Field, SubmitField
from wtforms.validators import ValidationError

from forms.fields import ChoiceField, KronorField, RadioChoiceField, text_field
from grants.models import (
    JAV_GROUNDS,
    CriterionKind,
    HorizontalRating,
    Recommendation,
    Review,
    RubricCriterion,
)
from grants.models.assessment import SCORE_MAX, SCORE_MIN

TEXT_LIMIT = 5000
"""As the operations' limit on reasons and comments."""

DISQUALIFIED, NOT_DISQUALIFIED = "yes", "no"


# Jäv ---------------------------------------------------------------------------------------------


class JavDeclarationForm(FlaskForm):
    """"I am not disqualified", or "I am", with the ground (FL 16 § 1–4) and a short note."""

    disqualified = RadioChoiceField(
        "Är du jävig i det här ärendet?",
        choices=[(NOT_DISQUALIFIED, "Jag är inte jävig"), (DISQUALIFIED, "Jag är jävig")],
    )
    ground = ChoiceField(
        "Jävsgrund",
        choices=[("", "Välj jävsgrund")] + [(str(n), text) for n, text in JAV_GROUNDS.items()],
        description="Fyll i om du är jävig: vilken punkt i förvaltningslagen 16 § som gäller.",
    )
    note = text_field(
        "Beskriv kort varför du är jävig", TEXT_LIMIT,
        description="Fyll i om du är jävig. Handläggaren läser det; skriv inga personnummer.",
    )
    declare = SubmitField("Lämna jävsdeklarationen")

    @property
    def is_disqualified(self) -> bool:
        return self.disqualified.data == DISQUALIFIED

    @property
    def ground_number(self) -> int | None:
        return int(self.ground.data) if self.ground.data else None

    def validate_disqualified(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError("Välj om du är jävig eller inte.")

    def validate_ground(self, field: Field) -> None:
        if self.is_disqualified and not field.data:
            raise ValidationError("Välj vilken jävsgrund som gäller.")

    def validate_note(self, field: Field) -> None:
        if self.is_disqualified and not (field.data or "").strip():
            raise ValidationError("Beskriv kort varför du är jävig.")


# The review --------------------------------------------------------------------------------------


class ScoreField(RadioChoiceField):
    """A score 0–3 as radio buttons; anything else posted is refused with a clear message."""

    def __init__(self, *args: Any, criterion_title: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criterion_title = criterion_title

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in {c.value for c in self.choices or []}:
            raise ValidationError(
                f"Välj en poäng {SCORE_MIN}–{SCORE_MAX} för «{self.criterion_title}»; "
                f"«{self.data}» är inte en giltig poäng."
            )


class ReviewForm(FlaskForm):
    """Base of the per-rubric review forms made by :func:`review_form_class`.

    "Spara utkast" stores what is filled in (only the format is checked); "Lämna in
    granskningen" also requires every score, reason, rating and the recommendation.
    """

    criteria: ClassVar[list[RubricCriterion]] = []
    save_draft = SubmitField("Spara utkast")
    submit_review = SubmitField("Lämna in granskningen")

    # What the page and the view read ---------------------------------------------------------

    @property
    def submitting(self) -> bool:
        return bool(self.submit_review.data)

    def scored_rows(self) -> list[tuple[RubricCriterion, Field, Field]]:
        return [(c, self[f"score_{c.id}"], self[f"reason_{c.id}"])
                for c in self.criteria if c.kind == CriterionKind.SCORED]

    def horizontal_rows(self) -> list[tuple[RubricCriterion, Field, Field]]:
        return [(c, self[f"rating_{c.id}"], self[f"reason_{c.id}"])
                for c in self.criteria if c.kind == CriterionKind.HORIZONTAL]

    def scores(self) -> dict[int, tuple[int | None, str]]:
        return {c.id: (int(score.data) if score.data is not None else None, reason.data or "")
                for c, score, reason in self.scored_rows()}

    def ratings(self) -> dict[int, tuple[str | None, str]]:
        return {c.id: (rating.data, reason.data or "")
                for c, rating, reason in self.horizontal_rows()}

    @property
    def reduced(self) -> bool:
        return self["recommendation"].data == Recommendation.GRANT_REDUCED.value

    @property
    def amount(self) -> int | None:
        return self["recommended_amount"].data if self.reduced else None

    # Validation ------------------------------------------------------------------------------

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        amount = self["recommended_amount"]
        if not self.reduced:
            amount.errors = []  # an amount is only read with "bevilja med lägre belopp"
        elif amount.data is None and not amount.errors:
            amount.errors = ["Ange vilket belopp du rekommenderar."]
        elif amount.data is not None and amount.data <= 0:
            amount.errors = [*amount.errors, "Beloppet ska vara större än 0 kr."]
        if self.submitting:
            self._require_everything()
        return not any(field.errors for field in self)

    def _require_everything(self) -> None:
        def require(field: Field, message: str) -> None:
            if not field.errors and (field.data is None or not str(field.data).strip()):
                field.errors = [*field.errors, message]

        for criterion, score, reason in self.scored_rows():
            require(score, f"Välj en poäng {SCORE_MIN}–{SCORE_MAX} för «{criterion.title}».")
            require(reason, f"Skriv en motivering till poängen för «{criterion.title}».")
        for criterion, rating, _reason in self.horizontal_rows():
            require(rating, f"Välj aktivt, delvis eller inte för «{criterion.title}».")
        require(self["recommendation"], "Välj vad du rekommenderar.")


def review_form_class(criteria: list[RubricCriterion]) -> type[ReviewForm]:
    """A review form for one rubric: ``score_<id>`` and ``reason_<id>`` per scored criterion,
    ``rating_<id>`` and ``reason_<id>`` per horizontal one, then the recommendation, the amount
    and the comment (made in page order, so the error summary lists them in that order)."""
    attrs: dict[str, Any] = {"criteria": list(criteria)}
    ordered = sorted(criteria, key=lambda c: (c.kind != CriterionKind.SCORED, c.position))
    for c in ordered:
        if c.kind == CriterionKind.SCORED:
            labels = list(c.level_labels or [])
            choices = [(str(n), f"{n} – {labels[n]}" if n < len(labels) else str(n))
                       for n in range(SCORE_MIN, SCORE_MAX + 1)]
            hint = " ".join(part for part in (
                c.description, f"Vikt {c.weight}." if c.weight else "") if part)
            attrs[f"score_{c.id}"] = ScoreField(f"{c.position}. {c.title}", choices=choices,
                                                description=hint or None,
                                                criterion_title=c.title)
            attrs[f"reason_{c.id}"] = text_field(f"Motivering: {c.title}", TEXT_LIMIT)
        else:
            attrs[f"rating_{c.id}"] = RadioChoiceField(
                c.title, choices=[(r.value, r.label) for r in HorizontalRating],
                description=" ".join(part for part in (
                    c.description,
                    "Aktivt: syns i beskrivningen, i aktiviteter och budget och i uppföljningen. "
                    "Delvis: syns i något av dem. Inte: syns inte.") if part),
            )
            attrs[f"reason_{c.id}"] = text_field(
                f"Kommentar: {c.title}", TEXT_LIMIT, description="Frivilligt.",
            )
    attrs["recommendation"] = RadioChoiceField(
        "Vad rekommenderar du?", choices=[(r.value, r.label) for r in Recommendation],
    )
    attrs["recommended_amount"] = KronorField(
        "Belopp du rekommenderar (kr)",
        description="Fyll i om du rekommenderar ett lägre belopp än det sökta, i hela kronor.",
    )
    attrs["comment"] = text_field(
        "Kommentar till handläggaren", TEXT_LIMIT,
        description="Frivilligt. Syns för handläggaren och beslutsfattaren.",
    )
    return type("ReviewFormForRubric", (ReviewForm,), attrs)


def review_form_data(review: Review) -> dict[str, Any]:
    """What the stored review puts in the form (for the page before anything is posted)."""
    data: dict[str, Any] = {
        "recommendation": review.recommendation,
        "recommended_amount": review.recommended_amount,
        "comment": review.comment,
    }
    for row in review.scores:
        data[f"score_{row.criterion_id}"] = str(row.score) if row.score is not None else None
        data[f"rating_{row.criterion_id}"] = row.rating
        data[f"reason_{row.criterion_id}"] = row.reason
    return data
