"""Assessment and decision: the officer's proposal, the decider's grant or rejection, the money
committed from each year's pot, and the decision letter.

``assess``, ``grant`` and ``reject`` go through the workflow engine; the guards read the facts
computed here (reviews in, the decider not disqualified, amounts within the request and the pot).
Granting commits each year's money with a guarded UPDATE in the same transaction, so a pot is
never overdrawn; a refusal names the figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from grants.completeness import fund_settings, today
from grants.db import session
from grants.legal_dates import appeal_deadline
from grants.mail import queue_message
from grants.models import (
    Application,
    Assessment,
    AuditEvent,
    Decision,
    DecisionAmount,
    DecisionKind,
    JavStatus,
    Letter,
    LetterText,
    LetterTextKey,
    Outcome,
    Pot,
    ReportDue,
    ReportKind,
    User,
)
from grants.money import format_kronor, share_permille
from grants.operations.assessment import review_problems
from grants.operations.common import clean_text, fire_transition, lock_application, log_case_event
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.finance import FinanceRefused, commit_from_pot, pot_refusal
from workflows import Role

TEXT_LIMIT = 10_000
AUTHORITY = {
    "name": "Region Örebro län", "unit": "Regional utveckling",
    "address": "Box 1613, 701 16 Örebro", "phone": "019-602 10 00",
    "email": "regionorebrolan@regionorebrolan.se", "web": "www.regionorebrolan.se",
}


PotExhausted = FinanceRefused
"""A year's pot has no room (or is closed) for the amount; the reasons carry the figures."""


# Assessment ------------------------------------------------------------------------------------


def assess_application(
    application: Application, *, actor: User, reason: str = "", proposal: str | None = None,
    proposed_amounts: dict[int, int] | None = None,
) -> AuditEvent:
    """The officer assesses the case (state ``assessed``) with a proposal and a note.

    Raises TransitionRefused with every reason: the screening or the required reviews are not
    done, no proposal, proposed amounts outside the request.
    """

    def facts() -> dict[str, Any]:
        return {"missing_assessment": review_problems(application)
                + _proposal_problems(application, proposal, proposed_amounts or {})}

    def changes() -> dict[str, Any]:
        amounts = {str(y): a for y, a in sorted((proposed_amounts or {}).items()) if a}
        if proposal == Outcome.REJECT:
            amounts = {}
        row = session.get(Assessment, application.id) or Assessment(
            application_id=application.id)
        row.proposal, row.proposed_amounts, row.note = proposal, amounts, reason.strip()
        row.presented_by_id = actor.id
        session.add(row)
        return {"proposal": proposal, "proposed_amounts": amounts}

    return fire_transition(application, "assess", actor=actor, reason=reason, facts=facts,
                           changes=changes)


def _proposal_problems(
    application: Application, proposal: str | None, amounts: dict[int, int]
) -> list[str]:
    if proposal not in Outcome.__members__.values():
        return ["Välj förslag till beslut: bevilja eller avslå."]
    if proposal == Outcome.REJECT:
        return []
    return _amount_problems(application, amounts)


def _amount_problems(application: Application, amounts: dict[int, int]) -> list[str]:
    requested = {r.year: r.amount for r in application.requested_amounts}
    problems = []
    for year, amount in sorted(amounts.items()):
        if amount < 0:
            problems.append(f"{year}: beloppet kan inte vara negativt.")
        elif amount > requested.get(year, 0):
            problems.append(
                f"{year}: {format_kronor(amount)} är mer än det sökta beloppet för året "
                f"({format_kronor(requested.get(year, 0))})."
            )
    if not any(amounts.values()):
        problems.append("Ange det belopp som beviljas för minst ett budgetår.")
    return problems


# Decision --------------------------------------------------------------------------------------


@dataclass
class DecisionTerms:
    """What the decider decides, as the decision form (or a test) gives it."""

    decision_date: date
    minutes_posted: date
    reasons: str
    jav_confirmed: bool
    amounts: dict[int, int] = field(default_factory=dict)
    project_start: date | None = None
    project_end: date | None = None
    extra_conditions: str = ""
    report_dues: list[tuple[str, date]] = field(default_factory=list)
    hold_letter: bool = False
    """Decided now, letter released later together with the meeting's other decisions."""


