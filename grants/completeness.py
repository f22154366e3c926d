"""Is an application complete and consistent enough to be submitted? The rules, in one place.

Saving a section stores whatever is well-formed, however unfinished. These rules run when the
applicant looks at a section they have saved, on the review page, and in the workflow guard that
refuses ``submit`` and ``resubmit`` (the server is the truth: the same function decides all three).
Each problem names the section and the form field it belongs to, so pages can link to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from grants.db import session
from grants.models import Application, ChecklistAnswerValue, ChecklistGroup, FundSettings, Pot
from grants.models.settings import (
    DEFAULT_LAST_PROJECT_DATE,
    DEFAULT_MAX_GRANT_PER_PILOT,
    DEFAULT_MAX_SUPPORT_SHARE_PERCENT,
    DEFAULT_REVIEWER_THRESHOLD,
    DEFAULT_REVIEWERS_AT_OR_ABOVE,
    DEFAULT_REVIEWERS_BELOW,
)
from grants.money import format_kronor

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DE_MINIMIS_CEILING_EUR = 300_000
"""The de minimis ceiling over three years (Commission Regulation (EU) 2023/2831)."""

LIMITS = {"title": 200, "summary": 1000, "text": 3000, "long_text": 6000}
"""Longest texts accepted, in characters."""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    optional: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("projekt", "Projektet"),
    Section("malgrupp", "Målgrupp och insatsområden"),
    Section("indikatorer", "Resultatindikatorer"),
    Section("budget", "Budget och finansiering"),
    Section("jamstalldhet", "Jämställdhet"),
    Section("hallbarhet", "Hållbarhet och integration"),
    Section("statsstod", "Statligt stöd"),
    Section("bilagor", "Bilagor", optional=True),
    Section("kontakt", "Kontaktperson"),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}
CHECKLIST_SECTIONS = {
    "jamstalldhet": ChecklistGroup.GENDER_EQUALITY.value,
    "hallbarhet": ChecklistGroup.SUSTAINABILITY.value,
}


@dataclass(frozen=True)
class Problem:
    section: str
    field: str | None
    """The id of the form field the problem belongs to (``None``: the section as a whole)."""
    message: str


def today() -> date:
    """Today in Sweden (the fund's dates are Swedish calendar days)."""
    return datetime.now(STOCKHOLM).date()


def fund_settings() -> FundSettings:
    settings = session.get(FundSettings, 1)
    if settings is None:  # a database without reference data: the defaults apply
        settings = FundSettings(
            id=1, max_support_share_percent=DEFAULT_MAX_SUPPORT_SHARE_PERCENT,
            max_grant_per_pilot=DEFAULT_MAX_GRANT_PER_PILOT,
            last_project_date=DEFAULT_LAST_PROJECT_DATE,
            reviewers_below=DEFAULT_REVIEWERS_BELOW,
            reviewers_at_or_above=DEFAULT_REVIEWERS_AT_OR_ABOVE,
            reviewer_threshold=DEFAULT_REVIEWER_THRESHOLD, reviewer_may_decide=False,
        )
    return settings


def pot_years() -> dict[int, bool]:
    """Each budget year that has a pot, and whether it is open for new applications."""
    return {year: is_open for year, is_open in session.execute(
        sa.select(Pot.year, Pot.is_open).order_by(Pot.year))}


def problems(application: Application, *, on: date | None = None) -> list[Problem]:
    """Everything that stops ``application`` from being submitted (on the day ``on``)."""
    settings = fund_settings()
    years = pot_years()
    found: list[Problem] = []
    for key, section in SECTION_BY_KEY.items():
        if application.unsaved_input.get(key):
            found.append(Problem(key, None, (
                f"Avsnittet «{section.title}» har uppgifter som inte kunde sparas. "
                "Rätta felen och spara avsnittet."
            )))
    found += _project(application, settings, on or today())
    found += _target(application)
    found += _indicators(application)
    found += _budget(application, settings, years)
    found += _checklists(application)
    found += _state_aid(application)
    found += _contact(application)
    return found


def problem_messages(application: Application) -> list[str]:
    """The problems as plain sentences (the workflow guard's reasons)."""
    return [p.message for p in problems(application)]


def _required(section: str, pairs: list[tuple[str, object, str]]) -> list[Problem]:
    return [Problem(section, field, message) for field, value, message in pairs
            if value is None or (isinstance(value, str) and not value.strip())]


def _project(application: Application, settings: FundSettings, on: date) -> list[Problem]:
    found = _required("projekt", [
        ("title", application.title, "Ange projektets titel."),
        ("summary", application.summary, "Skriv en sammanfattning."),
        ("background", application.background, "Beskriv bakgrund och problemanalys."),
        ("aim", application.aim, "Beskriv syfte och mål."),
        ("activities", application.activities, "Beskriv aktiviteter och tidsplan."),
        ("start_date", application.start_date, "Ange startdatum."),
        ("end_date", application.end_date, "Ange slutdatum."),
    ])
    start, end = application.start_date, application.end_date
    # Costs count from the day the application arrived: a resubmission keeps the first day.
    earliest = application.submitted_at.astimezone(STOCKHOLM).date() \
        if application.submitted_at else on
    if start and start < earliest:
        found.append(Problem("projekt", "start_date", (
            f"Projektet kan starta tidigast {earliest.isoformat()}, den dag ansökan kommer in. "
            "Kostnader före det räknas inte."
        )))
    if start and end and end < start:
        found.append(Problem("projekt", "end_date", "Slutdatum kan inte vara före startdatum."))
    if end and end > settings.last_project_date:
        found.append(Problem("projekt", "end_date", (
            f"Projektet måste vara avslutat senast {settings.last_project_date.isoformat()}, "
            "när fondens eget projekt slutar."
        )))
    return found


def _target(application: Application) -> list[Problem]:
    found = []
    if not application.focus_areas:
        found.append(Problem("malgrupp", "focus_areas", "Välj minst ett insatsområde."))
    if not application.municipalities:
        found.append(Problem("malgrupp", "municipalities",
                             "Välj minst en kommun där piloten genomförs."))
    if not application.age_bands:
        found.append(Problem("malgrupp", "age_bands", "Välj minst en åldersgrupp."))
    found += _required("malgrupp", [
        ("target_group", application.target_group, "Beskriv målgruppen."),
    ])
    counts = (application.participants_girls, application.participants_boys,
              application.participants_other)
    if not sum(c or 0 for c in counts):
        found.append(Problem("malgrupp", "participants_girls",
                             "Ange hur många deltagare ni räknar med, fördelat på kön."))
    return found


def _indicators(application: Application) -> list[Problem]:
    if not application.indicators:
        return [Problem("indikatorer", "indicators-0-name",
                        "Lägg till minst en resultatindikator.")]
    found = []
    for i, indicator in enumerate(application.indicators):
        name = indicator.name or f"rad {i + 1}"
        found += _required("indikatorer", [
            (f"indicators-{i}-name", indicator.name, f"Ge indikatorn på rad {i + 1} ett namn."),
            (f"indicators-{i}-unit", indicator.unit, f"Ange enhet för indikatorn «{name}»."),
            (f"indicators-{i}-target", indicator.target,
             f"Ange målvärde för indikatorn «{name}»."),
        ])
    return found


def _budget(
    application: Application, settings: FundSettings, years: dict[int, bool]
) -> list[Problem]:
    found = []
    project_years = set()
    if application.start_date and application.end_date:
        project_years = set(range(application.start_date.year, application.end_date.year + 1))
    if not application.budget_lines:
        found.append(Problem("budget", "budget_lines-0-amount",
                             "Lägg till minst en kostnad i budgeten."))
    for i, line in enumerate(application.budget_lines):
        if project_years and line.year not in project_years:
            found.append(Problem("budget", f"budget_lines-{i}-year", (
                f"Kostnaden på rad {i + 1} ligger {line.year}, utanför projekttiden."
            )))
    requested = {r.year: r.amount for r in application.requested_amounts if r.amount}
    first_field = f"requested_{min(years)}" if years else None
    for year in requested:
        field = f"requested_{year}"
        if year not in years:
            found.append(Problem("budget", field, f"Det finns ingen pott för {year}."))
        elif not years[year]:
            found.append(Problem("budget", field, (
                f"{year} års pott är stängd för nya ansökningar. Sök ur ett år som är öppet."
            )))
        elif project_years and year not in project_years:
            found.append(Problem("budget", field, (
                f"Ni söker stöd för {year}, men projektet pågår inte det året."
            )))
    total = sum(requested.values())
    costs = application.cost_total
    if not total:
        found.append(Problem("budget", first_field, "Ange hur mycket stöd ni söker."))
        return found
    by_share = costs * settings.max_support_share_percent // 100
    if total > by_share:
        found.append(Problem("budget", first_field, (
            f"Ni söker {format_kronor(total)}, men stödet får vara högst "
            f"{settings.max_support_share} av projektets totala kostnader "
            f"({format_kronor(costs)}), alltså högst {format_kronor(by_share)}."
        )))
    if total > settings.max_grant_per_pilot:
        found.append(Problem("budget", first_field, (
            f"Ni söker {format_kronor(total)}, men fonden ger högst "
            f"{format_kronor(settings.max_grant_per_pilot)} per pilot."
        )))
    financing = total + application.co_financing_total
    if financing != costs:
        found.append(Problem("budget", "co_financing-0-amount", (
            f"Budgeten går inte ihop: sökt stöd {format_kronor(total)} och medfinansiering "
            f"{format_kronor(application.co_financing_total)} blir {format_kronor(financing)}, "
            f"men kostnaderna är {format_kronor(costs)}. Finansieringen ska täcka kostnaderna "
            "exakt."
        )))
    return found


def _checklists(application: Application) -> list[Problem]:
    version = application.checklist_version
    if version is None:
        return []
    answers = {a.question_id: a for a in application.checklist_answers}
    found = []
    for section, group in CHECKLIST_SECTIONS.items():
        for question in version.questions:
            if question.checklist != group:
                continue
            answer = answers.get(question.id)
            if answer is None:
                found.append(Problem(section, f"q{question.id}_answer",
                                     f"Svara på fråga {question.position}."))
            elif answer.answer == ChecklistAnswerValue.YES and not answer.explanation.strip():
                found.append(Problem(section, f"q{question.id}_explanation", (
                    f"Fråga {question.position}: du har svarat ja – förklara hur."
                )))
    return found


def _state_aid(application: Application) -> list[Problem]:
    if application.state_aid_market is None:
        return [Problem("statsstod", "state_aid_market", "Svara på frågan om statligt stöd.")]
    if not application.state_aid_market:
        return []
    found = []
    if application.de_minimis_previous_eur is None:
        found.append(Problem("statsstod", "de_minimis_previous_eur", (
            "Ange hur mycket stöd av mindre betydelse organisationen har fått de senaste tre "
            "åren (0 om inget)."
        )))
    elif application.de_minimis_previous_eur > DE_MINIMIS_CEILING_EUR:
        found.append(Problem("statsstod", "de_minimis_previous_eur", (
            f"Organisationen har fått mer än taket på {DE_MINIMIS_CEILING_EUR:,} euro i stöd av "
            "mindre betydelse och kan därför inte få stödet."
        ).replace(",", " ")))
    if not application.de_minimis_confirmed:
        found.append(Problem("statsstod", "de_minimis_confirmed",
                             "Intyga uppgiften om stöd av mindre betydelse (de minimis)."))
    return found


def _contact(application: Application) -> list[Problem]:
    return _required("kontakt", [
        ("contact_name", application.contact_name, "Ange kontaktpersonens namn."),
        ("contact_role", application.contact_role, "Ange kontaktpersonens roll."),
        ("contact_email", application.contact_email, "Ange kontaktpersonens e-postadress."),
        ("contact_phone", application.contact_phone, "Ange kontaktpersonens telefonnummer."),
    ])


def section_status(application: Application, found: list[Problem]) -> dict[str, str]:
    """``not_started``, ``incomplete`` or ``complete`` for each section (the progress overview)."""
    with_problems = {p.section for p in found}
    status = {}
    for section in SECTIONS:
        if section.key in with_problems:
            status[section.key] = (
                "incomplete" if section.key in application.saved_sections else "not_started"
            )
        else:
            status[section.key] = "complete"
    return status
