"""Browser tests: real headless Chromium (Playwright) against the app served on a local port.

They run on SQLite only, with their own app and database (not the ``app`` fixture of
tests/conftest.py, which is parametrised over databases). Without ``/usr/bin/chromium`` they are
skipped on a developer's machine and fail in CI (``CI=true``). Each test leaves a screenshot in
``test-artifacts/browser/<test name>.png``.

The ``axe`` fixture runs an axe-core accessibility scan on a page. axe-core comes from npm
(``package.json``, pinned in ``package-lock.json``; ``scripts/test`` runs ``npm ci``); without
``node_modules/axe-core`` the scans are skipped locally and fail in CI, like a missing Chromium.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import make_server

from grants import create_app
from grants.completeness import today
from grants.db import Base, create_db_engine, session
from grants.demo import fill_application, review_case, write_report
from grants.models import Application, Report, ReportKind, User
from grants.operations import amendments as amendment_ops
from grants.operations import assessment as assessment_ops
from grants.operations import decisions as decision_ops
from grants.operations import finance as finance_ops
from grants.operations import portfolio as portfolio_ops
from grants.operations import reports as report_ops
from grants.operations.applications import create_draft_application, submit_application
from grants.operations.content import add_attachment, save_project, save_target
from grants.operations.feedback import FeedbackInput, send_feedback
from grants.operations.users import create_organisation, create_user
from grants.passwords import make_reset_token
from grants.reference import seed_reference_data
from tests.conftest import app_config, open_fund

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BROWSER_DIR = Path(__file__).resolve().parent
ARTIFACTS = BROWSER_DIR.parents[1] / "test-artifacts" / "browser"
AXE_JS = BROWSER_DIR.parents[1] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

OFFICER_EMAIL = "handlaggare@example.se"
OFFICER_NAME = "Hanna Handläggare"
APPLICANT_EMAIL = "sokande@example.se"
PASSWORD = "ett-langt-testlosenord"
# One person per role, all with PASSWORD: role -> (e-mail, name). The applicant belongs to the
# organisation that owns every seeded application.
USERS: dict[str, tuple[str, str]] = {
    "applicant": (APPLICANT_EMAIL, "Sara Sökande"),
    "reviewer": ("granskare@example.se", "Greta Granskare"),
    "officer": (OFFICER_EMAIL, OFFICER_NAME),
    "decider": ("beslutsfattare@example.se", "Bo Beslutsfattare"),
    "finance": ("ekonom@example.se", "Erik Ekonom"),
    "admin": ("admin@example.se", "Adam Administratör"),
}
# Two more reviewers (PASSWORD too), who reviewed the assessed and the granted case.
PANEL: tuple[tuple[str, str], ...] = (
    ("panel1@example.se", "Panelgranskare 1"),
    ("panel2@example.se", "Panelgranskare 2"),
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, so only the ones in this folder are marked.
    for item in items:
        if item.path.is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.browser)


# Live server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    case_reference: str
    draft_id: int
    submitted_id: int
    assessed_id: int
    incomplete_draft_id: int
    granted_id: int
    letter_id: int
    gate_review_id: int
    open_review_id: int
    decision_id: int
    handed_in_review_id: int
    after_grant: AfterGrant
    register: RegisterPilots
    applicant_user_id: int
    feedback_id: int
    """Feedback on accessibility, received and not answered (the sender wants an answer)."""
    reset_token: str


@dataclass(frozen=True)
class AfterGrant:
    """The granted pilots seeded for the pages after the grant (see :func:`_seed_after_grant`)."""

    pilot_id: int
    reporting_id: int
    stage_report_id: int
    waiting_report_id: int
    follow_up_draft_id: int
    payment_request_id: int
    change_request_id: int
    closing_id: int
    final_report_id: int


@dataclass(frozen=True)
class RegisterPilots:
    """The pilots seeded for the public register (see :func:`_seed_register`), by reference."""

    kumla_followed_up: str
    kumla_granted: str
    hallsberg_leisure: str
    kumla_school: str
    kumla_submitted: str
    kumla_followed_up_id: int
    portfolio_review_id: int


@dataclass(frozen=True)
class LiveServer:
    url: str
    officer_email: str
    password: str
    case_reference: str
    """The submitted application's case reference."""
    emails: Mapping[str, str]
    """One user per role (``"applicant"``, ``"reviewer"``, ``"officer"``, ``"decider"``,
    ``"finance"``, ``"admin"``), all with ``password``."""
    draft_id: int
    """A complete draft of the applicant's organisation, with an attachment: it could be sent."""
    submitted_id: int
    """The submitted application (``case_reference``), complete and with an attachment."""
    assessed_id: int
    """An assessed application, waiting for the decider."""
    incomplete_draft_id: int
    """A draft whose project section is saved with a title only: it cannot be sent."""
    outbox: Path
    """The server's MAIL_OUTBOX_DIR, where each sent e-mail lands as ``<id>.eml``."""
    granted_id: int
    """A granted application with its decision letter (``letter_id``)."""
    letter_id: int
    gate_review_id: int
    """The reviewer's review of the submitted application, before the jäv declaration."""
    open_review_id: int
    """The reviewer's review of another received application: declared free of jäv, nothing
    scored, not handed in."""
    decision_id: int
    """The granted application's decision (its letter is ``letter_id``)."""
    handed_in_review_id: int
    """The first PANEL reviewer's handed-in review of the assessed application (the second
    PANEL reviewer's is handed in too)."""
    pilot_id: int
    """PILOT_TITLE: granted (100 000 kr this year), no report started, nothing paid."""
    reporting_id: int
    """REPORTING_TITLE, granted, with: stage report 1 approved, carrying an open payment
    request of REQUESTED_PAYMENT (``payment_request_id``) that finance can pay; stage report 2
    handed in and waiting for the officer (``waiting_report_id``); the follow-up report started
    and empty (``follow_up_draft_id``); a change request waiting for a decider
    (``change_request_id``: a project end one month later)."""
    stage_report_id: int
    waiting_report_id: int
    follow_up_draft_id: int
    payment_request_id: int
    change_request_id: int
    closing_id: int
    """CLOSING_TITLE: granted 100 000 kr this year, CLOSING_PAID paid as an advance, and its
    final financial report (``final_report_id``) approved: the officer can close it, and
    closing releases the rest to this year."""
    final_report_id: int
    kumla_followed_up: str
    """The public register (_seed_register), by reference: KUMLA_FOLLOWED_UP_TITLE, on
    Meningsfull fritid in Kumla, followed up, its learnings (KUMLA_LEARNINGS) published; it is
    on the portfolio map (levers, horizon, an internal note) as ``kumla_followed_up_id``."""
    kumla_granted: str
    """KUMLA_GRANTED_TITLE: Meningsfull fritid in Kumla, granted, nothing reported yet; it
    builds on the followed-up one (a relation with a note)."""
    hallsberg_leisure: str
    """HALLSBERG_LEISURE_TITLE: Meningsfull fritid in Hallsberg, granted."""
    kumla_school: str
    """KUMLA_SCHOOL_TITLE: in Kumla on another focus area (school), granted."""
    kumla_submitted: str
    """KUMLA_SUBMITTED_TITLE: Meningsfull fritid in Kumla, submitted only: not public."""
    kumla_followed_up_id: int
    portfolio_review_id: int
    """A portfolio review (PORTFOLIO_REVIEW_TITLE): continue the followed-up Kumla pilot, and a
    gap to fill."""
    applicant_user_id: int
    """The applicant's account (for the administrator's page of a person)."""
    feedback_id: int
    """Feedback on accessibility, received and waiting for an officer."""
    reset_token: str
    """A password-reset token for the applicant, valid for the module's run."""


