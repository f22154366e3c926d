"""Forms for administrators: the fund's rules, the scoring rubric and the letters' texts."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from forms.fields import ChoiceField, CountField, KronorField, SwedishDateField
from grants.models import CriterionKind, LetterTextKey
from grants.operations.rubrics import LEVELS, NOTE_LIMIT, CriterionInput, rubric_problems
from grants.operations.settings import REVIEWERS_MAX, REVIEWERS_MIN, letter_text_problems


class _Between:
    """A number in ``[low, high]``; a value that did not parse already has its own message."""

    def __init__(self, low: int, high: int, message: str) -> None:
        self.low, self.high, self.message = low, high, message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and not self.low <= field.data <= self.high:
            raise ValidationError(self.message)


def _reviewer_count(label: str) -> CountField:
    return CountField(
        label, validators=[
            InputRequired("Ange antalet granskare."),
            _Between(REVIEWERS_MIN, REVIEWERS_MAX,
                     f"Ange ett antal mellan {REVIEWERS_MIN} och {REVIEWERS_MAX}."),
        ],
    )


class FundSettingsForm(FlaskForm):
    max_support_share_percent = CountField(
        "Högsta stödandel (procent av projektets totala kostnader)", maximum=100,
        validators=[InputRequired("Ange stödandelen."), Optional(),
                    NumberRange(min=1, max=100, message="Ange en procentsats mellan 1 och 100.")],
    )
    max_grant_per_pilot = KronorField(
        "Högsta stöd per pilot (kr)", validators=[InputRequired("Ange högsta stöd per pilot.")],
    )
    last_project_date = SwedishDateField(
        "Sista dag en pilot får pågå", description="ÅÅÅÅ-MM-DD.",
        validators=[InputRequired("Ange sista dagen.")],
    )
    reviewers_below = _reviewer_count("Antal granskare när sökt belopp är under gränsen")
    reviewer_threshold = KronorField(
        "Beloppsgräns (kr)",
        description="Ärenden som söker minst så här mycket får det antal granskare som står "
                    "i nästa fält.",
        validators=[InputRequired("Ange beloppsgränsen.")],
    )
    reviewers_at_or_above = _reviewer_count(
        "Antal granskare när sökt belopp är på eller över gränsen"
    )
    reviewer_may_decide = BooleanField(
        "En granskare får också besluta i ärendet",
        description="Utan bock får den som har granskat ett ärende inte fatta beslut i det.",
    )
    reason = TextAreaField(
        "Varför ändras reglerna?",
        validators=[InputRequired("Skriv varför reglerna ändras."), Length(max=2000)],
    )
    submit = SubmitField("Spara reglerna")

    def validate_max_grant_per_pilot(self, field: KronorField) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError("Högsta stöd per pilot måste vara större än 0 kr.")


# The scoring rubric ------------------------------------------------------------------------------

KIND_CHOICES = [
    (CriterionKind.SCORED.value, "Ger poäng 0–3 (räknas in i summan)"),
    (CriterionKind.HORIZONTAL.value, "Horisontellt: aktivt, delvis eller inte (räknas inte)"),
]
LEVEL_NAMES = [f"level_{level}" for level in range(LEVELS)]


class WeightField(CountField):
    def parse(self, text: str) -> int:
        try:
            return super().parse(text)
        except ValueError:
            raise ValueError("Ange vikten som ett heltal, till exempel 2.") from None


class RubricCriterionRowForm(Form):
    """One criterion. A row left entirely blank is no criterion; a ticked ``remove`` drops it."""

    title = StringField("Rubrik")
    description = TextAreaField("Beskrivning")
    kind = ChoiceField("Slag av kriterium", choices=KIND_CHOICES,
                       default=CriterionKind.SCORED.value)
    weight = WeightField("Vikt (1–10)", description="Tomt eller 0 för horisontella kriterier.")
    level_0 = StringField("0 poäng betyder")
    level_1 = StringField("1 poäng betyder")
    level_2 = StringField("2 poäng betyder")
    level_3 = StringField("3 poäng betyder")
    remove = BooleanField("Ta bort kriteriet")

    def is_blank(self) -> bool:
        typed = [self.title.data, self.description.data, self.weight.raw,
                 *(self[name].data for name in LEVEL_NAMES)]
        return not any(str(value or "").strip() for value in typed)

    def criterion(self) -> CriterionInput:
        return CriterionInput(
            title=self.title.data or "", description=self.description.data or "",
            weight=self.weight.data, kind=self.kind.data,
            level_labels=tuple(self[name].data or "" for name in LEVEL_NAMES),
        )


class RubricEditForm(FlaskForm):
    based_on = HiddenField()
    criteria = FieldList(FormField(RubricCriterionRowForm), min_entries=1, max_entries=40)
    reason = TextAreaField(
        "Varför ändras mallen?",
        description="Sparas med versionen, så att det går att se varför mallen ser ut som den gör.",
        validators=[InputRequired("Skriv varför mallen ändras."),
                    Length(max=NOTE_LIMIT, message=f"Skriv högst {NOTE_LIMIT} tecken.")],
    )
    submit = SubmitField("Spara mallen")

    def rows(self) -> list[tuple[int, RubricCriterionRowForm]]:
        """The rows that are criteria: (the row's number as shown, the row)."""
        return [(number, entry.form) for number, entry in enumerate(self.criteria, start=1)
                if not entry.form.remove.data and not entry.form.is_blank()]

    def criteria_inputs(self) -> list[CriterionInput]:
        return [row.criterion() for _, row in self.rows()]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        rows = self.rows()
        for problem in rubric_problems([row.criterion() for _, row in rows],
                                       numbers=[number for number, _ in rows]):
            if problem.index is None:
                self.form_errors.append(problem.message)
                ok = False
                continue
            row = rows[problem.index][1]
            # "levels" (the wrong number of levels) can only come from outside this form.
            field = row[problem.field if problem.field in row._fields else LEVEL_NAMES[0]]
            if field.errors:
                # The field already says what is wrong (a weight that is not a number, a kind
                # not in the list): one message is enough.
                ok = False
                continue
            field.errors = [*field.errors, problem.message]
            ok = False
        return ok


# The letters' standard texts ---------------------------------------------------------------------


class LetterTextForm(FlaskForm):
    key = ChoiceField(
        "Vilken text ändras?", choices=[(k.value, k.label) for k in LetterTextKey],
        validators=[InputRequired("Välj vilken text du vill ändra.")],
    )
    text = TextAreaField(
        "Ny text",
        description="Skriv en tom rad mellan styckena. I texterna om hur man överklagar fylls "
                    "{sista_dag} och {anslagsdag} i för varje beslut.",
    )
    reason = TextAreaField(
        "Varför ändras texten?",
        validators=[InputRequired("Skriv varför texten ändras."),
                    Length(max=2000, message="Skriv högst 2000 tecken.")],
    )
    submit = SubmitField("Spara som ny version")

    def validate_text(self, field: TextAreaField) -> None:
        if self.key.data not in {k.value for k in LetterTextKey}:
            if not (field.data or "").strip():
                raise ValidationError("Skriv texten. Den kan inte vara tom.")
            return
        text = (field.data or "").replace("\r\n", "\n")
        problems = letter_text_problems(LetterTextKey(self.key.data), text)
        if problems:
            field.errors.extend(problems[:-1])  # every problem at the field, not just the first
            raise ValidationError(problems[-1])
