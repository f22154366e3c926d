"""Nothing private is ever public (issue 7): no personal data (contact persons, the people who
use the system, reviewers' names and scores), no officers' or reviewers' notes, no learnings the
pilot owner kept internal or the officer has not approved, no cases that are not public, no
payment details, no internal portfolio notes — on any page or in any API answer.

A rich world is seeded through the real operations, each private thing a distinctive string
(SECRETS, plus every user's name and e-mail address). Then every GET route an anonymous visitor
can open is requested — with filters, searches, a sort, second pages, bad values and references
that are not public — and no answer (HTML, JSON, CSV, Atom) may hold a secret. The public pilot
must be in the answers that list it, so the test cannot pass on empty pages.

The routes come from ``app.url_map``: each GET route is opened anonymously with its arguments
filled from the seeded world, and every one that answers 200 must be among the routes of
PUBLIC_URLS; every other one must ask for a login. A new public route fails the test until its
URLs are added to PUBLIC_URLS here.

(The issue also says "nothing secret-marked": the app has no secrecy marking yet, so there is
nothing of that kind to seed; when one comes, its marked texts belong in SECRETS.)
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from grants.completeness import today
from grants.db import session
from grants.demo import fill_application, write_report
from grants.models import Application, CriterionKind, Report, ReportKind, User
from grants.operations import amendments as amendment_ops
from grants.operations import assessment as assessment_ops
from grants.operations import content
from grants.operations import decisions as decision_ops
from grants.operations import finance as finance_ops
from grants.operations import portfolio as portfolio_ops
from grants.operations import reports as report_ops
from grants.operations.applications import create_draft_application, submit_application
from grants.operations.users import create_user
from grants.passwords import make_reset_token
from tests.conftest import PASSWORD
from tests.web.test_public_register import pilot_factory
from workflows import State

TAG = "QX7"
"""In every secret text, so a search for it can be made too."""

PEOPLE = {
    # role: (name, e-mail)
    "applicant": ("Sixten Sökandesson", "sixten.sokandesson@hemligt.example"),
    "officer": ("Ottilia Handläggarsdotter", "ottilia.handlaggarsdotter@hemligt.example"),
    "decider": ("Dagny Beslutardotter", "dagny.beslutardotter@hemligt.example"),
    "reviewer": ("Rigmor Granskarsdotter", "rigmor.granskarsdotter@hemligt.example"),
    "reviewer2": ("Ragnar Bedömarsson", "ragnar.bedomarsson@hemligt.example"),
    "jav_reviewer": ("Jöns Jävsson", "jons.javsson@hemligt.example"),
    "finance": ("Fredrika Ekonomsdotter", "fredrika.ekonomsdotter@hemligt.example"),
}

SECRETS = {
    "contact name": "Tuva Kontaktsdotter",
    "contact role": f"Hemlig projektroll {TAG}",
    "contact e-mail": "tuva.kontaktsdotter@hemligt.example",
    "contact phone": "0701-98 76 54",
    "screening note": f"KONTROLLANTECKNING-{TAG}",
    "review comment": f"GRANSKNINGSKOMMENTAR-{TAG}",
    "second review comment": f"ANDRA-GRANSKNINGSKOMMENTAREN-{TAG}",
    "score reason": f"POANGMOTIVERING-{TAG}",
    "rating reason": f"BETYGSMOTIVERING-{TAG}",
    "jäv note": f"JAVSANTECKNING-{TAG}",
    "officer's assessment": f"BEDOMNINGSANTECKNING-{TAG}",
    "payment reference": f"UTBETALNINGSUNDERLAG-{TAG}",
    "change request reason": f"ANDRINGSSKAL-{TAG}",
    "internal learning, worked": f"INTERNLARDOM-FUNGERADE-{TAG}",
    "internal learning, not worked": f"INTERNLARDOM-FUNGERADE-INTE-{TAG}",
    "internal learning, for others": f"INTERNLARDOM-TIPS-{TAG}",
    "internal report's approval note": f"GODKANNANDE-DELRAPPORT-{TAG}",
    "returned report's learning": f"ATERSAND-LARDOM-{TAG}",
    "return reason": f"KOMPLETTERINGSSKAL-{TAG}",
    "unapproved learning": f"EJGODKAND-LARDOM-{TAG}",
    "activities done": f"GENOMFORT-INTERNT-{TAG}",
    "deviations": f"AVVIKELSE-INTERNT-{TAG}",
    "indicator comment": f"INDIKATORKOMMENTAR-{TAG}",
    "cost description": f"KOSTNADSRAD-{TAG}",
    "co-financer": f"MEDFINANSIAR-{TAG}",
    "cost comment": f"KOSTNADSKOMMENTAR-{TAG}",
    "gender-equality outcome": f"JAMSTALLDHETSUTFALL-{TAG}",
    "sustainability outcome": f"HALLBARHETSUTFALL-{TAG}",
    "checklist outcome": f"CHECKLISTUTFALL-{TAG}",
    "follow-up approval note": f"GODKANNANDE-UPPFOLJNING-{TAG}",
    "support needed after scale-up": f"STODBEHOV-{TAG}",
    "scale-up approval note": f"GODKANNANDE-INFORANDE-{TAG}",
    "portfolio note": f"PORTFOLJANTECKNING-{TAG}",
    "relation note": f"RELATIONSANTECKNING-{TAG}",
    "portfolio review title": f"GENOMGANGSRUBRIK-{TAG}",
    "portfolio review notes": f"MOTESANTECKNINGAR-{TAG}",
    "portfolio review reason": f"GENOMGANGSSKAL-{TAG}",
    "portfolio gap": f"GLAPPBESKRIVNING-{TAG}",
    "portfolio gap reason": f"GLAPPSKAL-{TAG}",
    **{f"title of a {state} case": f"Ej offentlig {state} {TAG}" for state in (
        "draft", "submitted", "returned", "assessed", "rejected", "withdrawn")},
    "summary of the cases that are not public": f"Hemlig sammanfattning {TAG}",
}

PUBLIC_TITLE = "Lovkollo med unga ledare"
RELATED_TITLE = "Skejtpark som unga bygger"
OTHER_TITLE = "Kvällsöppet med unga"
PUBLISHED = {
    "worked": "Unga ledare gjorde kollot tryggt för de yngre barnen.",
    "not_worked": "Långa bussresor till kollot tröttade ut de minsta.",
    "for_others": "Låt de unga ledarna träffa föräldrarna före lovet.",
}
"""The public pilot's published learnings (its approved follow-up report)."""
FILLERS = 20
"""Other public pilots («Aktivitet 01» …), so that the register has a second page on which the
public pilot stands when sorted by title."""
KUMLA = "1881"


