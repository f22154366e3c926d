"""After the grant: the pilot owner's reports, the officer's review of them, report due dates and
reminders, and closing a pilot with its unspent money released.

A report moves through its own small workflow (:data:`workflows.REPORT`): draft → submitted →
approved, or returned for changes and submitted again. Approving the follow-up report also fires
the case's ``follow_up``, approving the scale-up report its ``scale``; each change leaves one audit
event on the case. Nothing is committed here.

Reports answer the due dates of the decision in force by ``(kind, number)``; an amendment that
moves a date, or the officer moving it, makes reminders follow the new date, because a reminder
is keyed by the date it reminds of.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.completeness import today
from grants.db import session, utcnow
from grants.mail import queue_message
from grants.models import (
    Application,
    Attachment,
    AuditEvent,
    ChangeRequest,
    ChangeRequestState,
    CoFinancingKind,
    CostType,
    Decision,
    PaymentRequest,
    PaymentRequestState,
    Report,
    ReportCoFinancing,
    ReportCost,
    ReportDue,
    ReportIndicatorOutcome,
    ReportKind,
    ReportParticipants,
    User,
)
from grants.money import MAX_KRONOR, format_kronor
from grants.operations.common import clean_text, fire_transition, lock_application, log_case_event
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.finance import committed_by_year, paid_by_year, release_money
from grants.permissions import is_applicant_member, roles_on
from grants.reference import AGE_BANDS
from grants.uploads import MAX_ATTACHMENTS, InvalidUpload, check_upload
from workflows import REPORT, ReportState, Role, State, Subject, fire

TEXT = 6000
SHORT = 200
REMIND_BEFORE = timedelta(days=14)
REMIND_AFTER = timedelta(days=1)
COST_DEVIATION_PERCENT = 20
"""A cost type whose actual total differs from the budget by more than this is flagged."""

ACTIVE_STATES = (State.GRANTED.value, State.FOLLOWED_UP.value)
"""A pilot reports in these states; before the grant there is nothing to report on and after
closing nothing more is taken in."""

SECTIONS: dict[str, tuple[str, ...]] = {
    ReportKind.STAGE: ("period", "activities", "indicators", "costs", "learnings", "payment",
                       "attachments"),
    ReportKind.FOLLOW_UP: ("period", "activities", "indicators", "participants", "costs",
                           "learnings", "outcomes", "payment", "attachments"),
    ReportKind.SCALE_UP: ("scale_up", "attachments"),
    ReportKind.FINAL_FINANCIAL: ("period", "costs", "payment", "attachments"),
}
"""The parts of the report form each kind has, in order."""

SECTION_LABELS = {
    "period": "Period", "activities": "Genomförda aktiviteter",
    "indicators": "Resultatindikatorer", "participants": "Deltagare",
    "costs": "Kostnader och medfinansiering", "learnings": "Lärdomar",
    "outcomes": "Jämställdhet och hållbarhet", "payment": "Rekvisition (begäran om utbetalning)",
    "scale_up": "Införande i ordinarie verksamhet", "attachments": "Bilagor",
}

PAYABLE_KINDS = (ReportKind.STAGE, ReportKind.FOLLOW_UP, ReportKind.FINAL_FINANCIAL)


# Reading ----------------------------------------------------------------------------------------


@dataclass
class ReportSlot:
    """A report the pilot owes or has written: its due date in force (if the decision asks for
    it) and the report (if started)."""

    application: Application
    kind: str
    number: int
    due: ReportDue | None
    report: Report | None

    @property
    def label(self) -> str:
        label = ReportKind(self.kind).label
        return f"{label} {self.number}" if self.kind == ReportKind.STAGE else label

    @property
    def due_date(self) -> date | None:
        return self.due.due_date if self.due else None

    @property
    def handed_in(self) -> bool:
        return self.report is not None and self.report.state in (ReportState.SUBMITTED,
                                                                 ReportState.APPROVED)

    @property
    def status_label(self) -> str:
        return self.report.state_label if self.report else "Inte påbörjad"

    def overdue(self, on: date | None = None) -> bool:
        return (self.due_date is not None and not self.handed_in
                and (on or today()) > self.due_date and self.expected)

    @property
    def expected(self) -> bool:
        """Whether the pilot still owes this report in the case's state: the follow-up and the
        stage reports until the follow-up is approved, the scale-up report after it, the final
        financial report until the case is closed."""
        state = self.application.state
        if state not in ACTIVE_STATES:
            return False
        if self.kind in (ReportKind.STAGE, ReportKind.FOLLOW_UP):
            return state == State.GRANTED
        if self.kind == ReportKind.SCALE_UP:
            return state == State.FOLLOWED_UP
        return True


def report_slots(application: Application, reports: Iterable[Report] | None = None
                 ) -> list[ReportSlot]:
    """The pilot's reports: every due date of the decision in force, with its report if any,
    then reports written without a due date; in due-date order."""
    if reports is None:
        reports = session.scalars(sa.select(Report).where(
            Report.application_id == application.id).order_by(Report.id))
    by_key = {(r.kind, r.number): r for r in reports}
    decision = application.current_decision
    dues = decision.report_dues if decision is not None else []
    slots = [ReportSlot(application, d.kind, d.number, d, by_key.pop((d.kind, d.number), None))
             for d in dues]
    slots += [ReportSlot(application, r.kind, r.number, None, r) for r in by_key.values()]
    return sorted(slots, key=lambda s: (s.due_date or date.max, s.kind, s.number))


def overview(on: date | None = None) -> list[ReportSlot]:
    """Every report active pilots owe or have handed in and not yet had approved, for the
    officers' overview (overdue first, then by due date). A fixed number of queries."""
    applications = list(session.scalars(
        sa.select(Application).where(Application.state.in_(ACTIVE_STATES))
        .options(selectinload(Application.decisions).selectinload(Decision.report_dues))
        .order_by(Application.reference)
    ))
    reports: dict[int, list[Report]] = defaultdict(list)
    for report in session.scalars(sa.select(Report).where(
            Report.application_id.in_([a.id for a in applications])).order_by(Report.id)):
        reports[report.application_id].append(report)
    on = on or today()
    slots = [slot for application in applications
             for slot in report_slots(application, reports[application.id])
             if (slot.expected and not slot.handed_in)
             or (slot.report is not None and slot.report.state == ReportState.SUBMITTED)]
    return sorted(slots, key=lambda s: (not s.overdue(on), s.due_date or date.max,
                                        s.application.reference or ""))