# The smallest file the upload check takes for a PDF (it sniffs the first bytes).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The pilots after the grant (_seed_after_grant). Each is granted 100 000 kr for this year.
PILOT_TITLE = "Unga guider i naturreservatet"
REPORTING_TITLE = "Musikstudio i Vivalla"
CLOSING_TITLE = "Simskola på sommarlovet"
REQUESTED_PAYMENT = 20_000
CLOSING_PAID = 40_000
CHANGE_REASON = "Studion blev klar en månad senare än planerat; vi behöver en månad till."

# The public register (_seed_register): an association's pilots, 40 000 kr each this year.
REGISTER_ORGANISATION = "Föreningen Unga i länet"
KUMLA, HALLSBERG, LEISURE = "1881", "1861", "leisure"
KUMLA_FOLLOWED_UP_TITLE = "Lovkollo i Kumla"
KUMLA_GRANTED_TITLE = "Skejtpark som unga bygger i Kumla"
HALLSBERG_LEISURE_TITLE = "Kvällsbad i Hallsberg"
KUMLA_SCHOOL_TITLE = "Läxhjälp med unga mentorer i Kumla"
KUMLA_SUBMITTED_TITLE = "Fiskeklubb för unga i Kumla"
KUMLA_LEARNINGS = {
    "worked": "Lovkollot fylldes när unga ledare själva bjöd in sina yngre syskon.",
    "not_worked": "Anmälan via kommunens e-tjänst stoppade många; papperslappar fungerade bättre.",
    "for_others": "Ha en busshållplats nära: föräldrarna körde inte till kollot.",
}
PORTFOLIO_NOTE = "Följ upp lokalfrågan med fritidsförvaltningen i Kumla."
PORTFOLIO_REVIEW_TITLE = "Portföljgenomgång våren"