@dataclass
class World:
    public: Application
    """PUBLIC_TITLE: scaled into ordinary work, every private part of it a secret."""
    related: Application
    """RELATED_TITLE: granted, builds on the public pilot; its stage report with learnings
    marked public is handed in, not approved."""
    other: Application
    """OTHER_TITLE: followed up, its learnings published (the learnings have two pages)."""
    hidden: dict[str, Application]
    """A case in every state that is not public, by state."""


# Seeding ----------------------------------------------------------------------------------------


def resave(report: Report, actor: User, **changes: Any) -> None:
    """Save ``report`` (filled by grants.demo.write_report) again as its owner would, with
    ``changes`` (fields of ReportContent; the rows ``indicator_comment``, ``cost_description``
    and ``co_financer`` put one text in every row)."""
    comment = changes.pop("indicator_comment", None)
    description = changes.pop("cost_description", None)
    funder = changes.pop("co_financer", None)
    rows = {
        "indicator_outcomes": [{"indicator_id": o.indicator_id, "outcome": o.outcome,
                                "outcome_girls": o.outcome_girls,
                                "outcome_boys": o.outcome_boys,
                                "comment": comment or o.comment}
                               for o in report.indicator_outcomes],
        "participants": [{"age_band": p.age_band, "girls": p.girls, "boys": p.boys,
                          "other": p.other} for p in report.participants],
        "costs": [{"year": c.year, "cost_type": c.cost_type,
                   "description": description or c.description, "amount": c.amount}
                  for c in report.costs],
        "co_financing": [{"year": c.year, "kind": c.kind, "funder": funder or c.funder,
                          "amount": c.amount} for c in report.co_financing],
        "checklist_outcomes": {int(k): v for k, v in report.checklist_outcomes.items()},
    }
    kept = {f.name: getattr(report, f.name) for f in fields(report_ops.ReportContent)
            if f.name not in rows and hasattr(report, f.name)}
    report_ops.save_report(report, actor=actor, content=report_ops.ReportContent(
        **{**kept, **rows, **changes}))