def report_problems(report: Report) -> list[str]:
    """What must be filled in before the report can be handed in (empty: it can)."""
    problems = []
    if report.unsaved_input:
        problems.append("Rätta de uppgifter som inte kunde sparas (de visas med sina fel).")
    sections = SECTIONS[report.kind]
    if "period" in sections:
        if report.period_start is None or report.period_end is None:
            problems.append("Ange vilken period rapporten gäller.")
        elif report.period_end < report.period_start:
            problems.append("Rapportperioden måste sluta efter att den börjar.")
    if "activities" in sections and not report.activities_done.strip():
        problems.append("Beskriv vilka aktiviteter som genomförts.")
    if report.kind == ReportKind.FOLLOW_UP:
        outcomes = {o.indicator_id: o for o in report.indicator_outcomes}
        for indicator in report.application.indicators:
            outcome = outcomes.get(indicator.id)
            if outcome is None or not (outcome.outcome.strip() or (
                    outcome.outcome_girls.strip() and outcome.outcome_boys.strip())):
                problems.append(f"Ange utfallet för indikatorn «{indicator.name}».")
            elif indicator.by_sex and not (outcome.outcome_girls.strip()
                                           and outcome.outcome_boys.strip()):
                problems.append(f"Ange utfallet för flickor och för pojkar för indikatorn "
                                f"«{indicator.name}».")
        if not report.participants:
            problems.append("Ange hur många som deltog, per åldersgrupp och kön.")
        if not (report.learned_worked.strip() and report.learned_not_worked.strip()
                and report.learned_for_others.strip()):
            problems.append("Berätta vad som fungerade, vad som inte fungerade och vad andra "
                            "bör veta.")
        if not report.gender_equality_outcome.strip():
            problems.append("Beskriv hur det gick med jämställdheten (det ni lovade i "
                            "ansökans checklista).")
        if not report.sustainability_outcome.strip():
            problems.append("Beskriv hur det gick med hållbarhet och integration (det ni "
                            "lovade i ansökans checklista).")
    if report.kind in (ReportKind.FOLLOW_UP, ReportKind.FINAL_FINANCIAL) and not report.costs:
        problems.append("Redovisa de faktiska kostnaderna per kostnadsslag och år.")
    if report.kind == ReportKind.FINAL_FINANCIAL and report.stated_cost_total is None:
        problems.append("Ange de totala kostnaderna enligt er bokföring.")
    if report.kind == ReportKind.SCALE_UP:
        if not report.receiving_organisation.strip():
            problems.append("Ange vilken organisation som tar över arbetet.")
        if not report.financing_after.strip():
            problems.append("Beskriv hur arbetet finansieras efter piloten.")
        if report.ordinary_from is None:
            problems.append("Ange från vilket datum arbetet ingår i ordinarie verksamhet.")
        if not report.changes_in_operations.strip():
            problems.append("Beskriv vad som ändras i den ordinarie verksamheten.")
    return problems


