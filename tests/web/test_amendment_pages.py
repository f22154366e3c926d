"""The decider's amendment and cancellation decisions and finance's payment requests, driven
through HTTP like a browser.

Each decision goes through the real operation: money moves through the ledger under the pots'
never-overdrawn rule, a letter is stored, report dates move (and reminders with them). A refusal
keeps every typed value, shows the operation's reasons (with the figures) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session
from grants.demo import write_report
from grants.models import (
    Application,
    ChangeRequest,
    Decision,
    LedgerEntry,
    OutboxMessage,
    PaymentRequest,
    Pot,
    User,
)
from grants.operations import finance as fin
from grants.operations import reports as report_ops
from grants.operations.amendments import ChangeInput, request_change
from tests.conftest import csrf_token
from tests.web.conftest import Element, error_summary, field_error, page
from tests.web.test_decision_pages import form_values, kr, post_form
from tests.web.test_query_counts import counting_queries, same_count_message
from workflows import State

GRANT = 100_000
"""What the test factory's pilots are granted (this year only)."""
MOVED = 40_000
REASON = "Rekryteringen av fritidsledare blev försenad, så hösten flyttas till nästa år."


# Helpers ----------------------------------------------------------------------------------------


def this_year() -> int:
    return today().year


def pot(year: int) -> Pot:
    found = session.get(Pot, year, populate_existing=True)
    assert found is not None
    return found


def pot_figures(*years: int) -> dict[int, tuple[int, int, int]]:
    return {y: (pot(y).committed, pot(y).released, pot(y).remaining) for y in years}


def ledger(application: Application) -> list[tuple[str, int, int]]:
    """The pilot's ledger as (kind, year, amount), oldest first."""
    session.expire_all()
    return [(e.kind, e.year, e.amount) for e in session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == application.id)
        .order_by(LedgerEntry.id))]


def decisions(application: Application) -> list[Decision]:
    session.expire_all()
    return list(session.scalars(sa.select(Decision).where(
        Decision.application_id == application.id).order_by(Decision.id)))


def change_url(change: ChangeRequest) -> str:
    return f"/beslut/andringar/{change.id}"


def cancel_url(application: Application) -> str:
    return f"/beslut/arenden/{application.id}/aterkallelse"


def ask_for_change(application: Application, applicant: User, **change: Any) -> ChangeRequest:
    request = request_change(application, actor=applicant,
                             change=ChangeInput(reason=REASON, **change))
    session.commit()
    return request


def ask_to_move_money(application: Application, applicant: User, **more: Any) -> ChangeRequest:
    return ask_for_change(application, applicant, move_from_year=this_year(),
                          move_to_year=this_year() + 1, move_amount=MOVED, **more)


def follow_up_due(decision: Decision) -> date:
    return next(d.due_date for d in decision.report_dues if d.kind == "follow_up")


def decide_change(client: FlaskClient, change: ChangeRequest, **changes: Any) -> Any:
    """Fill in the amendment decision form as prefilled, jäv confirmed, then ``changes``."""
    return post_form(client, change_url(change), **{"jav_confirmed": "y", **changes})


def table(doc: Element, caption: str) -> Element:
    """The table whose caption starts with ``caption``."""
    return next(t for t in doc.find_all("table")
                if t.one("caption").text.startswith(caption))


def cells(found: Element) -> list[list[str]]:
    """The text of each body row's cells."""
    return [[c.text for c in row.iter() if c.tag in ("th", "td")]
            for row in found.one("tbody").find_all("tr")]


def typed(doc: Element, url: str) -> dict[str, Any]:
    return form_values(doc.one("form", method="post", action=url))


def reminder_keys(application: Application) -> list[str]:
    return list(session.scalars(sa.select(OutboxMessage.key).where(
        OutboxMessage.application_id == application.id,
        OutboxMessage.key.startswith("reminder:"))))


@pytest.fixture
def applicant(make_user: Callable[..., User]) -> User:
    return make_user("applicant")


@pytest.fixture
def granted(make_application: Callable[..., Application], applicant: User) -> Application:
    return make_application(State.GRANTED, applicant=applicant)


@pytest.fixture
def decider_client(signed_in: Callable[[User], FlaskClient], staff: dict[str, User]) -> FlaskClient:
    return signed_in(staff["decider"])


@pytest.fixture
def finance_user(make_user: Callable[..., User]) -> User:
    return make_user("finance")