def proposed_terms(application: Application, *, on: date | None = None) -> DecisionTerms:
    """Terms that follow the officer's proposal: the form's starting point."""
    on = on or today()
    assessment = application.assessment
    amounts = {int(y): a for y, a in (assessment.proposed_amounts if assessment else {}).items()}
    end = application.end_date
    return DecisionTerms(
        decision_date=on, minutes_posted=on,
        reasons=assessment.note if assessment else "",
        jav_confirmed=False, amounts=amounts,
        project_start=application.start_date, project_end=end,
        report_dues=[] if end is None else [
            (ReportKind.FOLLOW_UP.value, end + timedelta(days=60)),
            (ReportKind.SCALE_UP.value, end + timedelta(days=180)),
        ],
    )


def decider_problems(application: Application, actor: User) -> list[str]:
    """Why ``actor`` may not decide this case: jäv, or having reviewed it (by the setting)."""
    problems = []
    own = [r for r in application.reviews if r.reviewer_id == actor.id]
    if any(r.jav == JavStatus.DECLARED for r in own):
        problems.append("Du har anmält jäv i ärendet och kan inte fatta beslut i det.")
    elif any(r.submitted for r in own) and not fund_settings().reviewer_may_decide:
        problems.append("Du har granskat ärendet och får enligt fondens regler inte också "
                        "besluta i det.")
    if actor.organisation_id is not None and actor.organisation_id == application.organisation_id:
        problems.append("Du tillhör den sökande organisationen och är jävig.")
    return problems


def _terms_problems(application: Application, actor: User, outcome: Outcome,
                    terms: DecisionTerms | None) -> list[str]:
    if terms is None:
        return ["Beslutet saknar uppgifter. Fyll i beslutsformuläret."]
    problems = review_problems(application) + decider_problems(application, actor)
    if not terms.jav_confirmed:
        problems.append("Bekräfta att du inte är jävig i ärendet.")
    if application.dnr is None:
        problems.append("Handläggaren behöver registrera ärendets diarienummer före beslutet.")
    if terms.decision_date > today():
        problems.append("Beslutsdatum kan inte ligga i framtiden.")
    if terms.minutes_posted < terms.decision_date:
        problems.append("Protokollet kan inte ha anslagits före beslutsdagen.")
    if outcome == Outcome.REJECT:
        if not terms.reasons.strip():
            problems.append("Skriv skälen för avslaget.")
        return problems
    problems += _amount_problems(application, terms.amounts)
    if terms.project_start is None or terms.project_end is None:
        problems.append("Ange projektperioden.")
    elif terms.project_end < terms.project_start:
        problems.append("Projektperioden måste sluta efter att den börjar.")
    total = sum(terms.amounts.values())
    if 0 < total < application.requested_total and not terms.reasons.strip():
        problems.append("Skriv skälen när stödet blir lägre än det sökta beloppet.")
    if not terms.report_dues:
        problems.append("Ange när uppföljningsrapporten ska lämnas.")
    for kind, due in terms.report_dues:
        if kind not in ReportKind.__members__.values():
            problems.append("Okänd rapporttyp.")
        elif terms.project_start and due < terms.project_start:
            problems.append(f"{ReportKind(kind).label}: datumet ligger före projektets start.")
    problems += _pot_problems(terms.amounts)
    return problems


def _pot_problems(amounts: dict[int, int]) -> list[str]:
    pots = {p.year: p for p in session.scalars(sa.select(Pot).where(Pot.year.in_(amounts)))}
    problems = []
    for year, amount in sorted(amounts.items()):
        pot = pots.get(year)
        if amount and pot is None:
            problems.append(f"Det finns ingen pott för {year}.")
        elif amount and pot.closed:
            problems.append(f"Budgetåret {year} är stängt: inga nya beviljanden.")
        elif amount and amount > pot.remaining:
            problems.append(pot_refusal(pot, amount))
    return problems


