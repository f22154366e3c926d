"""The accessibility statement (DOMAIN.md §9) and its feedback route: anyone sends feedback,
which becomes a case for the officers (received → closed, reopened if need be, each step an
event); a sender who asks for an answer gets the officer's text by e-mail. Bad input keeps what
was typed; one address cannot flood the officers."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import RecordIsAppendOnly, session
from grants.letters import swedish_date
from grants.models import AccessibilityFeedback, FeedbackEvent, OutboxMessage, User
from grants.operations import amendments
from grants.operations.feedback import PER_ADDRESS_PER_HOUR, act_on_feedback
from tests.conftest import csrf_token
from tests.web.conftest import error_summary, field_error, page
from tests.web.test_query_counts import counting_queries
from workflows import TransitionRefused

PROBLEM = "Knappen «Skicka in» går inte att nå med tabb i budgeten."


def send(client: Any, *, address: str = "192.0.2.10", **fields: Any) -> Any:
    token = csrf_token(client, "/tillganglighet")
    data = {"csrf_token": token, "page": "Ansökan, budget", "description": PROBLEM,
            "name": "Alva", "email": "", **fields}
    return client.post("/tillganglighet", data=data,
                       environ_overrides={"REMOTE_ADDR": address})


def all_feedback() -> list[AccessibilityFeedback]:
    session.expire_all()
    return list(session.scalars(sa.select(AccessibilityFeedback).order_by(
        AccessibilityFeedback.id)))


def mails(prefix: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.key.startswith(prefix)).order_by(OutboxMessage.id)))


def act(client: Any, feedback: AccessibilityFeedback, trigger: str, reason: str) -> Any:
    url = f"/handlaggning/tillganglighet/{feedback.id}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "reason": reason,
                                  "trigger": trigger})


def test_the_statement_says_what_the_law_asks_for(client) -> None:
    doc = page(client.get("/tillganglighet"))

    text = doc.text
    assert "delvis förenlig" in text  # compliance level
    assert "WCAG" in text and "2.1" in text and "EN 301 549" in text
    assert "Innehåll som inte är tillgängligt" in text and "PDF" in text  # known gaps, why
    assert doc.one("time").attrs["datetime"] == "2026-11-24"  # when it was assessed
    assert "axe-core" in text  # how
    links = {a.attrs.get("href") for a in doc.find_all("a")}
    assert "https://www.digg.se/tdosanmalan" in links  # where to complain
    assert "mailto:pilotfonden@regionorebrolan.se" in links  # the feedback route
    for field_id in ("page", "description", "name", "email", "wants_reply"):
        assert doc.find("label", attrs={"for": field_id}) is not None, field_id


def test_every_page_links_to_the_statement(client) -> None:
    for url in ("/", "/piloter", "/logga-in"):
        links = {a.attrs.get("href") for a in page(client.get(url)).find_all("a")}
        assert "/tillganglighet" in links, url


def test_feedback_becomes_a_case_for_the_officers_and_the_sender_gets_its_number(
    client, make_user
) -> None:
    officer, other_officer = make_user("officer"), make_user("officer")
    make_user("officer", active=False)
    make_user("decider")

    response = send(client, email="Alva@Example.se", wants_reply="y")

    assert response.status_code == 302
    assert response.headers["Location"] == "/tillganglighet#synpunkter"
    [feedback] = all_feedback()
    assert (feedback.state, feedback.description, feedback.page, feedback.email,
            feedback.wants_reply) == ("received", PROBLEM, "Ansökan, budget",
                                      "alva@example.se", True)
    assert [(e.trigger, e.from_state, e.to_state) for e in feedback.events] == [
        ("receive", None, "received")]
    flash = page(client.get("/tillganglighet")).one("div", class_="flashes").text
    assert feedback.reference in flash
    officer_mails = mails(f"feedback:{feedback.id}:officer:")
    assert {m.recipient for m in officer_mails} == {officer.email, other_officer.email}
    assert all(PROBLEM in m.body for m in officer_mails)
    [receipt] = mails(f"feedback:{feedback.id}:received")
    assert receipt.recipient == "alva@example.se" and feedback.reference in receipt.body


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"description": "  "}, "description", "Beskriv vad som inte fungerar"),
    ({"wants_reply": "y"}, "wants_reply", "Skriv din e-postadress om du vill ha svar."),
    ({"email": "alva-at-example"}, "email", "Ange en giltig e-postadress"),
    ({"email": "a@[b.se"}, "email", "Ange en giltig e-postadress"),
    ({"description": "Mitt personnummer är 19121212-1212."}, "description", "personnummer"),
    ({"description": "x" * 5001}, "description", "högst 5000 tecken"),
], ids=["empty", "reply-without-address", "bad-address", "bracketed-address", "personnummer",
        "too-long"])
def test_bad_feedback_is_refused_with_the_reason_and_keeps_what_was_typed(
    client, fields: dict[str, str], field_id: str, message: str
) -> None:
    response = send(client, **fields)

    assert response.status_code == 422
    doc = page(response)
    assert message in (field_error(doc, field_id) or "")
    assert message in (error_summary(doc) or "")
    assert doc.one("input", id="page").attrs["value"] == "Ansökan, budget"
    assert doc.one("input", id="name").attrs["value"] == "Alva"
    typed = fields.get("description", PROBLEM)
    assert doc.one("textarea", id="description").text.strip() == typed.strip()
    assert all_feedback() == []


def test_one_address_may_send_only_a_few_an_hour(client) -> None:
    for _ in range(PER_ADDRESS_PER_HOUR):
        assert send(client).status_code == 302

    refused = send(client, description="En till synpunkt.")

    assert refused.status_code == 429
    assert "flera synpunkter från dig den senaste timmen" in error_summary(page(refused))
    assert page(refused).one("textarea", id="description").text.strip() == "En till synpunkt."
    assert send(client, address="198.51.100.7").status_code == 302  # someone else
    assert len(all_feedback()) == PER_ADDRESS_PER_HOUR + 1


def test_feedback_without_the_csrf_token_is_refused(client) -> None:
    response = client.post("/tillganglighet", data={"description": PROBLEM})
    assert response.status_code == 400
    assert all_feedback() == []


def test_the_officer_answers_and_closes_the_case_and_the_sender_gets_the_answer(
    client, make_user, signed_in
) -> None:
    send(client, email="alva@example.se", wants_reply="y")
    [feedback] = all_feedback()
    officer = make_user("officer")
    browser = signed_in(officer)

    listing = page(browser.get("/handlaggning/tillganglighet"))
    assert feedback.reference in listing.text and "Mottagen, ej besvarad (1)" in listing.text

    blank = act(browser, feedback, "close_feedback", "  ")
    assert blank.status_code == 422
    assert "Fyll i «Vad gjordes eller svarades?»." in error_summary(page(blank))

    answer = "Tack! Knappen går nu att nå med tabb. Rättat den 24 november."
    response = act(browser, feedback, "close_feedback", answer)

    assert response.status_code == 302
    [feedback] = all_feedback()
    assert feedback.state == "closed"
    last = feedback.events[-1]
    assert (last.trigger, last.from_state, last.to_state, last.actor_id, last.reason) == (
        "close_feedback", "received", "closed", officer.id, answer)
    [reply] = mails(f"feedback:{feedback.id}:answer:")
    assert reply.recipient == "alva@example.se" and answer in reply.body
    doc = page(browser.get(f"/handlaggning/tillganglighet/{feedback.id}"))
    assert "Åtgärdad och avslutad" in doc.text and answer in doc.text

    # Closing again (a second tab) is refused with the reason; reopening needs a reason too.
    again = act(browser, feedback, "close_feedback", "Igen.")
    assert again.status_code == 409
    assert "går inte att göra när ärendet har status «Åtgärdad och avslutad»" in (
        error_summary(page(again)))
    reopened = act(browser, feedback, "reopen_feedback", "Felet kom tillbaka.")
    assert reopened.status_code == 302
    assert all_feedback()[0].state == "received"
    assert len(mails(f"feedback:{feedback.id}:answer:")) == 1


def test_closing_feedback_that_wanted_no_answer_sends_no_mail(client, make_user,
                                                              signed_in) -> None:
    send(client)
    [feedback] = all_feedback()
    act(signed_in(make_user("officer")), feedback, "close_feedback", "Rättat.")
    assert all_feedback()[0].state == "closed"
    assert mails(f"feedback:{feedback.id}:answer:") == []


def test_only_officers_handle_feedback(client, make_user, signed_in) -> None:
    send(client)
    [feedback] = all_feedback()
    for role in ("decider", "admin", "applicant"):
        browser = signed_in(make_user(role))
        token = csrf_token(browser, "/")
        response = browser.post(f"/handlaggning/tillganglighet/{feedback.id}", data={
            "csrf_token": token, "reason": "Stängt.", "trigger": "close_feedback"})
        assert response.status_code == 403, role
    assert all_feedback()[0].state == "received"


def test_feedback_events_are_append_only(client) -> None:
    send(client)
    event = session.scalars(sa.select(FeedbackEvent)).one()
    event.reason = "ändrad"
    with pytest.raises(RecordIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        session.execute(sa.text("DELETE FROM feedback_event"))
    session.rollback()


def test_the_pilot_owner_reads_the_decision_as_text_not_only_as_a_pdf(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    granted = make_application("granted", applicant=applicant)
    decision = granted.current_decision

    doc = page(signed_in(applicant).get(f"/mina-ansokningar/{granted.id}"))

    text = doc.text
    assert "Beslutet i text" in text
    for amount in decision.amounts:
        assert f"{amount.year}: " in text
    assert "Sista dag att överklaga" in text
    assert all(due.label in text for due in decision.report_dues)


def test_the_officers_list_makes_the_same_number_of_queries_for_few_and_many(
    app, client, make_user, signed_in
) -> None:
    browser = signed_in(make_user("officer"))
    send(client)
    with counting_queries(app) as few:
        assert browser.get("/handlaggning/tillganglighet").status_code == 200
    for n in range(6):
        send(client, address=f"198.51.100.{n}")
    with counting_queries(app) as many:
        response = browser.get("/handlaggning/tillganglighet")
    assert len(page(response).one("tbody").find_all("tr")) == 7
    assert len(few) == len(many), "\n".join([*few, "", *many])


def _decider_terms() -> amendments.DeciderTerms:
    return amendments.DeciderTerms(decision_date=today(), minutes_posted=today(),
                                   reasons="Skälen framgår av ärendet.", jav_confirmed=True)


def test_the_decision_text_names_an_amendment_and_a_cancellation_for_what_they_are(
    make_user, make_application, signed_in
) -> None:
    applicant, decider = make_user("applicant"), make_user("decider")
    granted = make_application("granted", applicant=applicant)
    end = granted.current_decision.project_end
    request = amendments.request_change(granted, actor=applicant, change=amendments.ChangeInput(
        reason="Mer tid.", new_project_end=end + timedelta(days=30)))
    amendments.decide_change(request, actor=decider, approve=True, terms=_decider_terms())
    session.commit()
    browser = signed_in(applicant)

    amended = page(browser.get(f"/mina-ansokningar/{granted.id}")).text
    assert "Ändringsbeslut: ändringen beviljas." in amended
    assert "Ansökan ändringen" not in amended
    assert swedish_date(end + timedelta(days=30)) in amended

    amendments.cancel_grant(granted, actor=decider, terms=_decider_terms())
    session.commit()

    cancelled = page(browser.get(f"/mina-ansokningar/{granted.id}")).text
    assert f"Stödet återkallades {swedish_date(today())}." in cancelled
    assert "Villkoren nedan gällde fram till dess." in cancelled


def test_two_officers_answering_the_same_feedback_at_once_close_it_once(
    app, client, make_user
) -> None:
    """Real threads with their own sessions and commits: one answer wins, the other is refused
    with the state the first left, and the history has one closing event and one mail."""
    send(client, email="alva@example.se", wants_reply="y")
    feedback_id = all_feedback()[0].id
    officers = [make_user("officer").id, make_user("officer").id]
    session.remove()
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def answer(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                act_on_feedback(session.get(AccessibilityFeedback, feedback_id),
                                "close_feedback", reason=f"Svar {i}.",
                                actor=session.get(User, officers[i]))
                session.commit()
                results[i] = "ok"
            except Exception as exc:  # the outcome is what the test inspects
                session.rollback()
                results[i] = exc
            finally:
                session.remove()

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results.count("ok") == 1, results
    refused = next(r for r in results if r != "ok")
    assert isinstance(refused, TransitionRefused), refused
    assert "«Åtgärdad och avslutad»" in refused.reasons[0]
    [feedback] = all_feedback()
    assert [e.trigger for e in feedback.events] == ["receive", "close_feedback"]
    assert len(mails(f"feedback:{feedback_id}:answer:")) == 1
