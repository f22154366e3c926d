"""The finance core through its operations, on SQLite and PostgreSQL: reservations, commitments,
releases, payments, repayment claims, the append-only ledger and its verification, and several
people booking money at once (threads, each with its own session and real commits).

Each rule of issue 5's "Bad input and rules" has a test here: negative or non-integer amounts, a
reservation below what is committed, a payment over the grant or an advance over half (or over
400 000 kr), a payment on a rejected or withdrawn case, a commitment in a closed year, the same
payment sent twice, an actor without the finance role, and a ledger that cannot be changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from grants.completeness import fund_settings, today
from grants.db import RecordIsAppendOnly, session
from grants.demo import fill_application, take_step
from grants.models import (
    Application,
    AuditEvent,
    LedgerEntry,
    LedgerKind,
    PilotAccount,
    Pot,
    User,
)
from grants.money import format_kronor as kr
from grants.operations import applications as app_ops
from grants.operations import decisions
from grants.operations import finance as fin
from grants.operations.errors import InvalidInput, NotPermitted, OperationError
from tests.conftest import REASON, path_to
from tests.integration.test_concurrency import _run_in_threads
from workflows import State, TransitionRefused

YEAR = today().year
NEXT = YEAR + 1
"""The test app opens pots of 1 000 000 kr for this year and the next (no ledger entries)."""


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user("finance")


def _pay(application: Application, actor: User, amount: Any, *, kind: str = "costs",
         on: date | None = None, reference: str = "Rekvisition 1", year: int | None = None,
         key: str | None = None) -> LedgerEntry:
    return fin.record_payment(
        application, actor=actor, idempotency_key=key,
        payment=fin.PaymentInput(amount=amount, payment_date=on or today(), kind=kind,
                                 reference=reference, year=year))


def _account(application: Application) -> PilotAccount:
    return session.get(PilotAccount, application.id, populate_existing=True)


def _pot(year: int = YEAR) -> Pot:
    return session.get(Pot, year, populate_existing=True)


def _entries(kind: LedgerKind | None = None, **where: Any) -> list[LedgerEntry]:
    query = sa.select(LedgerEntry).order_by(LedgerEntry.id)
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind.value)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return list(session.scalars(query))


def _ledger_sum(kind: LedgerKind, year: int = YEAR) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.kind == kind.value, LedgerEntry.year == year))


def _terms(application: Application, **changes: Any) -> decisions.DecisionTerms:
    terms = decisions.proposed_terms(application)
    terms.jav_confirmed, terms.reasons = True, REASON
    for name, value in changes.items():
        setattr(terms, name, value)
    return terms


@pytest.fixture
def make_big_pilot(make_user, staff) -> Callable[[int], Application]:
    """A pilot granted ``requested`` kronor through the real steps, the fund's per-pilot maximum
    raised to allow it (the grant is half the project's costs, as the fund's rules ask)."""

    def make(requested: int) -> Application:
        fund_settings().max_grant_per_pilot = requested
        applicant = make_user("applicant")
        application = app_ops.create_draft_application(
            actor=applicant, organisation=applicant.organisation, title="Stor pilot",
            summary="Ett större försök i hela länet.")
        fill_application(application, applicant, requested=requested)
        for trigger in path_to(State.GRANTED):
            take_step(application, trigger, applicant=applicant, staff=staff,
                      reviewers=[staff["reviewer"], staff["reviewer2"]], reason=REASON)
        session.commit()
        return application

    return make


# Reservations ----------------------------------------------------------------------------------


def test_a_reservation_change_writes_the_opening_amount_once_and_then_each_change(
    finance
) -> None:
    entry = fin.change_reservation(actor=finance, year=YEAR, reserved=1_200_000,
                                   reason="Regionstyrelsen höjde ramen.")
    session.commit()
    assert (entry.kind, entry.amount, entry.note) == ("reservation", 200_000,
                                                      "Regionstyrelsen höjde ramen.")
    fin.change_reservation(actor=finance, year=YEAR, reserved=900_000, reason="Sänkt ram.")
    session.commit()
    assert [(e.amount, e.note) for e in _entries(LedgerKind.RESERVATION, year=YEAR)] == [
        (1_000_000, "Ingående avsättning"), (200_000, "Regionstyrelsen höjde ramen."),
        (-300_000, "Sänkt ram.")]
    assert _pot().reserved == 900_000 == _ledger_sum(LedgerKind.RESERVATION)
    assert fin.verify_ledger() == []


def test_an_unchanged_reservation_writes_nothing(finance) -> None:
    assert fin.change_reservation(actor=finance, year=YEAR, reserved=1_000_000,
                                  reason="Samma som förut.") is None
    assert _entries() == []


def test_a_reservation_below_what_is_committed_and_not_released_is_refused_with_the_figures(
    finance, make_application
) -> None:
    application = make_application(State.GRANTED)  # 100 000 kr from this year
    fin.release_money(application, actor=finance, year=YEAR, amount=30_000,
                      reason="Lägre kostnader än budgeterat.")
    session.commit()
    with pytest.raises(fin.FinanceRefused) as refused:
        fin.change_reservation(actor=finance, year=YEAR, reserved=69_999, reason="Sänkt ram.")
    assert refused.value.reasons == [
        f"Avsättningen för {YEAR} kan inte bli {kr(69_999)}: {kr(70_000)} är redan beviljat "
        "och inte återfört."]
    session.rollback()
    assert _pot().reserved == 1_000_000 and _entries(LedgerKind.RESERVATION) == []
    fin.change_reservation(actor=finance, year=YEAR, reserved=70_000, reason="Sänkt ram.")
    session.commit()
    assert _pot().remaining == 0 and fin.verify_ledger() == []


@pytest.mark.parametrize("reserved", [-1, 1.5, "900000", None, True])
def test_a_reservation_must_be_whole_kronor_zero_or_more(finance, reserved) -> None:
    with pytest.raises(InvalidInput, match="hela kronor, 0 eller mer"):
        fin.change_reservation(actor=finance, year=YEAR, reserved=reserved, reason="Ändrad.")
    session.rollback()
    assert _pot().reserved == 1_000_000 and _entries() == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reservation_change_needs_a_reason(finance, reason) -> None:
    with pytest.raises(InvalidInput, match="Skriv varför avsättningen ändras."):
        fin.change_reservation(actor=finance, year=YEAR, reserved=900_000, reason=reason)
    session.rollback()
    assert _pot().reserved == 1_000_000 and _entries() == []


def test_a_reservation_for_a_year_without_a_pot_is_refused(finance) -> None:
    with pytest.raises(InvalidInput, match=f"ingen pott för {YEAR + 5}"):
        fin.change_reservation(actor=finance, year=YEAR + 5, reserved=1, reason="Ny.")


@pytest.mark.parametrize("role", ["applicant", "reviewer", "officer", "decider"])
def test_only_finance_staff_change_a_reservation(make_user, role) -> None:
    with pytest.raises(NotPermitted, match="Bara ekonomi eller administratör"):
        fin.change_reservation(actor=make_user(role), year=YEAR, reserved=900_000,
                               reason="Sänkt ram.")
    session.rollback()
    assert _pot().reserved == 1_000_000 and _entries() == []


def test_an_administrator_may_change_a_reservation(make_user) -> None:
    fin.change_reservation(actor=make_user("admin"), year=YEAR, reserved=900_000,
                           reason="Sänkt ram.")
    assert _pot().reserved == 900_000


def test_a_new_pot_starts_with_its_reservation_in_the_ledger(finance) -> None:
    pot = fin.create_pot(actor=finance, year=YEAR + 2, reserved=500_000, reason="Budget 2 år fram.")
    session.commit()
    assert pot.reserved == 500_000
    assert [(e.year, e.amount) for e in _entries(LedgerKind.RESERVATION)] == [(YEAR + 2, 500_000)]
    with pytest.raises(InvalidInput, match="redan en pott"):
        fin.create_pot(actor=finance, year=YEAR + 2, reserved=1, reason="Igen.")


# Commitments and the year-end close ------------------------------------------------------------


def test_a_grant_commits_its_amount_from_the_year_it_is_for(make_application) -> None:
    application = make_application(State.GRANTED)
    decision = application.current_decision
    [entry] = _entries(LedgerKind.COMMITMENT)
    assert (entry.year, entry.amount, entry.application_id, entry.decision_id) == (
        YEAR, 100_000, application.id, decision.id)
    assert fin.committed_by_year(application) == {YEAR: 100_000}
    account = _account(application)
    assert (account.granted, account.paid, account.unpaid) == (100_000, 0, 100_000)
    assert (_pot().committed, _pot().remaining) == (100_000, 900_000)
    assert _pot(NEXT).committed == 0


def test_commitments_from_two_years_stay_in_their_own_years(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    fin.commit_from_pot(application, year=NEXT, amount=40_000, actor=finance)
    session.commit()
    assert fin.committed_by_year(application) == {YEAR: 100_000, NEXT: 40_000}
    assert (_pot().committed, _pot(NEXT).committed) == (100_000, 40_000)
    assert _account(application).granted == 140_000
    assert fin.verify_ledger() == []


def test_a_closed_year_refuses_new_commitments(finance, make_application, staff) -> None:
    assessed = make_application(State.ASSESSED)
    unused = fin.close_year(actor=finance, year=YEAR, reason="Bokslut.")
    session.commit()
    assert unused == 1_000_000 and _pot().closed and _pot().close_note == "Bokslut."
    with pytest.raises(TransitionRefused) as refused:
        decisions.grant_application(assessed, actor=staff["decider"], terms=_terms(assessed))
    assert f"Budgetåret {YEAR} är stängt: inga nya beviljanden." in refused.value.reasons
    session.rollback()
    # The operation that moves the money refuses too, whoever calls it.
    with pytest.raises(fin.FinanceRefused, match="stängt"):
        fin.commit_from_pot(assessed, year=YEAR, amount=1, actor=staff["decider"])
    session.rollback()
    assert _pot().committed == 0 and _entries(LedgerKind.COMMITMENT) == []
    assert session.get(Application, assessed.id).state == State.ASSESSED


def test_a_year_is_closed_once_with_a_reason(finance, make_user) -> None:
    with pytest.raises(InvalidInput, match="Skriv varför året stängs."):
        fin.close_year(actor=finance, year=YEAR, reason=" ")
    with pytest.raises(NotPermitted):
        fin.close_year(actor=make_user("officer"), year=YEAR, reason="Bokslut.")
    fin.close_year(actor=finance, year=YEAR, reason="Bokslut.")
    with pytest.raises(InvalidInput, match="redan stängt"):
        fin.close_year(actor=finance, year=YEAR, reason="Igen.")


def test_carrying_over_moves_unused_money_as_two_logged_reservation_changes(
    finance, make_application
) -> None:
    make_application(State.GRANTED)
    fin.close_year(actor=finance, year=YEAR, reason="Bokslut.")
    with pytest.raises(fin.FinanceRefused) as refused:
        fin.carry_over(actor=finance, from_year=YEAR, to_year=NEXT, amount=900_001,
                       reason="Oanvänt.")
    assert refused.value.reasons == [
        f"{YEAR} har bara {kr(900_000)} oanvänt; {kr(900_001)} kan inte föras över."]
    out, into = fin.carry_over(actor=finance, from_year=YEAR, to_year=NEXT, amount=900_000,
                               reason="Oanvänt.")
    session.commit()
    assert (out.year, out.amount, into.year, into.amount) == (YEAR, -900_000, NEXT, 900_000)
    assert out.note == into.note == f"Överfört {YEAR} → {NEXT}: Oanvänt."
    assert (_pot().reserved, _pot().remaining, _pot(NEXT).reserved) == (100_000, 0, 1_900_000)
    assert fin.verify_ledger() == []


def test_a_carry_over_sent_twice_moves_the_money_once(finance) -> None:
    """The carry-over form carries a one-time key like every form that books money."""
    for _ in range(2):
        fin.carry_over(actor=finance, from_year=YEAR, to_year=NEXT, amount=100_000,
                       reason="Oanvänt.", idempotency_key="carry-1")
        session.commit()
    assert (_pot().reserved, _pot(NEXT).reserved) == (900_000, 1_100_000)
    assert fin.verify_ledger() == []


def test_carrying_over_into_a_closed_year_or_the_same_year_is_refused(finance) -> None:
    fin.close_year(actor=finance, year=NEXT, reason="Bokslut.")
    with pytest.raises(InvalidInput, match=f"{NEXT} är stängt"):
        fin.carry_over(actor=finance, from_year=YEAR, to_year=NEXT, amount=1, reason="x")
    with pytest.raises(InvalidInput, match="två olika budgetår"):
        fin.carry_over(actor=finance, from_year=YEAR, to_year=YEAR, amount=1, reason="x")


# Releases --------------------------------------------------------------------------------------


def test_a_release_gives_the_money_back_to_its_own_year(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    before, next_before = _pot().remaining, _pot(NEXT).remaining
    entry = fin.release_money(application, actor=finance, year=YEAR, amount=25_000,
                              reason="Piloten blev billigare.")
    session.commit()
    assert (entry.kind, entry.year, entry.amount) == ("release", YEAR, 25_000)
    assert _pot().remaining == before + 25_000 and _pot().released == 25_000
    assert _pot(NEXT).remaining == next_before
    assert fin.committed_by_year(application) == {YEAR: 75_000}
    account = _account(application)
    assert (account.granted, account.released, account.net_granted) == (100_000, 25_000, 75_000)
    [event] = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == "release_money"))
    assert event.data == {"year": YEAR, "amount": 25_000}
    assert fin.verify_ledger() == []


def test_a_release_is_never_more_than_is_committed_and_unpaid(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(fin.FinanceRefused) as refused:
        fin.release_money(application, actor=finance, year=YEAR, amount=100_001, reason="x")
    assert refused.value.reasons == [
        f"Piloten har bara {kr(100_000)} beviljat för {YEAR} att återföra."]
    session.rollback()
    with pytest.raises(fin.FinanceRefused, match=f"bara {kr(0)} beviljat för {NEXT}"):
        fin.release_money(application, actor=finance, year=NEXT, amount=1, reason="x")
    session.rollback()
    _pay(application, finance, 70_000)
    session.commit()
    with pytest.raises(fin.FinanceRefused) as refused:
        fin.release_money(application, actor=finance, year=YEAR, amount=30_001, reason="x")
    assert refused.value.reasons == [
        f"Det går inte att återföra {kr(30_001)}: {kr(70_000)} är redan utbetalt av "
        f"{kr(100_000)}."]
    session.rollback()
    fin.release_money(application, actor=finance, year=YEAR, amount=30_000,
                      reason="Resten behövdes inte.")
    session.commit()
    account = _account(application)
    assert (account.unpaid, _pot().released) == (0, 30_000)
    assert fin.verify_ledger() == []


def test_a_release_needs_a_reason_and_finance_or_an_officer(
    finance, make_application, staff
) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(InvalidInput, match="Skriv varför pengarna återförs."):
        fin.release_money(application, actor=finance, year=YEAR, amount=1, reason="")
    with pytest.raises(NotPermitted):
        fin.release_money(application, actor=staff["decider"], year=YEAR, amount=1,
                          reason="Avbruten.")
    fin.release_money(application, actor=staff["officer"], year=YEAR, amount=1,
                      reason="Avbruten.")
    assert _account(application).released == 1


# Payments --------------------------------------------------------------------------------------


def test_an_advance_is_at_most_half_the_grant(finance, make_application) -> None:
    application = make_application(State.GRANTED)  # 100 000 kr
    with pytest.raises(fin.FinanceRefused) as refused:
        _pay(application, finance, 50_001, kind="advance")
    assert refused.value.reasons == [
        f"Förskott får vara högst hälften av stödet och aldrig mer än {kr(400_000)}: högst "
        f"{kr(50_000)} i förskott, {kr(0)} är redan utbetalt som förskott."]
    session.rollback()
    entry = _pay(application, finance, 50_000, kind="advance")
    session.commit()
    assert (entry.kind_label, entry.payment_kind) == ("Utbetalning (förskott)", "advance")
    # Advances add up: a second one of even 1 kr goes over half.
    with pytest.raises(fin.FinanceRefused, match=f"{kr(50_000)} är redan utbetalt som förskott"):
        _pay(application, finance, 1, kind="advance")
    session.rollback()
    account = _account(application)
    assert (account.paid, account.advances) == (50_000, 50_000)


def test_an_advance_is_never_over_400_000_kr_even_on_a_large_grant(
    finance, make_big_pilot
) -> None:
    application = make_big_pilot(900_000)  # half would be 450 000 kr
    assert _account(application).granted == 900_000
    with pytest.raises(fin.FinanceRefused, match=f"högst {kr(400_000)} i förskott"):
        _pay(application, finance, 400_001, kind="advance")
    session.rollback()
    _pay(application, finance, 400_000, kind="advance")
    session.commit()
    account = _account(application)
    assert (account.paid, account.advances, account.unpaid) == (400_000, 400_000, 500_000)
    # Payments against reported costs are not advances: the rest can be paid that way.
    _pay(application, finance, 500_000, kind="costs", reference="Slutrapport")
    session.commit()
    assert _account(application).unpaid == 0 and fin.verify_ledger() == []


def test_payments_together_never_exceed_the_grant(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    _pay(application, finance, 60_000)
    session.commit()
    with pytest.raises(fin.FinanceRefused) as refused:
        _pay(application, finance, 40_001)
    assert refused.value.reasons == [
        f"Utbetalningen {kr(40_001)} är mer än det som återstår av stödet: {kr(40_000)} "
        f"(beviljat {kr(100_000)}, utbetalt {kr(60_000)})."]
    session.rollback()
    _pay(application, finance, 40_000, reference="Rekvisition 2")
    session.commit()
    with pytest.raises(fin.FinanceRefused, match="mer än det som återstår av stödet"):
        _pay(application, finance, 1, reference="Rekvisition 3")
    session.rollback()
    assert _account(application).paid == 100_000 == _ledger_sum(LedgerKind.PAYMENT)
    assert _pot().paid == 100_000


def test_a_released_part_of_the_grant_cannot_be_paid(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    fin.release_money(application, actor=finance, year=YEAR, amount=40_000, reason="Mindre.")
    with pytest.raises(fin.FinanceRefused, match=f"återstår av stödet: {kr(60_000)}"):
        _pay(application, finance, 60_001)


@pytest.mark.parametrize("state", [State.REJECTED, State.WITHDRAWN, State.ASSESSED])
def test_a_payment_on_a_case_without_a_grant_is_refused(finance, make_application, state) -> None:
    application = make_application(state)
    with pytest.raises(InvalidInput) as refused:
        _pay(application, finance, 1_000)
    assert refused.value.reasons == [
        f"Ärendet har status «{state.label}»: det finns inget beviljat stöd att betala ut."]
    session.rollback()
    assert _entries(LedgerKind.PAYMENT) == [] and _pot().paid == 0


@pytest.mark.parametrize(("amount", "message"), [
    (0, "större än 0 kr"), (-100, "större än 0 kr"), (1.5, "hela kronor"),
    ("1000", "hela kronor"), (None, "hela kronor"), (True, "hela kronor"),
])
def test_a_payment_amount_must_be_whole_positive_kronor(
    finance, make_application, amount, message
) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(InvalidInput, match=message):
        _pay(application, finance, amount)
    session.rollback()
    assert _entries(LedgerKind.PAYMENT) == [] and _account(application).paid == 0


def test_a_payment_needs_a_known_kind_and_a_reference(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(InvalidInput, match="förskott eller mot redovisade kostnader"):
        _pay(application, finance, 1_000, kind="gift")
    with pytest.raises(InvalidInput, match="Ange vilket underlag"):
        _pay(application, finance, 1_000, reference="  ")
    session.rollback()
    assert _entries(LedgerKind.PAYMENT) == []


@pytest.mark.parametrize("role", ["applicant", "reviewer", "officer", "decider"])
def test_only_finance_staff_record_payments(make_application, make_user, role) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(NotPermitted, match="Bara ekonomi eller administratör"):
        _pay(application, make_user(role), 1_000)
    session.rollback()
    assert _entries(LedgerKind.PAYMENT) == []


def test_the_same_payment_form_sent_twice_books_one_payment(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    first = _pay(application, finance, 30_000, key="9f0c2a7e5b3d4c1a8e6f0b2d4a6c8e0f")
    session.commit()
    again = _pay(application, finance, 30_000, key="9f0c2a7e5b3d4c1a8e6f0b2d4a6c8e0f")
    session.commit()
    assert again.id == first.id
    assert len(_entries(LedgerKind.PAYMENT)) == 1
    assert _account(application).paid == 30_000 == _pot().paid
    assert len(list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.trigger == "record_payment")))) == 1


def test_a_payment_in_a_later_calendar_year_counts_against_the_commitment_year(
    finance, make_application
) -> None:
    application = make_application(State.GRANTED)
    entry = _pay(application, finance, 30_000, on=date(NEXT, 2, 15), reference="Slutrapport")
    session.commit()
    assert (entry.year, entry.payment_date) == (YEAR, date(NEXT, 2, 15))
    assert fin.paid_by_year(application) == {YEAR: 30_000}
    assert (_pot().paid, _pot(NEXT).paid) == (30_000, 0)
    # By payment date it belongs to next year.
    by_date = session.execute(sa.select(LedgerEntry.payment_date, LedgerEntry.amount).where(
        LedgerEntry.kind == LedgerKind.PAYMENT.value)).all()
    assert [(d.year, a) for d, a in by_date] == [(NEXT, 30_000)]


def test_a_payment_is_booked_per_commitment_year(finance, make_application) -> None:
    application = make_application(State.GRANTED)  # 100 000 kr this year
    fin.commit_from_pot(application, year=NEXT, amount=50_000, actor=finance)
    session.commit()
    with pytest.raises(fin.FinanceRefused, match="Dela upp utbetalningen per år"):
        _pay(application, finance, 120_000)
    session.rollback()
    assert _pay(application, finance, 100_000).year == YEAR
    assert _pay(application, finance, 50_000, reference="Rekvisition 2").year == NEXT
    session.commit()
    assert fin.paid_by_year(application) == {YEAR: 100_000, NEXT: 50_000}
    with pytest.raises(fin.FinanceRefused):
        _pay(application, finance, 1, year=NEXT, reference="Rekvisition 3")


# Repayment claims ------------------------------------------------------------------------------


def test_a_repayment_claim_is_at_most_what_was_paid(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(fin.FinanceRefused, match=f"högst .* {kr(0)}"):
        fin.claim_repayment(application, actor=finance, amount=1, reason="Ej genomfört.")
    session.rollback()
    _pay(application, finance, 60_000)
    session.commit()
    with pytest.raises(fin.FinanceRefused) as refused:
        fin.claim_repayment(application, actor=finance, amount=60_001, reason="Ej genomfört.")
    assert refused.value.reasons == [
        "Återkravet kan vara högst det utbetalda som inte redan krävs tillbaka: "
        f"{kr(60_000)}."]
    session.rollback()
    entry = fin.claim_repayment(application, actor=finance, amount=20_000,
                                reason="Delar ej genomförda.")
    session.commit()
    assert (entry.kind, entry.year, entry.amount) == ("repayment_claim", YEAR, 20_000)
    with pytest.raises(fin.FinanceRefused, match=kr(40_000)):
        fin.claim_repayment(application, actor=finance, amount=40_001, reason="Mer.")
    session.rollback()
    assert _account(application).claimed == 20_000


def test_a_repayment_is_at_most_what_was_claimed(finance, make_application) -> None:
    application = make_application(State.GRANTED)
    _pay(application, finance, 60_000)
    fin.claim_repayment(application, actor=finance, amount=20_000, reason="Ej genomfört.")
    session.commit()
    with pytest.raises(fin.FinanceRefused) as refused:
        fin.record_repayment(application, actor=finance, amount=20_001,
                             payment_date=today(), reference="Inbetalning 1")
    assert refused.value.reasons == [
        f"Återbetalningen är mer än det som återstår av återkravet: {kr(20_000)}."]
    session.rollback()
    fin.record_repayment(application, actor=finance, amount=15_000, payment_date=today(),
                         reference="Inbetalning 1", idempotency_key="repay-1")
    fin.record_repayment(application, actor=finance, amount=15_000, payment_date=today(),
                         reference="Inbetalning 1", idempotency_key="repay-1")
    session.commit()
    with pytest.raises(fin.FinanceRefused, match=kr(5_000)):
        fin.record_repayment(application, actor=finance, amount=5_001, payment_date=today(),
                             reference="Inbetalning 2")
    session.rollback()
    account = _account(application)
    assert (account.paid, account.claimed, account.repaid) == (60_000, 20_000, 15_000)
    assert fin.verify_ledger() == []


def test_only_finance_staff_claim_and_record_repayments(
    finance, make_application, staff
) -> None:
    application = make_application(State.GRANTED)
    _pay(application, finance, 10_000)
    with pytest.raises(NotPermitted):
        fin.claim_repayment(application, actor=staff["officer"], amount=1, reason="x")
    with pytest.raises(NotPermitted):
        fin.record_repayment(application, actor=staff["officer"], amount=1,
                             payment_date=today(), reference="x")
    with pytest.raises(InvalidInput, match="Skriv varför stödet krävs tillbaka."):
        fin.claim_repayment(application, actor=finance, amount=1, reason="")


# The ledger itself -----------------------------------------------------------------------------


def test_the_ledger_cannot_be_changed_or_deleted_through_the_orm(make_application) -> None:
    make_application(State.GRANTED)
    [entry] = _entries(LedgerKind.COMMITMENT)
    entry.amount = 1
    with pytest.raises(RecordIsAppendOnly):
        session.flush()
    session.rollback()
    session.delete(_entries(LedgerKind.COMMITMENT)[0])
    with pytest.raises(RecordIsAppendOnly):
        session.flush()
    session.rollback()
    assert [e.amount for e in _entries(LedgerKind.COMMITMENT)] == [100_000]


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET amount = 1", "DELETE FROM ledger_entry",
])
def test_the_database_refuses_to_change_or_delete_ledger_rows(make_application, statement) -> None:
    make_application(State.GRANTED)  # one row, so a row trigger has something to refuse
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.text(statement))
    session.rollback()
    assert [e.amount for e in _entries(LedgerKind.COMMITMENT)] == [100_000]


def test_the_operations_offer_no_way_to_change_or_delete_an_entry() -> None:
    public = {name for name in dir(fin) if callable(getattr(fin, name))
              and not name.startswith("_")}
    assert not {n for n in public if n.split("_")[0] in {"update", "delete", "edit", "remove"}}


def test_the_ledger_verifies_after_every_kind_of_movement(
    finance, make_application, make_user
) -> None:
    first, second = make_application(State.GRANTED), make_application(State.GRANTED)
    fin.change_reservation(actor=finance, year=YEAR, reserved=1_100_000, reason="Höjd ram.")
    fin.commit_from_pot(second, year=NEXT, amount=50_000, actor=finance)
    fin.release_money(first, actor=finance, year=YEAR, amount=20_000, reason="Mindre.")
    _pay(first, finance, 40_000, kind="advance", key="a")
    _pay(first, finance, 30_000, on=date(NEXT, 1, 20), reference="Slutrapport", key="b")
    _pay(first, finance, 30_000, on=date(NEXT, 1, 20), reference="Slutrapport", key="b")
    fin.claim_repayment(first, actor=finance, amount=10_000, reason="Ej genomfört.")
    fin.record_repayment(first, actor=finance, amount=5_000, payment_date=today(),
                         reference="Inbetalning")
    _pay(second, finance, 100_000, year=YEAR, reference="R1")
    _pay(second, finance, 50_000, reference="R2")
    fin.close_year(actor=finance, year=YEAR, reason="Bokslut.")
    fin.carry_over(actor=make_user("admin"), from_year=YEAR, to_year=NEXT, amount=100_000,
                   reason="Oanvänt.")
    session.commit()
    assert fin.verify_ledger() == []
    totals = fin.ledger_totals()
    pot, next_pot = _pot(), _pot(NEXT)
    assert (pot.reserved, pot.committed, pot.released, pot.paid) == (
        1_000_000, 200_000, 20_000, 170_000)
    assert (next_pot.reserved, next_pot.committed, next_pot.paid) == (1_100_000, 50_000, 50_000)
    assert totals[YEAR]["reservation"] == pot.reserved
    assert totals[NEXT]["reservation"] == next_pot.reserved
    assert pot.remaining == 1_000_000 - 200_000 + 20_000

    # Someone changes a cached total behind the ledger's back: verify finds it.
    session.execute(sa.text("UPDATE pot SET paid = paid + 1 WHERE year = :y"), {"y": YEAR})
    session.execute(sa.text("UPDATE pilot_account SET paid = paid - 1 WHERE application_id = :a"),
                    {"a": second.id})
    session.commit()
    assert fin.verify_ledger() == [
        fin.Difference(f"{YEAR} utbetalt", 170_001, 170_000),
        fin.Difference(f"{second.reference} utbetalt", 149_999, 150_000),
    ]


def test_a_corrupted_reservation_cache_is_reported(finance) -> None:
    fin.change_reservation(actor=finance, year=YEAR, reserved=800_000, reason="Sänkt ram.")
    session.execute(sa.text("UPDATE pot SET reserved = 750000 WHERE year = :y"), {"y": YEAR})
    session.commit()
    assert fin.verify_ledger() == [fin.Difference(f"{YEAR} avsatt", 750_000, 800_000)]


# Several people at once ------------------------------------------------------------------------


def _overlapping(app, first: Callable[[], Any], second: Callable[[], Any],
                 hold: float = 0.3) -> dict[str, Any]:
    """Run ``first`` and keep its transaction open for ``hold`` seconds before committing, while
    ``second`` (another thread, its own session) starts meanwhile: the double-click, or two
    people acting within the same moment, made deterministic."""
    first_done = threading.Event()
    outcome: dict[str, Any] = {}

    def run(name: str, job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                if name == "second":
                    first_done.wait(timeout=30)
                outcome[name] = job()
                if name == "first":
                    first_done.set()
                    time.sleep(hold)
                session.commit()
            except Exception as exc:  # the outcome is what the test inspects
                first_done.set()
                session.rollback()
                outcome[name] = exc

    threads = [threading.Thread(target=run, args=("first", first)),
               threading.Thread(target=run, args=("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcome


def _payment_job(application_id: int, actor_id: int, amount: int, *, kind: str = "costs",
                 key: str | None = None) -> Callable[[], int]:
    def job() -> int:
        application = session.get(Application, application_id)
        actor = session.get(User, actor_id)
        return _pay(application, actor, amount, kind=kind, key=key,
                    reference=f"Rekvisition {key or amount}").id

    return job


@pytest.mark.parametrize(("kind", "amount", "fit"), [("costs", 30_000, 3), ("advance", 20_000, 2)])
def test_simultaneous_payments_never_pay_more_than_the_grant(
    app, finance, make_application, kind, amount, fit
) -> None:
    """Eight payments at once on a pilot of 100 000 kr: exactly the ones that fit are booked
    (three of 30 000 kr; or two advances of 20 000 kr under the 50 000 kr ceiling)."""
    application = make_application(State.GRANTED)
    ids = (application.id, finance.id)
    session.remove()
    results = _run_in_threads(app, [_payment_job(*ids, amount, kind=kind) for _ in range(8)])
    booked = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, fin.FinanceRefused)]
    assert len(booked) == fit and len(refused) == 8 - fit, results
    account = session.get(PilotAccount, ids[0])
    assert account.paid == fit * amount == _ledger_sum(LedgerKind.PAYMENT) == _pot().paid
    assert account.paid <= account.granted
    assert fin.verify_ledger() == []


def test_lowering_a_reservation_while_grants_are_made_never_overdraws_the_year(
    app, finance, make_application, staff
) -> None:
    """Five grants of 100 000 kr and a reservation lowered to 250 000 kr, all at once. Either
    the reservation comes first (or after at most two grants) and exactly two grants fit, or
    three grants came first and the lowering is refused with the figures; either way the year
    is never overdrawn and the ledger equals the pot."""
    cases = [make_application(State.ASSESSED) for _ in range(5)]
    ids, decider_id, finance_id = [c.id for c in cases], staff["decider"].id, finance.id

    def grant(application_id: int) -> Callable[[], str]:
        def job() -> str:
            application = session.get(Application, application_id)
            decisions.grant_application(application, actor=session.get(User, decider_id),
                                        terms=_terms(application))
            return "granted"
        return job

    def lower() -> str:
        fin.change_reservation(actor=session.get(User, finance_id), year=YEAR,
                               reserved=250_000, reason="Ramen minskades.")
        return "lowered"

    session.remove()
    results = _run_in_threads(app, [lower, *[grant(i) for i in ids]])
    unexpected = [r for r in results if not isinstance(r, (str, OperationError,
                                                           TransitionRefused))]
    assert unexpected == [], results
    granted = results[1:].count("granted")
    pot = _pot()
    if results[0] == "lowered":
        assert granted == 2 and pot.reserved == 250_000, results
        assert all("räcker inte" in " ".join(r.reasons) for r in results[1:]
                   if not isinstance(r, str))
        assert _ledger_sum(LedgerKind.RESERVATION) == 250_000
    else:
        assert isinstance(results[0], fin.FinanceRefused), results
        assert f"kan inte bli {kr(250_000)}" in results[0].reasons[0]
        assert granted == 5 and pot.reserved == 1_000_000, results
        assert _entries(LedgerKind.RESERVATION) == []
    assert pot.committed - pot.released <= pot.reserved
    assert pot.committed == granted * 100_000 == _ledger_sum(LedgerKind.COMMITMENT)
    assert fin.verify_ledger() == []


def test_two_reservation_changes_at_once_leave_pot_and_ledger_agreeing(app, finance) -> None:
    """The second change reads the pot while the first is still being committed; the ledger's
    reservation entries must still add up to the pot's reserved amount (one opening entry)."""
    finance_id = finance.id

    def change(amount: int) -> Callable[[], int | None]:
        def job() -> int | None:
            entry = fin.change_reservation(actor=session.get(User, finance_id), year=YEAR,
                                           reserved=amount, reason=f"Ny ram {amount}.")
            return entry.amount if entry else None
        return job

    session.remove()
    outcome = _overlapping(app, change(800_000), change(900_000))
    assert outcome == {"first": -200_000, "second": 100_000}, outcome
    assert _pot().reserved == 900_000 == _ledger_sum(LedgerKind.RESERVATION)
    assert [e.note for e in _entries(LedgerKind.RESERVATION)].count("Ingående avsättning") == 1
    assert fin.verify_ledger() == []