@pytest.fixture
def finance_client(signed_in: Callable[[User], FlaskClient], finance_user: User) -> FlaskClient:
    return signed_in(finance_user)


# Change requests: the list ----------------------------------------------------------------------


def test_pending_change_requests_are_listed_oldest_first_and_the_meeting_page_links_them(
    make_application, applicant, decider_client
) -> None:
    first = make_application(State.GRANTED, applicant=applicant, title="Första piloten")
    second = make_application(State.GRANTED, applicant=applicant, title="Andra piloten")
    older = ask_to_move_money(first, applicant)
    newer = ask_for_change(second, applicant,
                           new_project_end=second.current_decision.project_end
                           + timedelta(days=30))

    doc = page(decider_client.get("/beslut/andringar"))

    rows = doc.one("table").one("tbody").find_all("tr")
    assert [r.find("a").attrs["href"] for r in rows] == [change_url(older), change_url(newer)]
    assert "Första piloten" in rows[0].text
    assert f"Flytta {kr(MOVED)} från {this_year()} till {this_year() + 1}." in rows[0].text
    assert "Förlängd projektperiod till" in rows[1].text
    meeting = page(decider_client.get("/beslut/sammantrade"))
    assert "2 ändringsansökningar väntar på beslut" in meeting.text
    assert "/beslut/andringar" in {a.attrs.get("href") for a in meeting.find_all("a")}


def test_change_request_page_shows_what_is_asked_the_terms_in_force_and_both_pots(
    granted, applicant, decider_client
) -> None:
    year = this_year()
    due = follow_up_due(granted.current_decision)
    change = ask_to_move_money(granted, applicant,
                               new_report_dates={("follow_up", 1): due + timedelta(days=45)})

    response = decider_client.get(change_url(change))

    assert response.status_code == 200
    doc = page(response)
    assert REASON in doc.text
    assert f"Flytta {kr(MOVED)} från {year} till {year + 1}." in doc.text
    assert cells(table(doc, "Beviljat belopp per budgetår")) == [
        [str(year), kr(GRANT), kr(GRANT - MOVED)], [str(year + 1), kr(0), kr(MOVED)]]
    dues = table(doc, "Rapporter")
    assert due.isoformat() in dues.text and (due + timedelta(days=45)).isoformat() in dues.text
    pots = table(doc, "Potterna")
    assert kr(pot(year).remaining) in pots.text and kr(pot(year + 1).remaining) in pots.text
    values = typed(doc, change_url(change))
    assert values["decision_date"] == values["minutes_posted"] == today().isoformat()
    assert "outcome" not in values and "jav_confirmed" not in values


# Change requests: the decision ------------------------------------------------------------------


