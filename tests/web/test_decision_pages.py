"""The decider's pages: the decision form, the meeting (letters held and released together), and
corrected decisions, driven through HTTP like a browser.

A decision goes through the real operation: money is committed from the pot, a letter is stored
and the applicant is mailed. A refusal answers 409 with the operation's reasons (figures
included), keeps every typed value and changes nothing; a field that cannot be read is 422.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session
from grants.demo import review_case
from grants.legal_dates import appeal_deadline
from grants.letters import swedish_date
from grants.models import (
    Application,
    Decision,
    DecisionAmount,
    LedgerEntry,
    Letter,
    Outcome,
    Pot,
    User,
)
from grants.money import format_kronor
from grants.operations import assessment as assessment_ops
from grants.operations import decisions as decision_ops
from tests.conftest import REASON
from tests.web.conftest import Element, audit_event_count, error_summary, field_error, page
from tests.web.test_query_counts import counting_queries
from workflows import State

AMOUNT = 100_000
"""What the test factory's applications ask for (one budget year, this year)."""


# Helpers ----------------------------------------------------------------------------------------


def kr(amount: int) -> str:
    """An amount as the page's text reads it (the reader makes no-break spaces plain ones)."""
    return format_kronor(amount).replace("\u00a0", " ")



def decide_url(application: Application) -> str:
    return f"/beslut/arenden/{application.id}"


def form_values(form: Element) -> dict[str, Any]:
    """What a browser would send for ``form`` as it stands: text inputs, textareas, and the
    checked radios and checkboxes (a name used by several checkboxes gives a list)."""
    values: dict[str, Any] = {}
    for element in form.iter():
        name = element.attrs.get("name")
        if not name or element.tag not in ("input", "textarea") or "disabled" in element.attrs:
            continue
        kind = element.attrs.get("type", "text")
        if kind in ("radio", "checkbox"):
            if "checked" not in element.attrs:
                continue
            if kind == "checkbox" and name in values:
                existing = values[name]
                values[name] = [*(existing if isinstance(existing, list) else [existing]),
                                element.value]
                continue
        elif kind in ("submit", "button"):
            continue
        values[name] = element.value
    return values


