"""The application form's rules, driven through HTTP like a browser would (and a few straight
through the form classes).

Two kinds of rule. *Format* rules (an amount is whole kronor, a date is a date, no personnummer,
a valid e-mail address) refuse the save with 422: every typed value is shown again, nothing from
the section is stored, and the raw input is kept as unsaved input until it is fixed. *Completeness*
rules (end after start, budget within the support share, ...) never stop a save: the section shows
them at the field, the review page lists them with links to the fields, and submitting is refused
with 409 and no reference.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from forms.applications import (
    ContactSectionForm,
    ProjectSectionForm,
    budget_form_class,
    set_year_choices,
)
from grants.completeness import fund_settings, today
from grants.db import session
from grants.identifiers import contains_personal_identity_number
from grants.models import (
    Application,
    Attachment,
    AuditEvent,
    CaseCounter,
    ChecklistQuestion,
    FundSettings,
    OutboxMessage,
    Pot,
)
from grants.money import format_kronor
from tests.conftest import csrf_token
from tests.web.conftest import (
    Element,
    audit_event_count,
    error_summary,
    field_error,
    history,
    page,
    post_action,
)
from workflows import State

PERSONNUMMER_TEXT = "Kontakt 19811218-9876"
"""Free text with a Luhn-valid personnummer in it (a test below makes sure it is one)."""


def kr(text: str) -> str:
    """The amounts in ``text`` as the app writes them: ``50 000 kr`` with no-break spaces."""
    text = re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "\u00a0", text)
    return re.sub(r"(?<=\d) kr\b", "\u00a0kr", text)


def norm(text: str) -> str:
    """Whitespace as :attr:`Element.text` gives it (no-break spaces become plain spaces)."""
    return " ".join(text.split())


# Addresses and pages ----------------------------------------------------------------------------


def app_url(application: Application, rest: str = "") -> str:
    return f"/mina-ansokningar/{application.id}{rest}"


def section_url(application: Application, section: str) -> str:
    return app_url(application, f"/avsnitt/{section}")


def form_values(doc: Element) -> dict[str, list[str]]:
    """What a browser would send from the section form as the page shows it (no button)."""
    form = next(f for f in doc.find_all("form", method="post")
                if "/avsnitt/" in f.attrs.get("action", ""))
    values: dict[str, list[str]] = {}
    for element in form.iter():
        name = element.attrs.get("name")
        if not name:
            continue
        if element.tag == "input":
            kind = element.attrs.get("type", "text")
            if kind == "submit" or (kind in ("checkbox", "radio") and "checked" not in
                                    element.attrs):
                continue
            values.setdefault(name, []).append(element.attrs.get("value", "on"))
        elif element.tag == "textarea":
            values.setdefault(name, []).append(element.value)
        elif element.tag == "select":
            options = element.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            values.setdefault(name, []).extend(o.attrs.get("value", o.text) for o in chosen)
    return values


Changes = dict[str, "str | list[str] | None"]


def post_section(client: FlaskClient, application: Application, section: str,
                 changes: Changes | None = None, *, button: str = "save_stay") -> Any:
    """Post the section as its page shows it, with ``changes`` typed over it (``None`` leaves a
    field out, as an unticked box or an unanswered question is left out)."""
    url = section_url(application, section)
    values = form_values(page(client.get(url)))
    for name, value in (changes or {}).items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value if isinstance(value, list) else [value]
    values[button] = ["x"]
    return client.post(url, data=values)


def control(doc: Element, name: str) -> Element:
    """The one text input or textarea called ``name``."""
    found = [e for e in doc.find_all(name=name) if e.tag in ("input", "textarea")]
    assert len(found) == 1, f"expected one control {name!r}, found {len(found)}"
    return found[0]


def summary_links(doc: Element) -> dict[str, list[str]]:
    """The error summary's links: address → the texts linking there."""
    summary = doc.find("div", id="error-summary")
    links: dict[str, list[str]] = {}
    for a in summary.find_all("a") if summary is not None else []:
        links.setdefault(a.attrs["href"], []).append(a.text)
    return links


def progress(doc: Element) -> dict[str, str]:
    """Each section's state as the progress list shows it (section key → label)."""
    nav = doc.one("nav", class_="progress")
    return {
        li.find("a").attrs["href"].rsplit("/", 1)[-1]: li.one("span", class_="progress-state").text
        for li in nav.find_all("li") if li.find("span", class_="progress-state")
    }


def submit_events(application: Application) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent)
        .where(AuditEvent.application_id == application.id, AuditEvent.trigger == "submit")
    ) or 0


def outbox(application: Application) -> list[OutboxMessage]:
    return list(session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.application_id == application.id)
        .order_by(OutboxMessage.id)
    ))


def questions(application: Application) -> list[ChecklistQuestion]:
    assert application.checklist_version is not None
    return sorted(application.checklist_version.questions, key=lambda q: q.position)


