"""Demo data: pots, organisations, one account per role, and applications in every state.

The applications are moved with the real operations, so each has a genuine audit trail.
"""

from __future__ import annotations

import sqlalchemy as sa

from grants.db import session
from grants.models import Pot, User
from grants.operations import applications as ops
from grants.operations.users import create_organisation, create_user
from grants.reference import seed_reference_data

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
    ("E-sportturnering", "En turnering under en helg.", "forening",
     [("submit", ""), ("assess", ""), ("reject", "Insatsen är ett enstaka evenemang, inte en pilot "
                                                 "som kan föras in i ordinarie verksamhet.")]),
    ("Simskola för alla", "Simundervisning för barn som inte kan simma.", "kumla",
     [("submit", ""), ("withdraw", "Kommunen finansierar insatsen själv.")]),
]

_ACTOR_FOR = {
    "submit": "applicant", "resubmit": "applicant", "withdraw": "applicant",
    "return_for_completion": "officer", "assess": "officer", "follow_up": "officer",
    "scale": "officer", "close": "officer", "grant": "decider", "reject": "decider",
}


def seed_demo() -> bool:
    """Add the demo data; returns False (and changes nothing) if it is already there."""
    if session.scalar(sa.select(User.id).where(User.email == ACCOUNTS[0][0])):
        return False
    seed_reference_data(session)
    for year, amount in POTS.items():
        if session.get(Pot, year) is None:
            session.add(Pot(year=year, reserved=amount))
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
        for trigger, reason in steps:
            role = _ACTOR_FOR[trigger]
            actor = applicant if role == "applicant" else staff[role]
            ops.TRIGGER_OPERATIONS[trigger](application, actor=actor, reason=reason)
    session.flush()
    return True
