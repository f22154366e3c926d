"""Demo data: pots, organisations, one account per role, and applications in every state.

The applications are moved with the real operations, so each has a genuine audit trail.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from grants.completeness import CHECKLIST_SECTIONS, fund_settings, pot_years, today
from grants.db import session
from grants.models import (
    Application,
    CriterionKind,
    FundSettings,
    Outcome,
    Pot,
    Report,
    ReportKind,
    User,
)
from grants.operations import amendments as amendment_ops
from grants.operations import applications as ops
from grants.operations import assessment as assessment_ops
from grants.operations import content
from grants.operations import decisions as decision_ops
from grants.operations import feedback as feedback_ops
from grants.operations import finance as finance_ops
from grants.operations import portfolio as portfolio_ops
from grants.operations import reports as report_ops
from grants.operations.users import create_organisation, create_user
from grants.reference import seed_reference_data
from workflows import State

DEMO_PASSWORD = "pilotfonden-demo"

POTS = {2024: 186_182, 2025: 381_300, 2026: 233_126}
"""The project's 1:1 money per budget year (DOMAIN.md §1); the demo reserves all of it."""

ACCOUNTS = [
    # e-mail, name, roles, organisation key
    ("sara@kumla.example", "Sara Sökande", {"applicant"}, "kumla"),
    ("ali@fritidforalla.example", "Ali Föreningsson", {"applicant"}, "forening"),
    ("hanna@regionorebrolan.example", "Hanna Handläggare", {"officer", "decider"}, None),
    ("olof@regionorebrolan.example", "Olof Handläggare", {"officer"}, None),
    ("bo@regionorebrolan.example", "Bo Beslutsfattare", {"decider"}, None),
    ("greta@regionorebrolan.example", "Greta Granskare", {"reviewer"}, None),
    ("rasmus@regionorebrolan.example", "Rasmus Granskare", {"reviewer"}, None),
    ("erik@regionorebrolan.example", "Erik Ekonom", {"finance"}, None),
    ("adam@regionorebrolan.example", "Adam Administratör", {"admin"}, None),
]

# (title, summary, organisation key, the triggers to fire after creation, with their reasons)
APPLICATIONS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Läxhjälp på biblioteket", "Läxhjälp två kvällar i veckan för elever i årskurs 4–9.",
     "kumla", []),
    ("Föräldracaféer i Kumla", "Träffar för föräldrar till tonåringar, med samtalsledare.",
     "kumla", [("submit", "")]),
    ("Fritidsbank för unga", "Gratis lån av sport- och friluftsutrustning för barn och unga.",
     "forening", [("submit", ""), ("return_for_completion",
                  "Budgeten saknar medfinansieringen från föreningen. Komplettera den.")]),
    ("Trygga vägen hem", "Vuxna på stan och upplysta stråk mellan skola och fritidsgård.",
     "kumla", [("submit", ""), ("assess", "Föreslås beviljas med 120 000 kr.")]),
    ("Kvällsöppet på fritidsgården", "Förlängda öppettider fredagar med unga som medarrangörer.",
     "forening", [("submit", ""), ("assess", ""), ("grant", "Väl förankrad i RUS.")]),
    ("Studiecirkel för nyanlända föräldrar", "Samtal om skolan på flera språk.",
     "kumla", [("submit", ""), ("assess", ""), ("grant", ""), ("follow_up", "")]),
    ("Mattecoacher i mellanstadiet", "Gymnasieelever coachar mellanstadieelever i matematik.",
     "kumla", [("submit", ""), ("assess", ""), ("grant", ""), ("follow_up", ""),
               ("scale", "Kumla kommun tar in arbetet i ordinarie budget från 2026.")]),
    ("Sommarjobb i naturvård", "Feriearbete med naturvård för 15–17-åringar.",
     "forening", [("submit", ""), ("assess", ""), ("grant", ""),
                  ("close", "Piloten genomförd; ingen fortsättning planeras.")]),
    ("Nattvandring med föräldrar", "Föräldrar nattvandrar fredagar med stöd av fältassistenter.",
     "kumla", [("submit", ""), ("assess", ""), ("grant", "")]),
    ("Läsfrämjande på fritids", "Högläsning och bokklubbar på fritidshemmen.", "forening",
     [("submit", ""), ("assess", ""), ("grant", "")]),
    ("Parkour i parken", "Parkourträning utomhus för 10–15-åringar.", "forening",
     [("submit", ""), ("assess", ""), ("grant", "")]),
    ("E-sportturnering", "En turnering under en helg.", "forening",
     [("submit", ""), ("assess", ""), ("reject", "Insatsen är ett enstaka evenemang, inte en pilot "
                                                 "som kan föras in i ordinarie verksamhet.")]),
    ("Simskola för alla", "Simundervisning för barn som inte kan simma.", "kumla",
     [("submit", ""), ("withdraw", "Kommunen finansierar insatsen själv.")]),
]