def review(application: Application, officer: User, reviewer: User, comment: str) -> None:
    """``reviewer`` is assigned, declares no jäv and hands in scores and ratings whose every
    reason is a secret."""
    assigned = assessment_ops.assign_reviewer(application, actor=officer, reviewer=reviewer)
    assessment_ops.declare_jav(assigned, actor=reviewer, disqualified=False)
    criteria = assigned.rubric.criteria
    assessment_ops.save_review(
        assigned, actor=reviewer, comment=comment, submit=True,
        scores={c.id: (2, SECRETS["score reason"]) for c in criteria
                if c.kind == CriterionKind.SCORED},
        ratings={c.id: ("partial", SECRETS["rating reason"]) for c in criteria
                 if c.kind == CriterionKind.HORIZONTAL},
        recommendation="grant_full", recommended_amount=None)


def public_pilot(make_organisation: Callable[..., Any]) -> tuple[Application, dict[str, User]]:
    """PUBLIC_TITLE on Meningsfull fritid in Kumla, taken from draft to scaled by the people of
    PEOPLE, leaving a secret at every step."""
    organisation = make_organisation(name="Föreningen Lovkollo", municipality_code=KUMLA)
    people = {
        role: create_user(email=email, name=name, password=PASSWORD, roles={
            role.removesuffix("2").removeprefix("jav_")},
            organisation=organisation if role == "applicant" else None)
        for role, (name, email) in PEOPLE.items()
    }
    applicant, officer = people["applicant"], people["officer"]

    pilot = create_draft_application(actor=applicant, organisation=organisation,
                                     title=PUBLIC_TITLE, summary="Ett sommarlovskollo.")
    fill_application(pilot, applicant)
    content.save_target(pilot, actor=applicant, focus_areas=["leisure"], municipalities=[KUMLA],
                        age_bands=["10-12", "13-15"], target_group="Barn 10–15 år.",
                        participants_girls=20, participants_boys=20, participants_other=0)
    content.save_contact(pilot, actor=applicant, name=SECRETS["contact name"],
                         role=SECRETS["contact role"], email=SECRETS["contact e-mail"],
                         phone=SECRETS["contact phone"])
    submit_application(pilot, actor=applicant)

    # The officer's formal check, the reviews (one reviewer declares jäv), the assessment.
    assessment_ops.register_dnr(pilot, actor=officer, dnr=f"{today().year % 100:02d}RS4711")
    assessment_ops.save_screening(pilot, actor=officer, complete=True, eligible_applicant=True,
                                  within_aims=True, state_aid_handled=True,
                                  note=SECRETS["screening note"])
    jav = assessment_ops.assign_reviewer(pilot, actor=officer, reviewer=people["jav_reviewer"])
    assessment_ops.declare_jav(jav, actor=people["jav_reviewer"], disqualified=True, ground=1,
                               note=SECRETS["jäv note"])
    needed = assessment_ops.reviewers_required(pilot)
    assert needed <= 2
    for reviewer, comment in [(people["reviewer"], SECRETS["review comment"]),
                              (people["reviewer2"], SECRETS["second review comment"])][:needed]:
        review(pilot, officer, reviewer, comment)
    decision_ops.assess_application(
        pilot, actor=officer, reason=SECRETS["officer's assessment"], proposal="grant",
        proposed_amounts={r.year: r.amount for r in pilot.requested_amounts})
    terms = decision_ops.proposed_terms(pilot)
    # The decision's reasons are the letter's (the proposal carried the officer's note).
    terms.jav_confirmed, terms.reasons = True, "Piloten svarar väl mot fondens kriterier."
    decision_ops.grant_application(pilot, actor=people["decider"], terms=terms)

    # While it runs: a payment, a change request, a stage report with internal learnings and
    # one returned for completion.
    finance_ops.record_payment(pilot, actor=people["finance"], payment=finance_ops.PaymentInput(
        amount=20_000, payment_date=today(), kind="advance",
        reference=SECRETS["payment reference"]))
    decision = pilot.current_decision
    assert decision is not None and decision.project_end is not None
    amendment_ops.request_change(pilot, actor=applicant, change=amendment_ops.ChangeInput(
        reason=SECRETS["change request reason"],
        new_project_end=decision.project_end + timedelta(days=30)))
    internal = write_report(pilot, ReportKind.STAGE, applicant)
    resave(internal, applicant, learnings_public=False,
           learned_worked=SECRETS["internal learning, worked"],
           learned_not_worked=SECRETS["internal learning, not worked"],
           learned_for_others=SECRETS["internal learning, for others"])
    report_ops.submit_report(internal, actor=applicant)
    report_ops.approve_report(internal, actor=officer,
                              note=SECRETS["internal report's approval note"])
    returned = write_report(pilot, ReportKind.STAGE, applicant)
    resave(returned, applicant, learnings_public=True,
           learned_worked=SECRETS["returned report's learning"])
    report_ops.submit_report(returned, actor=applicant)
    report_ops.return_report(returned, actor=officer, reason=SECRETS["return reason"])

    # The follow-up report: its learnings published, everything else in it internal.
    follow_up = write_report(pilot, ReportKind.FOLLOW_UP, applicant)
    question = pilot.checklist_answers[0].question_id
    resave(follow_up, applicant, learnings_public=True, learned_worked=PUBLISHED["worked"],
           learned_not_worked=PUBLISHED["not_worked"],
           learned_for_others=PUBLISHED["for_others"],
           activities_done=SECRETS["activities done"],
           activities_deviations=SECRETS["deviations"],
           indicator_comment=SECRETS["indicator comment"],
           cost_description=SECRETS["cost description"], co_financer=SECRETS["co-financer"],
           cost_comment=SECRETS["cost comment"],
           gender_equality_outcome=SECRETS["gender-equality outcome"],
           sustainability_outcome=SECRETS["sustainability outcome"],
           checklist_outcomes={question: SECRETS["checklist outcome"]})
    report_ops.submit_report(follow_up, actor=applicant)
    report_ops.approve_report(follow_up, actor=officer,
                              note=SECRETS["follow-up approval note"])
    scale_up = write_report(pilot, ReportKind.SCALE_UP, applicant)
    resave(scale_up, applicant, support_needed=SECRETS["support needed after scale-up"])
    report_ops.submit_report(scale_up, actor=applicant)
    report_ops.approve_report(scale_up, actor=officer, note=SECRETS["scale-up approval note"])
    assert pilot.state == State.SCALED
    return pilot, people