def commit_money(application: Application, decision: Decision, *, actor: User) -> None:
    """Commit each year's amount from its pot (finance.commit_from_pot: a guarded UPDATE, so a
    concurrent grant that took the room first makes this one fail). Raises PotExhausted."""
    for line in decision.amounts:
        commit_from_pot(application, year=line.year, amount=line.amount, actor=actor,
                        decision_id=decision.id)


def newest_letter_text(key: LetterTextKey) -> LetterText | None:
    """The version of a standard letter text that decisions use now."""
    return session.scalars(
        sa.select(LetterText).where(LetterText.key == key.value)
        .order_by(LetterText.version.desc()).limit(1)
    ).first()


def _decide(application: Application, outcome: Outcome, *, actor: User, reason: str,
            terms: DecisionTerms | None) -> AuditEvent:
    trigger = "grant" if outcome == Outcome.GRANT else "reject"
    def facts() -> dict[str, Any]:
        return {"decision_blockers": _terms_problems(application, actor, outcome, terms)}

    def changes() -> dict[str, Any]:
        assert terms is not None  # the guard refused a missing form
        decision = new_decision(application, outcome, actor=actor, terms=terms)
        if outcome == Outcome.GRANT:
            commit_money(application, decision, actor=actor)
        data: dict[str, Any] = {"decision_id": decision.id,
                                "amounts": {str(a.year): a.amount for a in decision.amounts}}
        if not decision.hold_letter:
            # The letter goes out with the decision: one event records both.
            letter = issue_letter(decision, actor=actor, log=False)
            data |= {"letter_id": letter.id, "sha256": letter.sha256}
        return data

    return fire_transition(application, trigger, actor=actor,
                           reason=(terms.reasons if terms else reason) or reason,
                           facts=facts, changes=changes)


def new_decision(application: Application, outcome: Outcome, *, actor: User,
                 terms: DecisionTerms, supersedes: Decision | None = None,
                 correction_note: str = "", kind: DecisionKind = DecisionKind.DECISION,
                 conditions: list[str] | None = None) -> Decision:
    """Write a decision (and its amounts and report dues) from ``terms``. ``conditions``
    overrides the standard conditions in force (an amendment keeps the grant's)."""
    assessment = application.assessment
    presented_by = assessment.presented_by_id if assessment else actor.id
    granted = outcome == Outcome.GRANT
    total = sum(terms.amounts.values()) if granted else 0
    costs = application.cost_total
    if conditions is None and granted:
        standard = newest_letter_text(LetterTextKey.CONDITIONS)
        conditions = standard.paragraphs if standard else []
    decision = Decision(
        kind=kind.value,
        application_id=application.id, outcome=outcome.value, decided_by_id=actor.id,
        presented_by_id=presented_by, decision_date=terms.decision_date,
        minutes_posted=terms.minutes_posted, appeal_deadline=appeal_deadline(terms.minutes_posted),
        project_start=terms.project_start if granted else None,
        project_end=terms.project_end if granted else None,
        support_share_permille=share_permille(total, costs) if granted else None,
        reasons=clean_text(terms.reasons, TEXT_LIMIT, "Skälen för beslutet"),
        conditions=conditions or [],
        extra_conditions=clean_text(terms.extra_conditions, TEXT_LIMIT, "De särskilda villkoren")
        if granted else "",
        decider_jav_confirmed=terms.jav_confirmed, hold_letter=terms.hold_letter,
        supersedes_id=supersedes.id if supersedes else None, correction_note=correction_note,
    )
    if granted:
        decision.amounts = [DecisionAmount(year=y, amount=a)
                            for y, a in sorted(terms.amounts.items()) if a]
        numbers: dict[str, int] = {}
        dues = []
        for due_kind, due_date in terms.report_dues:
            numbers[due_kind] = numbers.get(due_kind, 0) + 1
            dues.append(ReportDue(kind=due_kind, number=numbers[due_kind], due_date=due_date))
        decision.report_dues = dues
    session.add(decision)
    session.flush()
    session.refresh(application, ["decisions"])
    return decision


