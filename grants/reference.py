"""Reference data every installation needs (not demo data): seeded once, then editable.

``seed_reference_data`` only adds what is missing, so an admin's later edits are kept.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants.models import (
    ChecklistGroup,
    ChecklistQuestion,
    ChecklistVersion,
    FocusArea,
    FundSettings,
    Municipality,
)

MUNICIPALITIES: tuple[tuple[str, str], ...] = (
    ("1882", "Askersund"),
    ("1862", "Degerfors"),
    ("1861", "Hallsberg"),
    ("1863", "Hällefors"),
    ("1883", "Karlskoga"),
    ("1881", "Kumla"),
    ("1860", "Laxå"),
    ("1814", "Lekeberg"),
    ("1885", "Lindesberg"),
    ("1864", "Ljusnarsberg"),
    ("1884", "Nora"),
    ("1880", "Örebro"),
)
"""The twelve municipalities of Örebro län, by SCB code."""


FOCUS_AREAS: tuple[tuple[str, str], ...] = (
    ("parent_child", "God föräldra–barn-relation"),
    ("school", "Måluppfyllelse i skolan / väl fungerande skolgång"),
    ("leisure", "Meningsfull fritid"),
    ("safe_neighbourhood", "Tryggt närsamhälle"),
)
"""The fund's four insatsområden (DOMAIN.md §1)."""

AGE_BANDS: tuple[tuple[str, str], ...] = (
    ("0-5", "0–5 år"),
    ("6-9", "6–9 år"),
    ("10-12", "10–12 år"),
    ("13-15", "13–15 år"),
    ("16-19", "16–19 år"),
    ("20-25", "20–25 år"),
    ("parents", "Föräldrar och andra vuxna kring barnen"),
)
"""Age bands for the target group and for participant counts in follow-up (counts only)."""

CHECKLIST_V1: tuple[tuple[str, str, str], ...] = (
    (ChecklistGroup.GENDER_EQUALITY,
     "Är målgruppen beskriven utifrån kön och ålder, och utifrån andra dimensioner som "
     "bakgrund, funktionsnedsättning, socioekonomi och stad/landsbygd?",
     "Beskriv hur målgruppen ser ut och vilka skillnader som finns inom den."),
    (ChecklistGroup.GENDER_EQUALITY,
     "Visar problemanalysen skillnader mellan flickor och pojkar (till exempel med 4R-metoden: "
     "representation, resurser, realia)?",
     "Beskriv vilka skillnader analysen visar."),
    (ChecklistGroup.GENDER_EQUALITY,
     "Följer minst en aktivitet av den analysen, och finns den med i budgeten?",
     "Beskriv aktiviteten och var den finns i budgeten."),
    (ChecklistGroup.GENDER_EQUALITY,
     "Är resultatindikatorerna uppdelade på kön?",
     "Ange vilka indikatorer som följs upp per kön."),
    (ChecklistGroup.GENDER_EQUALITY,
     "Berör piloten något av de sex jämställdhetspolitiska delmålen (makt och inflytande, "
     "ekonomisk jämställdhet, utbildning, obetalt hem- och omsorgsarbete, hälsa, mäns våld mot "
     "kvinnor)?",
     "Ange vilka delmål och hur."),
    (ChecklistGroup.SUSTAINABILITY,
     "Social hållbarhet: deltar barn och unga i att utforma och utvärdera piloten, och når den "
     "familjer med utländsk bakgrund (språk, kanaler, samarbetspartner)?",
     "Beskriv hur barn och unga deltar och hur ni når olika familjer."),
    (ChecklistGroup.SUSTAINABILITY,
     "Är aktiviteter och material tillgängliga (fysiskt, information, kommunikation)?",
     "Beskriv hur ni gör aktiviteter och material tillgängliga."),
    (ChecklistGroup.SUSTAINABILITY,
     "Ekologisk hållbarhet: har ni tänkt på resor, material och lokaler?",
     "Beskriv vad ni gör."),
    (ChecklistGroup.SUSTAINABILITY,
     "Ekonomisk hållbarhet: finns en plan för vem som betalar efter piloten och hur den kan "
     "föras in i ordinarie verksamhet?",
     "Beskriv planen."),
)
"""The checklists of DOMAIN.md §4 as the first published version (questions 1–9)."""


def seed_reference_data(session: Session) -> None:
    known = set(session.scalars(select(Municipality.code)))
    session.add_all(
        Municipality(code=code, name=name) for code, name in MUNICIPALITIES if code not in known
    )
    known = set(session.scalars(select(FocusArea.code)))
    session.add_all(
        FocusArea(code=code, name=name, position=position)
        for position, (code, name) in enumerate(FOCUS_AREAS, start=1)
        if code not in known
    )
    if session.scalar(select(ChecklistVersion.id).limit(1)) is None:
        version = ChecklistVersion(number=1, note="Checklistor enligt DOMAIN.md §4")
        version.questions = [
            ChecklistQuestion(checklist=group.value, position=position, text=text, hint=hint)
            for position, (group, text, hint) in enumerate(CHECKLIST_V1, start=1)
        ]
        session.add(version)
    if session.get(FundSettings, 1) is None:
        session.add(FundSettings(id=1))
    session.flush()