def post_form(client: FlaskClient, url: str, **changes: Any) -> Any:
    """Open the page at ``url``, take its form as prefilled, change what ``changes`` says
    (``None`` leaves a field out, as an unchecked box) and send it."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = form_values(page(response).one("form", method="post", action=url))
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data=data)


def decide(client: FlaskClient, application: Application, **changes: Any) -> Any:
    """Fill in the decision form: the proposal as prefilled, jäv confirmed, then ``changes``."""
    return post_form(client, decide_url(application), **{"jav_confirmed": "y", **changes})


def amount_field(application: Application) -> str:
    return f"amount_{application.requested_amounts[0].year}"


def decision_count() -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Decision)) or 0


def pot(year: int) -> Pot:
    found = session.get(Pot, year, populate_existing=True)
    assert found is not None
    return found


def outbox_messages(app: Flask) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in files]


def decision_mails(app: Flask) -> list[email.message.EmailMessage]:
    return [m for m in outbox_messages(app) if str(m["Subject"]).startswith("Beslut")]


def refresh(application: Application) -> Application:
    session.refresh(application)
    return application


@pytest.fixture
def decider_client(signed_in: Callable[[User], FlaskClient], staff: dict[str, User]) -> FlaskClient:
    return signed_in(staff["decider"])


# The decision page ------------------------------------------------------------------------------


def test_decide_page_shows_the_proposal_the_note_and_the_prefilled_terms(
    make_application, decider_client, staff
) -> None:
    application = make_application(State.ASSESSED)
    year = application.requested_amounts[0].year

    response = decider_client.get(decide_url(application))

    assert response.status_code == 200
    doc = page(response)
    text = doc.text
    assert staff["officer"].name in text  # the föredragande
    assert REASON in text  # the officer's note
    assert "Bevilja" in text and kr(AMOUNT) in text
    form = doc.one("form", method="post", action=decide_url(application))
    values = form_values(form)
    assert values["outcome"] == "grant"
    assert values[f"amount_{year}"] == "100 000"
    assert values["decision_date"] == values["minutes_posted"] == today().isoformat()
    assert values["follow_up_due"]  # proposed from the project's end
    assert "jav_confirmed" not in values  # the decider confirms it themselves
    assert "50,0 %" in text  # support share: 100 000 of 200 000 kr
    hint = doc.one(id=f"amount_{year}-hint").text
    assert f"Kvar i potten för {year}: {kr(pot(year).remaining)}" in hint
    assert "Ni ska lämna de rapporter" in text  # the standard conditions, read-only
    assert "Jag är inte jävig i ärendet (förvaltningslagen 16 §)" in text


def test_granting_through_the_form_commits_the_money_and_stores_the_letter(
    app, make_application, decider_client, staff
) -> None:
    application = make_application(State.ASSESSED)
    year = application.requested_amounts[0].year
    committed = pot(year).committed

    response = decide(decider_client, application, reasons="Väl förankrad i RUS.",
                      extra_conditions="Redovisa deltagarna per skola.")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/handlaggning/arenden/{application.id}")
    assert refresh(application).state == State.GRANTED
    decision = application.current_decision
    assert decision is not None and decision.outcome == Outcome.GRANT
    assert decision.decided_by_id == staff["decider"].id
    assert decision.presented_by_id == staff["officer"].id
    assert decision.decider_jav_confirmed
    assert decision.extra_conditions == "Redovisa deltagarna per skola."
    assert decision.support_share_permille == 500
    assert decision.appeal_deadline == appeal_deadline(today())
    amounts = session.scalars(sa.select(DecisionAmount)
                              .where(DecisionAmount.decision_id == decision.id)).all()
    assert [(a.year, a.amount) for a in amounts] == [(year, AMOUNT)]
    assert pot(year).committed == committed + AMOUNT
    ledger = session.scalars(sa.select(LedgerEntry)
                             .where(LedgerEntry.decision_id == decision.id)).all()
    assert [(e.year, e.amount) for e in ledger] == [(year, AMOUNT)]
    letter = session.scalars(sa.select(Letter).where(Letter.decision_id == decision.id)).one()
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
    # The case page shows the outcome and the appeal deadline computed from the posting date.
    flash = page(decider_client.get(response.headers["Location"])).one(class_="flash").text
    assert kr(AMOUNT) in flash
    assert swedish_date(appeal_deadline(today())) in flash


def test_a_decision_mails_the_applicant_after_the_commit(app, make_application,
                                                         decider_client) -> None:
    application = make_application(State.ASSESSED)
    assert decision_mails(app) == []

    assert decide(decider_client, application).status_code == 302

    # Delivered by the request itself, once the decision was committed.
    messages = decision_mails(app)
    assert [m["To"] for m in messages] == [application.created_by.email]
    assert application.reference in messages[0]["Subject"]
    assert application.reference in messages[0].get_content()


def test_rejecting_with_reasons_rejects_and_commits_no_money(make_application,
                                                            decider_client) -> None:
    application = make_application(State.ASSESSED)
    year = application.requested_amounts[0].year
    committed = pot(year).committed

    response = decide(decider_client, application, outcome="reject",
                      reasons="Insatsen är ett enstaka evenemang.")

    assert response.status_code == 302
    assert refresh(application).state == State.REJECTED
    decision = application.current_decision
    assert decision is not None and decision.outcome == Outcome.REJECT
    assert decision.amounts == [] and decision.letter is not None
    assert pot(year).committed == committed


def test_rejecting_without_reasons_is_refused_and_changes_nothing(
    make_application, decider_client
) -> None:
    application = make_application(State.ASSESSED)
    events = audit_event_count()

    response = decide(decider_client, application, outcome="reject", reasons="")

    assert response.status_code == 409
    doc = page(response)
    assert "Skriv skälen för avslaget." in field_error(doc, "reasons")
    assert "Skriv skälen för avslaget." in error_summary(doc)
    assert form_values(doc.one("form", action=decide_url(application)))["outcome"] == "reject"
    assert refresh(application).state == State.ASSESSED
    assert decision_count() == 0 and audit_event_count() == events


def test_a_reduced_grant_needs_reasons(make_application, decider_client) -> None:
    application = make_application(State.ASSESSED)

    response = decide(decider_client, application, reasons="",
                      **{amount_field(application): "60 000"})

    assert response.status_code == 409
    assert "Skriv skälen när stödet blir lägre än det sökta beloppet." in field_error(
        page(response), "reasons")
    assert decision_count() == 0


def test_granting_more_than_requested_is_refused_with_the_figures(
    make_application, decider_client
) -> None:
    application = make_application(State.ASSESSED)
    year = application.requested_amounts[0].year
    committed = pot(year).committed

    response = decide(decider_client, application, **{amount_field(application): "150 000"})

    assert response.status_code == 409
    doc = page(response)
    message = (f"{year}: {kr(150_000)} är mer än det sökta beloppet för året "
               f"({kr(AMOUNT)}).")
    assert message in error_summary(doc)
    assert message in field_error(doc, f"amount_{year}")
    assert doc.one(id=f"amount_{year}").value == "150 000"  # as typed
    assert refresh(application).state == State.ASSESSED
    assert decision_count() == 0 and pot(year).committed == committed


def test_granting_more_than_the_pot_has_left_is_refused_with_the_figures(
    make_application, decider_client
) -> None:
    application = make_application(State.ASSESSED)
    year = application.requested_amounts[0].year
    the_pot = pot(year)
    the_pot.reserved = the_pot.committed + 10
    session.commit()
    committed, reserved = the_pot.committed, the_pot.reserved

    response = decide(decider_client, application, reasons="Väl förankrad.")

    assert response.status_code == 409
    summary = error_summary(page(response))
    assert f"Potten för {year} räcker inte: {kr(AMOUNT)} söks ur den, men bara " \
           f"{kr(10)} återstår (avsatt {kr(reserved)}, redan beviljat " \
           f"{kr(committed)})." in summary
    assert refresh(application).state == State.ASSESSED
    assert decision_count() == 0
    assert (pot(year).committed, pot(year).reserved) == (committed, reserved)


def test_a_grant_that_finds_the_pot_taken_by_a_concurrent_grant_is_refused(
    make_application, decider_client, monkeypatch
) -> None:
    application = make_application(State.ASSESSED)
    year = application.requested_amounts[0].year
    the_pot = pot(year)
    the_pot.reserved = the_pot.committed + 10
    session.commit()
    committed, reserved = the_pot.committed, the_pot.reserved
    # As if the check had run before another grant took the room: only the guarded UPDATE
    # that commits the money can notice, and it raises PotExhausted.
    monkeypatch.setattr(decision_ops, "_pot_problems", lambda amounts: [])

    response = decide(decider_client, application, reasons="Väl förankrad.")

    assert response.status_code == 409
    assert f"Potten för {year} räcker inte: {kr(AMOUNT)} söks ur den, men bara {kr(10)} " \
           "återstår" in error_summary(page(response))
    assert refresh(application).state == State.ASSESSED and decision_count() == 0
    assert (pot(year).committed, pot(year).reserved) == (committed, reserved)


def test_an_unchecked_jav_box_is_refused(make_application, decider_client) -> None:
    application = make_application(State.ASSESSED)

    response = decide(decider_client, application, jav_confirmed=None)

    assert response.status_code == 409
    assert "Bekräfta att du inte är jävig i ärendet." in field_error(page(response),
                                                                     "jav_confirmed")
    assert decision_count() == 0


def test_unreadable_amounts_and_dates_are_422_with_what_was_typed_kept(
    make_application, decider_client
) -> None:
    application = make_application(State.ASSESSED)
    field = amount_field(application)

    response = decide(decider_client, application,
                      **{field: "tiotusen", "decision_date": "31/12", "reasons": "Mina skäl."})

    assert response.status_code == 422
    doc = page(response)
    assert field_error(doc, field) and field_error(doc, "decision_date")
    assert "ÅÅÅÅ-MM-DD" in field_error(doc, "decision_date")
    values = form_values(doc.one("form", action=decide_url(application)))
    assert (values[field], values["decision_date"], values["reasons"]) == (
        "tiotusen", "31/12", "Mina skäl.")
    assert decision_count() == 0


def test_a_decided_case_cannot_be_decided_again(make_application, decider_client) -> None:
    application = make_application(State.GRANTED)
    decisions, committed = decision_count(), pot(today().year).committed
    events = audit_event_count()

    page_response = decider_client.get(decide_url(application))
    token_source = decider_client.get("/beslut/sammantrade")
    token = page(token_source).find("input", name="csrf_token").value
    post_response = decider_client.post(decide_url(application), data={
        "csrf_token": token, "outcome": "grant", "jav_confirmed": "y",
        amount_field(application): "100 000", "decision_date": today().isoformat(),
        "minutes_posted": today().isoformat(), "follow_up_due": today().isoformat(),
    })

    assert page_response.status_code == 409
    assert "redan beslutat" in page(page_response).text
    assert post_response.status_code == 409
    assert decision_count() == decisions and audit_event_count() == events
    assert pot(today().year).committed == committed


def test_a_case_not_yet_assessed_cannot_be_decided(make_application, decider_client) -> None:
    application = make_application(State.SUBMITTED)

    response = decider_client.get(decide_url(application))

    assert response.status_code == 409
    assert "inte bedömt" in page(response).text


def _case_reviewed_by(application: Application, staff: dict[str, User],
                      reviewers: list[User]) -> Application:
    review_case(application, officer=staff["officer"], reviewers=reviewers)
    decision_ops.assess_application(
        application, actor=staff["officer"], reason=REASON, proposal=Outcome.GRANT.value,
        proposed_amounts={r.year: r.amount for r in application.requested_amounts},
    )
    session.commit()
    return application


def test_a_decider_who_reviewed_the_case_is_refused(
    make_application, make_user, signed_in, staff
) -> None:
    reviewing_decider = make_user("reviewer", "decider")
    application = _case_reviewed_by(make_application(State.SUBMITTED), staff,
                                    [reviewing_decider, staff["reviewer2"]])

    response = decide(signed_in(reviewing_decider), application)

    assert response.status_code == 409
    assert "Du har granskat ärendet" in error_summary(page(response))
    assert refresh(application).state == State.ASSESSED and decision_count() == 0


def test_a_decider_who_declared_jav_is_refused(
    make_application, make_user, signed_in, staff
) -> None:
    disqualified = make_user("reviewer", "decider")
    application = make_application(State.SUBMITTED)
    review_case(application, officer=staff["officer"],
                reviewers=[staff["reviewer"], staff["reviewer2"]])
    review = assessment_ops.assign_reviewer(application, actor=staff["officer"],
                                            reviewer=disqualified)
    assessment_ops.declare_jav(review, actor=disqualified, disqualified=True, ground=1,
                               note="Min syster leder projektet.")
    _case_reviewed_by(application, staff, [])

    response = decide(signed_in(disqualified), application)

    assert response.status_code == 409
    assert "Du har anmält jäv i ärendet" in error_summary(page(response))
    assert refresh(application).state == State.ASSESSED and decision_count() == 0


# The meeting: letters held and released together -------------------------------------------------


def test_a_held_letter_waits_for_the_meeting_and_goes_out_with_the_others(
    app, make_application, decider_client, signed_in
) -> None:
    first, second, other = (make_application(State.ASSESSED) for _ in range(3))
    for application in (first, second, other):
        assert decide(decider_client, application, hold_letter="y").status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0
    applicant = signed_in(first.created_by)
    assert "(PDF)" not in page(applicant.get("/mina-ansokningar/")).one("table").text

    meeting = decider_client.get("/beslut/sammantrade")
    assert meeting.status_code == 200
    listed = {i.attrs["value"] for i in page(meeting).find_all("input", type="checkbox")}
    assert listed == {str(a.current_decision.id) for a in (first, second, other)}

    response = post_form(decider_client, "/beslut/sammantrade",
                         decisions=[str(first.current_decision.id),
                                    str(second.current_decision.id)])

    assert response.status_code == 302
    for application in (first, second):
        assert refresh(application).current_decision.letter is not None
    assert refresh(other).current_decision.letter is None
    assert len(decision_mails(app)) == 2
    remaining = page(decider_client.get("/beslut/sammantrade"))
    assert [i.attrs["value"] for i in remaining.find_all("input", type="checkbox")] == [
        str(other.current_decision.id)]
    dashboard = page(applicant.get("/mina-ansokningar/")).one("table")
    assert f"Beslut {today().isoformat()} (PDF)" in dashboard.text


def test_releasing_nothing_is_refused(make_application, decider_client) -> None:
    application = make_application(State.ASSESSED)
    decide(decider_client, application, hold_letter="y")

    response = post_form(decider_client, "/beslut/sammantrade")

    assert response.status_code == 422
    assert "Välj minst ett beslut" in error_summary(page(response))
    assert refresh(application).current_decision.letter is None


def test_the_meeting_lists_the_cases_waiting_for_a_decision(make_application,
                                                            decider_client) -> None:
    waiting = make_application(State.ASSESSED)
    make_application(State.SUBMITTED)

    doc = page(decider_client.get("/beslut/sammantrade"))

    links = [a.attrs["href"] for a in doc.find_all("a") if "/beslut/arenden/" in
             a.attrs.get("href", "")]
    assert links == [decide_url(waiting)]


def test_the_meeting_page_issues_as_many_queries_for_5_held_decisions_as_for_1(
    app, make_application, decider_client, staff
) -> None:
    def hold_one() -> None:
        application = make_application(State.ASSESSED)
        terms = decision_ops.proposed_terms(application)
        terms.jav_confirmed, terms.hold_letter = True, True
        decision_ops.grant_application(application, actor=staff["decider"], terms=terms)
        session.commit()

    hold_one()
    make_application(State.ASSESSED)
    decider_client.get("/beslut/sammantrade")  # warm-up
    with counting_queries(app) as few:
        one = decider_client.get("/beslut/sammantrade")
    for _ in range(4):
        hold_one()
        make_application(State.ASSESSED)
    with counting_queries(app) as many:
        five = decider_client.get("/beslut/sammantrade")

    assert len(page(one).find_all("input", type="checkbox")) == 1
    assert len(page(five).find_all("input", type="checkbox")) == 5
    assert len(many) == len(few), "\n".join([*few, "", *many])


# Corrections ------------------------------------------------------------------------------------


def test_a_correction_issues_a_new_letter_that_replaces_the_old_one(
    app, make_application, decider_client, signed_in
) -> None:
    application = make_application(State.GRANTED)
    old = application.current_decision
    old_letter = old.letter
    url = f"/beslut/{old.id}/rattelse"

    response = post_form(decider_client, url, note="Fel datum för uppföljningsrapporten.",
                         jav_confirmed="y", extra_conditions="Redovisa per skola.")

    assert response.status_code == 302
    session.expire_all()
    corrected = application.current_decision
    assert corrected.id != old.id and corrected.supersedes_id == old.id
    assert corrected.amounts[0].amount == old.amounts[0].amount
    assert corrected.letter is not None
    assert corrected.letter.snapshot["correction"]["note"] == "Fel datum för uppföljningsrapporten."
    html = decider_client.get(f"/beslut/brev/{corrected.letter.id}").get_data(as_text=True)
    assert "Detta beslut ersätter beslutet" in html
    applicant = signed_in(application.created_by)
    for letter_id in (old_letter.id, corrected.letter.id):  # the old letter stays on file
        assert applicant.get(
            f"/mina-ansokningar/{application.id}/beslut/{letter_id}.pdf").status_code == 200
    links = [a.text for a in page(applicant.get("/mina-ansokningar/")).find_all("a")
             if "(PDF)" in a.text]
    assert [link.split(",")[0] for link in links] == [
        f"Beslut {old.decision_date.isoformat()} (PDF)",
        f"Beslut {corrected.decision_date.isoformat()} (rättelse) (PDF)"]
    # The old decision can no longer be corrected; the new one can.
    assert decider_client.get(url).status_code == 409
    assert decider_client.get(f"/beslut/{corrected.id}/rattelse").status_code == 200


def test_a_correction_without_a_note_is_refused_with_the_reasons(
    make_application, decider_client
) -> None:
    application = make_application(State.GRANTED)
    decision = application.current_decision
    url = f"/beslut/{decision.id}/rattelse"

    response = post_form(decider_client, url, note="", reasons="Nya skäl.")

    assert response.status_code == 422
    doc = page(response)
    assert "Skriv vad som rättas och varför." in field_error(doc, "note")
    assert "Bekräfta att du inte är jävig i ärendet." in field_error(doc, "jav_confirmed")
    assert doc.one("textarea", name="reasons").value == "Nya skäl."
    assert decision_count() == 1


def test_a_held_decision_cannot_be_corrected_before_its_letter_is_sent(
    make_application, decider_client
) -> None:
    application = make_application(State.ASSESSED)
    decide(decider_client, application, hold_letter="y")

    response = decider_client.get(f"/beslut/{refresh(application).current_decision.id}/rattelse")

    assert response.status_code == 409
    assert "hålls till sammanträdet" in page(response).text


# Access -----------------------------------------------------------------------------------------


def decision_urls(application: Application) -> list[str]:
    decision = application.current_decision
    return [decide_url(application), "/beslut/sammantrade", f"/beslut/{decision.id}/rattelse"]


@pytest.mark.parametrize("roles", [("reviewer",), ("finance",), ("officer",), ("applicant",),
                                   ("admin",)], ids="+".join)
def test_only_deciders_reach_the_decision_pages(make_application, make_user, signed_in,
                                                roles: tuple[str, ...]) -> None:
    application = make_application(State.GRANTED)
    client = signed_in(make_user(*roles))

    for url in decision_urls(application):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_login_page(make_application, client) -> None:
    application = make_application(State.GRANTED)

    for url in decision_urls(application):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/logga-in" in response.headers["Location"]


def test_the_decider_sees_the_beslut_link_in_the_menu(decider_client, signed_in,
                                                      staff) -> None:
    nav = page(decider_client.get("/")).one("nav")
    assert nav.find("a", href="/beslut/sammantrade") is not None
    officer_nav = page(signed_in(staff["officer"]).get("/")).one("nav")
    assert officer_nav.find("a", href="/beslut/sammantrade") is None
