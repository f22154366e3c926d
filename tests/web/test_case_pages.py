"""The case pages and the applicant's draft forms, driven through HTTP like a browser would.

The buttons on a case page come from the workflow table: exactly ``allowed_triggers(state, roles)``,
except the triggers that need more than a comment (assess, grant, reject), which the page links
to their own pages instead. Pressing a button runs the operation (one audit event, shown in the
history); a refusal answers 409 with the engine's Swedish reason, keeps what was typed and writes
nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.demo import fill_application
from grants.models import Application, AuditEvent
from tests.conftest import csrf_token
from tests.web.conftest import (
    audit_event_count,
    error_summary,
    field_error,
    history,
    page,
    post_action,
    trigger_buttons,
)
from workflows import TRANSITIONS, State, allowed_triggers, transition_for

NON_DRAFT_STATES = [s for s in State if s != State.DRAFT]
STAFF_VIEWERS = [("officer",), ("decider",), ("officer", "decider")]
SUBMIT_TRIGGERS = {"submit", "resubmit"}
"""The applicant submits from the review page (after seeing the whole application), not from the
case page."""
OWN_PAGE_TRIGGERS = {"assess": "Använd sidan för bedömning", "grant": "Använd beslutssidan",
                     "reject": "Använd beslutssidan",
                     "follow_up": "Uppföljningen godkänns på sidan för uppföljningsrapporten",
                     "scale": "Införandet registreras genom att rapporten om införande godkänns",
                     "close": "Använd sidan Avsluta piloten",
                     "cancel": "Använd beslutssidan för återkallelse"}
"""Triggers with structured input (proposal and amounts; decision terms; a report approved; the
money released) and their own pages."""


def buttons_for(state: State, roles: set[str] | tuple[str, ...]) -> set[str]:
    """The generic buttons a case page offers: the allowed triggers without their own page."""
    return {t.trigger for t in allowed_triggers(state, roles)} - set(OWN_PAGE_TRIGGERS)


def case_url(application: Application, audience: str) -> str:
    if audience == "applicant":
        return f"/mina-ansokningar/{application.id}"
    return f"/handlaggning/arenden/{application.id}"


def last_event(application: Application) -> AuditEvent:
    return session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id)
        .order_by(AuditEvent.id.desc()).limit(1)
    ).one()


# Buttons ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", STAFF_VIEWERS, ids="+".join)
@pytest.mark.parametrize("state", NON_DRAFT_STATES)
def test_staff_case_page_shows_buttons_for_exactly_the_allowed_triggers(
    make_user, make_application, signed_in, state: State, roles: tuple[str, ...]
) -> None:
    application = make_application(state)
    client = signed_in(make_user(*roles))

    response = client.get(case_url(application, "officer"))

    assert response.status_code == 200
    doc = page(response)
    allowed = {t.trigger for t in allowed_triggers(state, roles)}
    expected = buttons_for(state, roles)
    assert trigger_buttons(doc) == expected
    # Each button posts to its own trigger's address on this case.
    for trigger in expected:
        form = next(f for f in doc.find_all("form", class_="action")
                    if trigger in trigger_buttons(f))
        assert form.attrs["action"] == f"/handlaggning/arenden/{application.id}/atgard/{trigger}"
    # Assessing and deciding have their own pages, which the case page leads to.
    assess_link = doc.find("a", href=f"/handlaggning/arenden/{application.id}/bedomning",
                           class_="button")
    assert (assess_link is not None) == ("assess" in allowed)
    if {"grant", "reject"} & allowed:
        assert "Fatta beslut" in doc.text or "Beslutet fattas på beslutssidan." in doc.text
    else:
        assert "Fatta beslut" not in doc.text
    if not allowed:
        assert "Det finns inga åtgärder som du kan göra i ärendet just nu." in doc.text


@pytest.mark.parametrize("state", list(State))
def test_applicant_case_page_shows_buttons_for_exactly_the_applicants_triggers(
    make_user, make_application, signed_in, state: State
) -> None:
    applicant = make_user("applicant")
    application = make_application(state, applicant=applicant)
    client = signed_in(applicant)

    allowed = {t.trigger for t in allowed_triggers(state, {"applicant"})}

    doc = page(client.get(case_url(application, "applicant")))

    assert trigger_buttons(doc) == allowed - SUBMIT_TRIGGERS
    review_url = f"/mina-ansokningar/{application.id}/granska"
    if allowed & SUBMIT_TRIGGERS:
        # The case page leads to the review page, which has the submit button.
        assert doc.find("a", href=review_url)
        review = page(client.get(review_url))
        assert trigger_buttons(review) == allowed & SUBMIT_TRIGGERS
        form = next(f for f in review.find_all("form") if trigger_buttons(f))
        assert form.attrs["action"] == f"/mina-ansokningar/{application.id}/skicka-in"
    else:
        assert not doc.find("a", href=review_url)


@pytest.mark.parametrize("state", [State.SUBMITTED, State.ASSESSED])
def test_an_officer_who_also_applies_gets_no_applicant_buttons_on_another_organisations_case(
    make_user, make_application, signed_in, state: State
) -> None:
    client = signed_in(make_user("applicant", "officer"))
    application = make_application(state)  # another organisation's

    doc = page(client.get(case_url(application, "officer")))

    assert trigger_buttons(doc) == buttons_for(state, {"officer"})
    assert "withdraw" not in trigger_buttons(doc)


# Pressing a button ------------------------------------------------------------------------------

PRESSABLE = [(source, t.trigger) for t in TRANSITIONS for source in t.sources
             if t.trigger not in SUBMIT_TRIGGERS | set(OWN_PAGE_TRIGGERS)]
SUBMITTABLE = [(source, t.trigger) for t in TRANSITIONS for source in t.sources
               if t.trigger in SUBMIT_TRIGGERS]


@pytest.mark.parametrize(("state", "trigger"), PRESSABLE,
                         ids=[f"{s}-{t}" for s, t in PRESSABLE])
def test_pressing_an_allowed_button_runs_the_trigger_and_the_history_shows_it(
    make_user, make_application, signed_in, state: State, trigger: str
) -> None:
    transition = transition_for(trigger)
    applicant = make_user("applicant")
    application = make_application(state, applicant=applicant)
    if "applicant" in {r.value for r in transition.roles}:
        actor, audience = applicant, "applicant"
    else:
        actor, audience = make_user("officer", "decider"), "officer"
    client = signed_in(actor)
    url = case_url(application, audience)
    entries_before = history(page(client.get(url)))
    events_before = audit_event_count()
    reason = f"Motivering för {trigger}: allt är i sin ordning."

    response = post_action(client, f"{url}/atgard/{trigger}", trigger, reason)

    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert application.state == transition.dest
    assert audit_event_count() == events_before + 1
    event = last_event(application)
    assert (event.trigger, event.actor_id, event.reason) == (trigger, actor.id, reason)

    doc = page(client.get(url))
    assert f"{transition.done}. Ärendet har nu status «{transition.dest.label}»." in doc.text
    entries = history(doc)
    assert entries[:-1] == entries_before
    assert len(entries) == len(entries_before) + 1
    assert transition.done in entries[-1]
    assert reason in entries[-1]
    assert f"av {actor.name}" in entries[-1]
    assert f"({State(state).label} → {transition.dest.label})" in entries[-1]


@pytest.mark.parametrize("address", ["skicka-in", "atgard/{trigger}"])
@pytest.mark.parametrize(("state", "trigger"), SUBMITTABLE,
                         ids=[f"{s}-{t}" for s, t in SUBMITTABLE])
def test_submitting_from_the_review_page_runs_the_trigger_and_the_history_shows_it(
    make_user, make_application, signed_in, state: State, trigger: str, address: str
) -> None:
    """The review page's button posts to ``skicka-in``; the old per-trigger address still leads
    to the same view. Either way the applicant lands on the receipt."""
    transition = transition_for(trigger)
    applicant = make_user("applicant")
    application = make_application(state, applicant=applicant)
    client = signed_in(applicant)
    url = case_url(application, "applicant")
    entries_before = history(page(client.get(url)))
    events_before = audit_event_count()
    reason = f"Motivering för {trigger}: allt är i sin ordning."

    response = post_action(client, f"{url}/{address.format(trigger=trigger)}", trigger, reason)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}/kvitto"
    session.refresh(application)
    assert application.state == transition.dest
    assert audit_event_count() == events_before + 1
    event = last_event(application)
    assert (event.trigger, event.actor_id, event.reason) == (trigger, applicant.id, reason)
    assert application.reference in page(client.get(f"{url}/kvitto")).text

    entries = history(page(client.get(url)))
    assert entries[:-1] == entries_before
    assert len(entries) == len(entries_before) + 1
    assert transition.done in entries[-1]
    assert reason in entries[-1]
    assert f"av {applicant.name}" in entries[-1]
    assert f"({State(state).label} → {transition.dest.label})" in entries[-1]


@pytest.mark.parametrize(("state", "trigger"), [(s, t) for t in OWN_PAGE_TRIGGERS
                                                 for s in transition_for(t).sources])
def test_a_trigger_with_its_own_page_posted_to_the_generic_address_answers_409_and_runs_nothing(
    make_user, make_application, signed_in, state: State, trigger: str
) -> None:
    application = make_application(state)
    client = signed_in(make_user("officer", "decider"))
    url = case_url(application, "officer")
    events_before = audit_event_count()

    response = post_action(client, f"{url}/atgard/{trigger}", trigger, "Bara en kommentar.")

    assert response.status_code == 409
    doc = page(response)
    summary = error_summary(doc) or ""
    assert f"«{transition_for(trigger).label}» gick inte att genomföra" in summary
    assert OWN_PAGE_TRIGGERS[trigger] in summary
    assert trigger not in trigger_buttons(doc)
    if trigger == "assess":
        assert doc.find("a", href=f"{url}/bedomning", class_="button")
    session.refresh(application)
    assert application.state == state
    assert audit_event_count() == events_before


def test_a_reason_with_markup_is_shown_as_text(make_user, make_application, signed_in) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(make_user("officer"))
    url = case_url(application, "officer")
    reason = '<script>alert("x")</script> & <b>fet</b>'

    post_action(client, f"{url}/atgard/return_for_completion", "return_for_completion", reason)

    html = client.get(url).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>fet</b>" not in html
    assert reason in history(page(client.get(url)))[-1]


# (who, state, trigger, typed reason, what the page must say)
REFUSALS = [
    ("officer", State.SUBMITTED, "return_for_completion", "",
     "Fyll i «Vad behöver kompletteras?»."),
    ("officer", State.SUBMITTED, "return_for_completion", "  \n  ",
     "Fyll i «Vad behöver kompletteras?»."),
    ("applicant", State.SUBMITTED, "withdraw", "", "Fyll i «Varför återkallas ansökan?»."),
]


@pytest.mark.parametrize(("who", "state", "trigger", "typed", "message"), REFUSALS,
                         ids=[f"{w}-{s}-{t}-{typed!r}" for w, s, t, typed, _ in REFUSALS])
def test_a_refused_trigger_answers_409_with_the_engines_reason_and_writes_nothing(
    make_user, make_application, signed_in, who: str, state: State, trigger: str, typed: str,
    message: str,
) -> None:
    applicant = make_user("applicant")
    application = make_application(state, applicant=applicant)
    client = signed_in(applicant if who == "applicant" else make_user(who))
    audience = "applicant" if who == "applicant" else "officer"
    url = case_url(application, audience)
    events_before = audit_event_count()

    response = post_action(client, f"{url}/atgard/{trigger}", trigger, typed)

    assert response.status_code == 409
    doc = page(response)
    summary = error_summary(doc) or ""
    assert f"«{transition_for(trigger).label}» gick inte att genomföra" in summary
    assert message in summary
    assert message in (field_error(doc, f"{trigger}-reason") or "")
    assert doc.one("textarea", name=f"{trigger}-reason").value == typed
    # The page is still the whole case, with every button the person had.
    roles = {"applicant"} if who == "applicant" else {who}
    assert trigger_buttons(doc) == buttons_for(state, roles) - (
        SUBMIT_TRIGGERS if who == "applicant" else set())
    assert application.state == state
    assert audit_event_count() == events_before


@pytest.mark.parametrize("address", ["skicka-in", "atgard/submit"])
def test_submitting_an_incomplete_draft_is_refused_with_what_is_missing_and_keeps_the_comment(
    make_user, make_application, signed_in, address: str
) -> None:
    applicant = make_user("applicant")
    draft = make_application(State.DRAFT, applicant=applicant, title="", summary="",
                             complete=False)
    client = signed_in(applicant)
    url = case_url(draft, "applicant")
    events_before = audit_event_count()

    response = post_action(client, f"{url}/{address}", "submit", "Nu skickar vi in den.")

    assert response.status_code == 409
    doc = page(response)
    summary = error_summary(doc) or ""
    assert "Ansökan kan inte skickas in ännu" in summary
    assert "Ange projektets titel." in summary
    assert "Skriv en sammanfattning." in summary
    assert doc.one("a", href=f"{url}/avsnitt/projekt#title")
    assert doc.one("textarea", name="submit-reason").value == "Nu skickar vi in den."
    session.refresh(draft)
    assert draft.state == State.DRAFT and draft.reference is None
    assert audit_event_count() == events_before


def test_a_too_long_reason_answers_422_at_the_field_keeps_the_text_and_writes_nothing(
    make_user, make_application, signed_in
) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(make_user("officer"))
    url = case_url(application, "officer")
    typed = "lång " * 1001  # 5005 characters
    events_before = audit_event_count()

    response = post_action(client, f"{url}/atgard/return_for_completion",
                           "return_for_completion", typed)

    assert response.status_code == 422
    doc = page(response)
    assert "Texten får vara högst 5000 tecken." in (
        field_error(doc, "return_for_completion-reason") or "")
    assert "Texten får vara högst 5000 tecken." in (error_summary(doc) or "")
    assert doc.one("textarea", name="return_for_completion-reason").value == typed
    assert application.state == State.SUBMITTED
    assert audit_event_count() == events_before


# The applicant's draft ----------------------------------------------------------------------------


def test_applicant_creates_edits_and_submits_a_draft_then_can_no_longer_edit_it(
    make_user, signed_in
) -> None:
    applicant = make_user("applicant")
    client = signed_in(applicant)

    form = client.get("/mina-ansokningar/ny")
    assert form.status_code == 200
    created = client.post("/mina-ansokningar/ny", data={
        "csrf_token": csrf_token(client, "/mina-ansokningar/ny"),
        "title": "Läxhjälp på biblioteket", "summary": "Unga hjälper yngre med läxor.",
    })
    assert created.status_code == 302
    match = re.fullmatch(r"/mina-ansokningar/(\d+)/redigera", created.headers["Location"])
    assert match
    application = session.get(Application, int(match.group(1)))
    assert application.state == State.DRAFT
    assert application.organisation_id == applicant.organisation_id
    assert (application.title, application.summary) == (
        "Läxhjälp på biblioteket", "Unga hjälper yngre med läxor.")

    # Editing happens section by section; the project section holds the title and summary.
    edit_url = f"/mina-ansokningar/{application.id}/redigera"
    project_url = f"/mina-ansokningar/{application.id}/avsnitt/projekt"
    assert page(client.get(edit_url)).find("a", href=project_url)
    project_form = page(client.get(project_url))
    assert project_form.one("input", name="title").value == "Läxhjälp på biblioteket"
    edited = client.post(project_url, data={
        "csrf_token": csrf_token(client, project_url), "save_stay": "Spara",
        "title": "Läxhjälp på stadsbiblioteket", "summary": "Unga hjälper yngre med läxor.",
    })
    assert edited.status_code == 302
    session.refresh(application)
    assert application.title == "Läxhjälp på stadsbiblioteket"

    # The other sections (their own rules are tested in test_application_form.py).
    fill_application(application, applicant)
    show_url = f"/mina-ansokningar/{application.id}"
    submitted = post_action(client, f"{show_url}/skicka-in", "submit")
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == f"{show_url}/kvitto"
    session.refresh(application)
    assert application.state == State.SUBMITTED
    year = datetime.now(ZoneInfo("Europe/Stockholm")).year
    assert re.fullmatch(rf"PF-{year}-\d{{4}}", application.reference)
    shown = page(client.get(show_url))
    assert shown.one("p", class_="eyebrow").text == application.reference
    assert f"fick referensen {application.reference}" in history(shown)[-1]
    assert not shown.find("a", href=edit_url), "no edit link once submitted"
    assert not shown.find("a", href=project_url), "no section link once submitted"

    for url in (edit_url, project_url):
        refused = client.get(url)
        assert refused.status_code == 409
        assert "kan inte ändras" in page(refused).text
    refused_post = client.post(project_url, data={
        "csrf_token": csrf_token(client, show_url), "save_stay": "Spara",
        "title": "Ändrad i efterhand", "summary": "x",
    })
    assert refused_post.status_code == 409
    session.refresh(application)
    assert application.title == "Läxhjälp på stadsbiblioteket"


def test_a_too_long_title_on_a_new_draft_answers_422_at_the_field_and_keeps_the_text(
    make_user, signed_in
) -> None:
    client = signed_in(make_user("applicant"))
    title = "T" * 201
    summary = "En sammanfattning som ska stå kvar."
    count_before = session.scalar(sa.select(sa.func.count()).select_from(Application))

    response = client.post("/mina-ansokningar/ny", data={
        "csrf_token": csrf_token(client, "/mina-ansokningar/ny"),
        "title": title, "summary": summary,
    })

    assert response.status_code == 422
    doc = page(response)
    assert "Texten får vara högst 200 tecken." in (field_error(doc, "title") or "")
    assert doc.one("input", name="title").attrs.get("aria-invalid") == "true"
    assert doc.one("textarea", name="summary").value == summary
    assert doc.one("input", name="title").value == title
    assert session.scalar(sa.select(sa.func.count()).select_from(Application)) == count_before


def test_a_too_long_title_when_editing_answers_422_and_changes_nothing(
    make_user, make_application, signed_in
) -> None:
    applicant = make_user("applicant")
    draft = make_application(State.DRAFT, applicant=applicant, title="Kvar som förut")
    client = signed_in(applicant)
    project_url = f"/mina-ansokningar/{draft.id}/avsnitt/projekt"

    response = client.post(project_url, data={
        "csrf_token": csrf_token(client, project_url), "save_stay": "Spara",
        "title": "T" * 201, "summary": "Ny sammanfattning som inte sparas.",
    })

    assert response.status_code == 422
    doc = page(response)
    assert "Texten får vara högst 200 tecken." in (field_error(doc, "title") or "")
    assert doc.one("input", name="title").value == "T" * 201
    assert doc.one("textarea", name="summary").value == "Ny sammanfattning som inte sparas."
    session.refresh(draft)
    assert (draft.title, draft.summary) == ("Kvar som förut", "Vi testar något nytt.")


# Form markup --------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["login", "new-draft", "case"])
def test_fields_without_errors_carry_no_aria_invalid_and_describe_only_existing_elements(
    app, make_user, make_application, signed_in, where: str
) -> None:
    """``aria-invalid`` other than "false" counts as "true" for screen readers, and an
    ``aria-describedby`` naming a missing id points at nothing."""
    if where == "login":
        doc = page(app.test_client().get("/logga-in"))
    elif where == "new-draft":
        doc = page(signed_in(make_user("applicant")).get("/mina-ansokningar/ny"))
    else:
        application = make_application(State.SUBMITTED)
        doc = page(signed_in(make_user("officer")).get(case_url(application, "officer")))

    ids = {e.attrs["id"] for e in doc.iter() if "id" in e.attrs}
    controls = [e for e in doc.iter() if e.tag in ("input", "textarea", "select")
                and e.attrs.get("type") != "hidden"]
    assert controls
    problems = []
    for control in controls:
        name = control.attrs.get("name")
        if control.attrs.get("aria-invalid", "false") != "false":
            problems.append(f'{name}: aria-invalid="{control.attrs["aria-invalid"]}"')
        for described_by in control.attrs.get("aria-describedby", "").split():
            if described_by not in ids:
                problems.append(f'{name}: aria-describedby names missing id "{described_by}"')
    assert problems == []