TITLES = {
    "hanna@regionorebrolan.example": "Handläggare",
    "olof@regionorebrolan.example": "Handläggare",
    "bo@regionorebrolan.example": "Regional utvecklingsdirektör",
}

PAYMENTS: dict[str, list[tuple[str, int, str]]] = {
    "Kvällsöppet på fritidsgården": [("advance", 50, "Rekvisition 1 (förskott)")],
    "Studiecirkel för nyanlända föräldrar": [("advance", 40, "Rekvisition 1 (förskott)"),
                                             ("costs", 30, "Delrapport 1")],
    "Mattecoacher i mellanstadiet": [("costs", 100, "Slutrapport")],
    "Sommarjobb i naturvård": [("costs", 70, "Slutrapport")],
    "Parkour i parken": [("advance", 50, "Rekvisition 1 (förskott)")],
}
"""Payments the demo's finance user has booked while the pilot ran: kind, percent of the grant,
what it rests on. Sommarjobb spent 70 %: closing it gives 30 % back to its year."""

REQUESTED = {"Föräldracaféer i Kumla": 60_000, "Trygga vägen hem": 45_000,
             "Nattvandring med föräldrar": 5_000, "Läsfrämjande på fritids": 5_000,
             "Parkour i parken": 5_000}
"""Kronor asked for (default 30 000): the pilots granted in the demo leave room in this year's pot
for the assessed and the submitted case, and the submitted one asks enough to need two reviews."""

_ACTOR_FOR = {
    "submit": "applicant", "resubmit": "applicant", "withdraw": "applicant",
    "return_for_completion": "officer", "assess": "officer", "follow_up": "officer",
    "scale": "officer", "close": "officer", "grant": "decider", "reject": "decider",
}


