"""The application form, one WTForms class per section (and the small form that starts a draft).

These forms check *format* only (an amount is whole kronor, a date is a date, a text is not too
long): what fails here is kept as typed and shown again. Whether the application is *complete and
consistent* (end after start, budget within the support share, ...) is
:mod:`grants.completeness`'s business, so a half-finished draft can always be saved.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from forms.fields import (
    ChoiceField,
    CountField,
    KronorField,
    MultiCheckboxField,
    RadioChoiceField,
    SwedishDateField,
    text_field,
)
from grants.completeness import LIMITS
from grants.models import ChecklistAnswerValue, ChecklistQuestion, CoFinancingKind, CostType

_EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Ange en giltig e-postadress.")
_PHONE = Regexp(
    r"^\+?[0-9][0-9 ()-]{5,19}$",
    message="Ange telefonnumret med siffror, till exempel 019-602 10 00.",
)


class ApplicationDraftForm(FlaskForm):
    """Starts a draft: title and summary. Both may be left empty while drafting."""

    title = text_field("Projektets titel", LIMITS["title"], multiline=False)
    summary = text_field(
        "Sammanfattning", LIMITS["summary"],
        description="Beskriv kort och på enkel svenska vad piloten ska göra och för vilka.",
    )
    submit = SubmitField("Spara utkast")


class SectionForm(FlaskForm):
    save = SubmitField("Spara och fortsätt")
    save_stay = SubmitField("Spara")


# Project ---------------------------------------------------------------------------------------


class ProjectSectionForm(SectionForm):
    title = text_field("Projektets titel", LIMITS["title"], multiline=False)
    summary = text_field(
        "Sammanfattning", LIMITS["summary"],
        description=(
            f"Högst {LIMITS['summary']} tecken, på enkel svenska: vad piloten ska göra och för "
            "vilka. Sammanfattningen kan visas i det offentliga registret."
        ),
    )
    background = text_field(
        "Bakgrund och problemanalys", LIMITS["long_text"],
        description="Vilket problem ska piloten lösa? Vad vet ni om det, och hur vet ni det?",
    )
    aim = text_field("Syfte och mål", LIMITS["text"],
                     description="Vad ska vara annorlunda för barn och unga när piloten är klar?")
    activities = text_field(
        "Aktiviteter och tidsplan", LIMITS["long_text"],
        description="Vad ni ska göra och när, till exempel en aktivitet per rad med månad.",
    )
    start_date = SwedishDateField(
        "Startdatum", description="ÅÅÅÅ-MM-DD. Tidigast den dag ansökan skickas in.",
    )
    end_date = SwedishDateField("Slutdatum", description="ÅÅÅÅ-MM-DD.")
    partners = text_field(
        "Samverkan", LIMITS["text"],
        description="Vilka ni samarbetar med (kommuner, föreningar, skolor ...) och hur.",
    )


# Target group ----------------------------------------------------------------------------------


class TargetSectionForm(SectionForm):
    focus_areas = MultiCheckboxField("Insatsområden", description="Välj ett eller flera.")
    municipalities = MultiCheckboxField(
        "Kommuner där piloten genomförs", description="Välj en eller flera."
    )
    age_bands = MultiCheckboxField("Åldersgrupper i målgruppen")
    target_group = text_field(
        "Beskriv målgruppen", LIMITS["text"],
        description="Vilka barn och unga (och vuxna kring dem) piloten är till för. "
        "Skriv inga uppgifter om enskilda barn.",
    )
    participants_girls = CountField("Flickor")
    participants_boys = CountField("Pojkar")
    participants_other = CountField(
        "Övriga eller okänt kön", description="Till exempel när könet inte registreras."
    )


# Result indicators -----------------------------------------------------------------------------


class _Row(Form):
    """A line in a list; a line left entirely blank is not a line at all."""

    def is_blank(self) -> bool:
        for field in self:
            if field.type == "BooleanField":
                if field.data:
                    return False
                continue
            raw = getattr(field, "raw", None)
            if str(raw if raw is not None else (field.data or "")).strip():
                return False
        return True


class IndicatorRowForm(_Row):
    name = text_field("Indikator", 200, multiline=False)
    unit = text_field("Enhet", 100, multiline=False)
    baseline = text_field("Utgångsvärde", 100, multiline=False)
    target = text_field("Målvärde", 100, multiline=False)
    by_sex = BooleanField("Följs upp per kön")


class IndicatorsSectionForm(SectionForm):
    indicators = FieldList(FormField(IndicatorRowForm), min_entries=1, max_entries=50)
    more_rows = SubmitField("Spara och lägg till fler rader")


# Budget ----------------------------------------------------------------------------------------

def _year_choices(years: list[int]) -> list[tuple[str, str]]:
    return [("", "Välj år")] + [(str(y), str(y)) for y in years]


class _MoneyRow(_Row):
    """A budget line: once anything is typed on it, the fields in ``required`` must be there."""

    required: tuple[tuple[str, str], ...] = ()
    """(field name, the message when it is missing)"""

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        for name, message in self.required:
            field = self[name]
            if field.data in (None, "") and not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        return ok


class BudgetLineRowForm(_MoneyRow):
    year = ChoiceField("År")
    cost_type = ChoiceField(
        "Kostnadsslag", choices=[("", "Välj kostnadsslag")] + [(c.value, c.label) for c in CostType]
    )
    description = text_field("Beskrivning", 300, multiline=False)
    amount = KronorField("Belopp (kr)")
    required = (("year", "Välj år för raden."), ("cost_type", "Välj kostnadsslag för raden."),
                ("amount", "Ange belopp för raden."))


class CoFinancingRowForm(_MoneyRow):
    year = ChoiceField("År")
    kind = ChoiceField(
        "Slag", choices=[("", "Välj slag")] + [(k.value, k.label) for k in CoFinancingKind]
    )
    funder = text_field("Vem bidrar", 200, multiline=False)
    amount = KronorField("Belopp (kr)")
    required = (("year", "Välj år för raden."),
                ("kind", "Välj om det är kontanta medel eller arbetad tid."),
                ("funder", "Ange vem som bidrar."), ("amount", "Ange belopp för raden."))


class BudgetSectionForm(SectionForm):
    budget_lines = FieldList(FormField(BudgetLineRowForm), min_entries=1, max_entries=100)
    co_financing = FieldList(FormField(CoFinancingRowForm), min_entries=1, max_entries=50)
    more_rows = SubmitField("Spara och lägg till fler rader")

    years: list[int] = []

    def requested_fields(self) -> list[tuple[int, KronorField]]:
        return [(year, self[f"requested_{year}"]) for year in self.years]


def budget_form_class(years: list[int]) -> type[BudgetSectionForm]:
    """The budget form for these budget years: one requested-amount field per year."""
    attrs: dict[str, Any] = {"years": years}
    for year in years:
        attrs[f"requested_{year}"] = KronorField(f"Sökt stöd {year} (kr)")
    return type("BudgetSectionFormForYears", (BudgetSectionForm,), attrs)


def set_year_choices(form: BudgetSectionForm, years: list[int]) -> None:
    for entry in (*form.budget_lines, *form.co_financing):
        entry.form.year.choices = _year_choices(years)


# Checklists ------------------------------------------------------------------------------------

ANSWER_CHOICES = [(a.value, a.label) for a in ChecklistAnswerValue]


class ChecklistSectionForm(SectionForm):
    questions: list[ChecklistQuestion] = []

    def pairs(self) -> list[tuple[ChecklistQuestion, Any, Any]]:
        return [(q, self[f"q{q.id}_answer"], self[f"q{q.id}_explanation"])
                for q in self.questions]


def checklist_form_class(questions: list[ChecklistQuestion]) -> type[ChecklistSectionForm]:
    attrs: dict[str, Any] = {"questions": questions}
    for q in questions:
        attrs[f"q{q.id}_answer"] = RadioChoiceField(f"{q.position}. {q.text}",
                                                    choices=ANSWER_CHOICES)
        attrs[f"q{q.id}_explanation"] = text_field(
            "Förklaring", LIMITS["text"], description=q.hint or None
        )
    return type("ChecklistSectionFormForQuestions", (ChecklistSectionForm,), attrs)


# State aid -------------------------------------------------------------------------------------


class StateAidSectionForm(SectionForm):
    state_aid_market = RadioChoiceField(
        "Bedriver organisationen ekonomisk verksamhet på en marknad som piloten gynnar?",
        choices=[("yes", "Ja"), ("no", "Nej")],
        description="Till exempel ett företag som säljer tjänster till dem som deltar, eller en "
        "förening som tar betalt för verksamhet på samma område. Kommuner och regionens egna "
        "verksamheter svarar normalt nej.",
    )
    de_minimis_previous_eur = CountField(
        "Stöd av mindre betydelse (de minimis) de senaste tre åren, i euro",
        maximum=100_000_000,
        description="Summan av allt stöd av mindre betydelse organisationen har fått under de "
        "tre senaste åren. Skriv 0 om ni inte har fått något.",
    )
    de_minimis_confirmed = BooleanField(
        "Jag intygar att uppgiften om stöd av mindre betydelse är riktig och fullständig, och att "
        "organisationen anmäler nytt sådant stöd innan beslut fattas."
    )


# Contact person --------------------------------------------------------------------------------


class ContactSectionForm(SectionForm):
    contact_name = text_field("Namn", 200, multiline=False,
                              render_kw={"autocomplete": "name"})
    contact_role = text_field("Roll eller befattning", 200, multiline=False)
    contact_email = StringField(
        "E-postadress",
        validators=[Optional(), Length(max=254, message="E-postadressen är för lång."), _EMAIL],
        render_kw={"autocomplete": "email", "type": "email"},
    )
    contact_phone = StringField(
        "Telefon", validators=[Optional(), _PHONE], render_kw={"autocomplete": "tel", "type": "tel"}
    )


# Attachments -----------------------------------------------------------------------------------


class AttachmentUploadForm(FlaskForm):
    file = FileField("Välj fil")
    description = text_field("Vad är det för bilaga?", 300, multiline=False)
    upload = SubmitField("Ladda upp bilagan")

    def validate_file(self, field: Any) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Välj en fil att ladda upp.")