def stored(application: Application, section: str) -> Any:
    """What the database holds for ``section`` (to show a refused save changed nothing)."""
    session.expire_all()
    a = session.get(Application, application.id)
    assert a is not None
    if section == "projekt":
        return (a.title, a.summary, a.background, a.aim, a.activities, a.start_date, a.end_date,
                a.partners)
    if section == "malgrupp":
        return (sorted(f.code for f in a.focus_areas), sorted(m.code for m in a.municipalities),
                list(a.age_bands), a.target_group, a.participants_girls, a.participants_boys,
                a.participants_other)
    if section == "budget":
        return ([(x.year, x.cost_type, x.description, x.amount) for x in a.budget_lines],
                [(x.year, x.kind, x.funder, x.amount) for x in a.co_financing],
                [(x.year, x.amount) for x in a.requested_amounts])
    if section == "kontakt":
        return (a.contact_name, a.contact_role, a.contact_email, a.contact_phone)
    raise AssertionError(section)


@dataclass(frozen=True)
class Context:
    """The dates, years and question ids a rule's field names and values are written with."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, application: Application) -> Context:
        now, last = today(), fund_settings().last_project_date
        ids = {f"q{q.position}": q.id for q in questions(application)}
        return cls({"year": now.year, "next_year": now.year + 1, "today": now.isoformat(),
                    "yesterday": (now - timedelta(days=1)).isoformat(),
                    "tomorrow": (now + timedelta(days=1)).isoformat(),
                    "in_two_days": (now + timedelta(days=2)).isoformat(),
                    "last": last.isoformat(), "after_last": (last + timedelta(days=1)).isoformat(),
                    **ids})

    def fill(self, text: str) -> str:
        return text.format(**self.values)

    def changes(self, changes: Changes) -> Changes:
        def one(value: str | list[str] | None) -> str | list[str] | None:
            if isinstance(value, list):
                return [self.fill(v) for v in value]
            return None if value is None else self.fill(value)

        return {self.fill(k): one(v) for k, v in changes.items()}


# Form classes -----------------------------------------------------------------------------------


def test_the_personnummer_in_the_examples_is_a_valid_one() -> None:
    assert contains_personal_identity_number(PERSONNUMMER_TEXT)
    assert not contains_personal_identity_number("Kontakt 19811218-9875")  # wrong check digit


def test_amounts_in_messages_are_written_with_no_break_spaces() -> None:
    assert format_kronor(50_000) == "50\u00a0000\u00a0kr" == kr("50 000 kr")


@pytest.mark.parametrize(("typed", "kronor"), [
    ("25000", 25_000), ("25 000", 25_000), ("25 000 kr", 25_000), ("25\u00a0000 kr", 25_000),
    ("186 182,00 kr", 186_182), ("0", 0),
])
def test_the_budget_form_reads_amounts_written_the_ways_people_write_them(
    app, typed: str, kronor: int
) -> None:
    year = today().year
    data = {"budget_lines-0-year": str(year), "budget_lines-0-cost_type": "travel",
            "budget_lines-0-amount": typed, f"requested_{year}": typed}
    with app.test_request_context(method="POST", data=data):
        form = budget_form_class([year])(meta={"csrf": False})
        set_year_choices(form, [year])

        assert form.validate(), form.errors
        assert form.budget_lines[0].form.amount.data == kronor
        assert form[f"requested_{year}"].data == kronor


def test_a_half_filled_project_form_is_well_formed_and_a_malformed_one_keeps_the_raw_text(
    app,
) -> None:
    with app.test_request_context(method="POST", data={"title": "Bara en titel"}):
        assert ProjectSectionForm(meta={"csrf": False}).validate()
    with app.test_request_context(method="POST", data={"start_date": "2026-13-45"}):
        form = ProjectSectionForm(meta={"csrf": False})
        assert not form.validate()
        assert form.start_date.errors == [
            "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-01."]
        assert form.start_date._value() == "2026-13-45"


@pytest.mark.parametrize(("address", "valid"), [
    ("kontakt@example.se", True), ("inte-en-adress", False), ("a@b", False), ("a b@c.se", False),
])
def test_the_contact_form_accepts_only_e_mail_addresses(app, address: str, valid: bool) -> None:
    with app.test_request_context(method="POST", data={"contact_email": address}):
        form = ContactSectionForm(meta={"csrf": False})
        assert form.validate() is valid
        assert form.contact_email.errors == ([] if valid else ["Ange en giltig e-postadress."])


# Saving part of a section, and the progress overview ----------------------------------------------


def test_a_section_saved_with_only_a_title_is_stored_and_the_overview_shows_each_sections_state(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant, title="", summary="", complete=False)
    client = signed_in(applicant)
    overview_url = app_url(application, "/redigera")
    before = progress(page(client.get(overview_url)))
    assert before == {"projekt": "Inte påbörjat", "malgrupp": "Inte påbörjat",
                      "indikatorer": "Inte påbörjat", "budget": "Inte påbörjat",
                      "jamstalldhet": "Inte påbörjat", "hallbarhet": "Inte påbörjat",
                      "statsstod": "Inte påbörjat", "bilagor": "Klart (valfritt)",
                      "kontakt": "Inte påbörjat"}

    saved = client.post(section_url(application, "projekt"), data={
        "csrf_token": csrf_token(client, section_url(application, "projekt")),
        "title": "Bara en titel än så länge", "save": "Spara och fortsätt",
    })
    contact = post_section(client, application, "kontakt", {
        "contact_name": "Kim Kontakt", "contact_role": "Projektledare",
        "contact_email": "kim@example.se", "contact_phone": "019-602 10 00",
    })

    assert saved.status_code == 302
    assert saved.headers["Location"] == section_url(application, "malgrupp")  # the next one
    assert contact.status_code == 302
    assert stored(application, "projekt")[0] == "Bara en titel än så länge"
    assert stored(application, "kontakt") == (
        "Kim Kontakt", "Projektledare", "kim@example.se", "019-602 10 00")
    doc = page(client.get(overview_url))
    assert progress(doc) == {**before, "projekt": "Behöver rättas", "kontakt": "Klart"}
    assert "2 av 9 avsnitt är klara." in doc.text
    # The saved section now shows what is still missing, at the fields.
    project = page(client.get(section_url(application, "projekt")))
    assert control(project, "title").value == "Bara en titel än så länge"
    assert "Skriv en sammanfattning." in (field_error(project, "summary") or "")
    assert field_error(project, "title") is None


def test_a_draft_filled_in_through_every_section_form_is_complete_and_submits(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant, title="", summary="", complete=False)
    client = signed_in(applicant)
    now, year = today(), today().year
    end = min(now + timedelta(days=90), date(year, 12, 31), fund_settings().last_project_date)
    qs = questions(application)
    sections: list[tuple[str, dict[str, Any]]] = [
        ("projekt", {
            "title": "Läxhjälp på biblioteket", "summary": "Unga hjälper yngre med läxor.",
            "background": "Många elever saknar stöd hemma.", "aim": "Fler klarar skolan.",
            "activities": "Läxhjälp två kvällar i veckan.", "start_date": now.isoformat(),
            "end_date": end.isoformat(), "partners": "Biblioteket och skolan.",
        }),
        ("malgrupp", {
            "focus_areas": ["school", "leisure"], "municipalities": ["1880", "1881"],
            "age_bands": ["10-12", "13-15"], "target_group": "Elever i årskurs 4–9.",
            "participants_girls": "20", "participants_boys": "18", "participants_other": "0",
        }),
        ("indikatorer", {
            "indicators-0-name": "Elever som kommer minst fem gånger", "indicators-0-unit": "antal",
            "indicators-0-baseline": "0", "indicators-0-target": "40", "indicators-0-by_sex": "y",
        }),
        ("budget", {
            "budget_lines-0-year": str(year), "budget_lines-0-cost_type": "own_staff",
            "budget_lines-0-description": "Läxhjälpare", "budget_lines-0-amount": "120 000",
            "co_financing-0-year": str(year), "co_financing-0-kind": "work_time",
            "co_financing-0-funder": "Biblioteket", "co_financing-0-amount": "60 000 kr",
            f"requested_{year}": "60000",
        }),
        ("jamstalldhet", {
            f"q{q.id}_{part}": value for q in qs if q.checklist == "gender_equality"
            for part, value in (("answer", "yes"), ("explanation", "Vi följer upp per kön."))
        }),
        ("hallbarhet", {
            f"q{q.id}_answer": "na" for q in qs if q.checklist == "sustainability"
        }),
        ("statsstod", {"state_aid_market": "no"}),
        ("kontakt", {"contact_name": "Kim Kontakt", "contact_role": "Projektledare",
                     "contact_email": "kim@example.se", "contact_phone": "019-602 10 00"}),
    ]
    next_page = {"statsstod": section_url(application, "bilagor"),
                 "kontakt": app_url(application, "/redigera")}

    for position, (section, data) in enumerate(sections):
        url = section_url(application, section)
        response = client.post(url, data={**data, "csrf_token": csrf_token(client, url),
                                          "save": "Spara och fortsätt"})
        assert response.status_code == 302, (section, error_summary(page(response)))
        expected = next_page.get(section) or section_url(application, sections[position + 1][0])
        assert response.headers["Location"] == expected

    overview = page(client.get(app_url(application, "/redigera")))
    assert set(progress(overview).values()) == {"Klart", "Klart (valfritt)"}
    assert "9 av 9 avsnitt är klara." in overview.text
    review = page(client.get(app_url(application, "/granska")))
    assert review.find("div", id="error-summary") is None
    assert "allmän handling" in review.text
    submitted = post_action(client, app_url(application, "/skicka-in"), "submit")
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == app_url(application, "/kvitto")
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert (application.requested_total, application.cost_total,
            application.co_financing_total) == (60_000, 120_000, 60_000)


# Format errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatCase:
    id: str
    section: str
    field: str
    typed: str
    message: str


FORMAT_CASES = [
    FormatCase("amount-letters", "budget", "budget_lines-0-amount", "12a",
               "Beloppet får bara innehålla siffror, till exempel 25 000."),
    FormatCase("amount-decimals", "budget", "budget_lines-0-amount", "12,50",
               "Ange beloppet i hela kronor, utan ören (till exempel 25 000)."),
    FormatCase("amount-negative", "budget", "co_financing-0-amount", "-5",
               "Beloppet kan inte vara negativt."),
    FormatCase("amount-absurd", "budget", "budget_lines-0-amount", "99999999999",
               "Beloppet är orimligt stort. Kontrollera antalet siffror."),
    FormatCase("requested-letters", "budget", "requested_{year}", "hundra tusen",
               "Beloppet får bara innehålla siffror, till exempel 25 000."),
    FormatCase("date-impossible", "projekt", "start_date", "2026-13-45",
               "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-01."),
    FormatCase("date-year", "projekt", "end_date", "1999-01-01", "Kontrollera årtalet."),
    FormatCase("personnummer-in-text", "projekt", "background", PERSONNUMMER_TEXT,
               "Texten innehåller något som ser ut som ett personnummer."),
    FormatCase("personnummer-in-contact", "kontakt", "contact_name", PERSONNUMMER_TEXT,
               "Texten innehåller något som ser ut som ett personnummer."),
    FormatCase("title-too-long", "projekt", "title", "T" * 201,
               "Texten får vara högst 200 tecken."),
    FormatCase("count-letters", "malgrupp", "participants_girls", "tio",
               "Ange ett antal i hela tal, till exempel 40."),
    FormatCase("contact-email", "kontakt", "contact_email", "inte-en-adress",
               "Ange en giltig e-postadress."),
    FormatCase("contact-phone", "kontakt", "contact_phone", "ring mig",
               "Ange telefonnumret med siffror, till exempel 019-602 10 00."),
]
OTHER_CHANGE = {
    "projekt": ("aim", "Ett nytt syfte som sparas först när felet är rättat."),
    "malgrupp": ("target_group", "En ny beskrivning av målgruppen."),
    "budget": ("budget_lines-1-description", "Ny beskrivning av raden"),
    "kontakt": ("contact_role", "Verksamhetschef"),
}
"""A well-formed change typed in the same post: it is kept on screen but not stored either."""


@pytest.mark.parametrize("case", FORMAT_CASES, ids=[c.id for c in FORMAT_CASES])
def test_a_format_error_answers_422_keeps_what_was_typed_and_stores_nothing_until_fixed(
    make_user, make_application, signed_in, case: FormatCase
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    client = signed_in(applicant)
    url = section_url(application, case.section)
    name = Context.of(application).fill(case.field)
    other, other_value = OTHER_CHANGE[case.section]
    original = form_values(page(client.get(url)))[name][0]
    before = stored(application, case.section)

    response = post_section(client, application, case.section,
                            {name: case.typed, other: other_value})

    assert response.status_code == 422
    doc = page(response)
    assert case.message in (field_error(doc, name) or "")
    assert any(case.message in text for text in summary_links(doc)[f"#{name}"])
    assert control(doc, name).value == case.typed
    assert control(doc, other).value == other_value
    assert stored(application, case.section) == before
    session.refresh(application)
    assert application.unsaved_input[case.section][name] == [case.typed]

    # The unsaved input comes back, with its error, the next time the section is opened.
    again = page(client.get(url))
    assert control(again, name).value == case.typed
    assert control(again, other).value == other_value
    assert case.message in (field_error(again, name) or "")

    fixed = post_section(client, application, case.section, {name: original})

    assert fixed.status_code == 302
    session.refresh(application)
    assert case.section not in application.unsaved_input
    assert stored(application, case.section) != before  # the other change is stored now
    shown = page(client.get(url))
    assert control(shown, name).value == original
    assert control(shown, other).value == other_value
    assert field_error(shown, name) is None


def test_submitting_is_refused_while_a_section_has_unsaved_input(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    client = signed_in(applicant)
    assert post_section(client, application, "projekt",
                        {"start_date": "2026-13-45"}).status_code == 422
    message = ("Avsnittet «Projektet» har uppgifter som inte kunde sparas. "
               "Rätta felen och spara avsnittet.")

    review = page(client.get(app_url(application, "/granska")))
    response = post_action(client, app_url(application, "/skicka-in"), "submit")

    assert any(message in text
               for text in summary_links(review)[section_url(application, "projekt")])
    assert response.status_code == 409
    assert message in (error_summary(page(response)) or "")
    session.refresh(application)
    assert (application.state, application.reference) == (State.DRAFT, None)
    assert submit_events(application) == 0


# Completeness rules -------------------------------------------------------------------------------


def _close_next_years_pot() -> None:
    pot = session.get(Pot, today().year + 1)
    assert pot is not None
    pot.is_open = False


def _settings(**values: int) -> Callable[[], None]:
    def change() -> None:
        settings = session.get(FundSettings, 1)
        assert settings is not None
        for name, value in values.items():
            setattr(settings, name, value)

    return change


BLANK_SECOND_COST = {"budget_lines-1-year": "", "budget_lines-1-cost_type": "",
                     "budget_lines-1-description": "", "budget_lines-1-amount": ""}
BLANK_SECOND_CO_FINANCING = {"co_financing-1-year": "", "co_financing-1-kind": "",
                             "co_financing-1-funder": "", "co_financing-1-amount": ""}
NO_INDICATORS: Changes = {
    f"indicators-{row}-{part}": None if part == "by_sex" else ""
    for row in (0, 1) for part in ("name", "unit", "baseline", "target", "by_sex")
}


@dataclass(frozen=True)
class Rule:
    id: str
    section: str
    changes: Changes
    field: str
    message: str
    setup: Callable[[], None] | None = None


RULES = [
    Rule("end-before-start", "projekt",
         {"start_date": "{in_two_days}", "end_date": "{tomorrow}"},
         "end_date", "Slutdatum kan inte vara före startdatum."),
    Rule("start-before-today", "projekt", {"start_date": "{yesterday}"}, "start_date",
         "Projektet kan starta tidigast {today}, den dag ansökan kommer in. "
         "Kostnader före det räknas inte."),
    Rule("end-after-the-funds-last-date", "projekt", {"end_date": "{after_last}"}, "end_date",
         "Projektet måste vara avslutat senast {last}, när fondens eget projekt slutar."),
    Rule("no-focus-area", "malgrupp", {"focus_areas": None}, "focus_areas",
         "Välj minst ett insatsområde."),
    Rule("no-municipality", "malgrupp", {"municipalities": None}, "municipalities",
         "Välj minst en kommun där piloten genomförs."),
    Rule("no-indicator", "indikatorer", NO_INDICATORS, "indicators-0-name",
         "Lägg till minst en resultatindikator."),
    Rule("indicator-without-target", "indikatorer", {"indicators-0-target": ""},
         "indicators-0-target",
         "Ange målvärde för indikatorn «Unga som deltar minst fyra gånger»."),
    Rule("requested-over-the-support-share", "budget",
         {"budget_lines-0-amount": "100 000", **BLANK_SECOND_COST,
          "co_financing-0-amount": "40 000", **BLANK_SECOND_CO_FINANCING,
          "requested_{year}": "60 000"},
         "requested_{year}",
         kr("Ni söker 60 000 kr, men stödet får vara högst 50 % av projektets totala kostnader "
            "(100 000 kr), alltså högst 50 000 kr.")),
    Rule("requested-over-the-pilot-maximum", "budget",
         {"budget_lines-0-amount": "400 000", **BLANK_SECOND_COST,
          "co_financing-0-amount": "240 000", **BLANK_SECOND_CO_FINANCING,
          "requested_{year}": "160 000"},
         "requested_{year}", kr("Ni söker 160 000 kr, men fonden ger högst 150 000 kr per pilot.")),
    Rule("requested-over-the-pilot-maximum-set-by-the-admin", "budget", {},
         "requested_{year}", kr("Ni söker 100 000 kr, men fonden ger högst 80 000 kr per pilot."),
         setup=_settings(max_grant_per_pilot=80_000)),
    Rule("requested-over-the-support-share-set-by-the-admin", "budget", {},
         "requested_{year}",
         kr("Ni söker 100 000 kr, men stödet får vara högst 40 % av projektets totala kostnader "
            "(200 000 kr), alltså högst 80 000 kr."),
         setup=_settings(max_support_share_percent=40)),
    Rule("requested-from-a-closed-year", "budget",
         {"requested_{year}": "", "requested_{next_year}": "100 000"}, "requested_{next_year}",
         "{next_year} års pott är stängd för nya ansökningar. Sök ur ett år som är öppet.",
         setup=_close_next_years_pot),
    Rule("budget-does-not-balance", "budget", {"co_financing-0-amount": "50 000"},
         "co_financing-0-amount",
         kr("Budgeten går inte ihop: sökt stöd 100 000 kr och medfinansiering 90 000 kr blir "
            "190 000 kr, men kostnaderna är 200 000 kr. Finansieringen ska täcka kostnaderna "
            "exakt.")),
    Rule("checklist-yes-without-explanation", "jamstalldhet", {"q{q1}_explanation": ""},
         "q{q1}_explanation", "Fråga 1: du har svarat ja – förklara hur."),
    Rule("checklist-question-unanswered", "hallbarhet",
         {"q{q6}_answer": None, "q{q6}_explanation": ""}, "q{q6}_answer", "Svara på fråga 6."),
    Rule("state-aid-unanswered", "statsstod", {"state_aid_market": None}, "state_aid_market",
         "Svara på frågan om statligt stöd."),
    Rule("state-aid-without-de-minimis-declaration", "statsstod",
         {"state_aid_market": "yes", "de_minimis_previous_eur": "0",
          "de_minimis_confirmed": None},
         "de_minimis_confirmed", "Intyga uppgiften om stöd av mindre betydelse (de minimis)."),
    Rule("state-aid-without-previous-de-minimis", "statsstod",
         {"state_aid_market": "yes", "de_minimis_previous_eur": "", "de_minimis_confirmed": "y"},
         "de_minimis_previous_eur",
         "Ange hur mycket stöd av mindre betydelse organisationen har fått de senaste tre "
         "åren (0 om inget)."),
    Rule("state-aid-over-the-de-minimis-ceiling", "statsstod",
         {"state_aid_market": "yes", "de_minimis_previous_eur": "300001",
          "de_minimis_confirmed": "y"},
         "de_minimis_previous_eur",
         "Organisationen har fått mer än taket på 300 000 euro i stöd av mindre betydelse och "
         "kan därför inte få stödet."),
    Rule("contact-name-missing", "kontakt", {"contact_name": ""}, "contact_name",
         "Ange kontaktpersonens namn."),
    Rule("contact-role-missing", "kontakt", {"contact_role": ""}, "contact_role",
         "Ange kontaktpersonens roll."),
    Rule("contact-email-missing", "kontakt", {"contact_email": ""}, "contact_email",
         "Ange kontaktpersonens e-postadress."),
    Rule("contact-phone-missing", "kontakt", {"contact_phone": ""}, "contact_phone",
         "Ange kontaktpersonens telefonnummer."),
]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_an_incomplete_section_saves_shows_the_rule_at_the_field_and_refuses_submit_with_409(
    make_user, make_application, signed_in, rule: Rule
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    context = Context.of(application)
    if rule.setup:
        rule.setup()
    client = signed_in(applicant)
    name, message = context.fill(rule.field), context.fill(rule.message)

    saved = post_section(client, application, rule.section, context.changes(rule.changes))

    assert saved.status_code == 302
    session.refresh(application)
    assert rule.section not in application.unsaved_input
    doc = page(client.get(section_url(application, rule.section)))
    error = doc.find(id=f"{name}-error")
    assert error is not None, f"no error at {name}: {error_summary(doc)}"
    assert message in error.raw_text  # exactly, no-break spaces and all
    assert any(norm(message) in text for text in summary_links(doc)[f"#{name}"])

    review = page(client.get(app_url(application, "/granska")))
    link = f"{section_url(application, rule.section)}#{name}"
    assert any(norm(message) in text for text in summary_links(review).get(link, [])), \
        summary_links(review)

    refused = post_action(client, app_url(application, "/skicka-in"), "submit")

    assert refused.status_code == 409
    assert any(norm(message) in text for text in summary_links(page(refused)).get(link, []))
    session.refresh(application)
    assert (application.state, application.reference) == (State.DRAFT, None)
    assert submit_events(application) == 0
    assert outbox(application) == []


@pytest.mark.parametrize("market", ["yes", "no"])
def test_the_officer_case_page_flags_state_aid_declared_by_the_applicant(
    make_user, make_application, signed_in, market: str
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    client = signed_in(applicant)
    declared = post_section(client, application, "statsstod", {
        "state_aid_market": market, "de_minimis_previous_eur": "12 000",
        "de_minimis_confirmed": "y",
    })
    assert declared.status_code == 302
    assert post_action(client, app_url(application, "/skicka-in"), "submit").status_code == 302

    doc = page(signed_in(make_user("officer")).get(f"/handlaggning/arenden/{application.id}"))

    flags = doc.find_all("strong", class_="flag")
    if market == "yes":
        assert [f.text for f in flags] == ["Ska kontrolleras:"]
        assert "de minimis-intyg lämnat" in flags[0].parent.text
    else:
        assert flags == []


# Submitting -------------------------------------------------------------------------------------


def eml_files(app) -> list[email.message.EmailMessage]:
    folder = app.config["MAIL_OUTBOX_DIR"]
    if not os.path.isdir(folder):
        return []
    messages = []
    for name in sorted(os.listdir(folder)):
        assert name.endswith(".eml"), name
        with open(os.path.join(folder, name), "rb") as handle:
            messages.append(email.message_from_bytes(handle.read(), policy=email.policy.default))
    return messages


def test_a_complete_application_submits_with_a_reference_a_receipt_page_and_receipt_mail(
    app, make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    application.contact_email = "kontakt@example.se"
    client = signed_in(applicant)
    assert page(client.get(app_url(application, "/granska"))).find(id="error-summary") is None

    response = post_action(client, app_url(application, "/skicka-in"), "submit")

    assert response.status_code == 302
    assert response.headers["Location"] == app_url(application, "/kvitto")
    session.refresh(application)
    reference = application.reference
    assert application.state == State.SUBMITTED
    assert re.fullmatch(rf"PF-{today().year}-\d{{4}}", reference)
    receipt = page(client.get(app_url(application, "/kvitto")))
    assert receipt.one("dd", class_="ref").text == reference
    assert f"{applicant.email} och kontakt@example.se" in receipt.text
    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == "submit")).one()
    messages = outbox(application)
    assert [(m.key, m.recipient) for m in messages] == [
        (f"receipt:{event.id}:{applicant.email}", applicant.email),
        (f"receipt:{event.id}:kontakt@example.se", "kontakt@example.se"),
    ]
    assert all(reference in m.subject and reference in m.body for m in messages)
    assert all(m.sent_at is not None for m in messages)  # delivered right after the commit
    files = eml_files(app)
    assert sorted(str(m["To"]) for m in files) == sorted([applicant.email, "kontakt@example.se"])
    for message in files:
        assert reference in str(message["Subject"])
        assert f"Referens: {reference}" in message.get_content()


def test_submitting_twice_from_two_tabs_gives_one_reference_one_event_and_one_receipt_each(
    app, make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    application.contact_email = "kontakt@example.se"
    client = signed_in(applicant)
    url = app_url(application, "/skicka-in")
    # Both tabs show the review page before either is submitted.
    tabs = [csrf_token(client, app_url(application, "/granska")) for _tab in range(2)]

    first, second = (client.post(url, data={"submit-csrf_token": token, "submit-reason": "",
                                            "trigger": "submit"}) for token in tabs)

    assert first.status_code == 302
    assert first.headers["Location"] == app_url(application, "/kvitto")
    assert second.status_code == 302
    assert second.headers["Location"] == app_url(application, "/kvitto")
    session.refresh(application)
    assert application.reference == f"PF-{today().year}-0001"
    assert session.get(CaseCounter, today().year).last_number == 1  # no number taken twice
    assert submit_events(application) == 1
    assert sorted(m.recipient for m in outbox(application)) == sorted(
        [applicant.email, "kontakt@example.se"])
    assert len(eml_files(app)) == 2
    receipt = page(client.get(app_url(application, "/kvitto")))
    assert (f"Ansökan är redan inskickad och har referensen {application.reference}."
            in receipt.text)
    assert receipt.one("dd", class_="ref").text == application.reference


# Once submitted, and other organisations' applications ------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _edit_request(client: FlaskClient, application: Application, what: str) -> Any:
    token = csrf_token(client, "/")
    if what == "get-section":
        return client.get(section_url(application, "projekt"))
    if what == "post-section":
        return client.post(section_url(application, "projekt"), data={
            "csrf_token": token, "title": "Ändrad i efterhand", "save_stay": "Spara"})
    if what == "get-overview":
        return client.get(app_url(application, "/redigera"))
    if what == "get-review":
        return client.get(app_url(application, "/granska"))
    if what == "upload":
        return client.post(app_url(application, "/bilagor"), data={
            "csrf_token": token, "description": "Budgetunderlag", "upload": "x",
            "file": (io.BytesIO(PDF_BYTES), "budget.pdf")}, content_type="multipart/form-data")
    raise AssertionError(what)


EDITS = ["get-section", "post-section", "get-overview", "get-review", "upload"]


@pytest.mark.parametrize("what", EDITS)
def test_a_submitted_application_cannot_be_edited_by_address_and_nothing_changes(
    make_user, make_application, signed_in, what: str
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.SUBMITTED, applicant=applicant)
    client = signed_in(applicant)
    before = stored(application, "projekt")
    events_before = audit_event_count()

    response = _edit_request(client, application, what)

    assert response.status_code == 409
    assert "kan inte ändras" in page(response).text
    assert stored(application, "projekt") == before
    session.refresh(application)
    assert application.unsaved_input == {}
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert audit_event_count() == events_before


def test_the_same_upload_is_accepted_on_a_draft(make_user, make_application, signed_in) -> None:
    """The control for the refused upload above: the file itself is fine."""
    applicant = make_user("applicant")
    application = make_application(applicant=applicant)
    client = signed_in(applicant)

    response = _edit_request(client, application, "upload")

    assert response.status_code == 302
    attachment = session.scalars(sa.select(Attachment)).one()
    assert (attachment.application_id, attachment.filename, attachment.data) == (
        application.id, "budget.pdf", PDF_BYTES)


OTHER_ORGANISATIONS = [
    (State.DRAFT, "GET", "/avsnitt/projekt"),
    (State.DRAFT, "POST", "/avsnitt/projekt"),
    (State.DRAFT, "GET", "/redigera"),
    (State.DRAFT, "GET", "/granska"),
    (State.DRAFT, "POST", "/skicka-in"),
    (State.DRAFT, "POST", "/bilagor"),
    (State.SUBMITTED, "GET", ""),
    (State.SUBMITTED, "GET", "/kvitto"),
    (State.SUBMITTED, "GET", "/ansokan.pdf"),
]


@pytest.mark.parametrize(("state", "method", "rest"), OTHER_ORGANISATIONS,
                         ids=[f"{s}-{m}-{r or '/'}" for s, m, r in OTHER_ORGANISATIONS])
def test_another_organisations_application_is_not_found(
    make_user, make_application, signed_in, state: State, method: str, rest: str
) -> None:
    application = make_application(state)
    client = signed_in(make_user("applicant"))
    before = stored(application, "projekt")
    events_before = audit_event_count()
    data = {"csrf_token": csrf_token(client, "/"), "submit-csrf_token": csrf_token(client, "/"),
            "title": "Inte min", "save_stay": "Spara", "trigger": "submit"}

    response = client.open(app_url(application, rest), method=method,
                           data=data if method == "POST" else None)

    assert response.status_code == 404
    assert stored(application, "projekt") == before
    session.refresh(application)
    assert (application.state, application.unsaved_input) == (state, {})
    assert audit_event_count() == events_before


# Returned for completion, and withdrawing -------------------------------------------------------


def test_a_returned_application_is_completed_and_resubmitted_and_the_history_shows_both_steps(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.SUBMITTED, applicant=applicant)
    reference = application.reference
    officer = make_user("officer")
    reason = "Beskriv syftet tydligare: vad ska vara annorlunda efter piloten?"

    returned = post_action(signed_in(officer),
                           f"/handlaggning/arenden/{application.id}/atgard/return_for_completion",
                           "return_for_completion", reason)

    assert returned.status_code == 302
    client = signed_in(applicant)
    overview = page(client.get(app_url(application, "/redigera")))
    assert reason in overview.one("blockquote").text
    assert "Handläggaren vill att ni kompletterar" in overview.text

    new_aim = "Fler unga har en trygg fritid, mätt med enkät före och efter."
    edited = post_section(client, application, "projekt", {"aim": new_aim})
    assert edited.status_code == 302
    assert stored(application, "projekt")[3] == new_aim
    review = page(client.get(app_url(application, "/granska")))
    assert {b.attrs["value"] for b in review.find_all("button", name="trigger")} == {"resubmit"}

    resubmitted = post_action(client, app_url(application, "/skicka-in"), "resubmit",
                              "Syftet är omskrivet.")

    assert resubmitted.status_code == 302
    assert resubmitted.headers["Location"] == app_url(application, "/kvitto")
    session.refresh(application)
    assert (application.state, application.reference) == (State.SUBMITTED, reference)
    entries = history(page(client.get(app_url(application))))
    assert "Ansökan återsändes för komplettering" in entries[-2]
    assert reason in entries[-2] and f"av {officer.name}" in entries[-2]
    assert "Den kompletterade ansökan skickades in" in entries[-1]
    assert "Syftet är omskrivet." in entries[-1] and f"av {applicant.name}" in entries[-1]
    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == "resubmit")).one()
    receipt = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.key == f"receipt:{event.id}:{applicant.email}")).one()
    assert "kompletterade ansökan" in receipt.body and reference in receipt.body


@pytest.mark.parametrize("state", [State.SUBMITTED, State.RETURNED, State.ASSESSED])
def test_the_applicant_withdraws_before_the_decision_with_a_reason_and_the_case_is_kept(
    make_user, make_application, signed_in, state: State
) -> None:
    applicant = make_user("applicant")
    application = make_application(state, applicant=applicant)
    client = signed_in(applicant)
    reason = "Kommunen finansierar insatsen själv."

    response = post_action(client, app_url(application, "/atgard/withdraw"), "withdraw", reason)

    assert response.status_code == 302
    session.refresh(application)
    assert application.state == State.WITHDRAWN
    case = client.get(app_url(application))
    assert case.status_code == 200
    entries = history(page(case))
    assert "Ansökan återkallades" in entries[-1] and reason in entries[-1]
    dashboard = page(client.get("/mina-ansokningar/"))
    assert application.reference in dashboard.text
    assert "Ansökan är återkallad." in dashboard.text


@pytest.mark.parametrize("typed", ["", "   "])
def test_withdrawing_without_a_reason_is_refused_with_the_reason_message(
    make_user, make_application, signed_in, typed: str
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.SUBMITTED, applicant=applicant)
    client = signed_in(applicant)
    events_before = audit_event_count()

    response = post_action(client, app_url(application, "/atgard/withdraw"), "withdraw", typed)

    assert response.status_code == 409
    doc = page(response)
    assert "Fyll i «Varför återkallas ansökan?»." in (field_error(doc, "withdraw-reason") or "")
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert audit_event_count() == events_before


# The print view -----------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["applicant", "officer"])
def test_the_print_view_is_a_pdf_download(
    make_user, make_application, signed_in, audience: str
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.SUBMITTED, applicant=applicant)
    if audience == "applicant":
        client, url = signed_in(applicant), app_url(application, "/ansokan.pdf")
    else:
        client = signed_in(make_user("officer"))
        url = f"/handlaggning/arenden/{application.id}/ansokan.pdf"

    response = client.get(url)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"{application.reference}.pdf" in disposition