def cost_flags(report: Report) -> list[str]:
    """What looks wrong with the money in the report, for the officer to look at: shown, kept,
    never corrected here. Empty when nothing stands out."""
    flags = []
    lines = report.cost_total
    if report.stated_cost_total is not None and report.stated_cost_total != lines:
        flags.append(
            f"Kostnadsraderna summerar till {format_kronor(lines)}, men totalen enligt "
            f"bokföringen anges till {format_kronor(report.stated_cost_total)} (skillnad "
            f"{format_kronor(abs(report.stated_cost_total - lines))})."
        )
    application = report.application
    budget_years = {line.year for line in application.budget_lines}
    for year in sorted({c.year for c in report.costs} - budget_years):
        flags.append(f"Kostnader redovisas för {year}, som inte finns i ansökans budget.")
    final = report.kind in (ReportKind.FOLLOW_UP, ReportKind.FINAL_FINANCIAL)
    if final and report.costs:
        budget: dict[str, int] = defaultdict(int)
        actual: dict[str, int] = defaultdict(int)
        for line in application.budget_lines:
            budget[line.cost_type] += line.amount
        for cost in report.costs:
            actual[cost.cost_type] += cost.amount
        for cost_type in CostType:
            planned, spent = budget.get(cost_type, 0), actual.get(cost_type, 0)
            if planned == spent:
                continue
            if planned == 0 or abs(spent - planned) * 100 > COST_DEVIATION_PERCENT * planned:
                change = "" if planned == 0 else \
                    f" ({'+' if spent > planned else '−'}{abs(spent - planned) * 100 // planned} %)"
                flags.append(f"{cost_type.label}: {format_kronor(spent)} mot budgeterat "
                             f"{format_kronor(planned)}{change}.")
        planned_co = application.co_financing_total
        if report.co_financing_total < planned_co:
            flags.append(f"Medfinansieringen blev {format_kronor(report.co_financing_total)} "
                         f"mot planerat {format_kronor(planned_co)}.")
        decision = application.current_decision
        granted = decision.total if decision else 0
        share = decision.support_share_permille if decision else None
        if share is not None and lines and granted * 1000 > share * lines:
            flags.append(
                f"Det beviljade stödet ({format_kronor(granted)}) är mer än "
                f"{decision.support_share if decision else ''} av de redovisade kostnaderna "
                f"({format_kronor(lines)}): stödet kan behöva minskas vid slutbetalningen."
            )
    request = report.payment_request
    if request is not None and report.costs:
        paid = sum(paid_by_year(application).values())
        room = lines - report.co_financing_total - paid
        if request.amount > max(room, 0):
            flags.append(
                f"Rekvisitionen ({format_kronor(request.amount)}) är mer än redovisade "
                f"kostnader minus medfinansiering och det som redan betalats ut "
                f"({format_kronor(max(room, 0))})."
            )
    return flags


# The pilot owner --------------------------------------------------------------------------------


def _require_owner(report_or_application: Report | Application, actor: User) -> Application:
    application = (report_or_application.application
                   if isinstance(report_or_application, Report) else report_or_application)
    if not is_applicant_member(actor, application):
        raise NotPermitted("Du kan bara rapportera för din egen organisations piloter.")
    return application


def _not_active_reason(application: Application) -> str | None:
    if application.state in ACTIVE_STATES:
        return None
    if application.state in (State.SCALED, State.CLOSED):
        return (f"Ärendet har status «{application.state_label}»: det tar inte emot fler "
                "rapporter.")
    return (f"Ärendet har status «{application.state_label}»: rapporter lämnas när stödet är "
            "beviljat.")


def kind_blockers(application: Application, kind: str) -> list[str]:
    if (reason := _not_active_reason(application)) is not None:
        return [reason]
    if kind == ReportKind.SCALE_UP and application.state != State.FOLLOWED_UP:
        return ["Rapporten om införande i ordinarie verksamhet kan lämnas först när "
                "uppföljningsrapporten är godkänd."]
    if kind in (ReportKind.STAGE, ReportKind.FOLLOW_UP) and application.state != State.GRANTED:
        return [f"{ReportKind(kind).label} lämnas före uppföljningen; uppföljningsrapporten är "
                "redan godkänd."]
    return []