def fill_application(application: Application, actor: User, *, title: str | None = None,
                     summary: str | None = None, requested: int = 100_000) -> None:
    """Fill every section of ``application`` with complete, consistent example content.

    The project runs from today for up to four months (within the fund's last date), asks for
    half of 200 000 kr of costs from the open pot of the year it starts, and answers every
    checklist question. ``requested`` is half the costs; the other half is co-financing.
    Raises RuntimeError if no pot is open for that year.
    """
    settings, years = fund_settings(), pot_years()
    start = today()
    end = min(settings.last_project_date, start + timedelta(days=120), date(start.year, 12, 31))
    if end < start or not years.get(start.year):
        raise RuntimeError(
            f"Det finns ingen öppen pott för {start.year} eller så har fondens sista dag "
            f"({settings.last_project_date}) passerat: exempelansökan kan inte fyllas i."
        )
    year = start.year
    content.save_project(
        application, actor=actor, title=title or application.title or "Pilot för unga",
        summary=summary or application.summary or "Vi prövar ett nytt arbetssätt för unga.",
        background="Allt färre unga i området deltar i organiserad fritid, särskilt flickor "
                   "13–15 år. Kartläggningen 2025 visar att det saknas mötesplatser på kvällstid.",
        aim="Fler unga, både flickor och pojkar, har en meningsfull fritid och trygga vuxna "
            "omkring sig.",
        activities="Månad 1: planera med unga i en referensgrupp.\n"
                   "Månad 2–3: genomföra aktiviteterna två kvällar i veckan.\n"
                   "Månad 4: utvärdera tillsammans med deltagarna.",
        start_date=start, end_date=end,
        partners="Fritidsgården, skolan och en idrottsförening genomför aktiviteterna tillsammans.",
    )
    content.save_target(
        application, actor=actor, focus_areas=["leisure", "safe_neighbourhood"],
        municipalities=[application.organisation.municipality_code or "1880"],
        age_bands=["13-15", "16-19"],
        target_group="Unga 13–19 år i bostadsområdet, med särskilt fokus på flickor.",
        participants_girls=30, participants_boys=25, participants_other=5,
    )
    content.save_indicators(application, actor=actor, rows=[
        {"name": "Unga som deltar minst fyra gånger", "unit": "antal", "baseline": "0",
         "target": "50", "by_sex": True},
        {"name": "Deltagare som känner sig trygga på vägen hem", "unit": "procent",
         "baseline": "55", "target": "75", "by_sex": True},
    ])
    content.save_budget(
        application, actor=actor,
        lines=[
            {"year": year, "cost_type": "own_staff", "description": "Fritidsledare 50 %",
             "amount": requested * 6 // 5},
            {"year": year, "cost_type": "external_services", "description": "Samtalsledare",
             "amount": 2 * requested - requested * 6 // 5},
        ],
        co_financing=[
            {"year": year, "kind": "work_time", "funder": "Sökande organisationen",
             "amount": requested * 3 // 5},
            {"year": year, "kind": "cash", "funder": "Idrottsföreningen",
             "amount": requested - requested * 3 // 5},
        ],
        requested={year: requested},
    )
    version = application.checklist_version
    for section, group in CHECKLIST_SECTIONS.items():
        questions = [q for q in version.questions if q.checklist == group] if version else []
        content.save_checklist(application, actor=actor, section=section, answers={
            q.id: ("yes", "Det beskrivs i ansökan och följs upp i rapporten.") for q in questions
        })
    content.save_state_aid(application, actor=actor, market=False, de_minimis_previous_eur=None,
                           de_minimis_confirmed=False)
    content.save_contact(application, actor=actor, name=actor.name, role="Projektledare",
                         email=actor.email, phone="019-602 10 00")


def review_case(application: Application, *, officer: User, reviewers: list[User],
                reason: str = "") -> None:
    """Take a received case to the point where it can be assessed, as the staff would: the
    formal check, a Dnr, reviewers assigned, each declaring no jäv and handing in a review."""
    if application.dnr is None:
        year = (application.submitted_at or application.created_at).year % 100
        assessment_ops.register_dnr(application, actor=officer,
                                    dnr=f"{year:02d}RS{1000 + application.id}")
    assessment_ops.save_screening(application, actor=officer, complete=True,
                                  eligible_applicant=True, within_aims=True,
                                  state_aid_handled=True, note="Kontrollerad.")
    needed = assessment_ops.reviewers_required(application)
    for reviewer in reviewers[:needed]:
        review = assessment_ops.assign_reviewer(application, actor=officer, reviewer=reviewer)
        assessment_ops.declare_jav(review, actor=reviewer, disqualified=False)
        assessment_ops.save_review(
            review, actor=reviewer, comment="Väl förankrad pilot.", submit=True,
            scores={c.id: (2, "Uppfyller kriteriet väl enligt ansökan.")
                    for c in review.rubric.criteria if c.kind == CriterionKind.SCORED},
            ratings={c.id: ("partial", "Syns i beskrivning och budget.")
                     for c in review.rubric.criteria if c.kind == CriterionKind.HORIZONTAL},
            recommendation="grant_full", recommended_amount=None,
        )


def take_step(application: Application, trigger: str, *, applicant: User,
              staff: dict[str, User], reviewers: list[User], reason: str = "") -> None:
    """Fire ``trigger`` on ``application`` as a real case would get there: before ``assess``
    the officer and reviewers do their part, and ``grant``/``reject`` use the proposed terms."""
    role = _ACTOR_FOR[trigger]
    actor = applicant if role == "applicant" else staff[role]
    if trigger == "assess":
        review_case(application, officer=staff["officer"], reviewers=reviewers)
        requested = {r.year: r.amount for r in application.requested_amounts}
        decision_ops.assess_application(
            application, actor=actor, reason=reason or "Föreslås beviljas enligt ansökan.",
            proposal=Outcome.GRANT.value, proposed_amounts=requested,
        )
    elif trigger in ("grant", "reject"):
        terms = decision_ops.proposed_terms(application)
        terms.jav_confirmed = True
        terms.reasons = reason or terms.reasons or "Ansökan uppfyller fondens kriterier."
        operation = (decision_ops.grant_application if trigger == "grant"
                     else decision_ops.reject_application)
        operation(application, actor=actor, terms=terms)
    elif trigger in ("follow_up", "scale"):
        # The pilot owner reports and the officer approves: that moves the case.
        kind = ReportKind.FOLLOW_UP if trigger == "follow_up" else ReportKind.SCALE_UP
        report = write_report(application, kind, applicant)
        report_ops.submit_report(report, actor=applicant)
        report_ops.approve_report(report, actor=actor, note=reason)
    elif trigger == "close":
        if application.state == State.GRANTED:  # no follow-up: the final accounts close it
            report = write_report(application, ReportKind.FINAL_FINANCIAL, applicant)
            report_ops.submit_report(report, actor=applicant)
            report_ops.approve_report(report, actor=actor)
        report_ops.close_pilot(application, actor=actor,
                               reason=reason or "Piloten är genomförd och slutredovisad.")
    else:
        ops.TRIGGER_OPERATIONS[trigger](application, actor=actor, reason=reason)


def write_report(application: Application, kind: str, actor: User, *,
                 payment_requested: int | None = None) -> Report:
    """Start and fill a complete report of ``kind`` as a pilot owner would: outcomes for every
    indicator, participants by age band and sex, the budget's costs as spent, learnings."""
    report = report_ops.start_report(application, actor=actor, kind=kind)
    decision = application.current_decision
    assert decision is not None and decision.project_start is not None
    start = decision.project_start
    end = max(start, min(today(), decision.project_end or start))
    report_ops.save_report(report, actor=actor, content=report_ops.ReportContent(
        period_start=start, period_end=end,
        activities_done="Träffar två kvällar i veckan enligt planen, med en referensgrupp av "
                        "unga som planerade innehållet.",
        activities_deviations="Två träffar ställdes in under höstlovet.",
        indicator_outcomes=[{"indicator_id": i.id, "outcome": "42", "outcome_girls": "22",
                             "outcome_boys": "20", "comment": ""}
                            for i in application.indicators],
        participants=[{"age_band": "13-15", "girls": 14, "boys": 11, "other": 1},
                      {"age_band": "16-19", "girls": 9, "boys": 8, "other": 0}],
        costs=[{"year": line.year, "cost_type": line.cost_type,
                "description": line.description, "amount": line.amount}
               for line in application.budget_lines],
        co_financing=[{"year": line.year, "kind": line.kind, "funder": line.funder,
                       "amount": line.amount} for line in application.co_financing],
        stated_cost_total=application.cost_total,
        learned_worked="Att unga själva planerade innehållet gjorde att fler kom tillbaka.",
        learned_not_worked="Sena kvällar passade inte de yngsta; de kom sällan efter kl. 20.",
        learned_for_others="Börja med en referensgrupp av unga och boka lokal nära skolan.",
        learnings_public=True,
        gender_equality_outcome="Hälften av deltagarna var flickor, som vi lovade i ansökan.",
        sustainability_outcome="Aktiviteterna hölls på svenska och arabiska; inga resor behövdes.",
        receiving_organisation=application.organisation.name,
        receiving_unit="Fritidsförvaltningen",
        financing_after="Ordinarie budget för fritidsverksamheten från nästa år.",
        ordinary_from=(decision.project_end or start) + timedelta(days=1),
        changes_in_operations="Kvällsöppet med unga som medarrangörer blir en del av "
                              "fritidsgårdens ordinarie utbud.",
        support_needed="Stöd i att utvärdera efter ett år.",
        payment_requested=payment_requested,
    ))
    return report


def _open_demo_fund() -> None:
    """The demo must be usable today: the fund's last date and the current year's pot.

    DOMAIN.md's project ends 2026-08-01; the demo extends it to the end of the current year so a
    person trying the demo can still apply, opens a pot for the current year if none exists, and
    closes the pots of past years to new applications.
    """
    current = today().year
    settings = session.get(FundSettings, 1) or FundSettings(id=1)
    settings.last_project_date = max(date(2026, 12, 31), date(current, 12, 31))
    session.add(settings)
    if session.get(Pot, current) is None:
        session.add(Pot(year=current, reserved=POTS[max(POTS)]))
    # Years that are over take no new applications (their money is already spoken for).
    for pot in session.scalars(sa.select(Pot).where(Pot.year < current)):
        pot.is_open = False
    session.flush()


def seed_demo() -> bool:
    """Add the demo data; returns False (and changes nothing) if it is already there."""
    if session.scalar(sa.select(User.id).where(User.email == ACCOUNTS[0][0])):
        return False
    seed_reference_data(session)
    for year, amount in POTS.items():
        if session.get(Pot, year) is None:
            session.add(Pot(year=year, reserved=amount))
    _open_demo_fund()
    organisations = {
        "kumla": create_organisation(name="Kumla kommun", org_number="212000-1884",
                                     kind="municipality", municipality_code="1881"),
        "forening": create_organisation(name="Föreningen Fritid för alla", org_number="802400-1235",
                                        kind="association", municipality_code="1880"),
    }
    users = {}
    for email, name, roles, org_key in ACCOUNTS:
        users[email] = create_user(
            email=email, name=name, password=DEMO_PASSWORD, roles=roles,
            organisation=organisations[org_key] if org_key else None,
        )
        users[email].title = TITLES.get(email, "")
    # Greta lives in Kumla: assigning her to a Kumla pilot shows the conflict flag.
    users["greta@regionorebrolan.example"].municipality_code = "1881"
    reviewers = [users["rasmus@regionorebrolan.example"], users["greta@regionorebrolan.example"]]
    applicant_for = {
        "kumla": users["sara@kumla.example"],
        "forening": users["ali@fritidforalla.example"],
    }
    staff = {"officer": users["olof@regionorebrolan.example"],
             "decider": users["bo@regionorebrolan.example"]}
    for title, summary, org_key, steps in APPLICATIONS:
        applicant = applicant_for[org_key]
        application = ops.create_draft_application(
            actor=applicant, organisation=organisations[org_key], title=title, summary=summary
        )
        if steps:  # the first draft is left half-done, as a person would find their own
            fill_application(application, applicant, requested=REQUESTED.get(title, 30_000))
        for trigger, reason in steps:
            take_step(application, trigger, applicant=applicant, staff=staff,
                      reviewers=reviewers, reason=reason)
            if trigger == "grant":  # paid while the pilot ran, before it reports or closes
                for kind, share, reference in PAYMENTS.get(title, []):
                    amount = application.current_decision.total * share // 100
                    finance_ops.record_payment(
                        application, actor=users["erik@regionorebrolan.example"],
                        payment=finance_ops.PaymentInput(amount=amount, payment_date=today(),
                                                         kind=kind, reference=reference))
        if title in AFTER_THE_GRANT:
            AFTER_THE_GRANT[title](application, applicant, users)
    _portfolio(users["olof@regionorebrolan.example"])
    # Accessibility feedback waiting for an officer (/handlaggning/tillganglighet).
    feedback_ops.send_feedback(feedback_ops.FeedbackInput(
        description="När jag förstorar sidan till 400 % hamnar tabellen över budgeten utanför "
                    "skärmen och jag kan inte se summan.",
        page="Ansökan, avsnittet Budget", name="Kim", email="kim@example.se", wants_reply=True,
    ), address="demo")
    session.flush()
    return True


PORTFOLIO = {
    # title: levers, horizon, the officers' internal note
    "Kvällsöppet på fritidsgården": (["culture", "built_environment"], "near",
                                     "Följ lokalfrågan med fritidsförvaltningen."),
    "Studiecirkel för nyanlända föräldrar": (["culture"], "next", ""),
    "Mattecoacher i mellanstadiet": (["culture", "money"], "next",
                                     "Kandidat att sprida till fler kommuner."),
    "Sommarjobb i naturvård": (["money"], "near", ""),
    "Nattvandring med föräldrar": (["governance"], "new", ""),
    "Läsfrämjande på fritids": (["culture", "data"], "next", ""),
}


def _portfolio(officer: User) -> None:
    """Levers and horizons on the public pilots, two relations and one portfolio review, so
    the portfolio map has something to show (and its gaps)."""
    pilots = {a.title: a for a in session.scalars(sa.select(Application).where(
        Application.title.in_(list(PORTFOLIO))))}
    for title, (levers, horizon, note) in PORTFOLIO.items():
        portfolio_ops.tag_pilot(pilots[title], actor=officer, levers=levers, horizon=horizon,
                                note=note)
    portfolio_ops.relate_pilots(pilots["Läsfrämjande på fritids"],
                                pilots["Studiecirkel för nyanlända föräldrar"], actor=officer,
                                kind="builds_on", note="Samma föräldranätverk.")
    portfolio_ops.relate_pilots(pilots["Nattvandring med föräldrar"],
                                pilots["Kvällsöppet på fritidsgården"], actor=officer,
                                kind="related_to")
    portfolio_ops.record_review(
        actor=officer, held_on=today(), title="Portföljgenomgång hösten",
        notes="Kärngruppen gick igenom alla piloter.", items=[
            {"choice": "continue", "application_id": pilots["Mattecoacher i mellanstadiet"].id,
             "reason": "Goda resultat; sprid till fler skolor."},
            {"choice": "fill_gap", "gap": "Inga piloter om goda relationer i Laxå.",
             "focus_area_code": "parent_child", "municipality_code": "1860",
             "reason": "Norra länet saknas helt i portföljen."},
        ])


def _amend(application: Application, applicant: User, users: dict[str, User]) -> None:
    """The pilot owner asks for two more months and a later follow-up report; Bo approves."""
    decision = application.current_decision
    follow_up = next(d for d in decision.report_dues if d.kind == ReportKind.FOLLOW_UP)
    request = amendment_ops.request_change(application, actor=applicant, change=(
        amendment_ops.ChangeInput(
            reason="Fältassistenterna kan börja först om en månad; vi behöver två månader till.",
            new_project_end=decision.project_end + timedelta(days=60),
            new_report_dates={(follow_up.kind, follow_up.number):
                              follow_up.due_date + timedelta(days=60)})))
    amendment_ops.decide_change(request, actor=users["bo@regionorebrolan.example"], approve=True,
                                terms=amendment_ops.DeciderTerms(
                                    decision_date=today(), minutes_posted=today(),
                                    reasons="Förseningen beror inte på kommunen och ryms i "
                                            "projektets syfte.", jav_confirmed=True))


def _report_and_request_payment(application: Application, applicant: User,
                                users: dict[str, User]) -> None:
    """A stage report with a payment request, approved (finance can pay it), and the
    follow-up report handed in and waiting for the officer."""
    stage = write_report(application, ReportKind.STAGE, applicant, payment_requested=2_000)
    report_ops.submit_report(stage, actor=applicant)
    report_ops.approve_report(stage, actor=users["olof@regionorebrolan.example"],
                              note="Delrapporten visar att arbetet går enligt plan.")
    report_ops.submit_report(write_report(application, ReportKind.FOLLOW_UP, applicant),
                             actor=applicant)


def _cancel(application: Application, applicant: User, users: dict[str, User]) -> None:
    """The association could not run the pilot: Bo cancels the grant; of the advance, what
    was not used is claimed back."""
    amendment_ops.cancel_grant(application, actor=users["bo@regionorebrolan.example"],
                               terms=amendment_ops.DeciderTerms(
                                   decision_date=today(), minutes_posted=today(),
                                   reasons="Föreningen har meddelat att piloten inte kan "
                                           "genomföras: tränarna har slutat.",
                                   jav_confirmed=True, claim_amount=1_000))


AFTER_THE_GRANT = {
    "Nattvandring med föräldrar": _amend,
    "Läsfrämjande på fritids": _report_and_request_payment,
    "Parkour i parken": _cancel,
}
"""What happens to some granted demo pilots afterwards: an amendment decision, reports waiting
for the officer and a payment request for finance, a cancellation."""