@pytest.fixture
def world(make_organisation: Callable[..., Any], make_user: Callable[..., User],
          make_application: Callable[..., Application],
          staff: dict[str, User]) -> World:
    make_pilot = pilot_factory(make_user, make_organisation, staff)
    for number in range(1, FILLERS + 1):
        make_pilot(State.GRANTED, title=f"Aktivitet {number:02d}", requested=5_000)
    other = make_application(State.FOLLOWED_UP, title=OTHER_TITLE)
    public, people = public_pilot(make_organisation)
    related = make_pilot(State.GRANTED, title=RELATED_TITLE, municipalities=(KUMLA,),
                         requested=40_000)
    waiting = write_report(related, ReportKind.STAGE, related.created_by)
    resave(waiting, related.created_by, learnings_public=True,
           learned_worked=SECRETS["unapproved learning"])
    report_ops.submit_report(waiting, actor=related.created_by)

    officer = people["officer"]
    portfolio_ops.tag_pilot(public, actor=officer, levers=["culture", "data"], horizon="next",
                            note=SECRETS["portfolio note"])
    portfolio_ops.relate_pilots(related, public, actor=officer, kind="builds_on",
                                note=SECRETS["relation note"])
    portfolio_ops.record_review(
        actor=people["decider"], held_on=today(), title=SECRETS["portfolio review title"],
        notes=SECRETS["portfolio review notes"], items=[
            {"choice": "continue", "application_id": public.id,
             "reason": SECRETS["portfolio review reason"]},
            {"choice": "fill_gap", "gap": SECRETS["portfolio gap"],
             "focus_area_code": "school", "municipality_code": KUMLA,
             "reason": SECRETS["portfolio gap reason"]},
        ])

    hidden = {
        state.value: make_application(
            state, title=SECRETS[f"title of a {state.value} case"],
            summary=SECRETS["summary of the cases that are not public"])
        for state in (State.DRAFT, State.SUBMITTED, State.RETURNED, State.ASSESSED,
                      State.REJECTED, State.WITHDRAWN)
    }
    session.commit()
    return World(public=public, related=related, other=other, hidden=hidden)