def test_an_approved_money_move_releases_one_year_commits_the_next_and_moves_the_report_dates(
    app, granted, applicant, decider_client, staff
) -> None:
    year = this_year()
    original = granted.current_decision
    old_due = follow_up_due(original)
    new_due = old_due + timedelta(days=45)
    new_end = original.project_end + timedelta(days=30)
    change = ask_to_move_money(granted, applicant, new_project_end=new_end,
                               new_report_dates={("follow_up", 1): new_due})
    before = pot_figures(year, year + 1)

    response = decide_change(decider_client, change, outcome="approve",
                             reasons="Förseningen är väl motiverad.")

    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/handlaggning/arenden/{granted.id}#beslut")
    amendment = decisions(granted)[-1]
    assert (amendment.kind, amendment.outcome) == ("amendment", "grant")
    assert amendment.decided_by_id == staff["decider"].id
    assert {a.year: a.amount for a in amendment.amounts} == {year: GRANT - MOVED,
                                                             year + 1: MOVED}
    assert amendment.project_end == new_end
    assert follow_up_due(amendment) == new_due
    assert granted.current_decision.id == amendment.id
    assert ledger(granted)[-2:] == [("release", year, MOVED), ("commitment", year + 1, MOVED)]
    commitment = session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.application_id == granted.id, LedgerEntry.year == year + 1)).one()
    assert commitment.decision_id == amendment.id
    after = pot_figures(year, year + 1)
    assert after[year] == (before[year][0], before[year][1] + MOVED, before[year][2] + MOVED)
    assert after[year + 1] == (before[year + 1][0] + MOVED, before[year + 1][1],
                               before[year + 1][2] - MOVED)
    session.refresh(change)
    assert (change.state, change.decision_id) == ("approved", amendment.id)
    # The letter: stored, and downloadable as a PDF attachment.
    assert amendment.letter is not None
    pdf = decider_client.get(f"/beslut/brev/{amendment.letter.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert pdf.data.startswith(b"%PDF")
    # The case page it leads to lists the amendment and its letter.
    case = page(decider_client.get(f"/handlaggning/arenden/{granted.id}"))
    assert "Ändringen beviljas" in case.text
    assert f"/beslut/brev/{amendment.letter.id}.pdf" in {
        a.attrs.get("href") for a in case.find_all("a")}
    # Reminders follow the new date: 14 days before it, one for the new date, none for the old.
    report_ops.send_reminders(on=new_due - timedelta(days=14))
    session.commit()
    keys = [k for k in reminder_keys(granted) if ":follow_up:" in k]
    assert keys and all(f":{new_due.isoformat()}:before:" in k for k in keys)
    assert not any(old_due.isoformat() in k for k in reminder_keys(granted))
    report_ops.send_reminders(on=old_due - timedelta(days=14))
    session.commit()
    assert not any(old_due.isoformat() in k for k in reminder_keys(granted))


def test_a_money_move_the_receiving_pot_cannot_hold_is_refused_409_with_figures_and_no_change(
    granted, applicant, decider_client
) -> None:
    year = this_year()
    change = ask_to_move_money(granted, applicant)
    pot(year + 1).reserved = 10_000
    session.commit()
    before = (ledger(granted), pot_figures(year, year + 1), len(decisions(granted)))

    response = decide_change(decider_client, change, outcome="approve",
                             reasons="Motiverat av förseningen.")

    assert response.status_code == 409
    doc = page(response)
    summary = error_summary(doc)
    assert summary is not None
    assert f"Pengarna kan inte flyttas till {year + 1}" in summary
    assert f"{kr(MOVED)} söks ur den, men bara {kr(10_000)} återstår" in summary
    values = typed(doc, change_url(change))
    assert values["outcome"] == "approve" and values["jav_confirmed"] == "y"
    assert values["reasons"] == "Motiverat av förseningen."
    assert (ledger(granted), pot_figures(year, year + 1), len(decisions(granted))) == before
    session.refresh(change)
    assert change.state == "pending" and change.decision_id is None


def test_a_refused_change_gets_a_letter_with_the_reasons_and_leaves_the_terms_as_they_were(
    granted, applicant, decider_client
) -> None:
    original = granted.current_decision
    due = follow_up_due(original)
    change = ask_to_move_money(granted, applicant,
                               new_report_dates={("follow_up", 1): due + timedelta(days=45)})
    before = (ledger(granted), pot_figures(this_year(), this_year() + 1))

    response = decide_change(decider_client, change, outcome="refuse",
                             reasons="Pengarna behövs i år enligt planen.")

    assert response.status_code == 302, response.get_data(as_text=True)
    refusal = decisions(granted)[-1]
    assert (refusal.kind, refusal.outcome) == ("amendment", "reject")
    assert refusal.reasons == "Pengarna behövs i år enligt planen."
    assert refusal.letter is not None
    session.refresh(change)
    assert (change.state, change.decision_id) == ("refused", refusal.id)
    assert granted.current_decision.id == original.id
    assert follow_up_due(granted.current_decision) == due
    assert (ledger(granted), pot_figures(this_year(), this_year() + 1)) == before
    # The request's page now shows the answer and its letter, and no form.
    doc = page(decider_client.get(change_url(change)))
    assert "Ändringen avslås" in doc.text
    assert doc.find("form", action=change_url(change)) is None
    assert f"/beslut/brev/{refusal.letter.id}.pdf" in {a.attrs.get("href")
                                                       for a in doc.find_all("a")}


def test_refusing_a_change_without_reasons_is_422_at_the_reasons_field_and_changes_nothing(
    granted, applicant, decider_client
) -> None:
    change = ask_to_move_money(granted, applicant)
    count = len(decisions(granted))

    response = decide_change(decider_client, change, outcome="refuse", reasons="  ",
                             decision_date=today().isoformat())

    assert response.status_code == 422
    doc = page(response)
    assert "Skriv skälen för beslutet." in (field_error(doc, "reasons") or "")
    assert doc.one("div", id="error-summary").find("a", href="#reasons") is not None
    assert typed(doc, change_url(change))["outcome"] == "refuse"
    assert len(decisions(granted)) == count
    session.refresh(change)
    assert change.state == "pending"


def test_a_decision_without_jav_confirmation_or_with_unreadable_dates_is_422_values_kept(
    granted, applicant, decider_client
) -> None:
    change = ask_to_move_money(granted, applicant)

    no_jav = decide_change(decider_client, change, outcome="approve", jav_confirmed=None,
                           reasons="Skäl som står kvar.")
    bad_date = decide_change(decider_client, change, outcome="approve", decision_date="igår")

    assert no_jav.status_code == 422
    assert "Bekräfta att du inte är jävig" in (field_error(page(no_jav), "jav_confirmed") or "")
    assert typed(page(no_jav), change_url(change))["reasons"] == "Skäl som står kvar."
    assert bad_date.status_code == 422
    assert "ÅÅÅÅ-MM-DD" in (field_error(page(bad_date), "decision_date") or "")
    assert typed(page(bad_date), change_url(change))["decision_date"] == "igår"
    session.refresh(change)
    assert change.state == "pending"


def test_a_request_already_decided_cannot_be_decided_again_409(
    granted, applicant, decider_client
) -> None:
    change = ask_to_move_money(granted, applicant)
    assert decide_change(decider_client, change, outcome="refuse",
                         reasons="Inte nu.").status_code == 302
    count = len(decisions(granted))
    token = csrf_token(decider_client, "/beslut/sammantrade")

    response = decider_client.post(change_url(change), data={
        "csrf_token": token, "outcome": "approve", "jav_confirmed": "y",
        "decision_date": today().isoformat(), "minutes_posted": today().isoformat()})

    assert response.status_code == 409
    assert "redan avgjord" in (error_summary(page(response)) or "")
    assert len(decisions(granted)) == count


def test_an_unknown_change_request_is_404(decider_client) -> None:
    assert decider_client.get("/beslut/andringar/9999").status_code == 404


# Cancellation -----------------------------------------------------------------------------------


def pay_out(application: Application, finance_user: User, amount: int) -> None:
    fin.record_payment(application, actor=finance_user, payment=fin.PaymentInput(
        amount=amount, payment_date=today(), kind="costs", reference="Faktura 1"))
    session.commit()


def test_cancellation_page_shows_granted_paid_and_what_goes_back_per_year(
    granted, finance_user, decider_client
) -> None:
    pay_out(granted, finance_user, 30_000)

    doc = page(decider_client.get(cancel_url(granted)))

    assert cells(table(doc, "Beviljat, utbetalt")) == [
        [str(this_year()), kr(GRANT), kr(30_000), kr(GRANT - 30_000)]]
    values = typed(doc, cancel_url(granted))
    assert values["claim_amount"] == "0"
    assert values["decision_date"] == today().isoformat()
    assert f"Högst det som har betalats ut: {kr(30_000)}" in doc.one(id="claim_amount-hint").text


def test_cancelling_releases_all_unpaid_money_books_the_claim_and_issues_a_letter(
    granted, finance_user, decider_client
) -> None:
    year = this_year()
    pay_out(granted, finance_user, 30_000)
    before = pot_figures(year)[year]

    response = post_form(decider_client, cancel_url(granted), jav_confirmed="y",
                         reasons="Projektet har inte genomförts enligt ansökan.",
                         claim_amount="10 000")

    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/handlaggning/arenden/{granted.id}#beslut")
    session.refresh(granted)
    assert granted.state == State.CLOSED
    cancellation = decisions(granted)[-1]
    assert (cancellation.kind, cancellation.claimed_back) == ("cancellation", 10_000)
    assert cancellation.letter is not None
    assert ledger(granted)[-2:] == [("release", year, GRANT - 30_000),
                                    ("repayment_claim", year, 10_000)]
    assert pot_figures(year)[year] == (before[0], before[1] + GRANT - 30_000,
                                       before[2] + GRANT - 30_000)
    # Cancelled: the page now says why it cannot be done again.
    again = decider_client.get(cancel_url(granted))
    assert again.status_code == 409
    assert "redan återkallat" in page(again).text


def test_cancelling_without_payments_and_without_a_claim_releases_the_whole_grant(
    granted, decider_client
) -> None:
    response = post_form(decider_client, cancel_url(granted), jav_confirmed="y",
                         reasons="Organisationen har avbrutit piloten.")

    assert response.status_code == 302
    assert ledger(granted)[-1] == ("release", this_year(), GRANT)
    assert decisions(granted)[-1].claimed_back == 0


def test_a_claim_above_what_was_paid_is_refused_409_at_the_field_and_nothing_changes(
    granted, finance_user, decider_client
) -> None:
    pay_out(granted, finance_user, 30_000)
    before = (ledger(granted), len(decisions(granted)))

    response = post_form(decider_client, cancel_url(granted), jav_confirmed="y",
                         reasons="Projektet har inte genomförts.", claim_amount="50 000")

    assert response.status_code == 409
    doc = page(response)
    assert f"högst det som betalats ut: {kr(30_000)}" in (field_error(doc, "claim_amount") or "")
    values = typed(doc, cancel_url(granted))
    assert values["claim_amount"] == "50 000"
    assert values["reasons"] == "Projektet har inte genomförts."
    assert (ledger(granted), len(decisions(granted))) == before
    session.refresh(granted)
    assert granted.state == State.GRANTED


def test_cancelling_without_reasons_is_refused_409_with_one_message_at_the_reasons(
    granted, decider_client
) -> None:
    response = post_form(decider_client, cancel_url(granted), jav_confirmed="y", reasons="")

    assert response.status_code == 409
    doc = page(response)
    assert field_error(doc, "reasons") == "Fel: Skriv skälen för beslutet."
    assert len(doc.one("div", id="error-summary").find_all("li")) == 1
    session.refresh(granted)
    assert granted.state == State.GRANTED


def test_a_case_that_is_not_granted_cannot_be_cancelled_409(make_application,
                                                            decider_client) -> None:
    submitted = make_application(State.SUBMITTED)

    response = decider_client.get(cancel_url(submitted))

    assert response.status_code == 409
    assert "Bara stöd till piloter som är beviljade" in page(response).text


# Payment requests -------------------------------------------------------------------------------


def stage_report(application: Application, applicant: User, amount: int, *,
                 approve_by: User | None = None) -> PaymentRequest:
    report = write_report(application, "stage", applicant, payment_requested=amount)
    report_ops.submit_report(report, actor=applicant)
    if approve_by is not None:
        report_ops.approve_report(report, actor=approve_by)
    session.commit()
    assert report.payment_request is not None
    return report.payment_request


def pay_url(request: PaymentRequest) -> str:
    return f"/ekonomi/rekvisitioner/{request.id}/betala"


def post_from_list(client: FlaskClient, action: str, **changes: Any) -> Any:
    """Open the payment request list, take the form posting to ``action`` as prefilled (its
    one-time key included), change what ``changes`` says and send it."""
    doc = page(client.get("/ekonomi/rekvisitioner"))
    data = form_values(doc.one("form", method="post", action=action))
    data.update({name: value for name, value in changes.items() if value is not None})
    return client.post(action, data=data)


def payments(application: Application) -> list[LedgerEntry]:
    session.expire_all()
    return list(session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.application_id == application.id, LedgerEntry.kind == "payment")))


