"""After the grant, as operations on both databases: reports through their workflow, the case
moving to followed up / scaled / closed, money released on closing, reminders, amendment decisions
moving dates and money between years, cancellation, and payment requests paid by finance."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import session
from grants.demo import write_report
from grants.models import (
    Application,
    AuditEvent,
    ChangeRequestState,
    DecisionKind,
    LedgerEntry,
    LedgerKind,
    OutboxMessage,
    PaymentRequestState,
    PilotAccount,
    Pot,
    Report,
    ReportKind,
    ReportParticipants,
)
from grants.operations import amendments
from grants.operations import finance as fin
from grants.operations import reports as ops
from grants.operations.amendments import ChangeInput as Change
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.finance import FinanceRefused
from grants.operations.payment_requests import pay_payment_request
from tests.conftest import REASON
from workflows import ReportState, State, TransitionRefused

YEAR = today().year


@pytest.fixture
def granted(make_application) -> Application:
    return make_application(State.GRANTED)


@pytest.fixture
def finance_user(make_user):
    return make_user("finance")


def owner(application: Application):
    return application.created_by


def events(application: Application, trigger: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == trigger)))


def submitted_report(application: Application, kind: str, **kwargs: Any) -> Report:
    report = write_report(application, kind, owner(application), **kwargs)
    ops.submit_report(report, actor=owner(application))
    return report


def pay(application: Application, actor, amount: int, kind: str = "costs") -> None:
    fin.record_payment(application, actor=actor, payment=fin.PaymentInput(
        amount=amount, payment_date=today(), kind=kind, reference="Rekvisition 1"))


# The report's workflow ---------------------------------------------------------------------------


def test_an_approved_follow_up_report_moves_the_case_to_followed_up_with_one_event_each(
    granted, staff
) -> None:
    report = submitted_report(granted, ReportKind.FOLLOW_UP)
    assert report.state == ReportState.SUBMITTED and report.submitted_at is not None
    ops.approve_report(report, actor=staff["officer"], note="Bra rapport.")
    session.commit()

    assert report.state == ReportState.APPROVED and report.reviewed_by_id == staff["officer"].id
    assert granted.state == State.FOLLOWED_UP
    for trigger in ("start_report", "submit_report", "approve_report", "follow_up"):
        assert len(events(granted, trigger)) == 1, trigger
    approval = events(granted, "approve_report")[0]
    assert approval.data == {"report_id": report.id, "report": "Uppföljningsrapport",
                             "from": "submitted", "to": "approved"}
    assert events(granted, "follow_up")[0].from_state == State.GRANTED


def test_the_scale_up_report_moves_a_followed_up_case_to_scaled(make_application, staff) -> None:
    application = make_application(State.FOLLOWED_UP)
    report = submitted_report(application, ReportKind.SCALE_UP)
    ops.approve_report(report, actor=staff["officer"])
    session.commit()
    assert application.state == State.SCALED
    assert report.receiving_organisation == application.organisation.name


def test_scale_up_before_an_approved_follow_up_is_refused_with_the_reason(granted) -> None:
    with pytest.raises(InvalidInput) as refused:
        ops.start_report(granted, actor=owner(granted), kind=ReportKind.SCALE_UP)
    assert "när uppföljningsrapporten är godkänd" in refused.value.reasons[0]


def test_a_returned_report_needs_a_reason_and_can_be_submitted_again(granted, staff) -> None:
    report = submitted_report(granted, ReportKind.STAGE)
    with pytest.raises(TransitionRefused) as refused:
        ops.return_report(report, actor=staff["officer"], reason=" ")
    assert refused.value.reasons == ["Fyll i «Vad behöver kompletteras eller rättas?»."]
    ops.return_report(report, actor=staff["officer"], reason="Lägg till deltagarna.")
    assert report.state == ReportState.RETURNED and report.editable
    ops.submit_report(report, actor=owner(granted))
    session.commit()
    assert report.state == ReportState.SUBMITTED
    assert granted.state == State.GRANTED  # a stage report does not move the case


def test_an_incomplete_follow_up_report_is_refused_with_every_missing_part(granted) -> None:
    report = ops.start_report(granted, actor=owner(granted), kind=ReportKind.FOLLOW_UP)
    with pytest.raises(TransitionRefused) as refused:
        ops.submit_report(report, actor=owner(granted))
    reasons = " ".join(refused.value.reasons)
    for part in ("period", "aktiviteter", "indikatorn", "deltog", "fungerade", "jämställdheten",
                 "hållbarhet", "faktiska kostnaderna"):
        assert part in reasons, part
    assert report.state == ReportState.DRAFT


def test_only_the_pilots_own_organisation_reports(granted, make_user) -> None:
    stranger = make_user("applicant")
    with pytest.raises(NotPermitted):
        ops.start_report(granted, actor=stranger, kind=ReportKind.FOLLOW_UP)
    report = ops.start_report(granted, actor=owner(granted), kind=ReportKind.FOLLOW_UP)
    with pytest.raises(NotPermitted):
        ops.save_report(report, actor=stranger, content=ops.ReportContent())
    with pytest.raises(NotPermitted):
        ops.submit_report(report, actor=stranger)


@pytest.mark.parametrize("state", [State.SUBMITTED, State.ASSESSED, State.CLOSED, State.SCALED])
def test_reporting_before_the_grant_or_after_closing_is_refused(make_application, state) -> None:
    application = make_application(state)
    with pytest.raises(InvalidInput) as refused:
        ops.start_report(application, actor=owner(application), kind=ReportKind.STAGE)
    expected = "tar inte emot fler rapporter" if state in (State.CLOSED, State.SCALED) \
        else "rapporter lämnas när stödet är beviljat"
    assert expected in refused.value.reasons[0]


@pytest.mark.parametrize("count, message", [(-1, "antalet kan inte vara negativt"),
                                            ("12", "ange ett heltal"), (2.5, "ange ett heltal")])
def test_participant_counts_must_be_whole_numbers_not_below_zero(granted, count, message) -> None:
    report = ops.start_report(granted, actor=owner(granted), kind=ReportKind.FOLLOW_UP)
    with pytest.raises(InvalidInput) as refused:
        ops.save_report(report, actor=owner(granted), content=ops.ReportContent(
            participants=[{"age_band": "13-15", "girls": count, "boys": 3, "other": 0}]))
    assert refused.value.reasons == [f"13–15 år, flickor: {message}."]


def test_the_database_refuses_a_negative_count_too(granted) -> None:
    report = ops.start_report(granted, actor=owner(granted), kind=ReportKind.FOLLOW_UP)
    session.add(ReportParticipants(report_id=report.id, age_band="13-15", girls=-2, boys=0,
                                   other=0))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_costs_that_do_not_add_up_are_kept_as_typed_and_flagged_not_fixed(granted) -> None:
    report = write_report(granted, ReportKind.FOLLOW_UP, owner(granted))
    lines = report.cost_total
    content = ops.ReportContent(**{**_content_of(report), "stated_cost_total": lines + 1234})
    ops.save_report(report, actor=owner(granted), content=content)
    ops.submit_report(report, actor=owner(granted))  # a flag never blocks handing in
    session.commit()

    session.refresh(report)
    assert report.stated_cost_total == lines + 1234 and report.cost_total == lines
    assert ops.cost_flags(report) == [
        f"Kostnadsraderna summerar till {_kr(lines)}, men totalen enligt bokföringen anges till "
        f"{_kr(lines + 1234)} (skillnad {_kr(1234)})."]


def test_costs_far_from_the_budget_and_co_financing_short_of_the_plan_are_flagged(
    granted
) -> None:
    report = write_report(granted, ReportKind.FOLLOW_UP, owner(granted))
    content = _content_of(report)
    content["costs"] = [dict(c, amount=c["amount"] * 2) if c["cost_type"] == "own_staff" else c
                        for c in content["costs"]]
    content["co_financing"] = content["co_financing"][:1]
    content["stated_cost_total"] = None
    ops.save_report(report, actor=owner(granted), content=ops.ReportContent(**content))
    flags = ops.cost_flags(report)
    assert any(f.startswith("Egen personal:") and "(+100 %)" in f for f in flags), flags
    assert any(f.startswith("Medfinansieringen blev") for f in flags), flags


def _kr(amount: int) -> str:
    from grants.money import format_kronor

    return format_kronor(amount)


def _content_of(report: Report) -> dict[str, Any]:
    return {
        "period_start": report.period_start, "period_end": report.period_end,
        "activities_done": report.activities_done,
        "indicator_outcomes": [{"indicator_id": o.indicator_id, "outcome": o.outcome,
                                "outcome_girls": o.outcome_girls,
                                "outcome_boys": o.outcome_boys} for o in report.indicator_outcomes],
        "participants": [{"age_band": p.age_band, "girls": p.girls, "boys": p.boys,
                          "other": p.other} for p in report.participants],
        "costs": [{"year": c.year, "cost_type": c.cost_type, "description": c.description,
                   "amount": c.amount} for c in report.costs],
        "co_financing": [{"year": c.year, "kind": c.kind, "funder": c.funder, "amount": c.amount}
                         for c in report.co_financing],
        "stated_cost_total": report.stated_cost_total,
        "learned_worked": report.learned_worked, "learned_not_worked": report.learned_not_worked,
        "learned_for_others": report.learned_for_others,
        "gender_equality_outcome": report.gender_equality_outcome,
        "sustainability_outcome": report.sustainability_outcome,
    }


# Closing -----------------------------------------------------------------------------------------


def test_closing_releases_exactly_the_unspent_money_to_its_year(
    granted, staff, finance_user
) -> None:
    granted_total = granted.current_decision.total
    pay(granted, finance_user, granted_total * 2 // 5)
    report = submitted_report(granted, ReportKind.FINAL_FINANCIAL)
    ops.approve_report(report, actor=staff["officer"])
    pot_before = session.get(Pot, YEAR).released
    ops.close_pilot(granted, actor=staff["officer"], reason="Genomförd.")
    session.commit()

    unspent = granted_total - granted_total * 2 // 5
    account = session.get(PilotAccount, granted.id)
    assert granted.state == State.CLOSED
    assert account.released == unspent and account.paid + account.released == account.granted
    assert session.get(Pot, YEAR).released == pot_before + unspent
    assert events(granted, "close")[0].data == {"released": {str(YEAR): unspent}}
    assert fin.verify_ledger() == []


def test_closing_without_an_approved_final_report_is_refused_with_the_reasons(
    granted, staff
) -> None:
    report = submitted_report(granted, ReportKind.STAGE, payment_requested=5_000)
    with pytest.raises(TransitionRefused) as refused:
        ops.close_pilot(granted, actor=staff["officer"], reason="Klar.")
    reasons = refused.value.reasons
    assert any("slutrapporten är godkänd" in r for r in reasons)
    assert any(r.startswith(f"Rekvisition {report.payment_request.id} ({_kr(5_000)}) väntar")
               for r in reasons)
    assert "Det finns inlämnade rapporter som inte är granskade." in reasons
    assert granted.state == State.GRANTED


# Reminders ---------------------------------------------------------------------------------------


def reminders() -> list[str]:
    return list(session.scalars(sa.select(OutboxMessage.key).where(
        OutboxMessage.key.startswith("reminder:")).order_by(OutboxMessage.id)))


def test_reminders_go_14_days_before_and_1_day_after_and_never_twice(granted) -> None:
    due = next(d for d in granted.current_decision.report_dues if d.kind == ReportKind.FOLLOW_UP)
    assert ops.send_reminders(due.due_date - timedelta(days=15)) == 0
    assert ops.send_reminders(due.due_date - timedelta(days=14)) == 1
    assert ops.send_reminders(due.due_date - timedelta(days=14)) == 0  # run twice: nothing new
    assert ops.send_reminders(due.due_date - timedelta(days=3)) == 0   # the before one is sent
    assert ops.send_reminders(due.due_date) == 0
    assert ops.send_reminders(due.due_date + timedelta(days=1)) == 1
    assert ops.send_reminders(due.due_date + timedelta(days=30)) == 0
    session.commit()
    keys = reminders()
    assert [k.split(":")[5] for k in keys] == ["before", "after"]
    message = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.key == keys[0]))
    assert message.recipient == owner(granted).email
    assert granted.reference in message.subject and "uppföljningsrapport" in message.subject


def test_a_moved_due_date_gets_its_own_reminders(granted, staff) -> None:
    due = next(d for d in granted.current_decision.report_dues if d.kind == ReportKind.FOLLOW_UP)
    old = due.due_date
    assert ops.send_reminders(old - timedelta(days=10)) == 1
    new = old + timedelta(days=60)
    ops.change_report_due(granted, actor=staff["officer"], kind=ReportKind.FOLLOW_UP, number=1,
                          due_date=new, reason="Projektet startade sent.")
    assert ops.send_reminders(old + timedelta(days=1)) == 0  # the old date is no longer in force
    assert ops.send_reminders(new - timedelta(days=14)) == 1
    assert [k.split(":")[4] for k in reminders()] == [old.isoformat(), new.isoformat()]
    moved = events(granted, "change_report_due")[0]
    assert moved.data["before"] == old.isoformat() and moved.data["after"] == new.isoformat()


def test_no_reminder_for_a_report_handed_in_or_a_closed_pilot(granted, staff) -> None:
    due = next(d for d in granted.current_decision.report_dues if d.kind == ReportKind.FOLLOW_UP)
    submitted_report(granted, ReportKind.FOLLOW_UP)
    assert ops.send_reminders(due.due_date - timedelta(days=5)) == 0
    ops.approve_report(session.scalar(sa.select(Report).where(
        Report.application_id == granted.id)), actor=staff["officer"])
    ops.close_pilot(granted, actor=staff["officer"], reason="Klar.")
    assert ops.send_reminders(due.due_date + timedelta(days=100)) == 0


# Amendments and cancellation ---------------------------------------------------------------------


def decider_terms(**more: Any) -> amendments.DeciderTerms:
    return amendments.DeciderTerms(decision_date=today(), minutes_posted=today(),
                                   reasons=more.pop("reasons", REASON), jav_confirmed=True,
                                   **more)


def test_an_amendment_moves_money_between_years_through_the_ledger_and_the_dates(
    granted, staff
) -> None:
    total = granted.current_decision.total
    old_due = granted.current_decision.report_dues[0]
    request = amendments.request_change(granted, actor=owner(granted), change=Change(
        reason="Aktiviteterna flyttas till våren.", new_project_end=date(YEAR + 1, 6, 30),
        new_report_dates={(old_due.kind, old_due.number): date(YEAR + 1, 8, 31)},
        move_from_year=YEAR, move_to_year=YEAR + 1, move_amount=total // 2))
    committed = {y: session.get(Pot, y).net_committed for y in (YEAR, YEAR + 1)}
    decision = amendments.decide_change(request, actor=staff["decider"], approve=True,
                                        terms=decider_terms())
    session.commit()

    assert decision.kind == DecisionKind.AMENDMENT and decision.letter is not None
    assert granted.current_decision.id == decision.id
    assert decision.supersedes_id is not None
    assert {a.year: a.amount for a in decision.amounts} == {YEAR: total - total // 2,
                                                           YEAR + 1: total // 2}
    assert decision.project_end == date(YEAR + 1, 6, 30)
    moved = next(d for d in decision.report_dues if (d.kind, d.number) == (old_due.kind, 1))
    assert moved.due_date == date(YEAR + 1, 8, 31)
    assert session.get(Pot, YEAR).net_committed == committed[YEAR] - total // 2
    assert session.get(Pot, YEAR + 1).net_committed == committed[YEAR + 1] + total // 2
    assert fin.committed_by_year(granted) == {YEAR: total - total // 2, YEAR + 1: total // 2}
    assert request.state == ChangeRequestState.APPROVED and request.decision_id == decision.id
    assert "Ändringsbeslut" in decision.letter.html and "efter ändringen" in decision.letter.html
    assert fin.verify_ledger() == []


def test_an_amendment_into_a_year_without_room_changes_nothing(
    granted, staff, finance_user
) -> None:
    pot = session.get(Pot, YEAR + 1)
    fin.change_reservation(actor=finance_user, year=YEAR + 1, reserved=pot.net_committed + 10,
                           reason="Nästan allt är beviljat.")
    request = amendments.request_change(granted, actor=owner(granted), change=Change(
        reason="Flytta pengar.", move_from_year=YEAR, move_to_year=YEAR + 1, move_amount=11))
    session.commit()
    entries = session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    with pytest.raises(FinanceRefused) as refused:
        amendments.decide_change(request, actor=staff["decider"], approve=True,
                                 terms=decider_terms())
    session.rollback()
    assert refused.value.reasons[0].startswith(f"Pengarna kan inte flyttas till {YEAR + 1}: "
                                               f"Potten för {YEAR + 1} räcker inte: {_kr(11)} söks")
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == entries
    session.refresh(request)
    assert request.state == ChangeRequestState.PENDING and len(granted.decisions) == 1


def test_a_refused_amendment_is_a_letter_and_leaves_the_terms(granted, staff) -> None:
    request = amendments.request_change(granted, actor=owner(granted), change=Change(
        reason="Mer tid.", new_project_end=date(YEAR + 1, 12, 31)))
    terms_before = granted.current_decision
    with pytest.raises(InvalidInput) as refused:
        amendments.decide_change(request, actor=staff["decider"], approve=False,
                                 terms=decider_terms(reasons=""))
    assert "Skriv skälen för beslutet." in refused.value.reasons
    decision = amendments.decide_change(request, actor=staff["decider"], approve=False,
                                        terms=decider_terms(reasons="Förlängning ryms inte."))
    session.commit()
    assert decision.outcome_label == "Ändringen avslås" and decision.letter is not None
    assert granted.current_decision.id == terms_before.id
    assert "Det tidigare beslutet gäller oförändrat." in decision.letter.html


def test_a_change_request_needs_a_change_and_a_reason_and_only_one_waits(granted) -> None:
    with pytest.raises(InvalidInput) as refused:
        amendments.request_change(granted, actor=owner(granted),
                                  change=amendments.ChangeInput(reason=""))
    assert refused.value.reasons[0] == "Skriv varför ändringen behövs."
    assert any("Ange vad som ska ändras" in r for r in refused.value.reasons)
    amendments.request_change(granted, actor=owner(granted), change=amendments.ChangeInput(
        reason="Mer tid.", new_project_end=date(YEAR + 1, 3, 31)))
    with pytest.raises(InvalidInput, match="väntar på beslut"):
        amendments.request_change(granted, actor=owner(granted), change=amendments.ChangeInput(
            reason="Mer tid.", new_project_end=date(YEAR + 1, 4, 30)))


def test_a_cancellation_releases_the_unpaid_money_and_claims_back_what_was_paid(
    granted, staff, finance_user
) -> None:
    total = granted.current_decision.total
    pay(granted, finance_user, total // 2, kind="advance")
    with pytest.raises(TransitionRefused) as refused:
        amendments.cancel_grant(granted, actor=staff["decider"],
                                terms=decider_terms(claim_amount=total))
    assert any("högst det som betalats ut" in r for r in refused.value.reasons)
    amendments.cancel_grant(granted, actor=staff["decider"],
                            terms=decider_terms(claim_amount=total // 2))
    session.commit()

    account = session.get(PilotAccount, granted.id)
    assert granted.state == State.CLOSED
    assert account.released == total - total // 2 and account.claimed == total // 2
    cancellation = granted.cancellation
    assert cancellation.kind == DecisionKind.CANCELLATION and cancellation.letter is not None
    assert "återkallar det stöd" in cancellation.letter.html
    assert granted.current_decision.kind == DecisionKind.DECISION
    assert fin.verify_ledger() == []


# Payment requests --------------------------------------------------------------------------------


def test_finance_pays_a_request_once_its_report_is_approved_and_only_once(
    granted, staff, finance_user
) -> None:
    report = submitted_report(granted, ReportKind.STAGE, payment_requested=12_000)
    request = report.payment_request
    with pytest.raises(InvalidInput, match="godkänt"):
        pay_payment_request(request, actor=finance_user, amount=12_000, payment_date=today())
    ops.approve_report(report, actor=staff["officer"])
    first = pay_payment_request(request, actor=finance_user, amount=12_000, payment_date=today(),
                                idempotency_key="k" * 32)
    again = pay_payment_request(request, actor=finance_user, amount=12_000, payment_date=today(),
                                idempotency_key="k" * 32)
    session.commit()
    assert [e.id for e in first] == [e.id for e in again]
    assert request.state == PaymentRequestState.PAID and request.paid_amount == 12_000
    assert session.get(PilotAccount, granted.id).paid == 12_000
    assert first[0].kind == LedgerKind.PAYMENT and first[0].reference.startswith(
        f"Rekvisition {request.id}")


# Concurrency -------------------------------------------------------------------------------------


def test_two_amendments_into_a_tight_year_at_once_never_overdraw_it(
    app, make_application, staff, finance_user
) -> None:
    first, second = make_application(State.GRANTED), make_application(State.GRANTED)
    pot = session.get(Pot, YEAR + 1)
    fin.change_reservation(actor=finance_user, year=YEAR + 1,
                           reserved=pot.net_committed + 15_000, reason="Lite kvar.")
    requests = [amendments.request_change(a, actor=owner(a), change=amendments.ChangeInput(
        reason="Flytta.", move_from_year=YEAR, move_to_year=YEAR + 1, move_amount=10_000)).id
        for a in (first, second)]
    decider_id = staff["decider"].id
    session.commit()
    session.remove()

    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def decide(i: int) -> None:
        from grants.models import ChangeRequest, User

        with app.app_context():
            try:
                barrier.wait(timeout=30)
                amendments.decide_change(session.get(ChangeRequest, requests[i]),
                                         actor=session.get(User, decider_id), approve=True,
                                         terms=decider_terms())
                session.commit()
                results[i] = "ok"
            except Exception as exc:  # the outcome is what the test inspects
                session.rollback()
                results[i] = exc

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count("ok") == 1, results
    assert isinstance(next(r for r in results if r != "ok"), FinanceRefused)
    pot = session.get(Pot, YEAR + 1)
    assert pot.net_committed <= pot.reserved
    assert fin.verify_ledger() == []


# Letters -----------------------------------------------------------------------------------------


def test_the_amendment_and_cancellation_letters_say_what_changed_in_the_pdf(
    make_application, staff, finance_user
) -> None:
    from tests.unit.test_letters import pdf_text

    amended = make_application(State.GRANTED)
    end = amended.current_decision.project_end
    request = amendments.request_change(amended, actor=owner(amended), change=Change(
        reason="Mer tid.", new_project_end=end + timedelta(days=30)))
    letter = amendments.decide_change(request, actor=staff["decider"], approve=True,
                                      terms=decider_terms()).letter
    text = pdf_text(letter.pdf)
    assert "Ändringsbeslut:" in text and "beviljar" in text
    assert f"Projektperioden förlängs till {(end + timedelta(days=30)).isoformat()}" in text
    assert "Sista dag att överklaga" in text

    cancelled = make_application(State.GRANTED)
    pay(cancelled, finance_user, 4_000, kind="advance")
    amendments.cancel_grant(cancelled, actor=staff["decider"],
                            terms=decider_terms(claim_amount=4_000))
    text = pdf_text(cancelled.cancellation.letter.pdf)
    assert "Beslut om återkallelse av stöd:" in text and "återkallar det stöd" in text
    assert "Återkrav:" in text and _kr(4_000).replace("\xa0", " ") in text