def _seed() -> Seeded:
    """Reference data, a fund open for applications today, one user per role (USERS), and the
    applicant organisation's applications: a submitted one, an assessed one, a complete draft
    and an incomplete draft; and the granted pilots of :func:`_seed_after_grant`."""
    seed_reference_data(session)
    open_fund()
    organisation = create_organisation(
        name="Testföreningen", org_number="802400-0005", kind="association",
        municipality_code="1880",
    )
    users = {
        role: create_user(
            email=email, name=name, password=PASSWORD, roles={role},
            organisation=organisation if role == "applicant" else None,
        )
        for role, (email, name) in USERS.items()
    }
    applicant = users["applicant"]
    officer = users["officer"]
    # The assessed and granted cases need two reviews each (they ask for 100 000 kr).
    panel = [create_user(email=email, name=name, password=PASSWORD, roles={"reviewer"})
             for email, name in PANEL]

    def complete_draft(title: str, summary: str) -> Application:
        application = create_draft_application(
            actor=applicant, organisation=organisation, title=title, summary=summary,
        )
        fill_application(application, applicant)
        add_attachment(application, actor=applicant, filename="avsiktsforklaring.pdf",
                       data=PDF_BYTES, description="Avsiktsförklaring från skolan")
        return application

    application = complete_draft("Pilot för unga", "Vi testar något nytt.")
    submit_application(application, actor=applicant)
    review_case(application, officer=officer, reviewers=[])
    gate = assessment_ops.assign_reviewer(application, actor=officer, reviewer=users["reviewer"])

    def assessed_case(title: str, summary: str) -> Application:
        case = complete_draft(title, summary)
        submit_application(case, actor=applicant)
        review_case(case, officer=officer, reviewers=panel)
        decision_ops.assess_application(
            case, actor=officer, reason="Föreslås beviljas enligt ansökan.", proposal="grant",
            proposed_amounts={r.year: r.amount for r in case.requested_amounts})
        return case

    assessed = assessed_case("Läxhjälp på biblioteket",
                             "Unga hjälper yngre med läxorna två kvällar i veckan.")
    granted = assessed_case("Föräldracafé", "Träffar för föräldrar till tonåringar.")
    terms = decision_ops.proposed_terms(granted)
    terms.jav_confirmed, terms.reasons = True, "Piloten svarar väl mot fondens kriterier."
    decision_ops.grant_application(granted, actor=users["decider"], terms=terms)
    reviewing = complete_draft("Fritidsbank", "Lån av utrustning för barn och unga.")
    submit_application(reviewing, actor=applicant)
    review_case(reviewing, officer=officer, reviewers=[])
    open_review = assessment_ops.assign_reviewer(reviewing, actor=officer,
                                                 reviewer=users["reviewer"])
    assessment_ops.declare_jav(open_review, actor=users["reviewer"], disqualified=False)
    draft = complete_draft("Spontanidrott på lovet", "Öppen idrottshall varje lovdag.")
    incomplete = create_draft_application(
        actor=applicant, organisation=organisation, title="Kvällsfotboll i parken",
    )
    save_project(incomplete, actor=applicant, title="Kvällsfotboll i parken", summary="",
                 background="", aim="", activities="", start_date=None, end_date=None,
                 partners="")
    after_grant = _seed_after_grant(assessed_case, users)
    register = _seed_register(users, panel)
    feedback = send_feedback(FeedbackInput(
        description="Knappen för att spara budgeten går inte att nå med tabb.",
        page="Ansökan, budget", name="Alva", email="alva@example.se", wants_reply=True),
        address="192.0.2.50")
    session.commit()
    assert application.reference, "a submitted application has a case reference"
    return Seeded(case_reference=application.reference, draft_id=draft.id,
                  submitted_id=application.id, assessed_id=assessed.id,
                  incomplete_draft_id=incomplete.id, granted_id=granted.id,
                  letter_id=granted.current_decision.letter.id, gate_review_id=gate.id,
                  open_review_id=open_review.id, decision_id=granted.current_decision.id,
                  handed_in_review_id=next(r.id for r in assessed.reviews
                                           if r.reviewer_id == panel[0].id),
                  after_grant=after_grant, register=register,
                  applicant_user_id=applicant.id, feedback_id=feedback.id,
                  reset_token=make_reset_token(applicant.id, applicant.password_hash))