def test_finance_pays_a_request_against_an_approved_stage_report(
    granted, applicant, staff, finance_client
) -> None:
    request = stage_report(granted, applicant, 25_000, approve_by=staff["officer"])
    dashboard = page(finance_client.get("/ekonomi/"))
    link = next(a for a in dashboard.find_all("a") if a.text == "Rekvisitioner att hantera")
    assert link.attrs["href"] == "/ekonomi/rekvisitioner"
    assert "1 väntar på utbetalning" in dashboard.text

    listing = page(finance_client.get("/ekonomi/rekvisitioner"))
    form = form_values(listing.one("form", method="post", action=pay_url(request)))
    assert form[f"pay-{request.id}-amount"] == "25 000"
    assert form[f"pay-{request.id}-payment_date"] == today().isoformat()
    assert len(form[f"pay-{request.id}-key"]) == 32
    response = post_from_list(finance_client, pay_url(request))

    assert response.status_code == 302
    [entry] = payments(granted)
    assert entry.amount == 25_000
    assert entry.reference == f"Rekvisition {request.id}, delrapport 1"
    session.refresh(request)
    assert (request.state, request.paid_amount) == ("paid", 25_000)
    handled = page(finance_client.get("/ekonomi/rekvisitioner"))
    assert handled.find("form", action=pay_url(request)) is None
    assert "Utbetald" in handled.one("h2", id="hanterade").parent.text