def grant_application(application: Application, *, actor: User, reason: str = "",
                      terms: DecisionTerms | None = None) -> AuditEvent:
    """The decider grants the case: a decision, the money committed per year, and (unless held
    for a meeting) the letter and its e-mail. Raises TransitionRefused with every reason, or
    PotExhausted when another grant took the pot's room first."""
    return _decide(application, Outcome.GRANT, actor=actor, reason=reason, terms=terms)


def reject_application(application: Application, *, actor: User, reason: str = "",
                       terms: DecisionTerms | None = None) -> AuditEvent:
    """The decider rejects the case, with reasons; the letter follows as for a grant."""
    return _decide(application, Outcome.REJECT, actor=actor, reason=reason, terms=terms)


def correct_decision(
    decision: Decision, *, actor: User, note: str, reasons: str, extra_conditions: str,
    report_dues: list[tuple[str, date]], decision_date: date, minutes_posted: date,
    jav_confirmed: bool,
) -> Decision:
    """A corrected decision (förvaltningslagen 36 §) that replaces ``decision`` and refers to it:
    reasons, conditions and report dates can change; the outcome and the money cannot (moving
    money is an amendment decision). A new letter is issued; the old one stays on file.

    Raises NotPermitted (not a decider) or InvalidInput.
    """
    if Role.DECIDER.value not in actor.roles:
        raise NotPermitted("Bara en beslutsfattare kan rätta ett beslut.")
    application = decision.application
    lock_application(application)
    if application.current_decision is None or application.current_decision.id != decision.id:
        raise InvalidInput("Beslutet har redan ersatts av ett nyare beslut. Rätta det senaste.")
    if decision.letter is None:
        raise InvalidInput("Beslutsbrevet är inte skickat än; ändra beslutet innan det skickas "
                           "i stället för att rätta det.")
    note = clean_text(note, TEXT_LIMIT, "Vad som rättas")
    problems = decider_problems(application, actor)
    if not note:
        problems.append("Skriv vad som rättas och varför.")
    if not jav_confirmed:
        problems.append("Bekräfta att du inte är jävig i ärendet.")
    if minutes_posted < decision_date:
        problems.append("Protokollet kan inte ha anslagits före beslutsdagen.")
    if decision_date > today():
        problems.append("Beslutsdatum kan inte ligga i framtiden.")
    if decision.outcome == Outcome.REJECT and not reasons.strip():
        problems.append("Skriv skälen för avslaget.")
    if decision.outcome == Outcome.GRANT and not report_dues:
        problems.append("Ange när uppföljningsrapporten ska lämnas.")
    if problems:
        raise InvalidInput(*problems)
    terms = DecisionTerms(
        decision_date=decision_date, minutes_posted=minutes_posted, reasons=reasons,
        jav_confirmed=jav_confirmed, amounts={a.year: a.amount for a in decision.amounts},
        project_start=decision.project_start, project_end=decision.project_end,
        extra_conditions=extra_conditions, report_dues=report_dues,
    )
    corrected = new_decision(application, Outcome(decision.outcome), actor=actor, terms=terms,
                             supersedes=decision, correction_note=note,
                             kind=DecisionKind(decision.kind),
                             conditions=None if decision.kind == DecisionKind.DECISION
                             else list(decision.conditions))
    log_case_event(application, "correct_decision", actor=actor, reason=note,
                   data={"decision_id": corrected.id, "supersedes": decision.id})
    issue_letter(corrected, actor=actor)
    return corrected