def _seed_after_grant(assessed_case: Callable[[str, str], Application],
                      users: dict[str, User]) -> AfterGrant:
    """Three granted pilots of the applicant's organisation, for the pages after the grant
    (what each holds: LiveServer's ``pilot_id``, ``reporting_id`` and ``closing_id``). Everything
    goes through the real operations, as the people would do it."""
    applicant, officer, decider = users["applicant"], users["officer"], users["decider"]

    def granted_pilot(title: str, summary: str) -> Application:
        case = assessed_case(title, summary)
        terms = decision_ops.proposed_terms(case)
        terms.jav_confirmed, terms.reasons = True, "Piloten svarar väl mot fondens kriterier."
        decision_ops.grant_application(case, actor=decider, terms=terms)
        return case

    pilot = granted_pilot(PILOT_TITLE, "Unga visar yngre barn naturen på helgerna.")

    reporting = granted_pilot(REPORTING_TITLE, "En inspelningsstudio som unga driver själva.")
    stage = write_report(reporting, ReportKind.STAGE, applicant,
                         payment_requested=REQUESTED_PAYMENT)
    report_ops.submit_report(stage, actor=applicant)
    report_ops.approve_report(stage, actor=officer, note="Arbetet går enligt planen.")
    waiting = write_report(reporting, ReportKind.STAGE, applicant)
    report_ops.submit_report(waiting, actor=applicant)
    follow_up = report_ops.start_report(reporting, actor=applicant, kind=ReportKind.FOLLOW_UP)
    decision = reporting.current_decision
    assert decision is not None and decision.project_end is not None
    change = amendment_ops.request_change(reporting, actor=applicant, change=(
        amendment_ops.ChangeInput(reason=CHANGE_REASON,
                                  new_project_end=decision.project_end + timedelta(days=30))))

    closing = granted_pilot(CLOSING_TITLE, "Simskola för barn som inte lärt sig simma.")
    finance_ops.record_payment(closing, actor=users["finance"], payment=finance_ops.PaymentInput(
        amount=CLOSING_PAID, payment_date=today(), kind="advance",
        reference="Rekvisition 1 (förskott)"))
    final = write_report(closing, ReportKind.FINAL_FINANCIAL, applicant)
    report_ops.submit_report(final, actor=applicant)
    report_ops.approve_report(final, actor=officer, note="Slutredovisningen stämmer.")

    assert stage.payment_request is not None
    return AfterGrant(
        pilot_id=pilot.id, reporting_id=reporting.id, stage_report_id=stage.id,
        waiting_report_id=waiting.id, follow_up_draft_id=follow_up.id,
        payment_request_id=stage.payment_request.id, change_request_id=change.id,
        closing_id=closing.id, final_report_id=final.id,
    )