def test_the_same_pay_form_posted_twice_pays_once(granted, applicant, staff,
                                                  finance_client) -> None:
    request = stage_report(granted, applicant, 25_000, approve_by=staff["officer"])
    doc = page(finance_client.get("/ekonomi/rekvisitioner"))
    data = form_values(doc.one("form", method="post", action=pay_url(request)))

    first = finance_client.post(pay_url(request), data=data)
    second = finance_client.post(pay_url(request), data=data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert [e.amount for e in payments(granted)] == [25_000]
    shown = page(finance_client.get("/ekonomi/rekvisitioner"))
    assert "skickades två gånger" in shown.one("div", class_="flashes").text


def test_paying_a_request_whose_report_is_not_approved_is_refused_409(
    granted, applicant, finance_client
) -> None:
    request = stage_report(granted, applicant, 25_000)
    listing = page(finance_client.get("/ekonomi/rekvisitioner"))
    assert listing.find("form", action=pay_url(request)) is None
    assert f"Rekvisition {request.id}" in listing.one("h2", id="vantar").parent.text
    token = csrf_token(finance_client, "/ekonomi/rekvisitioner")

    response = finance_client.post(pay_url(request), data={
        f"pay-{request.id}-csrf_token": token, f"pay-{request.id}-key": "b" * 32,
        f"pay-{request.id}-amount": "25 000",
        f"pay-{request.id}-payment_date": today().isoformat()})

    assert response.status_code == 409
    assert "när handläggaren har godkänt" in (error_summary(page(response)) or "")
    assert payments(granted) == []
    session.refresh(request)
    assert request.state == "open"


def test_paying_less_than_asked_without_a_note_is_422_at_the_note_with_values_kept(
    granted, applicant, staff, finance_client
) -> None:
    request = stage_report(granted, applicant, 25_000, approve_by=staff["officer"])

    response = post_from_list(finance_client, pay_url(request),
                              **{f"pay-{request.id}-amount": "20 000"})

    assert response.status_code == 422
    doc = page(response)
    assert "Skriv varför mindre betalas ut" in (field_error(doc, f"pay-{request.id}-note") or "")
    assert typed(doc, pay_url(request))[f"pay-{request.id}-amount"] == "20 000"
    assert payments(granted) == []

    with_note = post_from_list(finance_client, pay_url(request), **{
        f"pay-{request.id}-amount": "20 000",
        f"pay-{request.id}-note": "5 000 kr avser kostnader utanför projektet."})

    assert with_note.status_code == 302
    session.refresh(request)
    assert (request.state, request.paid_amount) == ("paid", 20_000)
    assert request.note == "5 000 kr avser kostnader utanför projektet."


def test_paying_more_than_asked_is_422_at_the_amount(granted, applicant, staff,
                                                     finance_client) -> None:
    request = stage_report(granted, applicant, 25_000, approve_by=staff["officer"])

    response = post_from_list(finance_client, pay_url(request),
                              **{f"pay-{request.id}-amount": "30 000"})

    assert response.status_code == 422
    assert kr(25_000) in (field_error(page(response), f"pay-{request.id}-amount") or "")
    assert payments(granted) == []


def test_refusing_a_request_needs_a_reason_and_then_pays_nothing(
    granted, applicant, staff, finance_client
) -> None:
    request = stage_report(granted, applicant, 25_000, approve_by=staff["officer"])
    url = f"/ekonomi/rekvisitioner/{request.id}/avsla"

    blank = post_from_list(finance_client, url)
    assert blank.status_code == 422
    assert "Skriv varför rekvisitionen avslås." in (
        field_error(page(blank), f"refuse-{request.id}-reason") or "")

    response = post_from_list(finance_client, url, **{
        f"refuse-{request.id}-reason": "Kostnaderna är inte styrkta."})

    assert response.status_code == 302
    session.refresh(request)
    assert (request.state, request.note) == ("refused", "Kostnaderna är inte styrkta.")
    assert payments(granted) == []


def test_the_lists_issue_as_many_queries_for_four_pilots_as_for_one(
    app, make_application, make_user, staff, decider_client, finance_client
) -> None:
    def pilot_with_requests() -> None:
        owner = make_user("applicant")
        application = make_application(State.GRANTED, applicant=owner)
        ask_to_move_money(application, owner)
        stage_report(application, owner, 5_000, approve_by=staff["officer"])

    def count_both() -> tuple[list[str], list[str]]:
        with counting_queries(app) as changes:
            assert decider_client.get("/beslut/andringar").status_code == 200
        with counting_queries(app) as requests:
            assert finance_client.get("/ekonomi/rekvisitioner").status_code == 200
        return changes, requests

    pilot_with_requests()
    count_both()  # warm-up: first-request work is not what is measured
    few = count_both()
    for _ in range(3):
        pilot_with_requests()
    many = count_both()

    assert len(many[0]) == len(few[0]), same_count_message(few[0], many[0])
    assert len(many[1]) == len(few[1]), same_count_message(few[1], many[1])


# Who may -------------------------------------------------------------------------------------


DECIDER_PAGES = ("/beslut/andringar", "/beslut/andringar/{change}",
                 "/beslut/arenden/{case}/aterkallelse")
FINANCE_PAGES = ("/ekonomi/rekvisitioner",)


@pytest.mark.parametrize("role", ["applicant", "reviewer", "officer", "finance", "admin"])
def test_only_deciders_open_the_decider_pages_and_posts_by_others_change_nothing(
    granted, applicant, make_user, signed_in, role: str
) -> None:
    change = ask_to_move_money(granted, applicant)
    client = signed_in(applicant if role == "applicant" else make_user(role))
    count = len(decisions(granted))

    token = csrf_token(client, "/")
    for url in DECIDER_PAGES:
        target = url.format(change=change.id, case=granted.id)
        assert client.get(target).status_code == 403, target
        if target != "/beslut/andringar":
            response = client.post(target, data={
                "csrf_token": token, "outcome": "approve", "jav_confirmed": "y",
                "reasons": "Skäl.", "decision_date": today().isoformat(),
                "minutes_posted": today().isoformat()})
            assert response.status_code == 403, target

    assert len(decisions(granted)) == count


@pytest.mark.parametrize("role", ["applicant", "reviewer", "officer", "decider"])
def test_only_finance_and_admins_handle_payment_requests(
    granted, applicant, staff, make_user, signed_in, role: str
) -> None:
    request = stage_report(granted, applicant, 25_000, approve_by=staff["officer"])
    client = signed_in(applicant if role == "applicant" else staff.get(role) or make_user(role))

    assert client.get("/ekonomi/rekvisitioner").status_code == 403
    token = csrf_token(client, "/")
    for action, prefix in (("betala", "pay"), ("avsla", "refuse")):
        response = client.post(f"/ekonomi/rekvisitioner/{request.id}/{action}", data={
            f"{prefix}-{request.id}-csrf_token": token, f"{prefix}-{request.id}-key": "c" * 32,
            f"{prefix}-{request.id}-amount": "25 000",
            f"{prefix}-{request.id}-payment_date": today().isoformat(),
            f"{prefix}-{request.id}-reason": "Skäl."})
        assert response.status_code == 403
    assert payments(granted) == []


def test_admin_opens_the_payment_request_list(make_user, signed_in) -> None:
    assert signed_in(make_user("admin")).get("/ekonomi/rekvisitioner").status_code == 200


@pytest.mark.parametrize("url", [*DECIDER_PAGES, *FINANCE_PAGES])
def test_anonymous_visitors_are_sent_to_the_login_page(
    app, granted, applicant, url: str
) -> None:
    change = ask_to_move_money(granted, applicant)
    target = url.format(change=change.id, case=granted.id)

    response = app.test_client().get(target)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_pages_have_one_h1_unique_ids_and_no_inline_style_or_script(
    granted, applicant, staff, decider_client, finance_client
) -> None:
    change = ask_to_move_money(granted, applicant)
    stage_report(granted, applicant, 25_000, approve_by=staff["officer"])
    responses = [decider_client.get("/beslut/andringar"),
                 decider_client.get(change_url(change)),
                 decider_client.get(cancel_url(granted)),
                 finance_client.get("/ekonomi/rekvisitioner")]
    for response in responses:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        doc = page(response)
        assert len(doc.find_all("h1")) == 1
        ids = [e.attrs["id"] for e in doc.iter() if "id" in e.attrs]
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        assert " style=" not in html and "<style" not in html
        assert "<script>" not in html and "onclick" not in html
        for control in doc.find_all("input") + doc.find_all("textarea"):
            if control.attrs.get("type") in ("hidden", "submit", "radio"):
                continue
            assert doc.find("label", attrs={"for": control.attrs["id"]}) is not None