# Letters ---------------------------------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def letter_snapshot(decision: Decision) -> dict[str, Any]:
    """Everything the letter says, as plain data (see :mod:`grants.letters`)."""
    from grants.letters import TEMPLATE_VERSION, swedish_date

    application = decision.application
    granted = decision.outcome == Outcome.GRANT
    appeal = newest_letter_text(
        LetterTextKey.APPEAL_GRANT if granted else LetterTextKey.APPEAL_REJECT)
    provisions = newest_letter_text(LetterTextKey.PROVISIONS)
    appeal_text = (appeal.text if appeal else "").replace(
        "{sista_dag}", swedish_date(decision.appeal_deadline.isoformat())
    ).replace("{anslagsdag}", swedish_date(decision.minutes_posted.isoformat()))
    old = decision.supersedes
    snapshot = {
        "template_version": TEMPLATE_VERSION,
        "kind": decision.kind,
        "text_versions": {t.key: t.version for t in (appeal, provisions) if t},
        "authority": AUTHORITY,
        "outcome": decision.outcome,
        "decision_date": decision.decision_date.isoformat(),
        "correction": None if old is None else {
            "replaces_date": old.decision_date.isoformat(),
            "replaces_reference": application.dnr or application.reference,
            "note": decision.correction_note,
        },
        "case": {"reference": application.reference, "dnr": application.dnr,
                 "title": application.title,
                 "received_date": _iso(application.submitted_at.date()
                                       if application.submitted_at else None)},
        "recipient": {"organisation": application.organisation.name,
                      "org_number": application.organisation.org_number,
                      "contact_name": application.contact_name,
                      "contact_email": application.contact_email},
        "amounts": [{"year": a.year, "amount": a.amount} for a in decision.amounts],
        "total": decision.total,
        "requested_total": application.requested_total,
        "cost_total": application.cost_total,
        "support_share": decision.support_share or None,
        "project_start": _iso(decision.project_start),
        "project_end": _iso(decision.project_end),
        "reasons": decision.reasons,
        "provisions": provisions.paragraphs if provisions else [],
        "conditions": list(decision.conditions),
        "extra_conditions": decision.extra_conditions,
        "reports": [{"label": d.label, "due": d.due_date.isoformat()}
                    for d in decision.report_dues],
        "appeal_text": appeal_text,
        "minutes_posted": decision.minutes_posted.isoformat(),
        "appeal_deadline": decision.appeal_deadline.isoformat(),
        "decided_by": {"name": decision.decided_by.name, "title": decision.decided_by.title},
        "presented_by": {"name": decision.presented_by.name,
                         "title": decision.presented_by.title},
    }
    if decision.kind == DecisionKind.AMENDMENT:
        snapshot["amendment"] = amendment_summary(decision)
    return snapshot


def _previous_terms(decision: Decision) -> Decision | None:
    """The decision whose terms were in force when ``decision`` was made."""
    earlier = [d for d in decision.application.decisions if d.id < decision.id and d.sets_terms]
    return earlier[-1] if earlier else None


def amendment_summary(decision: Decision) -> dict[str, Any]:
    """What an amendment decision changes, as plain data: the old and new period, amounts per
    year and report dates (the letter lists what differs)."""
    previous = _previous_terms(decision)
    request = decision.change_request
    summary: dict[str, Any] = {
        "requested_on": request.created_at.date().isoformat() if request else None,
        "request_reason": request.reason if request else "",
        "changes": [],
    }
    if previous is None:
        return summary
    changes = summary["changes"]
    if decision.outcome != Outcome.GRANT:
        changes += change_descriptions(request) if request else []
        return summary
    if decision.project_end != previous.project_end:
        changes.append(f"Projektperioden förlängs till {_iso(decision.project_end)} "
                       f"(tidigare {_iso(previous.project_end)}).")
    before = {a.year: a.amount for a in previous.amounts}
    after = {a.year: a.amount for a in decision.amounts}
    for year in sorted(before.keys() | after.keys()):
        if before.get(year, 0) != after.get(year, 0):
            changes.append(f"Stöd för {year}: {format_kronor(after.get(year, 0))} "
                           f"(tidigare {format_kronor(before.get(year, 0))}).")
    old_dues = {(d.kind, d.number): d.due_date for d in previous.report_dues}
    for due in decision.report_dues:
        was = old_dues.get((due.kind, due.number))
        if was != due.due_date:
            changes.append(f"{due.label}: senast {due.due_date.isoformat()}"
                           + (f" (tidigare {was.isoformat()})." if was else "."))
    return summary


