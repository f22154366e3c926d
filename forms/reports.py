"""The pilot owner's forms after the grant: a report (only the parts its kind has), starting a
report, a report's attachments, and a change request (ändringsansökan).

Like the application form, these forms check *format* (a count is a whole number of 0 or more, a
date is a date, an amount is whole kronor): what fails here is kept exactly as typed and shown
again with its message. Whether a report is *complete* is the operation's business
(:func:`grants.operations.reports.report_problems`), so a half-written draft always saves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from forms.applications import BudgetLineRowForm, CoFinancingRowForm
from forms.fields import (
    ChoiceField,
    CountField,
    KronorField,
    NoPersonalIdentityNumber,
    SwedishDateField,
    text_field,
)
from grants.models import ChecklistAnswer, Report, ReportKind, ResultIndicator
from grants.operations.reports import SECTIONS, SHORT, TEXT
from grants.reference import AGE_BANDS

SEXES = (("girls", "Flickor", "flickor"), ("boys", "Pojkar", "pojkar"),
         ("other", "Övriga eller okänt kön", "övriga"))
"""(field suffix, label, the word used in messages) for participant counts."""


class ParticipantCountField(CountField):
    """A number of participants: a whole number, 0 or more. The message names the age band and
    sex, since the error summary lists many such fields."""

    def __init__(self, *args: Any, what: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.what = what

    def parse(self, text: str) -> int:
        cleaned = re.sub(r"\s+", "", text)
        if re.fullmatch(r"[-−–][0-9]+(?:[.,][0-9]+)?", cleaned):
            raise ValueError(f"{self.what}: antalet kan inte vara negativt.")
        if re.fullmatch(r"[0-9]+[.,][0-9]+", cleaned):
            raise ValueError(f"{self.what}: ange ett helt antal personer, utan decimaler.")
        if not (cleaned.isascii() and cleaned.isdigit()):
            raise ValueError(f"{self.what}: ange antalet med siffror, till exempel 12.")
        if int(cleaned) > self.maximum:
            raise ValueError(f"{self.what}: antalet är orimligt stort.")
        return int(cleaned)


class _Positive:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError(self.message)


def band_key(code: str) -> str:
    """An age band's code as part of a field name (``13-15`` → ``13_15``)."""
    return re.sub(r"[^0-9a-z]", "_", code)


# The report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFields:
    indicator: ResultIndicator
    outcome: Field
    girls: Field | None
    boys: Field | None
    comment: Field


@dataclass(frozen=True)
class BandFields:
    code: str
    label: str
    in_application: bool
    counts: list[Field]


class ReportForm(FlaskForm):
    """The fields every report form has; :func:`report_form_class` adds the kind's parts."""

    save = SubmitField("Spara utkast")
    hand_in = SubmitField("Lämna in")

    sections: tuple[str, ...] = ()
    indicators: list[ResultIndicator] = []
    bands: list[tuple[str, str, bool]] = []
    """(code, label, whether the application's target group has it)"""
    checklist: list[ChecklistAnswer] = []

    def indicator_fields(self) -> list[IndicatorFields]:
        return [IndicatorFields(
            i, self[f"ind{i.id}_outcome"],
            self[f"ind{i.id}_girls"] if i.by_sex else None,
            self[f"ind{i.id}_boys"] if i.by_sex else None,
            self[f"ind{i.id}_comment"],
        ) for i in self.indicators]

    def band_fields(self) -> list[BandFields]:
        return [BandFields(code, label, mine,
                           [self[f"p_{band_key(code)}_{sex}"] for sex, _, _ in SEXES])
                for code, label, mine in self.bands]

    def checklist_fields(self, group: str) -> list[tuple[ChecklistAnswer, Field]]:
        return [(a, self[f"check{a.question_id}"]) for a in self.checklist
                if a.question.checklist == group]


class ReportCostRowForm(BudgetLineRowForm):
    """An actual cost: year, cost type, what, amount (as a budget line is written)."""


class ReportCoFinancingRowForm(CoFinancingRowForm):
    """Co-financing actually used."""

    funder = text_field("Vem bidrog", 200, multiline=False)


