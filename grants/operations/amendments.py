"""Changing a granted pilot by decision: the pilot owner's change request (ändringsansökan)
answered by an amendment decision (ändringsbeslut), and the decider's cancellation of a grant.

An approved amendment is a new decision that replaces the terms in force: a later project end,
moved report dates (reminders follow them), money moved from one budget year to another — a
release from the old year and a commitment from the new one in the same transaction, under the
pots' never-overdrawn rule. A refused amendment is a decision too. Both get a letter like any
decision. Nothing is committed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    AuditEvent,
    ChangeRequest,
    ChangeRequestState,
    Decision,
    DecisionKind,
    Outcome,
    User,
)
from grants.money import format_kronor
from grants.operations.common import clean_text, fire_transition, lock_application, log_case_event
from grants.operations.decisions import (
    DecisionTerms,
    change_descriptions,
    decider_problems,
    issue_letter,
    new_decision,
)
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.finance import (
    FinanceRefused,
    book_claim,
    commit_from_pot,
    committed_by_year,
    paid_by_year,
    release_committed,
)
from grants.operations.reports import ACTIVE_STATES, unspent_by_year
from grants.permissions import is_applicant_member
from workflows import ReportState, Role

TEXT = 6000


@dataclass
class ChangeInput:
    """What the pilot owner asks to change; at least one part must be given."""

    reason: str
    new_project_end: date | None = None
    new_report_dates: dict[tuple[str, int], date] | None = None
    """(kind, number) of a report due in the decision in force → its new date."""
    move_from_year: int | None = None
    move_to_year: int | None = None
    move_amount: int | None = None


def pending_change(application: Application) -> ChangeRequest | None:
    return session.scalars(sa.select(ChangeRequest).where(
        ChangeRequest.application_id == application.id,
        ChangeRequest.state == ChangeRequestState.PENDING.value)).first()


def _handed_in(application: Application) -> set[tuple[str, int]]:
    from grants.models import Report

    return {(kind, number) for kind, number in session.execute(
        sa.select(Report.kind, Report.number).where(
            Report.application_id == application.id,
            Report.state.in_([ReportState.SUBMITTED.value, ReportState.APPROVED.value])))}


def _change_problems(application: Application, change: ChangeInput) -> list[str]:
    """Why the change cannot be asked for or made as it stands (empty: it can)."""
    decision = application.current_decision
    if decision is None:
        return ["Ärendet har inget beslut att ändra."]
    problems = []
    if change.new_project_end is not None:
        if decision.project_start and change.new_project_end < decision.project_start:
            problems.append("Projektet kan inte sluta innan det börjar.")
        elif change.new_project_end == decision.project_end:
            problems.append("Det nya slutdatumet är detsamma som i beslutet.")
    dues = {(d.kind, d.number): d for d in decision.report_dues}
    handed_in = _handed_in(application)
    for (kind, number), due_date in sorted((change.new_report_dates or {}).items()):
        due = dues.get((kind, number))
        if due is None:
            problems.append("Beslutet har ingen sådan rapport att flytta.")
        elif (kind, number) in handed_in:
            problems.append(f"{due.label} är redan inlämnad; datumet kan inte flyttas.")
        elif decision.project_start and due_date < decision.project_start:
            problems.append(f"{due.label}: datumet kan inte ligga före projektets start.")
    move = (change.move_from_year, change.move_to_year, change.move_amount)
    if any(v is not None for v in move):
        if None in move:
            problems.append("Ange från vilket år, till vilket år och hur mycket som ska flyttas.")
        else:
            from_year, to_year, amount = move
            assert from_year is not None and to_year is not None and amount is not None
            if from_year == to_year:
                problems.append("Välj två olika budgetår att flytta pengar mellan.")
            elif isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                problems.append("Beloppet som flyttas ska vara hela kronor, mer än 0 kr.")
            else:
                left = committed_by_year(application).get(from_year, 0) - paid_by_year(
                    application).get(from_year, 0)
                if amount > left:
                    problems.append(
                        f"Det finns bara {format_kronor(max(left, 0))} beviljat och inte "
                        f"utbetalt för {from_year} att flytta.")
    if not (change.new_project_end or change.new_report_dates or change.move_amount):
        problems.append("Ange vad som ska ändras: projektperioden, ett rapportdatum eller "
                        "pengar mellan budgetår.")
    return problems


def request_change(application: Application, *, actor: User, change: ChangeInput
                   ) -> ChangeRequest:
    """The pilot owner asks for an amendment. One request at a time; it must change something
    and say why. Raises NotPermitted or InvalidInput with every reason."""
    if not is_applicant_member(actor, application):
        raise NotPermitted("Du kan bara ansöka om ändring för din egen organisations piloter.")
    lock_application(application)
    if application.state not in ACTIVE_STATES:
        raise InvalidInput(f"Ärendet har status «{application.state_label}»: bara beviljade "
                           "piloter som pågår kan ändras.")
    if pending_change(application) is not None:
        raise InvalidInput("Det finns redan en ändringsansökan som väntar på beslut.")
    reason = clean_text(change.reason, TEXT, "Skälet")
    problems = _change_problems(application, change)
    if not reason:
        problems.insert(0, "Skriv varför ändringen behövs.")
    if problems:
        raise InvalidInput(*problems)
    request = ChangeRequest(
        application_id=application.id, requested_by_id=actor.id, reason=reason,
        new_project_end=change.new_project_end,
        new_report_dates=[{"kind": k, "number": n, "due": d.isoformat()}
                          for (k, n), d in sorted((change.new_report_dates or {}).items())],
        move_from_year=change.move_from_year if change.move_amount else None,
        move_to_year=change.move_to_year if change.move_amount else None,
        move_amount=change.move_amount or None,
    )
    session.add(request)
    session.flush()
    log_case_event(application, "request_change", actor=actor, reason=reason,
                   data={"change_request_id": request.id,
                         "changes": change_descriptions(request)})
    return request


def withdraw_change_request(request: ChangeRequest, *, actor: User) -> None:
    application = session.get(Application, request.application_id)
    assert application is not None
    if not is_applicant_member(actor, application):
        raise NotPermitted("Du kan bara återkalla din egen organisations ändringsansökan.")
    lock_application(application)
    if request.state != ChangeRequestState.PENDING:
        raise InvalidInput("Ändringsansökan är redan avgjord.")
    request.state = ChangeRequestState.WITHDRAWN.value
    log_case_event(application, "withdraw_change", actor=actor,
                   data={"change_request_id": request.id})


def _as_input(request: ChangeRequest) -> ChangeInput:
    return ChangeInput(
        reason=request.reason, new_project_end=request.new_project_end,
        new_report_dates={(r["kind"], r["number"]): date.fromisoformat(r["due"])
                          for r in request.new_report_dates},
        move_from_year=request.move_from_year, move_to_year=request.move_to_year,
        move_amount=request.move_amount,
    )


@dataclass
class DeciderTerms:
    """What a decider gives for an amendment or a cancellation."""

    decision_date: date
    minutes_posted: date
    reasons: str
    jav_confirmed: bool
    claim_amount: int = 0
    """A cancellation's repayment claim (återkrav), 0 when none."""