def private_texts() -> dict[str, str]:
    """SECRETS and the name and e-mail address of every user in the database."""
    texts = dict(SECRETS)
    for user in session.scalars(sa.select(User)):
        texts[f"name of user {user.id}"] = user.name
        texts[f"e-mail of user {user.id}"] = user.email
    return texts


# What is requested -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    url: str
    shows: tuple[str, ...] = ()
    """Texts the answer must hold (the public pilot, its learnings): it is not empty."""
    status: int = 200


def public_urls(world: World) -> list[Public]:
    """Every public URL to request: each public route, with its filters, searches, sorts,
    second pages, bad values and references that are not public."""
    ref, related_ref = world.public.reference, world.related.reference
    assert ref and related_ref
    learned = PUBLISHED["worked"]
    hidden_refs = [a.reference for a in world.hidden.values() if a.reference]
    assert len(hidden_refs) == len(world.hidden) - 1, "all but the draft have a reference"
    total = f"{FILLERS + 3} piloter"
    return [
        Public("/", ("Piloter hittills", f"{FILLERS + 3} piloter har fått stöd")),
        Public("/personuppgifter"),
        Public("/tillganglighet", ("delvis förenlig", "Om du inte kan använda delar")),
        Public("/logga-in"),
        Public("/registrera"),
        Public("/glomt-losenord"),
        Public(f"/aterstall-losenord/{reset_token()}", ("Välj nytt lösenord",)),
        Public("/aterstall-losenord/ogiltig", ("Länken fungerar inte längre",), status=400),
        Public("/healthz", ('"status":"ok"',)),
        Public("/static/style.css"),
        Public("/static/app.js"),
        # The register and its filters, search, sorts and pages.
        Public("/piloter", (total,)),
        Public("/piloter?sortering=titel&sida=2", (PUBLIC_TITLE, RELATED_TITLE, OTHER_TITLE)),
        Public("/piloter?sortering=belopp", (total,)),
        Public(f"/piloter?insatsomrade=leisure&kommun={KUMLA}", (PUBLIC_TITLE, RELATED_TITLE)),
        Public(f"/piloter?status=scaled&ar={today().year}&organisation=association",
               ("1 pilot", PUBLIC_TITLE)),
        Public("/piloter?q=lovkollo", (PUBLIC_TITLE,)),
        Public("/piloter?q=" + quote("unga ledare tryggt"), (PUBLIC_TITLE,)),
        Public(f"/piloter?q={TAG}", ("Inga piloter",)),
        Public("/piloter?sida=99", ("Inga piloter på den här sidan",)),
        Public("/piloter?kommun=9999", ("Sökningen kunde inte göras",), status=400),
        # One pilot: the public ones, and those that are not (the same 404).
        Public(f"/piloter/{ref}", (PUBLIC_TITLE, *PUBLISHED.values())),
        Public(f"/piloter/{related_ref}", (RELATED_TITLE,)),
        *(Public(f"/piloter/{hidden}", status=404) for hidden in hidden_refs),
        # The learning hub and its feed.
        Public("/larande", (PUBLIC_TITLE, learned)),
        Public("/larande?insatsomrade=leisure&tema=fungerade", (PUBLIC_TITLE, learned)),
        Public("/larande?sida=2", ("Inga lärdomar på den här sidan",)),
        Public("/larande?tema=okand", (), status=400),
        Public("/larande.atom", (PUBLIC_TITLE, learned)),
        # The open portfolio map.
        Public("/portfoljen", (PUBLIC_TITLE, RELATED_TITLE)),
        # The API.
        Public("/api/v1/pilots", (f'"total":{FILLERS + 3}',)),
        Public("/api/v1/pilots?per_sida=100", (ref, related_ref)),
        Public("/api/v1/pilots?sortering=titel&sida=2", (ref, related_ref)),
        Public(f"/api/v1/pilots?insatsomrade=leisure&kommun={KUMLA}&q=lovkollo", (ref,)),
        Public("/api/v1/pilots?status=scaled&per_sida=1&sida=2", ('"total":1',)),
        Public("/api/v1/pilots?kommun=9999", ("Okänd kommun",), status=400),
        Public("/api/v1/pilots.csv", (ref, related_ref, PUBLIC_TITLE)),
        Public(f"/api/v1/pilots.csv?kommun={KUMLA}&q=" + quote("unga ledare"), (ref,)),
        Public(f"/api/v1/pilots/{ref}", (ref, *PUBLISHED.values())),
        Public(f"/api/v1/pilots/{related_ref}", (related_ref,)),
        *(Public(f"/api/v1/pilots/{hidden}", status=404) for hidden in hidden_refs),
        Public("/api/v1/learnings", (ref, learned)),
        Public("/api/v1/learnings?insatsomrade=leisure&tema=tips&per_sida=1",
               (ref, PUBLISHED["for_others"])),
        Public("/api/v1/learnings?per_sida=1&sida=2", ('"total":2', '"page":2')),
        Public("/api/v1/learnings.csv", (ref, learned)),
        Public("/api/v1/learnings.csv?tema=fungerade-inte", (ref, PUBLISHED["not_worked"])),
        Public("/api/v1/360giving.json", (ref, related_ref, PUBLIC_TITLE)),
        Public("/api/v1/pots", ('"currency":"SEK"',)),
        Public("/api/v1/openapi.json", ('"openapi":"3.1',)),
    ]


