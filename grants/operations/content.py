"""Operations that change what an application says, one per section, and its attachments.

Content can change only in ``draft`` and ``returned``: submitted content is frozen. Each operation
takes values the form has already parsed, checks them again (the operations are the boundary,
forms are a convenience), stores them, and marks the section saved. Nothing is committed here.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import sqlalchemy as sa

from grants.completeness import CHECKLIST_SECTIONS, LIMITS, SECTION_BY_KEY, pot_years
from grants.db import session, utcnow
from grants.models import (
    Application,
    Attachment,
    BudgetLine,
    ChecklistAnswer,
    ChecklistAnswerValue,
    CoFinancingKind,
    CoFinancingLine,
    CostType,
    FocusArea,
    Municipality,
    RequestedAmount,
    ResultIndicator,
    User,
)
from grants.money import MAX_KRONOR
from grants.operations.common import clean_text, lock_application
from grants.operations.errors import InvalidInput, NotPermitted
from grants.permissions import is_applicant_member
from grants.reference import AGE_BANDS
from grants.uploads import MAX_ATTACHMENTS, InvalidUpload, check_upload


def not_editable_reason(application: Application) -> str:
    return (
        f"Ansökan har status «{application.state_label}» och kan inte ändras. Inskickade "
        "uppgifter ändras bara om handläggaren återsänder ansökan för komplettering."
    )


def ensure_editable(application: Application, actor: User) -> None:
    """Raise NotPermitted unless ``actor`` may change ``application``'s content now.

    The case is read under its row lock first, so a save that races a submit waits for it and
    is then refused, instead of writing into content that has just been frozen.
    """
    if not is_applicant_member(actor, application):
        raise NotPermitted("Du kan bara ändra din egen organisations ansökningar.")
    lock_application(application)
    if not application.content_editable:
        raise NotPermitted(not_editable_reason(application))


def _amount(value: int | None, what: str) -> int:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what}: ange ett belopp i hela kronor.")
    if not 0 <= value <= MAX_KRONOR:
        raise InvalidInput(f"{what}: beloppet är utanför det tillåtna.")
    return value


def _count(value: int | None, what: str) -> int | None:
    if value is not None and (not isinstance(value, int) or value < 0):
        raise InvalidInput(f"{what}: ange ett antal som är 0 eller mer.")
    return value


def _mark_saved(application: Application, section: str) -> None:
    application.saved_sections = sorted({*application.saved_sections, section})
    unsaved = dict(application.unsaved_input)
    unsaved.pop(section, None)
    application.unsaved_input = unsaved
    application.updated_at = utcnow()
    session.flush()


def keep_unsaved_input(
    application: Application, *, actor: User, section: str, raw: dict[str, list[str]]
) -> None:
    """Keep what was typed in a section that could not be stored (so nothing typed is lost)."""
    ensure_editable(application, actor)
    if section not in SECTION_BY_KEY:
        raise InvalidInput("Okänt avsnitt.")
    application.unsaved_input = {**application.unsaved_input, section: raw}
    application.saved_sections = sorted({*application.saved_sections, section})
    session.flush()


def save_project(
    application: Application, *, actor: User, title: str, summary: str, background: str,
    aim: str, activities: str, start_date: date | None, end_date: date | None, partners: str,
) -> None:
    ensure_editable(application, actor)
    application.title = clean_text(title, LIMITS["title"], "Titeln")
    application.summary = clean_text(summary, LIMITS["summary"], "Sammanfattningen")
    application.background = clean_text(background, LIMITS["long_text"], "Bakgrunden")
    application.aim = clean_text(aim, LIMITS["text"], "Syftet")
    application.activities = clean_text(activities, LIMITS["long_text"], "Aktiviteterna")
    application.partners = clean_text(partners, LIMITS["text"], "Samverkan")
    application.start_date, application.end_date = start_date, end_date
    _mark_saved(application, "projekt")


def save_target(
    application: Application, *, actor: User, focus_areas: list[str], municipalities: list[str],
    age_bands: list[str], target_group: str, participants_girls: int | None,
    participants_boys: int | None, participants_other: int | None,
) -> None:
    ensure_editable(application, actor)
    areas = list(session.scalars(
        sa.select(FocusArea).where(FocusArea.code.in_(focus_areas), FocusArea.active)
    ))
    places = list(session.scalars(
        sa.select(Municipality).where(Municipality.code.in_(municipalities), Municipality.active)
    ))
    if len(areas) != len(set(focus_areas)) or len(places) != len(set(municipalities)):
        raise InvalidInput("Välj bland insatsområdena och kommunerna i listan.")
    known_bands = [code for code, _ in AGE_BANDS]
    if set(age_bands) - set(known_bands):
        raise InvalidInput("Välj bland åldersgrupperna i listan.")
    application.focus_areas, application.municipalities = areas, places
    application.age_bands = [code for code in known_bands if code in age_bands]
    application.target_group = clean_text(target_group, LIMITS["text"],
                                          "Beskrivningen av målgruppen")
    application.participants_girls = _count(participants_girls, "Flickor")
    application.participants_boys = _count(participants_boys, "Pojkar")
    application.participants_other = _count(participants_other, "Övriga")
    _mark_saved(application, "malgrupp")


def save_indicators(application: Application, *, actor: User, rows: list[dict[str, Any]]) -> None:
    """Replace the result indicators with ``rows`` (name, unit, baseline, target, by_sex)."""
    ensure_editable(application, actor)
    application.indicators = [
        ResultIndicator(
            position=i,
            name=clean_text(row.get("name"), 200, "Indikatorns namn"),
            unit=clean_text(row.get("unit"), 100, "Enheten"),
            baseline=clean_text(row.get("baseline"), 100, "Utgångsvärdet"),
            target=clean_text(row.get("target"), 100, "Målvärdet"),
            by_sex=bool(row.get("by_sex")),
        )
        for i, row in enumerate(rows)
    ]
    _mark_saved(application, "indikatorer")


def save_budget(
    application: Application, *, actor: User, lines: list[dict[str, Any]],
    co_financing: list[dict[str, Any]], requested: dict[int, int | None],
) -> None:
    """Replace the budget: cost lines, co-financing lines and the support asked for per year."""
    ensure_editable(application, actor)
    years = pot_years()

    def year(value: Any) -> int:
        if not isinstance(value, int) or value not in years:
            raise InvalidInput("Välj ett budgetår som fonden har.")
        return value

    cost_types = {c.value for c in CostType}
    kinds = {k.value for k in CoFinancingKind}
    new_lines = []
    for i, line in enumerate(lines):
        if line.get("cost_type") not in cost_types:
            raise InvalidInput("Välj kostnadsslag bland dem i listan.")
        new_lines.append(BudgetLine(
            position=i, year=year(line.get("year")), cost_type=line["cost_type"],
            description=clean_text(line.get("description"), 300, "Beskrivningen"),
            amount=_amount(line.get("amount"), f"Kostnadsrad {i + 1}"),
        ))
    new_co_financing = []
    for i, line in enumerate(co_financing):
        if line.get("kind") not in kinds:
            raise InvalidInput("Välj om medfinansieringen är kontanta medel eller arbetad tid.")
        new_co_financing.append(CoFinancingLine(
            position=i, year=year(line.get("year")), kind=line["kind"],
            funder=clean_text(line.get("funder"), 200, "Vem som bidrar"),
            amount=_amount(line.get("amount"), f"Medfinansieringsrad {i + 1}"),
        ))
    application.budget_lines = new_lines
    application.co_financing = new_co_financing
    application.requested_amounts = [
        RequestedAmount(year=year(y), amount=_amount(amount, f"Sökt stöd {y}"))
        for y, amount in sorted(requested.items()) if amount
    ]
    _mark_saved(application, "budget")


def save_checklist(
    application: Application, *, actor: User, section: str,
    answers: dict[int, tuple[str | None, str]],
) -> None:
    """Store the answers (question id → (yes/no/na or None, explanation)) of one checklist."""
    ensure_editable(application, actor)
    group = CHECKLIST_SECTIONS.get(section)
    version = application.checklist_version
    if group is None or version is None:
        raise InvalidInput("Okänd checklista.")
    questions = {q.id: q for q in version.questions if q.checklist == group}
    if set(answers) - set(questions):
        raise InvalidInput("Svaren hör inte till ansökans checklista.")
    values = {a.value for a in ChecklistAnswerValue}
    existing = {a.question_id: a for a in application.checklist_answers}
    for question_id, (answer, explanation) in sorted(answers.items()):
        current = existing.get(question_id)
        if answer is None:
            if current is not None:
                application.checklist_answers.remove(current)
            continue
        if answer not in values:
            raise InvalidInput("Svara ja, nej eller inte aktuellt.")
        text = clean_text(explanation, LIMITS["text"], "Förklaringen")
        if current is None:
            application.checklist_answers.append(
                ChecklistAnswer(question_id=question_id, answer=answer, explanation=text)
            )
        else:
            current.answer, current.explanation = answer, text
    _mark_saved(application, section)


def save_state_aid(
    application: Application, *, actor: User, market: bool | None,
    de_minimis_previous_eur: int | None, de_minimis_confirmed: bool,
) -> None:
    ensure_editable(application, actor)
    application.state_aid_market = market
    if market:
        application.de_minimis_previous_eur = _count(de_minimis_previous_eur, "Stödet i euro")
        application.de_minimis_confirmed = bool(de_minimis_confirmed)
    else:  # no market activity: no declaration to keep
        application.de_minimis_previous_eur, application.de_minimis_confirmed = None, False
    _mark_saved(application, "statsstod")


def save_contact(
    application: Application, *, actor: User, name: str, role: str, email: str, phone: str
) -> None:
    ensure_editable(application, actor)
    email = (email or "").strip().lower()
    if email and ("@" not in email or len(email) > 254):
        raise InvalidInput("Ange en giltig e-postadress.")
    application.contact_name = clean_text(name, 200, "Namnet")
    application.contact_role = clean_text(role, 200, "Rollen")
    application.contact_email = email
    application.contact_phone = clean_text(phone, 40, "Telefonnumret")
    _mark_saved(application, "kontakt")


def add_attachment(
    application: Application, *, actor: User, filename: str, data: bytes, description: str = ""
) -> Attachment:
    """Store an uploaded file after checking its real type and size; raises InvalidInput."""
    ensure_editable(application, actor)
    count = session.scalar(
        sa.select(sa.func.count()).select_from(Attachment)
        .where(Attachment.application_id == application.id, Attachment.report_id.is_(None),
               Attachment.removed_at.is_(None))
    ) or 0
    if count >= MAX_ATTACHMENTS:
        raise InvalidInput(
            f"Ansökan har redan {MAX_ATTACHMENTS} bilagor, som är det högsta antalet. "
            "Ta bort en bilaga innan du lägger till en ny."
        )
    try:
        name, kind = check_upload(filename, data)
    except InvalidUpload as exc:
        raise InvalidInput(str(exc)) from exc
    attachment = Attachment(
        application_id=application.id, filename=name, content_type=kind.content_type,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
        description=clean_text(description, 300, "Beskrivningen"), uploaded_by_id=actor.id,
    )
    session.add(attachment)
    _mark_saved(application, "bilagor")
    session.expire(application, ["attachments"])
    return attachment


def remove_attachment(attachment: Attachment, *, actor: User) -> None:
    """Take an attachment off the application (the file is kept, marked removed)."""
    application = session.get(Application, attachment.application_id)
    assert application is not None
    ensure_editable(application, actor)
    if attachment.removed_at is None:
        attachment.removed_at = utcnow()
    session.flush()
    session.expire(application, ["attachments"])