def _seed_register(users: dict[str, User], panel: list[User]) -> RegisterPilots:
    """An association's pilots for the public register: on Meningsfull fritid in Kumla one
    followed up (its learnings published) and one granted, and one submitted (not public); on
    Meningsfull fritid in Hallsberg; in Kumla on another focus area. The followed-up one is on
    the portfolio map, the granted one builds on it, and a portfolio review continues it."""
    organisation = create_organisation(name=REGISTER_ORGANISATION, org_number="802400-1235",
                                       kind="association", municipality_code=KUMLA)
    applicant = create_user(email="unga.i.lanet@example.se", name="Frida Föreningsdotter",
                            password=PASSWORD, roles={"applicant"}, organisation=organisation)
    officer, decider = users["officer"], users["decider"]

    def submitted(title: str, summary: str, focus_areas: list[str],
                  municipality: str) -> Application:
        application = create_draft_application(actor=applicant, organisation=organisation,
                                               title=title, summary=summary)
        fill_application(application, applicant, requested=40_000)
        save_target(application, actor=applicant, focus_areas=focus_areas,
                    municipalities=[municipality], age_bands=["13-15", "16-19"],
                    target_group="Unga 13–19 år.", participants_girls=20,
                    participants_boys=20, participants_other=0)
        submit_application(application, actor=applicant)
        return application

    def granted(*args: Any) -> Application:
        application = submitted(*args)
        review_case(application, officer=officer, reviewers=panel)
        decision_ops.assess_application(
            application, actor=officer, reason="Föreslås beviljas enligt ansökan.",
            proposal="grant",
            proposed_amounts={r.year: r.amount for r in application.requested_amounts})
        terms = decision_ops.proposed_terms(application)
        terms.jav_confirmed, terms.reasons = True, "Piloten svarar väl mot fondens kriterier."
        decision_ops.grant_application(application, actor=decider, terms=terms)
        return application

    followed_up = granted(KUMLA_FOLLOWED_UP_TITLE, "Ett sommarlovskollo som unga leder.",
                          [LEISURE], KUMLA)
    report = write_report(followed_up, ReportKind.FOLLOW_UP, applicant)
    publish_learnings(report, applicant, **KUMLA_LEARNINGS)
    report_ops.submit_report(report, actor=applicant)
    report_ops.approve_report(report, actor=officer, note="Tack för rapporten.")
    kumla_granted = granted(KUMLA_GRANTED_TITLE, "Unga ritar och bygger en skejtpark.",
                            [LEISURE, "safe_neighbourhood"], KUMLA)
    hallsberg = granted(HALLSBERG_LEISURE_TITLE, "Badhuset öppet för unga två kvällar i veckan.",
                        [LEISURE], HALLSBERG)
    school = granted(KUMLA_SCHOOL_TITLE, "Gymnasieelever hjälper högstadieelever med läxorna.",
                     ["school"], KUMLA)
    waiting = submitted(KUMLA_SUBMITTED_TITLE, "En fiskeklubb vid Kvarntorpssjön.", [LEISURE],
                        KUMLA)

    portfolio_ops.tag_pilot(followed_up, actor=officer, levers=["culture", "built_environment"],
                            horizon="next", note=PORTFOLIO_NOTE)
    portfolio_ops.relate_pilots(kumla_granted, followed_up, actor=officer, kind="builds_on",
                                note="Samma unga ledare.")
    review = portfolio_ops.record_review(
        actor=officer, held_on=today(), title=PORTFOLIO_REVIEW_TITLE,
        notes="Kärngruppen gick igenom piloterna i Kumla.", items=[
            {"choice": "continue", "application_id": followed_up.id,
             "reason": "Goda resultat och lärdomar som andra kan använda."},
            {"choice": "fill_gap", "gap": "Inga piloter om skolgång i Hallsberg.",
             "focus_area_code": "school", "municipality_code": HALLSBERG,
             "reason": "Södra länet saknas för skolgången."},
        ])
    references = [a.reference for a in (followed_up, kumla_granted, hallsberg, school, waiting)]
    assert all(references), "every submitted application has a case reference"
    return RegisterPilots(*references, kumla_followed_up_id=followed_up.id,
                          portfolio_review_id=review.id)