def _decider_problems(application: Application, actor: User, terms: DeciderTerms,
                      *, reasons_required: bool) -> list[str]:
    problems = decider_problems(application, actor)
    if not terms.jav_confirmed:
        problems.append("Bekräfta att du inte är jävig i ärendet.")
    if terms.decision_date > today():
        problems.append("Beslutsdatum kan inte ligga i framtiden.")
    if terms.minutes_posted < terms.decision_date:
        problems.append("Protokollet kan inte ha anslagits före beslutsdagen.")
    if reasons_required and not terms.reasons.strip():
        problems.append("Skriv skälen för beslutet.")
    if not application.dnr:
        problems.append("Ärendet saknar diarienummer.")
    return problems


def decide_change(request: ChangeRequest, *, actor: User, approve: bool, terms: DeciderTerms
                  ) -> Decision:
    """The decider approves or refuses a change request with an amendment decision, issues its
    letter and, when approved, moves dates and money. Raises NotPermitted, InvalidInput (with
    every reason) or FinanceRefused (the receiving year's pot has no room: nothing changes)."""
    if Role.DECIDER.value not in actor.roles:
        raise NotPermitted("Bara en beslutsfattare kan fatta ändringsbeslut.")
    application = session.get(Application, request.application_id)
    assert application is not None
    lock_application(application)
    session.refresh(request)
    if request.state != ChangeRequestState.PENDING:
        raise InvalidInput("Ändringsansökan är redan avgjord eller återkallad.")
    if application.state not in ACTIVE_STATES:
        raise InvalidInput(f"Ärendet har status «{application.state_label}» och kan inte ändras.")
    terms.reasons = clean_text(terms.reasons, TEXT, "Skälen")
    problems = _decider_problems(application, actor, terms, reasons_required=not approve)
    change = _as_input(request)
    if approve:
        problems += _change_problems(application, change)
    if problems:
        raise InvalidInput(*problems)
    current = application.current_decision
    assert current is not None
    if approve:
        amounts = {a.year: a.amount for a in current.amounts}
        if change.move_amount:
            assert change.move_from_year is not None and change.move_to_year is not None
            amounts[change.move_from_year] -= change.move_amount
            amounts[change.move_to_year] = amounts.get(change.move_to_year, 0) + \
                change.move_amount
        moved = change.new_report_dates or {}
        dues = [(d.kind, moved.get((d.kind, d.number), d.due_date)) for d in
                sorted(current.report_dues, key=lambda d: (d.kind, d.number))]
        decision = new_decision(application, Outcome.GRANT, actor=actor, terms=DecisionTerms(
            decision_date=terms.decision_date, minutes_posted=terms.minutes_posted,
            reasons=terms.reasons, jav_confirmed=True,
            amounts={y: a for y, a in amounts.items() if a},
            project_start=current.project_start,
            project_end=change.new_project_end or current.project_end,
            extra_conditions=current.extra_conditions, report_dues=dues,
        ), supersedes=current, kind=DecisionKind.AMENDMENT, conditions=list(current.conditions))
        if change.move_amount:
            _move_money(application, decision, change, actor=actor)
    else:
        decision = new_decision(application, Outcome.REJECT, actor=actor, terms=DecisionTerms(
            decision_date=terms.decision_date, minutes_posted=terms.minutes_posted,
            reasons=terms.reasons, jav_confirmed=True,
        ), kind=DecisionKind.AMENDMENT)
    request.state = (ChangeRequestState.APPROVED if approve else ChangeRequestState.REFUSED).value
    request.decision_id = decision.id
    session.flush()
    session.refresh(decision, ["change_request"])
    log_case_event(application, "decide_change", actor=actor, reason=terms.reasons, data={
        "change_request_id": request.id, "decision_id": decision.id, "approved": approve})
    issue_letter(decision, actor=actor)
    return decision