def test_the_same_payment_form_sent_from_two_threads_at_once_books_one_payment(
    app, finance, make_application
) -> None:
    application = make_application(State.GRANTED)
    ids = (application.id, finance.id)
    key = "5d1b7f3a9c2e4b6d8f0a1c3e5b7d9f1a"
    session.remove()
    results = _run_in_threads(app, [_payment_job(*ids, 30_000, key=key) for _ in range(2)])
    assert results[0] == results[1] and isinstance(results[0], int), results
    assert len(_entries(LedgerKind.PAYMENT)) == 1
    assert session.get(PilotAccount, ids[0]).paid == 30_000
    assert fin.verify_ledger() == []


def test_a_payment_form_resent_while_the_first_is_being_committed_books_one_payment(
    app, finance, make_application
) -> None:
    """The second request reads "no payment with this key" before the first commits. It must
    then wait and return the first one's entry (or be refused with a reason), never fail on the
    key's unique constraint (a 500 for the person at the form)."""
    application = make_application(State.GRANTED)
    ids = (application.id, finance.id)
    key = "0a2c4e6f8b1d3f5a7c9e0b2d4f6a8c1e"
    session.remove()
    outcome = _overlapping(app, _payment_job(*ids, 30_000, key=key),
                           _payment_job(*ids, 30_000, key=key))
    assert isinstance(outcome["first"], int), outcome
    assert outcome["second"] == outcome["first"] or isinstance(
        outcome["second"], OperationError), outcome
    assert len(_entries(LedgerKind.PAYMENT)) == 1
    assert session.get(PilotAccount, ids[0]).paid == 30_000
    assert fin.verify_ledger() == []
