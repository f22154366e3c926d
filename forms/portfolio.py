"""The portfolio forms: a pilot's levers, horizon and internal note; a relation to another
pilot (and removing one); a portfolio review with a fixed number of decision rows.

The forms check what can be shown next to a field (a choice made, a reason written, a text not
too long and without a personnummer); :mod:`grants.operations.portfolio` holds the rules and
checks everything again.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from forms.fields import (
    ChoiceField,
    MultiCheckboxField,
    RadioChoiceField,
    SwedishDateField,
    text_field,
)
from grants.models import Horizon, Lever, PortfolioChoice, RelationKind
from grants.operations.portfolio import NOTE, REVIEW_NOTES, TEXT, TITLE
from grants.portfolio import NOT_ASSESSED

REVIEW_ROWS = 6
"""Decision rows on the review form (blank ones are ignored): enough for one meeting, without
needing a script to add rows."""


class PilotTagForm(FlaskForm):
    levers = MultiCheckboxField(
        "Hävstänger", choices=[(lever.value, lever.label) for lever in Lever],
        description="Välj de hävstänger piloten arbetar genom, en eller flera.",
    )
    horizon = RadioChoiceField(
        "Horisont",
        choices=[*((h.value, h.label) for h in Horizon), (NOT_ASSESSED, "Inte bedömd än")],
        validators=[InputRequired("Välj en horisont, eller «Inte bedömd än».")],
    )
    note = text_field(
        "Intern anteckning", NOTE,
        description="Bara för handläggare och beslutsfattare. Visas aldrig i den öppna "
                    "portföljen.",
    )
    submit = SubmitField("Spara pilotens plats i portföljen")

    @property
    def horizon_value(self) -> str | None:
        """The horizon for the operation (None: not assessed)."""
        return None if self.horizon.data in (None, NOT_ASSESSED) else self.horizon.data


class RelationAddForm(FlaskForm):
    kind = RadioChoiceField(
        "Hur hänger piloterna ihop?",
        choices=[(RelationKind.BUILDS_ON.value, "Den här piloten bygger på piloten nedan"),
                 (RelationKind.RELATED_TO.value, "Den här piloten hänger ihop med piloten "
                                                 "nedan")],
        validators=[InputRequired("Välj hur piloterna hänger ihop.")],
    )
    target = ChoiceField(
        "Pilot", validators=[InputRequired("Välj vilken pilot relationen gäller.")])
    note = text_field(
        "Anteckning om relationen (frivillig, intern)", NOTE,
        description="Till exempel vad piloten tar över. Visas aldrig i den öppna portföljen.",
    )
    submit = SubmitField("Lägg till relationen")


class RelationRemoveForm(FlaskForm):
    submit = SubmitField("Ta bort")


CHOICE_MISSING = "Välj Fortsätt, Fyll glapp eller Avsluta."


class ReviewItemForm(Form):
    """One decision of a review; a row left entirely blank is not a decision at all."""

    choice = ChoiceField(
        "Beslut", choices=[("", "Välj beslut"),
                           *((c.value, c.label) for c in PortfolioChoice)])
    application_id = ChoiceField(
        "Pilot", description="Behövs för Fortsätt och Avsluta.")
    gap = text_field("Glapp som ska fyllas", TEXT, render_kw={"rows": 2},
                     description="Behövs för Fyll glapp: vad saknas i portföljen?")
    focus_area_code = ChoiceField("Insatsområde där glappet finns (frivilligt)")
    municipality_code = ChoiceField("Kommun där glappet finns (frivilligt)")
    reason = text_field("Skäl", TEXT, render_kw={"rows": 2})

    def is_blank(self) -> bool:
        return not any(str(f.data or "").strip() for f in self)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        missing = []
        if not self.choice.data:
            missing.append((self.choice, CHOICE_MISSING))
        if self.choice.data in (PortfolioChoice.CONTINUE, PortfolioChoice.STOP) \
                and not self.application_id.data:
            verb = "fortsätta" if self.choice.data == PortfolioChoice.CONTINUE else "avslutas"
            missing.append((self.application_id, f"Välj vilken pilot som ska {verb}."))
        if self.choice.data == PortfolioChoice.FILL_GAP and not (self.gap.data or "").strip():
            missing.append((self.gap, "Beskriv glappet som ska fyllas."))
        if not (self.reason.data or "").strip():
            missing.append((self.reason, "Skriv ett skäl för beslutet."))
        for field, message in missing:
            if not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        return ok

    def as_item(self) -> dict[str, Any]:
        """The row as :func:`grants.operations.portfolio.record_review` takes it."""
        return {"choice": self.choice.data or "", "application_id": self.application_id.data,
                "gap": self.gap.data or "", "focus_area_code": self.focus_area_code.data,
                "municipality_code": self.municipality_code.data,
                "reason": self.reason.data or ""}


class PortfolioReviewForm(FlaskForm):
    held_on = SwedishDateField(
        "Datum för genomgången", description="ÅÅÅÅ-MM-DD.",
        validators=[InputRequired("Ange datum för genomgången.")],
    )
    title = text_field(
        "Rubrik", TITLE, multiline=False,
        description="Till exempel «Portföljgenomgång hösten 2025».",
    )
    notes = text_field(
        "Anteckningar från genomgången (frivilligt)", REVIEW_NOTES, render_kw={"rows": 5},
        description="Internt: genomgångarna visas aldrig i den öppna portföljen.",
    )
    items = FieldList(FormField(ReviewItemForm), min_entries=REVIEW_ROWS,
                      max_entries=REVIEW_ROWS)
    submit = SubmitField("Spara genomgången")

    def __init__(self, *args: Any, pilots: list[tuple[str, str]], areas: dict[str, str],
                 municipalities: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for entry in self.items:
            row = entry.form
            row.application_id.choices = [("", "Ingen pilot"), *pilots]
            row.focus_area_code.choices = [("", "Inget särskilt"), *areas.items()]
            row.municipality_code.choices = [("", "Ingen särskild"), *municipalities.items()]

    def validate_title(self, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Skriv en rubrik för genomgången.")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if all(entry.form.is_blank() for entry in self.items):
            self.form_errors.append("Fyll i minst ett beslut: en pilot som ska fortsätta eller "
                                    "avslutas, eller ett glapp som ska fyllas.")
            ok = False
        return ok