def start_report(application: Application, *, actor: User, kind: str) -> Report:
    """Start (or return the already started) report of ``kind`` that is due next.

    Stage reports answer their due dates in order and may go beyond them; the other kinds are
    one each. Raises NotPermitted (not the pilot's organisation) or InvalidInput (before the
    grant, after closing, a scale-up report before the follow-up is approved).
    """
    _require_owner(application, actor)
    if kind not in ReportKind.__members__.values():
        raise InvalidInput("Okänd rapporttyp.")
    lock_application(application)
    if problems := kind_blockers(application, kind):
        raise InvalidInput(*problems)
    existing = list(session.scalars(sa.select(Report).where(
        Report.application_id == application.id, Report.kind == kind).order_by(Report.number)))
    open_report = next((r for r in existing if r.editable), None)
    if open_report is not None:
        return open_report
    if existing and kind != ReportKind.STAGE:
        raise InvalidInput(f"{ReportKind(kind).label} är redan inlämnad.")
    report = Report(application_id=application.id, kind=kind, number=len(existing) + 1,
                    created_by_id=actor.id, unsaved_input={}, checklist_outcomes={})
    session.add(report)
    session.flush()
    log_case_event(application, "start_report", actor=actor,
                   data={"report_id": report.id, "report": report.label})
    return report


def _ensure_report_editable(report: Report, actor: User) -> Application:
    application = _require_owner(report, actor)
    lock_application(application)
    session.refresh(report)
    if not report.editable:
        raise NotPermitted(f"Rapporten har status «{report.state_label}» och kan inte ändras.")
    if (reason := _not_active_reason(application)) is not None:
        raise NotPermitted(reason)
    return application


@dataclass
class ReportContent:
    """What the report form gives, already parsed (the operation checks it again)."""

    period_start: date | None = None
    period_end: date | None = None
    activities_done: str = ""
    activities_deviations: str = ""
    indicator_outcomes: list[dict[str, Any]] = field(default_factory=list)
    """``{"indicator_id", "outcome", "outcome_girls", "outcome_boys", "comment"}``."""
    participants: list[dict[str, Any]] = field(default_factory=list)
    """``{"age_band", "girls", "boys", "other"}`` — counts, 0 or more."""
    costs: list[dict[str, Any]] = field(default_factory=list)
    """``{"year", "cost_type", "description", "amount"}``."""
    co_financing: list[dict[str, Any]] = field(default_factory=list)
    """``{"year", "kind", "funder", "amount"}``."""
    stated_cost_total: int | None = None
    cost_comment: str = ""
    learned_worked: str = ""
    learned_not_worked: str = ""
    learned_for_others: str = ""
    learnings_public: bool = False
    gender_equality_outcome: str = ""
    sustainability_outcome: str = ""
    checklist_outcomes: dict[int, str] = field(default_factory=dict)
    receiving_organisation: str = ""
    receiving_unit: str = ""
    financing_after: str = ""
    ordinary_from: date | None = None
    changes_in_operations: str = ""
    support_needed: str = ""
    payment_requested: int | None = None


def _count(value: Any, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what}: ange ett heltal.")
    if value < 0:
        raise InvalidInput(f"{what}: antalet kan inte vara negativt.")
    if value > 1_000_000:
        raise InvalidInput(f"{what}: antalet är orimligt stort.")
    return value


def _kronor(value: Any, what: str, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what}: ange ett belopp i hela kronor.")
    if value < 0 or (positive and value == 0):
        raise InvalidInput(f"{what}: beloppet måste vara {'större än' if positive else 'minst'}"
                           " 0 kr.")
    if value > MAX_KRONOR:
        raise InvalidInput(f"{what}: beloppet är utanför det tillåtna.")
    return value