def change_descriptions(request: Any) -> list[str]:
    """What a change request asks for, one sentence per change."""
    asked = []
    if request.new_project_end:
        asked.append(f"Förlängd projektperiod till {request.new_project_end.isoformat()}.")
    for row in request.new_report_dates:
        label = ReportKind(row["kind"]).label
        if row["kind"] == ReportKind.STAGE:
            label += f" {row['number']}"
        asked.append(f"{label}: nytt datum {row['due']}.")
    if request.move_amount:
        asked.append(f"Flytta {format_kronor(request.move_amount)} från {request.move_from_year} "
                     f"till {request.move_to_year}.")
    return asked


def issue_letter(decision: Decision, *, actor: User, log: bool = True,
                 extra: dict[str, Any] | None = None) -> Letter:
    """Render and store the decision's letter (once: immutable) and e-mail the applicant.

    ``log`` appends an ``issue_letter`` event; the decision's own event records a letter sent
    with it. ``extra`` adds to the snapshot what only the operation knows (a cancellation's
    money). Raises InvalidInput when the case has no Dnr or the letter is already issued.
    """
    from grants.letters import render_letter_html, render_letter_pdf

    application = decision.application
    if decision.letter is not None:
        raise InvalidInput("Beslutsbrevet är redan skickat.")
    if not application.dnr:
        raise InvalidInput("Registrera ärendets diarienummer innan beslutsbrevet skickas.")
    snapshot = letter_snapshot(decision) | (extra or {})
    pdf = render_letter_pdf(snapshot)
    letter = Letter(
        decision_id=decision.id, application_id=application.id, issued_by_id=actor.id,
        template_version=snapshot["template_version"], snapshot=snapshot,
        html=render_letter_html(snapshot), pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
    )
    session.add(letter)
    session.flush()
    session.refresh(decision, ["letter"])
    if log:
        log_case_event(application, "issue_letter", actor=actor,
                       data={"decision_id": decision.id, "letter_id": letter.id,
                             "sha256": letter.sha256})
    _mail_decision(application, decision)
    return letter


def _mail_decision(application: Application, decision: Decision) -> None:
    what = "beviljas" if decision.outcome == Outcome.GRANT else "avslås"
    body = (
        f"Hej!\n\nRegion Örebro län har fattat beslut i ert ärende {application.reference} "
        f"({application.dnr}) «{application.title}»: ansökan {what}.\n\n"
        "Beslutsbrevet finns som PDF under Mina ansökningar i Pilotfonden. Där står också hur "
        f"man överklagar (senast {decision.appeal_deadline.isoformat()}).\n\n"
        "Det här är ett automatiskt meddelande från Pilotfonden.\n"
    )
    submitter = application.created_by.email if application.created_by else ""
    for recipient in dict.fromkeys(filter(None, (submitter, application.contact_email))):
        queue_message(key=f"decision:{decision.id}:{recipient}", recipient=recipient,
                      subject=f"Beslut i ärende {application.reference}", body=body,
                      application=application)


def release_letters(decisions: list[Decision], *, actor: User) -> list[Letter]:
    """Issue the held letters of several decisions from one meeting together.

    Raises NotPermitted (not a decider) or InvalidInput listing every decision that cannot go
    (nothing is issued then).
    """
    if Role.DECIDER.value not in actor.roles:
        raise NotPermitted("Bara en beslutsfattare kan skicka beslutsbrev.")
    problems = []
    for decision in decisions:
        lock_application(decision.application)
        if decision.letter is not None:
            problems.append(f"{decision.application.reference}: beslutsbrevet är redan skickat.")
        elif not decision.application.dnr:
            problems.append(f"{decision.application.reference}: diarienummer saknas.")
    if not decisions:
        problems.append("Välj minst ett beslut vars brev ska skickas.")
    if problems:
        raise InvalidInput(*problems)
    return [issue_letter(decision, actor=actor) for decision in decisions]


def held_decisions() -> list[Decision]:
    """Decisions whose letters wait to be released together (newest first)."""
    return list(session.scalars(
        sa.select(Decision).outerjoin(Letter).where(Letter.id.is_(None))
        .order_by(Decision.id.desc())
    ))


def letter_intact(letter: Letter) -> bool:
    """Whether the stored PDF still matches the sha256 recorded when it was issued."""
    return hashlib.sha256(letter.pdf).hexdigest() == letter.sha256