def publish_learnings(report: Report, actor: User, *, worked: str, not_worked: str,
                      for_others: str) -> None:
    """Save ``report`` (filled by grants.demo.write_report) again as its owner would, with
    these learnings and «Lärdomarna får publiceras» ticked."""
    rows = {
        "indicator_outcomes": [{"indicator_id": o.indicator_id, "outcome": o.outcome,
                                "outcome_girls": o.outcome_girls,
                                "outcome_boys": o.outcome_boys, "comment": o.comment}
                               for o in report.indicator_outcomes],
        "participants": [{"age_band": p.age_band, "girls": p.girls, "boys": p.boys,
                          "other": p.other} for p in report.participants],
        "costs": [{"year": c.year, "cost_type": c.cost_type, "description": c.description,
                   "amount": c.amount} for c in report.costs],
        "co_financing": [{"year": c.year, "kind": c.kind, "funder": c.funder,
                          "amount": c.amount} for c in report.co_financing],
        # Stored by question id as text (JSON); the operation takes the ids.
        "checklist_outcomes": {int(k): v for k, v in report.checklist_outcomes.items()},
    }
    kept = {f.name: getattr(report, f.name) for f in fields(report_ops.ReportContent)
            if f.name not in rows and hasattr(report, f.name)}
    report_ops.save_report(report, actor=actor, content=report_ops.ReportContent(**{
        **kept, **rows, "learned_worked": worked, "learned_not_worked": not_worked,
        "learned_for_others": for_others, "learnings_public": True}))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a fresh SQLite file, served by werkzeug on a free port for one test module.

    Each test uses its own browser context (no shared cookies), so the tests of a module can share
    the server. None of them changes the seeded applications, except that a refused section form
    leaves its unsaved input in the incomplete draft (which stays incomplete either way), and a
    refused report form leaves its unsaved input in the empty follow-up report; tests that need
    more make their own (a new account and application), or run in a module of their own.
    """
    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    engine = create_db_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()

    app = create_app(app_config(url, tmp))
    with app.app_context():
        seeded = _seed()
        session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            officer_email=OFFICER_EMAIL,
            password=PASSWORD,
            case_reference=seeded.case_reference,
            emails=MappingProxyType({role: email for role, (email, _) in USERS.items()}),
            draft_id=seeded.draft_id,
            submitted_id=seeded.submitted_id,
            assessed_id=seeded.assessed_id,
            incomplete_draft_id=seeded.incomplete_draft_id,
            outbox=tmp / "outbox",
            granted_id=seeded.granted_id,
            letter_id=seeded.letter_id,
            gate_review_id=seeded.gate_review_id,
            open_review_id=seeded.open_review_id,
            decision_id=seeded.decision_id,
            handed_in_review_id=seeded.handed_in_review_id,
            pilot_id=seeded.after_grant.pilot_id,
            reporting_id=seeded.after_grant.reporting_id,
            stage_report_id=seeded.after_grant.stage_report_id,
            waiting_report_id=seeded.after_grant.waiting_report_id,
            follow_up_draft_id=seeded.after_grant.follow_up_draft_id,
            payment_request_id=seeded.after_grant.payment_request_id,
            change_request_id=seeded.after_grant.change_request_id,
            closing_id=seeded.after_grant.closing_id,
            final_report_id=seeded.after_grant.final_report_id,
            kumla_followed_up=seeded.register.kumla_followed_up,
            kumla_granted=seeded.register.kumla_granted,
            hallsberg_leisure=seeded.register.hallsberg_leisure,
            kumla_school=seeded.register.kumla_school,
            kumla_submitted=seeded.register.kumla_submitted,
            kumla_followed_up_id=seeded.register.kumla_followed_up_id,
            portfolio_review_id=seeded.register.portfolio_review_id,
            applicant_user_id=seeded.applicant_user_id,
            feedback_id=seeded.feedback_id,
            reset_token=seeded.reset_token,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["pilotfonden.engine"].dispose()


# Browser ---------------------------------------------------------------------------------------


def _unavailable(reason: str, install: str = "apt-get install chromium") -> None:
    if IN_CI:
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"{reason} (install it with: {install})")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session (Debian's /usr/bin/chromium, not a downloaded one)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context and page per test; its screenshot is saved when the test ends."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        finally:
            context.close()


# Accessibility ---------------------------------------------------------------------------------

Violation = dict[str, Any]
"""One axe-core rule that failed: ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes`` (each with
its ``target`` selectors and ``failureSummary``)."""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The text of node_modules/axe-core/axe.min.js (``npm ci`` puts it there)."""
    if not AXE_JS.exists():
        _unavailable(f"{AXE_JS.relative_to(BROWSER_DIR.parents[1])} is missing", "npm ci")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[[Page], list[Violation]]:
    """``axe(page)``: scan the page as it is now for WCAG 2.0/2.1 A and AA problems (AXE_TAGS);
    returns axe-core's violations.

    axe-core is injected with ``page.evaluate`` (DevTools evaluation), not a script tag: the
    app's Content-Security-Policy allows no inline scripts, and the scan must not need it to.
    """

    def run(page: Page) -> list[Violation]:
        if not page.evaluate("() => typeof window.axe?.run === 'function'"):
            page.evaluate(axe_source)
        return page.evaluate(
            """async (tags) => {
                const results = await axe.run(document, {
                    runOnly: {type: 'tag', values: tags},
                    resultTypes: ['violations'],
                });
                return results.violations;
            }""",
            AXE_TAGS,
        )

    return run