def save_report(report: Report, *, actor: User, content: ReportContent) -> None:
    """Store the report's content (only the parts its kind has); raises NotPermitted or
    InvalidInput naming the first thing that cannot be stored. Clears the kept raw input."""
    application = _ensure_report_editable(report, actor)
    sections = SECTIONS[report.kind]
    c = content
    if "period" in sections:
        report.period_start, report.period_end = c.period_start, c.period_end
    if "activities" in sections:
        report.activities_done = clean_text(c.activities_done, TEXT, "Genomförda aktiviteter")
        report.activities_deviations = clean_text(c.activities_deviations, TEXT,
                                                  "Avvikelser från planen")
    if "indicators" in sections:
        known = {i.id: i for i in application.indicators}
        outcomes = []
        for row in c.indicator_outcomes:
            indicator = known.get(row.get("indicator_id"))  # type: ignore[arg-type]
            if indicator is None:
                raise InvalidInput("Indikatorn finns inte i ansökan.")
            outcomes.append(ReportIndicatorOutcome(
                indicator_id=indicator.id,
                outcome=clean_text(row.get("outcome"), 100, f"Utfall för «{indicator.name}»"),
                outcome_girls=clean_text(row.get("outcome_girls"), 100, "Utfall för flickor"),
                outcome_boys=clean_text(row.get("outcome_boys"), 100, "Utfall för pojkar"),
                comment=clean_text(row.get("comment"), 1000, "Kommentaren"),
            ))
        _replace(report, "indicator_outcomes", outcomes)
    if "participants" in sections:
        bands = dict(AGE_BANDS)
        rows: dict[str, ReportParticipants] = {}
        for row in c.participants:
            band = row.get("age_band")
            if band not in bands:
                raise InvalidInput("Välj bland åldersgrupperna i listan.")
            label = bands[band]
            counts = {sex: _count(row.get(sex), f"{label}, {word}") for sex, word in
                      (("girls", "flickor"), ("boys", "pojkar"), ("other", "övriga"))}
            if band in rows:
                raise InvalidInput(f"Åldersgruppen {label} står två gånger.")
            if any(counts.values()):
                rows[band] = ReportParticipants(age_band=band, **counts)
        _replace(report, "participants", list(rows.values()))
    if "costs" in sections:
        report.costs = [ReportCost(
            position=i, year=_year(line.get("year")), cost_type=_choice(
                line.get("cost_type"), CostType, "Välj kostnadsslag bland dem i listan."),
            description=clean_text(line.get("description"), 300, "Beskrivningen"),
            amount=_kronor(line.get("amount"), f"Kostnadsrad {i + 1}"),
        ) for i, line in enumerate(c.costs)]
        report.co_financing = [ReportCoFinancing(
            position=i, year=_year(line.get("year")), kind=_choice(
                line.get("kind"), CoFinancingKind,
                "Välj om medfinansieringen är kontanta medel eller arbetad tid."),
            funder=clean_text(line.get("funder"), 200, "Vem som bidrog"),
            amount=_kronor(line.get("amount"), f"Medfinansieringsrad {i + 1}"),
        ) for i, line in enumerate(c.co_financing)]
        report.stated_cost_total = None if c.stated_cost_total is None else _kronor(
            c.stated_cost_total, "Totala kostnader enligt bokföringen")
        report.cost_comment = clean_text(c.cost_comment, TEXT, "Kommentaren om kostnaderna")
    if "learnings" in sections:
        report.learned_worked = clean_text(c.learned_worked, TEXT, "Vad som fungerade")
        report.learned_not_worked = clean_text(c.learned_not_worked, TEXT,
                                               "Vad som inte fungerade")
        report.learned_for_others = clean_text(c.learned_for_others, TEXT,
                                               "Vad andra bör veta")
        report.learnings_public = bool(c.learnings_public)
    if "outcomes" in sections:
        report.gender_equality_outcome = clean_text(c.gender_equality_outcome, TEXT,
                                                    "Utfallet för jämställdhet")
        report.sustainability_outcome = clean_text(c.sustainability_outcome, TEXT,
                                                   "Utfallet för hållbarhet och integration")
        questions = {a.question_id for a in application.checklist_answers}
        outcomes_by_question = {}
        for question_id, text in c.checklist_outcomes.items():
            if question_id not in questions:
                raise InvalidInput("Checklistfrågan finns inte i ansökan.")
            if cleaned := clean_text(text, 3000, "Svaret om checklistan"):
                outcomes_by_question[str(question_id)] = cleaned
        report.checklist_outcomes = outcomes_by_question
    if "scale_up" in sections:
        report.receiving_organisation = clean_text(c.receiving_organisation, SHORT,
                                                   "Organisationen som tar över")
        report.receiving_unit = clean_text(c.receiving_unit, SHORT, "Enheten")
        report.financing_after = clean_text(c.financing_after, TEXT, "Finansieringen efteråt")
        report.ordinary_from = c.ordinary_from
        report.changes_in_operations = clean_text(c.changes_in_operations, TEXT,
                                                  "Vad som ändras")
        report.support_needed = clean_text(c.support_needed, TEXT, "Stödet som behövs")
    if "payment" in sections:
        _save_payment_request(report, c.payment_requested)
    report.unsaved_input = {}
    report.updated_at = utcnow()
    session.flush()


def _replace(report: Report, collection: str, rows: list[Any]) -> None:
    """Replace a collection whose rows are unique per report: the old rows are deleted before
    the new ones are inserted (the unit of work would insert first and break the key)."""
    setattr(report, collection, [])
    session.flush()
    setattr(report, collection, rows)


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        raise InvalidInput("Ange ett budgetår (till exempel 2026).")
    return value


def _choice(value: Any, enum: Any, message: str) -> str:
    if value not in enum.__members__.values():
        raise InvalidInput(message)
    return str(value)


def _save_payment_request(report: Report, amount: int | None) -> None:
    request = report.payment_request
    if amount is None:
        if request is not None:
            if report.submitted_at is not None:
                raise InvalidInput("Rekvisitionen har lämnats in med rapporten och kan inte tas "
                                   "bort; ändra beloppet i stället.")
            session.delete(request)
            session.flush()
            session.expire(report, ["payment_request"])
        return
    amount = _kronor(amount, "Begärt belopp", positive=True)
    if request is None:
        session.add(PaymentRequest(report_id=report.id, application_id=report.application_id,
                                   amount=amount, paid_amount=0, note=""))
        session.flush()
        session.expire(report, ["payment_request"])
    else:
        request.amount = amount