def fetch(client: FlaskClient, url: str) -> Any:
    """GET ``url``: the whole answer read, and the response closed (a static file is streamed
    from an open file)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def readable(body: bytes) -> str:
    """The answer's text as a reader would see it: the text itself, with HTML and XML
    entities resolved, and JSON with its \\u escapes resolved, case-folded."""
    text = body.decode("utf-8-sig")
    variants = [text, html.unescape(text)]
    try:
        variants.append(json.dumps(json.loads(text), ensure_ascii=False))
    except ValueError:
        pass
    return "\n".join(variants).casefold()


# Deriving the public routes ----------------------------------------------------------------------


def reset_token() -> str:
    """A working password-reset token for the first user: the reset page opens for anyone who
    holds one, so it is swept like the public pages."""
    user = session.scalars(sa.select(User).order_by(User.id)).first()
    assert user is not None
    return make_reset_token(user.id, user.password_hash)


def arguments(world: World) -> dict[str, Any]:
    """A value for each argument a route takes: real ids of the public pilot and its records
    (a protected route must ask for a login whatever it is asked about)."""
    public = world.public
    decision = public.current_decision
    assert decision is not None and decision.letter is not None
    report = session.scalars(sa.select(Report).where(Report.application_id == public.id)
                             .order_by(Report.id)).first()
    assert report is not None
    return {
        "reference": public.reference, "application_id": public.id,
        "review_id": public.reviews[0].id, "report_id": report.id, "attachment_id": 1,
        "letter_id": decision.letter.id, "decision_id": decision.id, "request_id": 1,
        "year": today().year, "section": "projekt", "fmt": "csv", "filename": "style.css",
        "token": reset_token(), "user_id": public.created_by_id, "feedback_id": 1,
    }


def anonymous_answer(app: Flask, client: FlaskClient, rule: Rule,
                     values: dict[str, Any]) -> tuple[str, Any]:
    """Open ``rule`` with its arguments filled from ``values``, without logging in."""
    missing = sorted(set(rule.arguments) - set(values))
    assert not missing, (f"{rule.rule}: the test cannot fill {missing}; add a value to "
                         "arguments() so the route can be opened")
    url = app.url_map.bind("localhost").build(
        rule.endpoint, {name: values[name] for name in rule.arguments}, method="GET")
    return url, fetch(client, url)


def asks_for_login(response: Any) -> bool:
    if response.status_code == 401:  # the API's answer
        return True
    location = urlsplit(response.headers.get("Location", "")).path
    return response.status_code == 302 and location == "/logga-in"


def test_every_route_an_anonymous_visitor_can_open_is_requested_here(
    app: Flask, client: FlaskClient, world: World
) -> None:
    values = arguments(world)
    requested = {app.url_map.bind("localhost").match(urlsplit(p.url).path)[0]
                 for p in public_urls(world)}
    opened, protected, other = set(), set(), []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        url, response = anonymous_answer(app, client, rule, values)
        if response.status_code == 200:
            opened.add(rule.endpoint)
        elif asks_for_login(response):
            protected.add(rule.endpoint)
        else:
            other.append(f"{url} ({rule.endpoint}): {response.status_code}")

    assert not other, ("Every route either opens for anyone or asks for a login; these did "
                       "neither (fill their arguments in arguments()?):\n" + "\n".join(other))
    assert not opened - requested, (
        f"New public route(s) {sorted(opened - requested)}: add their URLs (with filters and "
        "pages) to public_urls() so the privacy check covers them")
    assert not requested - opened, f"Not public any more: {sorted(requested - opened)}"
    assert protected and not opened & protected


def test_no_public_page_or_api_answer_shows_anything_private(
    client: FlaskClient, world: World
) -> None:
    secrets = private_texts()
    assert len(secrets) > len(SECRETS) + len(PEOPLE) * 2, "every user is in the check"
    assert session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.learned_worked.contains(TAG))) == 3, "the secret learnings are stored"
    checked = 0
    for public in public_urls(world):
        response = fetch(client, public.url)
        assert response.status_code == public.status, (public.url, response.status_code)
        text = readable(response.get_data())
        found = [what for what, secret in secrets.items() if secret.casefold() in text]
        assert not found, f"{public.url} shows {found}"
        for shown in public.shows:
            assert shown.casefold() in text, f"{public.url} does not show {shown!r}"
        checked += 1
    assert checked == len(public_urls(world))


def test_searching_for_a_secret_finds_no_pilot_and_no_learning(
    client: FlaskClient, world: World
) -> None:
    for what, secret in private_texts().items():
        word = max(secret.split(), key=len)
        for url in (f"/api/v1/pilots?q={quote(word)}", f"/api/v1/pilots?q={quote(secret)}"):
            body = fetch(client, url).get_json()
            assert body["total"] == 0 and body["pilots"] == [], f"{what}: {url}"
    assert fetch(client, "/api/v1/pilots?q=lovkollo").get_json()["total"] == 1