def report_form_class(report: Report) -> type[ReportForm]:
    """The form for ``report``: the parts its kind has (:data:`SECTIONS`), one row per result
    indicator of the application, one set of counts per age band, one answer per checklist
    promise."""
    application = report.application
    sections = SECTIONS[report.kind]
    attrs: dict[str, Any] = {"sections": sections}
    if "period" in sections:
        attrs["period_start"] = SwedishDateField("Från och med", description="ÅÅÅÅ-MM-DD.")
        attrs["period_end"] = SwedishDateField("Till och med", description="ÅÅÅÅ-MM-DD.")
    if "activities" in sections:
        attrs["activities_done"] = text_field(
            "Vad har ni gjort?", TEXT,
            description="De aktiviteter ni har genomfört under perioden och ungefär när.")
        attrs["activities_deviations"] = text_field(
            "Vad blev annorlunda än planerat, och varför?", TEXT,
            description="Skriv «Inget» om allt gick enligt planen.")
    if "indicators" in sections:
        indicators = list(application.indicators)
        attrs["indicators"] = indicators
        for i in indicators:
            attrs[f"ind{i.id}_outcome"] = text_field("Utfall totalt", 100, multiline=False)
            if i.by_sex:
                attrs[f"ind{i.id}_girls"] = text_field("Utfall för flickor", 100,
                                                       multiline=False)
                attrs[f"ind{i.id}_boys"] = text_field("Utfall för pojkar", 100, multiline=False)
            attrs[f"ind{i.id}_comment"] = text_field("Kommentar", 1000, multiline=False)
    if "participants" in sections:
        mine = set(application.age_bands)
        attrs["bands"] = [(code, label, code in mine) for code, label in AGE_BANDS]
        for code, label in AGE_BANDS:
            for sex, sex_label, word in SEXES:
                attrs[f"p_{band_key(code)}_{sex}"] = ParticipantCountField(
                    sex_label, what=f"{label}, {word}", render_kw={"inputmode": "numeric"})
    if "costs" in sections:
        attrs["costs"] = FieldList(FormField(ReportCostRowForm), min_entries=1, max_entries=100)
        attrs["co_financing"] = FieldList(FormField(ReportCoFinancingRowForm), min_entries=1,
                                          max_entries=50)
        attrs["stated_cost_total"] = KronorField(
            "Totala kostnader enligt er bokföring (kr)",
            description="Summan som bokföringen visar för projektet. Vi jämför den med "
                        "raderna ovan men ändrar ingenting själva.",
            render_kw={"inputmode": "numeric"})
        attrs["cost_comment"] = text_field(
            "Kommentar om kostnaderna", TEXT,
            description="Förklara gärna stora skillnader mot budgeten.")
        attrs["more_rows"] = SubmitField("Spara och lägg till fler rader")
    if "learnings" in sections:
        attrs["learned_worked"] = text_field("Vad fungerade bra?", TEXT)
        attrs["learned_not_worked"] = text_field("Vad fungerade inte?", TEXT)
        attrs["learned_for_others"] = text_field(
            "Vad bör andra som vill göra något liknande veta?", TEXT)
        attrs["learnings_public"] = BooleanField(
            "Lärdomarna får publiceras",
            description="Kryssa i om det ni skrivit om lärdomar får visas i Pilotfondens "
                        "offentliga register över piloter, så att andra kan lära av er. "
                        "Annars läser bara Region Örebro län dem.")
    if "outcomes" in sections:
        answers = sorted(application.checklist_answers, key=lambda a: a.question.position)
        attrs["checklist"] = answers
        attrs["gender_equality_outcome"] = text_field(
            "Hur gick det med jämställdheten?", TEXT,
            description="Fick flickor och pojkar samma möjligheter att delta och påverka?")
        attrs["sustainability_outcome"] = text_field(
            "Hur gick det med hållbarhet och integration?", TEXT)
        for answer in answers:
            attrs[f"check{answer.question_id}"] = text_field(
                "Hur blev det?", 3000, description="Lämna tomt om frågan inte var aktuell.")
    if "scale_up" in sections:
        attrs["receiving_organisation"] = text_field(
            "Organisation som tar över arbetet", SHORT, multiline=False)
        attrs["receiving_unit"] = text_field("Förvaltning eller enhet", SHORT, multiline=False)
        attrs["financing_after"] = text_field(
            "Hur finansieras arbetet efter piloten?", TEXT,
            description="Till exempel vilken budget och hur mycket per år.")
        attrs["ordinary_from"] = SwedishDateField(
            "Från vilket datum ingår arbetet i ordinarie verksamhet?", description="ÅÅÅÅ-MM-DD.")
        attrs["changes_in_operations"] = text_field(
            "Vad ändras i den ordinarie verksamheten?", TEXT)
        attrs["support_needed"] = text_field(
            "Vilket stöd behöver ni för att arbetet ska fortsätta?", TEXT)
    if "payment" in sections:
        attrs["payment_requested"] = KronorField(
            "Begärt belopp, kronor",
            description="Kostnader ni har haft och ännu inte fått utbetalda. Lämna tomt om ni "
                        "inte begär någon utbetalning med den här rapporten.",
            validators=[_Positive("Begärt belopp måste vara större än 0 kr. Lämna fältet tomt "
                                  "om ni inte begär någon utbetalning.")],
            render_kw={"inputmode": "numeric"})
    name = f"ReportFormFor{report.kind.title().replace('_', '')}"
    return type(name, (ReportForm,), attrs)