def keep_report_input(report: Report, *, actor: User, raw: dict[str, Any]) -> None:
    """Keep what was typed that could not be stored as it was, so nothing typed is lost; it is
    shown again with its errors, and the report cannot be handed in while it is here."""
    _ensure_report_editable(report, actor)
    report.unsaved_input = raw
    session.flush()


def add_report_attachment(report: Report, *, actor: User, filename: str, data: bytes,
                          description: str = "") -> Attachment:
    """Store a file with the report after checking its real type and size; raises InvalidInput
    before anything is stored when the file is refused."""
    application = _ensure_report_editable(report, actor)
    count = session.scalar(sa.select(sa.func.count()).select_from(Attachment).where(
        Attachment.report_id == report.id, Attachment.removed_at.is_(None))) or 0
    if count >= MAX_ATTACHMENTS:
        raise InvalidInput(f"Rapporten har redan {MAX_ATTACHMENTS} bilagor, som är det högsta "
                           "antalet. Ta bort en bilaga innan du lägger till en ny.")
    try:
        name, kind = check_upload(filename, data)
    except InvalidUpload as exc:
        raise InvalidInput(str(exc)) from exc
    attachment = Attachment(
        application_id=application.id, report_id=report.id, filename=name,
        content_type=kind.content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        data=data, description=clean_text(description, 300, "Beskrivningen"),
        uploaded_by_id=actor.id,
    )
    session.add(attachment)
    session.flush()
    session.expire(report, ["attachments"])
    return attachment


def remove_report_attachment(attachment: Attachment, *, actor: User) -> None:
    """Take a file off a report that is still being written (the file is kept, marked removed)."""
    report = session.get(Report, attachment.report_id)
    if report is None:
        raise InvalidInput("Bilagan hör inte till en rapport.")
    _ensure_report_editable(report, actor)
    if attachment.removed_at is None:
        attachment.removed_at = utcnow()
    session.flush()
    session.expire(report, ["attachments"])


# The report's workflow --------------------------------------------------------------------------


def _fire_report(report: Report, trigger: str, *, actor: User, reason: str = "",
                 facts: dict[str, Any] | None = None, **columns: Any) -> AuditEvent:
    """Fire ``trigger`` on the report through the workflow engine, set the new state and
    ``columns`` together, and log it on the case. Raises TransitionRefused."""
    application = report.application
    lock_application(application)
    session.refresh(report)
    reason = (reason or "").strip()
    before = report.state
    subject = Subject(state=before, facts=facts or {}, reason=reason)
    after = fire(subject, trigger, roles_on(actor, application), workflow=REPORT)
    report.state = after.value
    for name, value in columns.items():
        setattr(report, name, value)
    return log_case_event(application, trigger, actor=actor, reason=reason, data={
        "report_id": report.id, "report": report.label, "from": before, "to": after.value})


def submit_report(report: Report, *, actor: User) -> AuditEvent:
    """The pilot owner hands in the report (and its payment request, if any); the officer who
    presented the case is e-mailed. Raises TransitionRefused with every reason (missing
    content, a case not in a state to report, a scale-up report before the follow-up)."""
    _require_owner(report, actor)
    application = report.application
    facts = {"report_blockers": kind_blockers(application, report.kind),
             "missing_report_content": report_problems(report)}
    event = _fire_report(report, "submit_report", actor=actor, facts=facts,
                         submitted_at=utcnow(), submitted_by_id=actor.id)
    decision = application.current_decision
    officer = decision.presented_by if decision else None
    if officer is not None and officer.email:
        queue_message(
            key=f"report-submitted:{event.id}:{officer.email}", recipient=officer.email,
            subject=f"{report.label} inlämnad i ärende {application.reference}",
            body=(f"Hej!\n\n{application.organisation.name} har lämnat in {report.label.lower()} "
                  f"för {application.reference} «{application.title}». Den väntar på din "
                  "granskning i Pilotfonden under Rapporter.\n\nDet här är ett automatiskt "
                  "meddelande från Pilotfonden.\n"),
            application=application,
        )
    return event


def _report_blockers_for_approval(report: Report) -> list[str]:
    application = report.application
    if report.kind == ReportKind.FOLLOW_UP and application.state != State.GRANTED:
        return [f"Ärendet har status «{application.state_label}»: uppföljningen kan inte "
                "godkännas nu."]
    if report.kind == ReportKind.SCALE_UP and application.state != State.FOLLOWED_UP:
        return ["Rapporten om införande kan godkännas först när uppföljningsrapporten är "
                "godkänd."]
    if (reason := _not_active_reason(application)) is not None:
        return [reason]
    return []


