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
    LetterText,
    LetterTextKey,
    Municipality,
    Rubric,
    RubricCriterion,
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


_LEVELS = ("Saknas", "Svagt", "Godtagbart", "Starkt")

RUBRIC_V1: tuple[tuple[str, str, int, tuple[str, str, str, str]], ...] = (
    ("Hög och jämlik livskvalitet och goda uppväxtvillkor",
     "Hur piloten bidrar till RUS-målet hög och jämlik livskvalitet, särskilt barns och ungas "
     "uppväxtvillkor.", 2,
     ("Inget bidrag", "Indirekt bidrag", "Tydligt bidrag", "Tydligt och mätbart bidrag")),
    ("Kunskapslyft och utbildning",
     "Bidrag till prioriteringen Kunskapslyft och utbildning, till exempel skolgång och lärande.",
     1, ("Inget bidrag", "Indirekt bidrag", "Tydligt bidrag", "Tydligt och mätbart bidrag")),
    ("Delaktighet och inflytande för barn och unga",
     "Barn och unga är med och formar, genomför och utvärderar piloten (RUS effektmål ökad "
     "delaktighet och inflytande).", 2,
     ("Inte delaktiga", "Tillfrågas", "Medverkar i flera steg", "Med och formar hela vägen")),
    ("Svarar mot gapet för barn och unga",
     "Svarar mot uppföljningen 2022: stärka barn och ungas förutsättningar att möta sin framtid.",
     2, _LEVELS),
    ("Nytänkande",
     "Piloten prövar något som är nytt på orten eller för målgruppen.", 1,
     ("Redan vanligt", "Liten förändring", "Nytt lokalt", "Nytt och kan lära andra")),
    ("Horisontella kriterier",
     "Miljö, jämställdhet och lika möjligheter syns i beskrivning, aktiviteter, budget och "
     "uppföljning.", 1, _LEVELS),
    ("Hållbarhet och plan för införande",
     "Vem som tar över efter piloten och hur den kan föras in i ordinarie verksamhet.", 2,
     ("Ingen plan", "Vag plan", "Plan med ansvarig", "Beslutad plan med finansiering")),
    ("Genomförbarhet",
     "Budget, medfinansiering, resultatindikatorer och plan för uppföljning hänger ihop.", 2,
     ("Inte genomförbar", "Stora brister", "Rimlig", "Väl genomarbetad")),
)
"""DOMAIN.md §5: the eight RUS-based criteria, each 0–3, with default weights."""

HORIZONTAL_V1: tuple[tuple[str, str], ...] = (
    ("Miljö", "Ekologisk hållbarhet: resor, material, lokaler."),
    ("Jämställdhet", "Analys, aktiviteter, budget och uppföljning utifrån kön."),
    ("Lika möjligheter och icke-diskriminering",
     "Tillgänglighet, mångfald och att piloten når barn och unga oavsett bakgrund."),
)
"""Tillväxtverket's horizontal criteria, rated aktivt / delvis / inte and not counted."""

LETTER_TEXTS_V1: dict[LetterTextKey, str] = {
    LetterTextKey.PROVISIONS: (
        "Förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
        "tillväxtpolitiken\n\n"
        "Förvaltningslagen (2017:900) 32 § om att ett beslut ska innehålla en klargörande "
        "motivering"
    ),
    LetterTextKey.CONDITIONS: (
        "Stödet får bara användas till projektet enligt ansökan och detta beslut. Kostnader "
        "räknas tidigast från den dag ansökan kom in till Region Örebro län.\n\n"
        "Stödet betalas ut i efterhand mot redovisade, faktiska kostnader. Ni kan begära ett "
        "förskott på högst hälften av det beviljade stödet.\n\n"
        "Ni ska lämna de rapporter som anges nedan i tid. Rapporterna ska redovisa resultat "
        "mot indikatorerna, deltagare efter kön och ålder (bara antal), faktiska kostnader och "
        "vad ni har lärt er.\n\n"
        "Ni ska genast meddela Region Örebro län om projektet ändras, försenas eller avbryts.\n\n"
        "Region Örebro län kan kräva tillbaka stödet helt eller delvis om det har lämnats på "
        "grund av felaktiga uppgifter, om villkoren inte följs eller om stödet inte används "
        "till projektet.\n\n"
        "Ni ska berätta att projektet har fått stöd från Region Örebro län när ni informerar "
        "om det."
    ),
    LetterTextKey.APPEAL_GRANT: (
        "Beslutet kan överklagas genom laglighetsprövning enligt 13 kap. kommunallagen "
        "(2017:725). Alla medlemmar i regionen får överklaga.\n\n"
        "Överklagandet ska vara skriftligt och ställas till Förvaltningsrätten i Karlstad men "
        "skickas till Region Örebro län, Box 1613, 701 16 Örebro. Skriv vilket beslut ni "
        "överklagar (ange diarienumret) och varför ni anser att beslutet är olagligt.\n\n"
        "Överklagandet ska ha kommit in inom tre veckor från den dag då det tillkännagavs på "
        "regionens anslagstavla att protokollet har justerats, det vill säga senast "
        "{sista_dag}. Tillkännagivandet anslogs den {anslagsdag}."
    ),
    LetterTextKey.APPEAL_REJECT: (
        "Beslutet kan överklagas genom laglighetsprövning enligt 13 kap. kommunallagen "
        "(2017:725). Alla medlemmar i regionen får överklaga, också ni som sökande om ni är "
        "medlem i regionen. Vid laglighetsprövning prövas bara om beslutet har kommit till på "
        "ett lagligt sätt, inte om det är lämpligt.\n\n"
        "Överklagandet ska vara skriftligt och ställas till Förvaltningsrätten i Karlstad men "
        "skickas till Region Örebro län, Box 1613, 701 16 Örebro. Skriv vilket beslut ni "
        "överklagar (ange diarienumret) och varför ni anser att beslutet är olagligt.\n\n"
        "Överklagandet ska ha kommit in inom tre veckor från den dag då det tillkännagavs på "
        "regionens anslagstavla att protokollet har justerats, det vill säga senast "
        "{sista_dag}. Tillkännagivandet anslogs den {anslagsdag}.\n\n"
        "Ni kan också söka stöd igen med en ny ansökan."
    ),
}
"""The decision letters' standard texts (DOMAIN.md §7), first version."""


def default_rubric() -> Rubric:
    """A new, unsaved rubric version 1 with the default criteria."""
    rubric = Rubric(number=1, note="RUS-kriterier enligt DOMAIN.md §5")
    rubric.criteria = [
        RubricCriterion(position=position, kind="scored", title=title, description=description,
                        weight=weight, level_labels=list(levels))
        for position, (title, description, weight, levels) in enumerate(RUBRIC_V1, start=1)
    ] + [
        RubricCriterion(position=len(RUBRIC_V1) + position, kind="horizontal", title=title,
                        description=description, weight=0, level_labels=[])
        for position, (title, description) in enumerate(HORIZONTAL_V1, start=1)
    ]
    return rubric


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
    if session.scalar(select(Rubric.id).limit(1)) is None:
        session.add(default_rubric())
    known = set(session.scalars(select(LetterText.key)))
    session.add_all(
        LetterText(key=key.value, version=1, text=text)
        for key, text in LETTER_TEXTS_V1.items() if key.value not in known
    )
    if session.get(FundSettings, 1) is None:
        session.add(FundSettings(id=1))
    session.flush()