def _move_money(application: Application, decision: Decision, change: ChangeInput, *,
                actor: User) -> None:
    assert change.move_amount and change.move_from_year and change.move_to_year
    note = (f"Ändringsbeslut: {format_kronor(change.move_amount)} flyttas från "
            f"{change.move_from_year} till {change.move_to_year}")
    release_committed(application, actor=actor, year=change.move_from_year,
                      amount=change.move_amount, reason=note)
    try:
        commit_from_pot(application, year=change.move_to_year, amount=change.move_amount,
                        actor=actor, decision_id=decision.id)
    except FinanceRefused as exc:
        raise FinanceRefused(f"Pengarna kan inte flyttas till {change.move_to_year}: "
                             + " ".join(exc.reasons)) from exc


def cancellation_problems(application: Application, actor: User, terms: DeciderTerms
                          ) -> list[str]:
    problems = _decider_problems(application, actor, terms, reasons_required=True)
    paid = sum(paid_by_year(application).values())
    claim = terms.claim_amount
    if isinstance(claim, bool) or not isinstance(claim, int) or claim < 0:
        problems.append("Återkravet ska vara hela kronor, 0 eller mer.")
    elif claim > paid:
        problems.append(f"Återkravet kan vara högst det som betalats ut: {format_kronor(paid)}.")
    return problems


def cancel_grant(application: Application, *, actor: User, terms: DeciderTerms) -> AuditEvent:
    """The decider cancels (återkallar) the grant (``cancel``): a cancellation decision with its
    letter, every unpaid krona released to its year, and a repayment claim when too much has
    been paid. Raises TransitionRefused with every reason."""

    def changes() -> dict[str, Any]:
        paid = sum(paid_by_year(application).values())
        decision = new_decision(application, Outcome.REJECT, actor=actor, terms=DecisionTerms(
            decision_date=terms.decision_date, minutes_posted=terms.minutes_posted,
            reasons=clean_text(terms.reasons, TEXT, "Skälen"), jav_confirmed=True,
        ), kind=DecisionKind.CANCELLATION)
        decision.claimed_back = terms.claim_amount
        released = {}
        for year, amount in unspent_by_year(application).items():
            release_committed(application, actor=actor, year=year, amount=amount,
                              reason=f"Stödet till {application.reference} återkallades")
            released[str(year)] = amount
        if terms.claim_amount:
            book_claim(application, actor=actor, amount=terms.claim_amount,
                       reason=f"Återkrav enligt beslut om återkallelse: {terms.reasons}")
        for request in session.scalars(sa.select(ChangeRequest).where(
                ChangeRequest.application_id == application.id,
                ChangeRequest.state == ChangeRequestState.PENDING.value)):
            request.state = ChangeRequestState.WITHDRAWN.value
        session.flush()
        letter = issue_letter(decision, actor=actor, log=False, extra={"cancellation": {
            "released": released, "paid": paid, "claimed_back": terms.claim_amount}})
        return {"decision_id": decision.id, "released": released, "paid": paid,
                "claimed_back": terms.claim_amount, "letter_id": letter.id,
                "sha256": letter.sha256}

    return fire_transition(
        application, "cancel", actor=actor, reason=terms.reasons,
        facts=lambda: {"decision_blockers": cancellation_problems(application, actor, terms)},
        changes=changes)