def set_report_year_choices(form: ReportForm, years: list[int]) -> None:
    if "costs" not in form.sections:
        return
    choices = [("", "Välj år")] + [(str(y), str(y)) for y in years]
    for entry in (*form.costs, *form.co_financing):
        entry.form.year.choices = choices


# Starting, attachments, small actions ------------------------------------------------------


class ReportStartForm(FlaskForm):
    """Start a report of one kind (each kind's button sends its own ``kind``)."""

    kind = HiddenField()

    def validate_kind(self, field: Field) -> None:
        if field.data not in ReportKind.__members__.values():
            raise ValidationError("Välj vilken rapport du vill påbörja.")


class ConfirmForm(FlaskForm):
    """A button that needs nothing but the CSRF token (remove a file, withdraw a request)."""


# The change request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MovableDue:
    """A report due in the decision in force, not yet handed in: its date may be moved."""

    kind: str
    number: int
    label: str
    due_date: date

    @property
    def field_name(self) -> str:
        return f"due_{self.kind}_{self.number}"


class _ReasonGiven:
    def __call__(self, form: Any, field: Field) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Skriv varför ändringen behövs.")


class ChangeRequestForm(FlaskForm):
    reason = TextAreaField(
        "Varför behövs ändringen?",
        validators=[_ReasonGiven(),
                    Length(max=TEXT, message=f"Texten får vara högst {TEXT} tecken."),
                    NoPersonalIdentityNumber()],
        description="Beskriv vad som har hänt och vad ändringen betyder för piloten.")
    new_project_end = SwedishDateField(
        "Nytt slutdatum för projektet",
        description="ÅÅÅÅ-MM-DD. Lämna tomt om projektperioden inte ska ändras.")
    move_from_year = ChoiceField("Från budgetår")
    move_to_year = ChoiceField("Till budgetår")
    move_amount = KronorField("Belopp att flytta (kr)", render_kw={"inputmode": "numeric"},
                              validators=[_Positive("Beloppet som flyttas måste vara större "
                                                    "än 0 kr.")])
    send = SubmitField("Skicka ändringsansökan")

    dues: list[MovableDue] = []

    def due_fields(self) -> list[tuple[MovableDue, Field]]:
        return [(due, self[due.field_name]) for due in self.dues]

    def new_report_dates(self) -> dict[tuple[str, int], date]:
        return {(due.kind, due.number): field.data for due, field in self.due_fields()
                if field.data is not None}


def change_form_class(dues: list[MovableDue]) -> type[ChangeRequestForm]:
    """The change request form with one date field per report that can still be moved."""
    attrs: dict[str, Any] = {"dues": dues}
    for due in dues:
        attrs[due.field_name] = SwedishDateField(
            f"Nytt datum för {due.label.lower()}",
            description=f"Gäller nu: {due.due_date.isoformat()}. Lämna tomt om datumet inte "
                        "ska ändras.")
    return type("ChangeRequestFormForDues", (ChangeRequestForm,), attrs)


def set_change_year_choices(form: ChangeRequestForm, from_years: list[int],
                            to_years: list[int]) -> None:
    form.move_from_year.choices = [("", "Välj år")] + [(str(y), str(y)) for y in from_years]
    form.move_to_year.choices = [("", "Välj år")] + [(str(y), str(y)) for y in to_years]
