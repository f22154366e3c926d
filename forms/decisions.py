"""Forms for the decider: the decision on a case, a corrected decision, and releasing the
letters of a meeting.

Whether a reason, a date or the jäv confirmation is *required* is the operation's business
(grants.operations.decisions), so a refusal comes back in its own words; these forms check only
that what was typed can be read (dates, amounts) and is not too long.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SubmitField
from wtforms.validators import InputRequired

from forms.fields import KronorField, RadioChoiceField, SwedishDateField, text_field
from grants.models import Outcome, ReportKind

TEXT_LIMIT = 10_000


class _DecisionTextForm(FlaskForm):
    """What a decision and its correction share: reasons, conditions, report dates, the dates
    the appeal period runs from, and the decider's jäv confirmation."""

    reasons = text_field(
        "Skäl för beslutet", TEXT_LIMIT,
        description="Obligatoriskt vid avslag och när stödet blir lägre än det sökta beloppet. "
                    "Skriv de omständigheter som avgjort beslutet, med vanliga ord.",
    )
    extra_conditions = text_field(
        "Särskilda villkor för det här ärendet", TEXT_LIMIT,
        description="Frivilligt. Gäller utöver standardvillkoren ovan.",
    )
    follow_up_due = SwedishDateField(
        "Uppföljningsrapporten ska lämnas senast",
        description="ÅÅÅÅ-MM-DD. Obligatoriskt när ansökan beviljas.",
    )
    stage_due_1 = SwedishDateField("Delrapport ska lämnas senast (frivillig)",
                                   description="ÅÅÅÅ-MM-DD.")
    stage_due_2 = SwedishDateField("Ytterligare delrapport ska lämnas senast (frivillig)",
                                   description="ÅÅÅÅ-MM-DD.")
    scale_up_due = SwedishDateField(
        "Rapport om införande i ordinarie verksamhet ska lämnas senast (frivillig)",
        description="ÅÅÅÅ-MM-DD.",
    )
    decision_date = SwedishDateField(
        "Beslutsdatum", description="ÅÅÅÅ-MM-DD.",
        validators=[InputRequired("Ange beslutsdatum.")],
    )
    minutes_posted = SwedishDateField(
        "Dag då justeringen av protokollet anslogs",
        description="ÅÅÅÅ-MM-DD. Laglighetsprövning: tiden för att överklaga (tre veckor) räknas "
                    "från den dag tillkännagivandet anslogs på regionens anslagstavla. Sista dag "
                    "att överklaga räknas ut och visas när beslutet är sparat.",
        validators=[InputRequired("Ange dagen då protokollets justering anslogs.")],
    )
    jav_confirmed = BooleanField("Jag är inte jävig i ärendet (förvaltningslagen 16 §)")

    def report_dues(self) -> list[tuple[str, date]]:
        """The report dates filled in, as the operation takes them (kind, due date)."""
        pairs = [
            (ReportKind.FOLLOW_UP, self.follow_up_due), (ReportKind.STAGE, self.stage_due_1),
            (ReportKind.STAGE, self.stage_due_2), (ReportKind.SCALE_UP, self.scale_up_due),
        ]
        return [(kind.value, f.data) for kind, f in pairs if f.data is not None]

    @staticmethod
    def report_data(dues: list[tuple[str, date]]) -> dict[str, date]:
        """Initial values for the report date fields from (kind, due date) pairs."""
        data: dict[str, date] = {}
        stages = iter(("stage_due_1", "stage_due_2"))
        for kind, due in sorted(dues, key=lambda pair: pair[1]):
            if kind == ReportKind.FOLLOW_UP and "follow_up_due" not in data:
                data["follow_up_due"] = due
            elif kind == ReportKind.SCALE_UP and "scale_up_due" not in data:
                data["scale_up_due"] = due
            elif kind == ReportKind.STAGE:
                name = next(stages, None)
                if name:
                    data[name] = due
        return data


class DecisionForm(_DecisionTextForm):
    """The decision on an assessed case; the amount fields (one per requested budget year) are
    added by :func:`decision_form` because the years differ per case."""

    outcome = RadioChoiceField(
        "Beslut", choices=[(Outcome.GRANT.value, "Bevilja"), (Outcome.REJECT.value, "Avslå")],
        validators=[InputRequired("Välj om ansökan beviljas eller avslås.")],
    )
    project_start = SwedishDateField("Projektet börjar", description="ÅÅÅÅ-MM-DD.")
    project_end = SwedishDateField("Projektet slutar", description="ÅÅÅÅ-MM-DD.")
    hold_letter = BooleanField(
        "Håll brevet till sammanträdet (skickas tillsammans med andra beslut)"
    )
    submit = SubmitField("Fatta beslutet")

    years: tuple[int, ...] = ()

    def amount_field(self, year: int) -> KronorField:
        return self[f"amount_{year}"]

    def amounts(self) -> dict[int, int]:
        """Kronor per budget year as typed; a blank year is 0 (nothing granted that year)."""
        return {year: self.amount_field(year).data or 0 for year in self.years}


def decision_form(years: list[int], **kwargs: Any) -> DecisionForm:
    """A :class:`DecisionForm` with a kronor field ``amount_<year>`` for each of ``years``."""
    fields: dict[str, Field] = {
        f"amount_{year}": KronorField(f"Belopp för {year} (kr)") for year in years
    }
    form_class = type("DecisionForm", (DecisionForm,), {**fields, "years": tuple(years)})
    return form_class(**kwargs)


class DecisionCorrectionForm(_DecisionTextForm):
    """A corrected decision (förvaltningslagen 36 §): the text and dates, never the money."""

    note = text_field(
        "Vad rättas och varför?", TEXT_LIMIT,
        description="Obligatoriskt. Står i det nya beslutsbrevet, som ersätter det tidigare.",
    )
    submit = SubmitField("Fatta det rättade beslutet")


class IdListField(Field):
    """Several checkboxes sharing one name, each holding a record's id (rendered by the
    template, which lays them out in a table)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = []
        for value in valuelist:
            if not str(value).isdigit():
                raise ValueError("Välj besluten i listan.")
            self.data.append(int(value))

    def _value(self) -> str:
        return ""


class LetterReleaseForm(FlaskForm):
    """The meeting page: which held decisions' letters go out now."""

    decisions = IdListField("Beslut vars brev ska skickas", default=list)
    submit = SubmitField("Skicka beslutsbreven")