def approve_report(report: Report, *, actor: User, note: str = "") -> AuditEvent:
    """The officer approves the report. The follow-up report moves the case to ``followed_up``
    and the scale-up report to ``scaled`` in the same transaction. Returns the case's event
    when the case moved, else the report's. Raises TransitionRefused."""
    application = report.application
    note = clean_text(note, TEXT, "Kommentaren")
    event = _fire_report(report, "approve_report", actor=actor, reason=note,
                         facts={"report_blockers": _report_blockers_for_approval(report)},
                         reviewed_at=utcnow(), reviewed_by_id=actor.id, review_note=note)
    moved = None
    if report.kind == ReportKind.FOLLOW_UP:
        moved = fire_transition(
            application, "follow_up", actor=actor, reason=note,
            facts=lambda: {"missing_follow_up": missing_follow_up(application)},
            changes=lambda: {"report_id": report.id})
    elif report.kind == ReportKind.SCALE_UP:
        moved = fire_transition(
            application, "scale", actor=actor, reason=note,
            facts=lambda: {"missing_scale_up": missing_scale_up(application)},
            changes=lambda: {"report_id": report.id})
    _mail_owner(report, f"{report.label} är godkänd",
                f"Region Örebro län har godkänt {report.label.lower()} för "
                f"{application.reference} «{application.title}».", event)
    return moved or event


def submitted_report(application: Application, kind: str) -> Report | None:
    """The pilot's report of ``kind`` waiting for the officer, if any."""
    return session.scalars(sa.select(Report).where(
        Report.application_id == application.id, Report.kind == kind,
        Report.state == ReportState.SUBMITTED.value).order_by(Report.id)).first()


def return_report(report: Report, *, actor: User, reason: str) -> AuditEvent:
    """The officer returns the report for changes, saying what; the pilot owner is e-mailed.
    Raises TransitionRefused (no reason, not submitted)."""
    reason = clean_text(reason, TEXT, "Vad som behöver kompletteras")
    event = _fire_report(report, "return_report", actor=actor, reason=reason,
                         reviewed_at=utcnow(), reviewed_by_id=actor.id, review_note=reason)
    application = report.application
    _mail_owner(report, f"{report.label} behöver kompletteras",
                f"Region Örebro län har återsänt {report.label.lower()} för "
                f"{application.reference} «{application.title}» för komplettering:\n\n{reason}",
                event)
    return event


def _owner_addresses(application: Application) -> list[str]:
    submitter = application.created_by.email if application.created_by else ""
    return list(dict.fromkeys(filter(None, (submitter, application.contact_email))))


def _mail_owner(report: Report, subject: str, text: str, event: AuditEvent) -> None:
    application = report.application
    for recipient in _owner_addresses(application):
        queue_message(
            key=f"report:{event.id}:{recipient}", recipient=recipient,
            subject=f"{subject} ({application.reference})",
            body=f"Hej!\n\n{text}\n\nDet här är ett automatiskt meddelande från Pilotfonden.\n",
            application=application,
        )


def _approved(application: Application, *kinds: str) -> bool:
    return session.scalar(sa.select(Report.id).where(
        Report.application_id == application.id, Report.kind.in_(kinds),
        Report.state == ReportState.APPROVED.value).limit(1)) is not None


def missing_follow_up(application: Application) -> list[str]:
    """Why the case cannot be marked followed up: the follow-up report is not approved."""
    if _approved(application, ReportKind.FOLLOW_UP):
        return []
    return ["Uppföljningen godkänns genom att handläggaren godkänner uppföljningsrapporten."]


def missing_scale_up(application: Application) -> list[str]:
    if _approved(application, ReportKind.SCALE_UP):
        return []
    return ["Införandet registreras genom att handläggaren godkänner rapporten om införande i "
            "ordinarie verksamhet."]


# Due dates and reminders ------------------------------------------------------------------------


