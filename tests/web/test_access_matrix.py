"""Who may open which page: one explicit table of role × page → answer, checked cell by cell.

``{case}`` is a submitted application of the applicant's own organisation, ``{draft}`` a draft of
that organisation. Answers: a status code, or ``LOGIN`` (302 to ``/logga-in?next=<the page>``), or
``to("/path")`` (302 straight to that path: a logged-in person on the login page goes home).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from grants.completeness import today
from grants.db import session
from grants.demo import review_case, write_report
from grants.models import Application, ReportKind
from grants.operations import amendments, assessment, content
from grants.operations import applications as ops
from grants.operations import reports as report_ops
from grants.operations.feedback import FeedbackInput, send_feedback
from grants.operations.portfolio import record_review
from tests.conftest import csrf_token
from tests.web.conftest import audit_event_count, page, post_action
from workflows import State

LOGIN = "302 → /logga-in?next=<page>"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def to(path: str) -> str:
    return f"302 → {path}"


ROLES = ("anonymous", "applicant", "reviewer", "officer", "decider", "finance", "admin")
OWN, STAFF, PUBLIC = to("/mina-ansokningar/"), to("/handlaggning/"), to("/")
REVIEWS, FINANCE = to("/granskning/"), to("/ekonomi/")

# fmt: off
# Columns in the order of ROLES (anonymous, applicant, reviewer, officer, decider, finance, admin).
MATRIX: dict[str, tuple[int | str, ...]] = {
    # page                                  anonym  applic  review  officer decider finance admin
    "/":                                   (200,    200,    200,    200,    200,    200,    200),
    "/healthz":                            (200,    200,    200,    200,    200,    200,    200),
    "/glomt-losenord":                     (200,    200,    200,    200,    200,    200,    200),
    "/aterstall-losenord/ogiltig":         (400,    400,    400,    400,    400,    400,    400),
    "/logga-in":                           (200,    OWN,    REVIEWS, STAFF, STAFF, FINANCE, PUBLIC),
    "/handlaggning/":                      (LOGIN,  403,    403,    200,    200,    403,    403),
    "/handlaggning/arenden/{case}":        (LOGIN,  403,    403,    200,    200,    403,    403),
    "/mina-ansokningar/":                  (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/ny":                (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{case}":            (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{draft}/redigera":  (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{draft}/avsnitt/budget": (LOGIN, 200,  403,    403,    403,    403,    403),
    "/mina-ansokningar/{draft}/bilagor":   (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{draft}/bilagor/{draft_file}":
                                           (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{draft}/granska":   (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{case}/kvitto":     (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{case}/ansokan.pdf": (LOGIN, 200,    403,    403,    403,    403,    403),
    "/handlaggning/arenden/{case}/ansokan.pdf":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/handlaggning/arenden/{case}/arendeakt.zip":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/handlaggning/arenden/{case}/bilagor/{file}":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/registrera":                         (200,    OWN,    REVIEWS, STAFF, STAFF, FINANCE, PUBLIC),
    "/personuppgifter":                    (200,    200,    200,    200,    200,    200,    200),
    "/admin/installningar":                (LOGIN,  403,    403,    403,    403,    403,    200),
    "/admin/bedomningsmallar":             (LOGIN,  403,    403,    403,    403,    403,    200),
    "/admin/bedomningsmallar/ny":          (LOGIN,  403,    403,    403,    403,    403,    200),
    "/admin/beslutstexter":                (LOGIN,  403,    403,    403,    403,    403,    200),
    # Assessment and decision. {review} is the reviewer's own review of {case} (their jäv
    # declaration still to come); others' reviews are 404 (tested in test_review_pages.py).
    "/handlaggning/arenden/{case}/bedomning":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/granskning/":                        (LOGIN,  403,    200,    403,    403,    403,    403),
    "/granskning/{review}":                (LOGIN,  403,    200,    403,    403,    403,    403),
    # Before "no jäv" the reviewer may not read the application itself.
    "/granskning/{review}/ansokan.pdf":    (LOGIN,  403,    403,    403,    403,    403,    403),
    "/granskning/{review}/bilagor/{file}": (LOGIN,  403,    403,    403,    403,    403,    403),
    # {case} is received, not assessed: nothing to decide yet.
    "/beslut/arenden/{case}":              (LOGIN,  403,    403,    403,    409,    403,    403),
    "/beslut/sammantrade":                 (LOGIN,  403,    403,    403,    200,    403,    403),
    "/beslut/{decision}/rattelse":         (LOGIN,  403,    403,    403,    200,    403,    403),
    "/beslut/brev/{letter}.pdf":           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/beslut/brev/{letter}":               (LOGIN,  403,    403,    200,    200,    403,    403),
    "/mina-ansokningar/{granted}/beslut/{letter}.pdf":
                                           (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{granted}/beslut/{letter}":
                                           (LOGIN,  200,    403,    403,    403,    403,    403),
    # Finance: the region's finance staff and admins; the pots' figures are public.
    "/ekonomi/":                           (LOGIN,  403,    403,    403,    403,    200,    200),
    "/ekonomi/ar/{year}":                  (LOGIN,  403,    403,    403,    403,    200,    200),
    "/ekonomi/piloter/{granted}":          (LOGIN,  403,    403,    403,    403,    200,    200),
    "/ekonomi/export/huvudbok.csv":        (LOGIN,  403,    403,    403,    403,    200,    200),
    "/ekonomi/export/piloter.xlsx":        (LOGIN,  403,    403,    403,    403,    200,    200),
    # After the grant. {report} is a stage report on {granted} (its file {report_file}), handed in;
    # {change} a change request waiting for a decision. The close and dates pages are for
    # officers; a submitted {case} answers 409 there (tested in test_followup_pages.py).
    "/mina-ansokningar/{case}/rapporter":  (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{granted}/rapporter":
                                           (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{granted}/rapporter/{report}":
                                           (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{granted}/rapporter/{report}/bilagor/{report_file}":
                                           (LOGIN,  200,    403,    403,    403,    403,    403),
    "/mina-ansokningar/{granted}/andring": (LOGIN,  200,    403,    403,    403,    403,    403),
    "/handlaggning/rapporter":             (LOGIN,  403,    403,    200,    200,    403,    403),
    "/handlaggning/arenden/{granted}/rapporter/{report}":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/handlaggning/arenden/{granted}/rapporter/{report}/bilagor/{report_file}":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/handlaggning/arenden/{granted}/rapportdatum":
                                           (LOGIN,  403,    403,    200,    403,    403,    403),
    "/handlaggning/arenden/{granted}/avsluta":
                                           (LOGIN,  403,    403,    200,    403,    403,    403),
    "/beslut/andringar":                   (LOGIN,  403,    403,    403,    200,    403,    403),
    "/beslut/andringar/{change}":          (LOGIN,  403,    403,    403,    200,    403,    403),
    "/beslut/arenden/{granted}/aterkallelse":
                                           (LOGIN,  403,    403,    403,    200,    403,    403),
    "/ekonomi/rekvisitioner":              (LOGIN,  403,    403,    403,    403,    200,    200),
    # Open by default: the register and what the pilots taught, for everyone.
    "/piloter":                            (200,    200,    200,    200,    200,    200,    200),
    "/piloter/{reference}":                (200,    200,    200,    200,    200,    200,    200),
    "/larande":                            (200,    200,    200,    200,    200,    200,    200),
    "/larande.atom":                       (200,    200,    200,    200,    200,    200,    200),
    # The portfolio: a public read-only map; the core team's own pages. {review} below is a
    # portfolio review ({portfolio_review}).
    "/portfoljen":                         (200,    200,    200,    200,    200,    200,    200),
    "/portfolj":                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/portfolj/piloter/{granted}":         (LOGIN,  403,    403,    200,    200,    403,    403),
    "/portfolj/relationer":                (LOGIN,  403,    403,    200,    200,    403,    403),
    "/portfolj/genomgangar":               (LOGIN,  403,    403,    200,    200,    403,    403),
    "/portfolj/genomgangar/ny":            (LOGIN,  403,    403,    200,    200,    403,    403),
    "/portfolj/genomgangar/{portfolio_review}":
                                           (LOGIN,  403,    403,    200,    200,    403,    403),
    "/api/v1/pilots":                      (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/pilots.csv":                  (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/pilots/{reference}":          (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/learnings":                   (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/learnings.csv":               (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/360giving.json":              (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/openapi.json":                (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/pots":                        (200,    200,    200,    200,    200,    200,    200),
    "/api/v1/ledger":                      (401,    403,    403,    403,    403,    200,    200),
    # Accounts: one's own page for everyone logged in; the administrator's list of people.
    # {person} is the applicant's account.
    "/konto":                              (LOGIN,  200,    200,    200,    200,    200,    200),
    "/admin/anvandare":                    (LOGIN,  403,    403,    403,    403,    403,    200),
    "/admin/anvandare/{person}":           (LOGIN,  403,    403,    403,    403,    403,    200),
    # The accessibility statement and its feedback form are public; the feedback ({feedback})
    # is a case for the officers.
    "/tillganglighet":                     (200,    200,    200,    200,    200,    200,    200),
    "/handlaggning/tillganglighet":        (LOGIN,  403,    403,    200,    403,    403,    403),
    "/handlaggning/tillganglighet/{feedback}":
                                           (LOGIN,  403,    403,    200,    403,    403,    403),
}
# fmt: on

CELLS = [
    (url, role, expected)
    for url, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


def test_the_matrix_covers_every_page_the_app_serves(app) -> None:
    """A new page must get a row here (and so an access decision) before it ships."""
    adapter = app.url_map.bind("localhost")
    in_matrix = {adapter.match(url.format(case=1, draft=2, file=3, draft_file=4, review=5,
                                          granted=6, decision=7, letter=8, year=2026, report=9,
                                          report_file=10, change=11,
                                          reference="PF-2026-0001", portfolio_review=12,
                                          person=13, feedback=14))[0]
                 for url in MATRIX}
    served = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    }
    assert in_matrix == served


@pytest.mark.parametrize(("url", "role", "expected"), CELLS,
                         ids=[f"{role}-{url}" for url, role, _ in CELLS])
def test_each_role_gets_the_answer_the_matrix_gives_on_each_page(
    app, make_user, make_application, signed_in, staff, url: str, role: str,
    expected: int | str,
) -> None:
    applicant = make_user("applicant")
    case = make_application(State.DRAFT, applicant=applicant)
    file = content.add_attachment(case, actor=applicant, filename="plan.pdf", data=PDF)
    ops.submit_application(case, actor=applicant)
    draft = make_application(State.DRAFT, applicant=applicant)
    draft_file = content.add_attachment(draft, actor=applicant, filename="plan.pdf", data=PDF)
    granted = decision = report = report_file = change = None
    if any(name in url for name in ("{granted}", "{decision}", "{letter}", "{change}",
                                    "{reference}")):
        granted = make_application(State.GRANTED, applicant=applicant)
        decision = granted.current_decision
    if "{report" in url:
        report = write_report(granted, ReportKind.STAGE, applicant)
        report_file = report_ops.add_report_attachment(report, actor=applicant,
                                                       filename="plan.pdf", data=PDF)
        report_ops.submit_report(report, actor=applicant)
    portfolio_review = None
    if "{portfolio_review}" in url:
        portfolio_review = record_review(actor=staff["officer"], held_on=today(),
                                         title="Portföljgenomgång", notes="", items=[{
                                             "choice": "fill_gap", "gap": "Inget i Laxå.",
                                             "reason": "Ingen pilot där än."}])
    feedback = None
    if "{feedback}" in url:
        feedback = send_feedback(FeedbackInput(description="Knappen syns inte."),
                                 address="192.0.2.1")
    if "{change}" in url:
        change = amendments.request_change(granted, actor=applicant, change=amendments.ChangeInput(
            reason="Mer tid.", new_project_end=decision.project_end + timedelta(days=30)))
    session.commit()
    if role == "anonymous":
        client = app.test_client()
    else:
        user = applicant if role == "applicant" else make_user(role)
        client = signed_in(user)
    review_id = 0
    if "{review}" in url:
        review_case(case, officer=staff["officer"], reviewers=[])
        reviewer = user if role == "reviewer" else staff["reviewer"]
        review_id = assessment.assign_reviewer(case, actor=staff["officer"], reviewer=reviewer).id
        session.commit()
    target = url.format(case=case.id, draft=draft.id, file=file.id, draft_file=draft_file.id,
                        review=review_id, granted=granted and granted.id,
                        decision=decision and decision.id,
                        letter=decision and decision.letter.id, year=today().year,
                        report=report and report.id, report_file=report_file and report_file.id,
                        change=change and change.id, reference=granted and granted.reference,
                        portfolio_review=portfolio_review and portfolio_review.id,
                        person=applicant.id, feedback=feedback and feedback.id)

    response = client.get(target)

    if expected == LOGIN:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/logga-in"
        assert parse_qs(location.query) == {"next": [target]}
    elif isinstance(expected, str):
        assert response.status_code == 302
        assert response.headers["Location"] == expected.removeprefix("302 → ")
    else:
        assert response.status_code == expected
        if response.mimetype != "text/html":  # /healthz, files and PDFs are not pages
            return
        doc = page(response)
        assert doc.one("html").attrs["lang"] == "sv"
        if expected == 403:
            assert "Du har inte behörighet" in doc.one("h1").text


@pytest.mark.parametrize("url", [
    "/mina-ansokningar/{id}",
    "/mina-ansokningar/{id}/redigera",
])
@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED])
def test_applicant_opening_another_organisations_application_gets_404(
    make_user, make_application, signed_in, url: str, state: State
) -> None:
    theirs = make_application(state, title="Någon annans pilot")
    client = signed_in(make_user("applicant"))

    response = client.get(url.format(id=theirs.id))

    assert response.status_code == 404
    assert "Någon annans pilot" not in response.get_data(as_text=True)


def test_applicant_cannot_fire_a_trigger_on_another_organisations_application(
    make_user, make_application, signed_in
) -> None:
    theirs = make_application(State.SUBMITTED)
    client = signed_in(make_user("applicant"))
    events_before = audit_event_count()

    response = post_action(client, f"/mina-ansokningar/{theirs.id}/atgard/withdraw", "withdraw",
                           "Vi vill inte längre.")

    assert response.status_code == 404
    assert theirs.state == State.SUBMITTED
    assert audit_event_count() == events_before


@pytest.mark.parametrize("roles", [("officer",), ("decider",), ("officer", "decider")])
def test_staff_opening_a_draft_gets_404(make_user, make_application, signed_in, roles) -> None:
    draft = make_application(State.DRAFT, title="Ett hemligt utkast")
    client = signed_in(make_user(*roles))

    response = client.get(f"/handlaggning/arenden/{draft.id}")

    assert response.status_code == 404
    assert "Ett hemligt utkast" not in response.get_data(as_text=True)


def test_staff_cannot_fire_a_trigger_on_a_draft(make_user, make_application, signed_in) -> None:
    draft = make_application(State.DRAFT)
    client = signed_in(make_user("officer"))
    events_before = audit_event_count()

    response = post_action(client, f"/handlaggning/arenden/{draft.id}/atgard/assess", "assess")

    assert response.status_code == 404
    assert draft.state == State.DRAFT
    assert audit_event_count() == events_before


# (who presses, on which page, in which state, which trigger): each may not fire that trigger.
FORBIDDEN_ACTIONS = [
    (("decider",), "officer", State.SUBMITTED, "assess"),
    (("decider",), "officer", State.SUBMITTED, "return_for_completion"),
    (("officer",), "officer", State.ASSESSED, "grant"),
    (("officer",), "officer", State.ASSESSED, "reject"),
    (("decider",), "officer", State.GRANTED, "follow_up"),
    (("decider",), "officer", State.GRANTED, "close"),
    (("officer",), "officer", State.SUBMITTED, "withdraw"),
    (("reviewer",), "officer", State.SUBMITTED, "assess"),
    (("finance",), "officer", State.ASSESSED, "grant"),
    (("admin",), "officer", State.SUBMITTED, "assess"),
    (("applicant",), "applicant", State.SUBMITTED, "assess"),
    (("applicant",), "applicant", State.ASSESSED, "grant"),
    (("applicant",), "officer", State.SUBMITTED, "withdraw"),
    # The applicant role counts only for one's own organisation's applications.
    (("applicant", "officer"), "officer", State.SUBMITTED, "withdraw"),
]


@pytest.mark.parametrize(
    ("roles", "audience", "state", "trigger"), FORBIDDEN_ACTIONS,
    ids=[f"{'+'.join(r)}-{a}-{s}-{t}" for r, a, s, t in FORBIDDEN_ACTIONS],
)
def test_posting_a_trigger_the_role_may_not_fire_gets_403_and_changes_nothing(
    make_user, make_application, signed_in, roles, audience: str, state: State, trigger: str
) -> None:
    actor = make_user(*roles)
    # The applicant-only actor presses on its own organisation's case; everyone else on another's.
    own = roles == ("applicant",)
    application = make_application(state, applicant=actor if own else None)
    client = signed_in(actor)
    events_before = audit_event_count()
    url = (f"/mina-ansokningar/{application.id}" if audience == "applicant"
           else f"/handlaggning/arenden/{application.id}")

    response = post_action(client, f"{url}/atgard/{trigger}", trigger, "En motivering.")

    assert response.status_code == 403
    assert "Du har inte behörighet" in page(response).one("h1").text
    assert application.state == state
    assert audit_event_count() == events_before


@pytest.mark.parametrize("trigger", ["approve", "to_granted", "__init__", "SUBMIT"])
@pytest.mark.parametrize("audience", ["officer", "applicant"])
def test_an_unknown_trigger_gets_404_and_changes_nothing(
    make_user, make_application, signed_in, audience: str, trigger: str
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.SUBMITTED, applicant=applicant)
    if audience == "officer":
        client, url = signed_in(make_user("officer")), f"/handlaggning/arenden/{application.id}"
    else:
        client, url = signed_in(applicant), f"/mina-ansokningar/{application.id}"
    events_before = audit_event_count()

    response = post_action(client, f"{url}/atgard/{trigger}", trigger, "En motivering.")

    assert response.status_code == 404
    assert application.state == State.SUBMITTED
    assert audit_event_count() == events_before


def test_a_workflow_post_without_csrf_token_is_refused_and_changes_nothing(
    make_user, make_application, signed_in
) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(make_user("officer"))
    csrf_token(client, "/")  # the session has a token; the post just does not carry it
    events_before = audit_event_count()

    response = client.post(f"/handlaggning/arenden/{application.id}/atgard/assess",
                           data={"assess-reason": "Bedömd utan säkerhetskod."})

    assert response.status_code == 400
    session.expire_all()
    assert session.get(Application, application.id).state == State.SUBMITTED
    assert audit_event_count() == events_before


def test_the_applicants_timelines_leave_out_the_regions_internal_steps(
    make_user, make_application, signed_in, staff
) -> None:
    applicant = make_user("applicant")
    case = make_application(State.SUBMITTED, applicant=applicant)
    review_case(case, officer=staff["officer"], reviewers=[])
    assessment.assign_reviewer(case, actor=staff["officer"], reviewer=staff["reviewer"])
    session.commit()

    text = page(signed_in(applicant).get("/mina-ansokningar/")).text

    assert "Ansökan skickades in" in text
    assert "tilldelades som granskare" not in text and staff["reviewer"].name not in text