def change_report_due(application: Application, *, actor: User, kind: str, number: int,
                      due_date: date, reason: str) -> ReportDue:
    """The officer moves a report's due date in the decision in force (logged with before and
    after); reminders follow the new date. Raises NotPermitted or InvalidInput."""
    if Role.OFFICER.value not in actor.roles:
        raise NotPermitted("Bara en handläggare kan flytta ett rapportdatum.")
    lock_application(application)
    if (problem := _not_active_reason(application)) is not None:
        raise InvalidInput(problem)
    reason = clean_text(reason, TEXT, "Skälet")
    decision = application.current_decision
    due = next((d for d in (decision.report_dues if decision else [])
                if d.kind == kind and d.number == number), None)
    problems = []
    if due is None:
        raise InvalidInput("Beslutet har ingen sådan rapport.")
    if not reason:
        problems.append("Skriv varför datumet flyttas.")
    if decision is not None and decision.project_start and due_date < decision.project_start:
        problems.append("Datumet kan inte ligga före projektets start.")
    if due_date == due.due_date:
        problems.append("Välj ett annat datum än det som gäller nu.")
    if problems:
        raise InvalidInput(*problems)
    before = due.due_date
    due.due_date = due_date
    session.flush()
    log_case_event(application, "change_report_due", actor=actor, reason=reason, data={
        "report": due.label, "kind": kind, "number": number, "before": before.isoformat(),
        "after": due_date.isoformat()})
    return due


def send_reminders(on: date | None = None) -> int:
    """Queue reminder e-mails for reports due: 14 days before and 1 day after each due date in
    force, once each. Run daily (cron); running it again the same day queues nothing new.

    A reminder's key names the report and the date it reminds of, so a moved date gets its own
    reminders and an old date's never come back. Returns how many messages were queued.
    """
    on = on or today()
    queued = 0
    for slot in overview(on):
        if not slot.expected or slot.handed_in or slot.due_date is None:
            continue
        due = slot.due_date
        if due - REMIND_BEFORE <= on < due:
            when = "before"
            text = (f"Om {(due - on).days} dagar, senast {due.isoformat()}, ska "
                    f"{slot.label.lower()} lämnas för")
        elif on >= due + REMIND_AFTER:
            when = "after"
            text = (f"{slot.label} skulle ha lämnats senast {due.isoformat()} och har inte "
                    "kommit in för")
        else:
            continue
        application = slot.application
        for recipient in _owner_addresses(application):
            message = queue_message(
                key=(f"reminder:{application.id}:{slot.kind}:{slot.number}:{due.isoformat()}"
                     f":{when}:{recipient}"),
                recipient=recipient,
                subject=f"Påminnelse: {slot.label.lower()} för {application.reference}",
                body=(f"Hej!\n\n{text} {application.reference} «{application.title}».\n\n"
                      "Logga in i Pilotfonden och välj piloten under Mina ansökningar för att "
                      "skriva rapporten. Behöver ni mer tid kan ni ansöka om ändring där.\n\n"
                      "Det här är ett automatiskt meddelande från Pilotfonden.\n"),
                application=application,
            )
            queued += message is not None
    return queued


# Closing ----------------------------------------------------------------------------------------


def closing_blockers(application: Application) -> list[str]:
    """Why the pilot cannot be closed now (empty: it can)."""
    problems = []
    if not _approved(application, ReportKind.FOLLOW_UP, ReportKind.FINAL_FINANCIAL):
        problems.append("Ett ärende avslutas när slutrapporten är godkänd: uppföljnings"
                        "rapporten eller den ekonomiska slutrapporten.")
    waiting = list(session.scalars(sa.select(PaymentRequest).where(
        PaymentRequest.application_id == application.id,
        PaymentRequest.state == PaymentRequestState.OPEN.value)))
    problems += [f"{r.reference} ({format_kronor(r.amount)}) väntar på ekonomi: betala ut "
                 "eller avslå den först." for r in waiting]
    if session.scalar(sa.select(ChangeRequest.id).where(
            ChangeRequest.application_id == application.id,
            ChangeRequest.state == ChangeRequestState.PENDING.value).limit(1)):
        problems.append("En ändringsansökan väntar på beslut.")
    unreviewed = session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.application_id == application.id,
        Report.state == ReportState.SUBMITTED.value))
    if unreviewed:
        problems.append("Det finns inlämnade rapporter som inte är granskade.")
    return problems


def unspent_by_year(application: Application) -> dict[int, int]:
    """Per year, what is granted and not released and not paid: what closing gives back."""
    paid = paid_by_year(application)
    return {year: net - paid.get(year, 0) for year, net in committed_by_year(application).items()
            if net - paid.get(year, 0) > 0}


def close_pilot(application: Application, *, actor: User, reason: str) -> AuditEvent:
    """The officer closes the pilot (``close``): the final report is approved, and what is
    granted but unpaid goes back to its year in the same transaction (a release per year).
    Raises TransitionRefused with every reason."""

    def changes() -> dict[str, Any]:
        released = {}
        for year, amount in unspent_by_year(application).items():
            release_money(application, actor=actor, year=year, amount=amount,
                          reason=f"Oförbrukat stöd när {application.reference} avslutades")
            released[str(year)] = amount
        return {"released": released}

    return fire_transition(application, "close", actor=actor, reason=reason,
                           facts=lambda: {"closing_blockers": closing_blockers(application)},
                           changes=changes)
