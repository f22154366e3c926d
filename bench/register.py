"""Benchmark of the public register, the open-data API and the portfolio map (issue 7,
"Performance": with 10 000 pilots they answer with a fixed number of queries).

    .venv/bin/python -m bench.register                        # 100 then 10 000 pilots, SQLite
    .venv/bin/python -m bench.register --pilots 1000 --runs 5 # quick
    .venv/bin/python -m bench.register --database-url postgresql+psycopg://u:p@host/empty_db
    .venv/bin/python -m bench.register --scratch-on postgresql+psycopg://u:p@host/postgres

Seeds public pilots straight into the tables with SQLAlchemy Core, in batches: organisations of
every kind; applications in granted, followed_up, scaled and closed (and some rejected
applications and drafts that must never show), with references, focus areas and municipalities
spread over the county so that the matrix cells vary and some are gaps; grant decisions with
their amounts per year; pilot accounts and ledger entries (commitments, advances, payments, the
releases of closed pilots) that agree with the pots, checked with ``verify_ledger``; result
indicators; approved follow-up reports with learnings (most published), participants by sex
and indicator outcomes for a share of them; approved scale-up reports for the scaled pilots and
final financial reports for the closed; the portfolio's levers, horizons and relations.

Then it requests each public page and API answer through the app's test client (anonymous; the
internal portfolio pages as an officer) and prints, per page, the SQL statements per request
and the median and 95th-percentile time, measured twice on the same database: at ``--small``
pilots and after adding the rest. A page whose query count differs between the two is flagged,
and so is one slower than 200 ms (95th percentile) at the large size. Not a test and never run
in CI; the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.common import (
    PotTotals,
    Timed,
    after_seeding,
    build_app,
    machine,
    org_number,
    prepare_database,
    scratch_database,
    sign_in,
    time_requests,
)
from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    Decision,
    DecisionAmount,
    Horizon,
    LedgerEntry,
    Lever,
    Organisation,
    OrganisationKind,
    PilotAccount,
    PilotRelation,
    PortfolioEntry,
    Report,
    ReportIndicatorOutcome,
    ReportParticipants,
    ResultIndicator,
    pilot_lever,
)
from grants.models.content import application_focus_area, application_municipality
from grants.operations.finance import verify_ledger
from grants.reference import FOCUS_AREAS, MUNICIPALITIES
from grants.register import counts_by_state

CHUNK = 2_000
SLOW_MS = 200.0
PILOTS_PER_ORGANISATION = 4
FILTER_AREA, FILTER_MUNICIPALITY = "leisure", "1881"  # Meningsfull fritid in Kumla
SEARCH = "fritidsgård unga"

AREA_CODES = [code for code, _name in FOCUS_AREAS]
MUNICIPALITY_CODES = [code for code, _name in MUNICIPALITIES]
MUNICIPALITY_NAMES = dict(MUNICIPALITIES)
AREA_GAPS = {("parent_child", "1864"), ("parent_child", "1860"), ("school", "1863"),
             ("school", "1814"), ("leisure", "1862"), ("safe_neighbourhood", "1882"),
             ("safe_neighbourhood", "1884"), ("safe_neighbourhood", "1864")}
"""Focus area × municipality cells no pilot is in: the map must show them as gaps."""
LEVER_GAPS = {(Lever.RULES.value, Horizon.NEAR.value),
              (Lever.BUILT_ENVIRONMENT.value, Horizon.NEW.value),
              (Lever.MONEY.value, Horizon.NEW.value)}
"""Lever × horizon cells no pilot is in."""
ALLOWED_CELLS = [(a, m) for a in AREA_CODES for m in MUNICIPALITY_CODES
                 if (a, m) not in AREA_GAPS]

KIND_NUMBER_BASE = {OrganisationKind.MUNICIPALITY: 212_000_000,
                    OrganisationKind.REGION_UNIT: 232_100_000,
                    OrganisationKind.ASSOCIATION: 802_500_000,
                    OrganisationKind.COMPANY: 556_900_000}
KIND_NAMES = {OrganisationKind.MUNICIPALITY: "{place} kommun, förvaltning {n}",
              OrganisationKind.REGION_UNIT: "Region Örebro län, enhet {n}",
              OrganisationKind.ASSOCIATION: "Föreningen Unga i {place} {n}",
              OrganisationKind.COMPANY: "Ungdomsstöd i {place} AB {n}"}

# What the pilots are about: the search finds some, not all.
TOPICS = ["Fritidsgård", "Läxhjälp", "Föräldraträffar", "Trygga skolvägar", "Idrott för alla",
          "Sommarjobb", "Digital fritid", "Nattvandring", "Språkcafé", "Kulturskola"]
SUMMARIES = [
    "Vi öppnar fritidsgården på kvällar och låter unga planera innehållet.",
    "Ett försök med unga i närområdet som leder aktiviteter för yngre barn.",
    "Läxhjälp efter skolan med volontärer och lärare, två dagar i veckan.",
    "Föräldrar träffas i små grupper och delar erfarenheter med stöd av familjebehandlare.",
    "Vuxna rör sig i området på kvällar och helger och bygger kontakt med unga.",
]
WORKED = [
    "Att unga själva planerade innehållet gjorde att fler kom tillbaka.",
    "Fritidsgården blev en trygg plats när vi hade öppet även på helger.",
    "Samarbetet med skolan gav oss kontakt med elever vi annars inte nått.",
    "Korta träffar med tydligt innehåll passade föräldrarna bäst.",
]
NOT_WORKED = [
    "Sena kvällar passade inte de yngsta; de kom sällan efter kl. 20.",
    "Annonser i lokaltidningen nådde nästan inga unga.",
    "",
]
FOR_OTHERS = [
    "Börja med en referensgrupp av unga och boka lokal nära skolan.",
    "Räkna med tid för att bygga förtroende innan aktiviteterna kommer igång.",
    "",
]
AGE_BANDS = ["10-12", "13-15", "16-19", "parents"]
INDICATORS = [("Antal deltagare per vecka", "personer", True),
              ("Andel som kommer tillbaka", "procent", True),
              ("Antal träffar", "träffar", False)]
# Desired state by how many years ago the pilot was granted; a pilot whose project has not ended
# a month before today stays granted whatever was drawn.
STATE_WEIGHTS = {0: {"granted": 100},
                 1: {"granted": 35, "followed_up": 35, "scaled": 10, "closed": 20},
                 2: {"granted": 10, "followed_up": 35, "scaled": 30, "closed": 25}}


# Seeding ----------------------------------------------------------------------------------------


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Rows:
    """The rows of one batch, per table, in the order they must be inserted."""

    tables: dict[sa.Table, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: sa.Table | Any, **row: Any) -> None:
        table = getattr(table, "__table__", table)
        self.tables.setdefault(table, []).append(row)


@dataclass
class Seeder:
    """Adds public pilots (and a few applications that are not public) in batches; keeps the
    running totals per budget year so that the pots and their reservation entries agree with
    the ledger after each batch."""

    officer_id: int
    decider_id: int
    finance_id: int
    this_year: int
    rng: random.Random = field(default_factory=lambda: random.Random(20261124))
    pilots: int = 0
    hidden: int = 0
    """Applications that are not public (rejected, drafts)."""
    applications: int = 0
    organisation_of_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    numbers: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    totals: PotTotals = field(default_factory=PotTotals)
    organisation_id: int = 0
    """The organisation the next pilots belong to."""
    ids: dict[str, int] = field(default_factory=dict)
    public_ids: list[int] = field(default_factory=list)
    showcase: str | None = None
    """A scaled pilot with outcomes, participants and published learnings (its page is
    measured)."""
    rows_added: int = 0

    ORDER: ClassVar[list[Any]] = [
        Organisation.__table__, Application.__table__, application_focus_area,
        application_municipality, ResultIndicator.__table__, Decision.__table__,
        DecisionAmount.__table__, PilotAccount.__table__, LedgerEntry.__table__,
        Report.__table__, ReportParticipants.__table__, ReportIndicatorOutcome.__table__,
        PortfolioEntry.__table__, pilot_lever, PilotRelation.__table__]
    """The tables in the order their rows must be inserted."""

    @property
    def pot_years(self) -> list[int]:
        return [self.this_year - 2, self.this_year - 1, self.this_year, self.this_year + 1]

    def _id(self, connection: sa.Connection, table: Any) -> int:
        table = getattr(table, "__table__", table)
        if table.name not in self.ids:
            self.ids[table.name] = connection.scalar(sa.select(sa.func.max(table.c.id))) or 0
        self.ids[table.name] += 1
        return self.ids[table.name]

    def add(self, connection: sa.Connection, pilots: int) -> None:
        rows = Rows()
        for _ in range(pilots):
            self.add_pilot(connection, rows)
        self.write(connection, rows)

    def add_pilot(self, connection: sa.Connection, rows: Rows) -> None:
        """One public pilot (in a new organisation every fourth), and for every eighth a
        rejected application, for every sixteenth a draft."""
        n = self.pilots
        if n % PILOTS_PER_ORGANISATION == 0:
            self.organisation_id = self._organisation(connection, rows)
        self._pilot(connection, rows, n, self.organisation_id)
        if n % 8 == 7:
            self._rejected(connection, rows, n, self.organisation_id)
        if n % 16 == 15:
            self._draft(connection, rows, self.organisation_id)
        self.pilots += 1

    def write(self, connection: sa.Connection, rows: Rows) -> None:
        """Insert the batch (with the reservation entries that keep the pots in step) and
        update the pots."""
        rows.tables.setdefault(LedgerEntry.__table__, []).extend(self.totals.reservations(
            self.pot_years, actor_id=self.finance_id, at=lambda: datetime.now(UTC),
            next_id=lambda: self._id(connection, LedgerEntry)))
        for table in self.ORDER:
            data = rows.tables.get(table, [])
            for i in range(0, len(data), CHUNK):
                connection.execute(table.insert(), data[i:i + CHUNK])
            self.rows_added += len(data)
        self.totals.update_pots(connection, self.pot_years)

    # One organisation, one application ----------------------------------------------------------

    def _organisation(self, connection: sa.Connection, rows: Rows) -> int:
        kinds = list(OrganisationKind)
        kind = kinds[self.rng.randrange(len(kinds))]
        number = self.organisation_of_kind[kind]
        self.organisation_of_kind[kind] += 1
        place = self.rng.choice(MUNICIPALITY_CODES)
        organisation_id = self._id(connection, Organisation)
        rows.add(Organisation, id=organisation_id,
                 name=KIND_NAMES[kind].format(place=MUNICIPALITY_NAMES[place], n=number + 1),
                 org_number=org_number(KIND_NUMBER_BASE[kind], number), kind=kind.value,
                 municipality_code=place, created_at=datetime(2023, 1, 2, tzinfo=UTC))
        return organisation_id

    def _application(self, connection: sa.Connection, rows: Rows, *, state: str, year: int | None,
                     organisation_id: int, title: str, submitted: datetime | None,
                     start: date | None, end: date | None) -> tuple[int, str | None]:
        application_id = self._id(connection, Application)
        self.applications += 1
        reference = dnr = None
        if year is not None:
            self.numbers[year] += 1
            reference = f"PF-{year}-{self.numbers[year]:04d}"
            dnr = f"{year % 100:02d}RS{100_000 + application_id}"
        rows.add(Application, id=application_id, reference=reference, dnr=dnr, state=state,
                 title=title, summary=self.rng.choice(SUMMARIES),
                 organisation_id=organisation_id, created_by_id=None,
                 created_at=submitted or datetime.now(UTC),
                 updated_at=submitted or datetime.now(UTC), submitted_at=submitted,
                 version=1, start_date=start, end_date=end, age_bands=["13-15", "16-19"],
                 saved_sections=[], unsaved_input={})
        return application_id, reference

    def _places(self, rows: Rows, application_id: int, first: tuple[str, str] | None) -> None:
        """One or two focus areas and municipalities, never in a gap cell."""
        area, municipality = first or self.rng.choice(ALLOWED_CELLS)
        areas, municipalities = [area], [municipality]
        if self.rng.random() < 0.3:
            other = self.rng.choice(MUNICIPALITY_CODES)
            if other != municipality and (area, other) not in AREA_GAPS:
                municipalities.append(other)
        if self.rng.random() < 0.25:
            other = self.rng.choice(AREA_CODES)
            if other != area and all((other, m) not in AREA_GAPS for m in municipalities):
                areas.append(other)
        for code in areas:
            rows.add(application_focus_area, application_id=application_id,
                     focus_area_code=code)
        for code in municipalities:
            rows.add(application_municipality, application_id=application_id,
                     municipality_code=code)

    def _pilot(self, connection: sa.Connection, rows: Rows, n: int, organisation_id: int) -> None:
        on = today()
        age = n % 3
        year = self.this_year - age
        decided = min(date(year, 1, 20) + timedelta(days=self.rng.randrange(300)),
                      on - timedelta(days=3))
        start = decided + timedelta(days=14)
        end = start + timedelta(days=120 + self.rng.randrange(240))
        weights = STATE_WEIGHTS[age]
        state = self.rng.choices(list(weights), list(weights.values()))[0]
        if end + timedelta(days=30) >= on:
            state = "granted"
        submitted = _at(decided) - timedelta(days=45)
        topic = self.rng.choice(TOPICS)
        first = (FILTER_AREA, FILTER_MUNICIPALITY) if n == 0 else None
        place = MUNICIPALITY_NAMES[first[1] if first else self.rng.choice(MUNICIPALITY_CODES)]
        application_id, reference = self._application(
            connection, rows, state=state, year=year, organisation_id=organisation_id,
            title=f"{topic} i {place} {n + 1}", submitted=submitted, start=start, end=end)
        self.public_ids.append(application_id)
        self._places(rows, application_id, first)
        indicators = []
        for position, (name, unit, by_sex) in enumerate(
                INDICATORS[:1 + self.rng.randrange(len(INDICATORS))]):
            indicator_id = self._id(connection, ResultIndicator)
            indicators.append((indicator_id, by_sex))
            rows.add(ResultIndicator, id=indicator_id, application_id=application_id,
                     position=position, name=name, unit=unit, baseline="10", target="40",
                     by_sex=by_sex)
        decision_id = self._id(connection, Decision)
        rows.add(Decision, id=decision_id, application_id=application_id, outcome="grant",
                 supersedes_id=None, correction_note="", decided_by_id=self.decider_id,
                 presented_by_id=self.officer_id, decision_date=decided,
                 minutes_posted=decided + timedelta(days=2),
                 appeal_deadline=decided + timedelta(days=23), project_start=start,
                 project_end=end, support_share_permille=500, reasons="", conditions=[],
                 extra_conditions="", decider_jav_confirmed=True, created_at=_at(decided),
                 hold_letter=False, kind="decision", claimed_back=0)
        amounts = {year: self.rng.randrange(30, 301) * 1_000}
        if self.rng.random() < 0.3:  # some pilots get money from the next year too
            amounts[year + 1] = self.rng.randrange(20, 151) * 1_000
        for budget_year, amount in amounts.items():
            rows.add(DecisionAmount, decision_id=decision_id, year=budget_year, amount=amount)
        self._money(connection, rows, application_id, decision_id, amounts, state, decided)
        updated = _at(decided)
        if state != "granted":
            updated, complete = self._reports(connection, rows, application_id, state, start,
                                              end, indicators)
            if state == "scaled" and complete and self.showcase is None:
                self.showcase = reference
        rows.tables[Application.__table__][-1]["updated_at"] = updated
        self._portfolio(connection, rows, application_id, updated)

    def _money(self, connection: sa.Connection, rows: Rows, application_id: int,
               decision_id: int, amounts: dict[int, int], state: str, decided: date) -> None:
        """Commitments per year; then an advance (2/5), payments for costs (another 2/5, and
        9/20 for a closed pilot) and, when the pilot is closed, the unspent rest released."""
        account = {"granted": 0, "released": 0, "paid": 0, "advances": 0}
        on = today()

        def entry(kind: str, year: int, amount: int, day: date, **more: Any) -> None:
            rows.add(LedgerEntry, id=self._id(connection, LedgerEntry), year=year, kind=kind,
                     amount=amount, application_id=application_id,
                     decision_id=more.pop("decision_id", None), actor_id=self.finance_id,
                     created_at=_at(min(day, on)), note=more.pop("note", ""),
                     payment_kind=more.pop("payment_kind", None),
                     payment_date=more.pop("payment_date", None),
                     reference=more.pop("reference", ""),
                     idempotency_key=more.pop("idempotency_key", None))

        for year, amount in amounts.items():
            entry("commitment", year, amount, decided, decision_id=decision_id,
                  note="Beviljat stöd")
            account["granted"] += amount
            self.totals.add("commitment", year, amount)
            payments = []
            if state != "granted" or self.rng.random() < 0.7:
                payments.append(("advance", amount * 2 // 5, decided + timedelta(days=30)))
            if state != "granted":
                share = amount * 9 // 20 if state == "closed" else amount * 2 // 5
                payments.append(("costs", share, decided + timedelta(days=200)))
            for number, (kind, paid, day) in enumerate(payments, start=1):
                day = min(day, on)
                entry("payment", year, paid, day, payment_kind=kind, payment_date=day,
                      reference=f"Rekvisition {number}", idempotency_key=uuid.uuid4().hex,
                      note="Förskott" if kind == "advance" else "Mot redovisade kostnader")
                account["paid"] += paid
                self.totals.add("payment", year, paid)
                if kind == "advance":
                    account["advances"] += paid
            if state == "closed":
                unspent = amount - sum(paid for _kind, paid, _day in payments)
                entry("release", year, unspent, decided + timedelta(days=400),
                      note="Oförbrukat stöd när piloten avslutades")
                account["released"] += unspent
                self.totals.add("release", year, unspent)
        rows.add(PilotAccount, application_id=application_id, claimed=0, repaid=0, **account)

    def _reports(self, connection: sa.Connection, rows: Rows, application_id: int, state: str,
                 start: date, end: date,
                 indicators: list[tuple[int, bool]]) -> tuple[datetime, bool]:
        """The approved follow-up report, and the scale-up or final financial report. Returns
        when the last was approved, and whether the follow-up has everything the public
        record can show (outcomes, participants, published learnings)."""
        now = datetime.now(UTC) - timedelta(days=1)
        reviewed = min(_at(end + timedelta(days=25)), now)
        follow_up = self._report(connection, rows, application_id, "follow_up", reviewed,
                                 start, end)
        public = self.rng.random() < 0.8
        row = rows.tables[Report.__table__][-1]
        row.update(learned_worked=self.rng.choice(WORKED),
                   learned_not_worked=self.rng.choice(NOT_WORKED),
                   learned_for_others=self.rng.choice(FOR_OTHERS), learnings_public=public)
        counted = self.rng.random() < 0.7
        if counted:
            for band in self.rng.sample(AGE_BANDS, 1 + self.rng.randrange(3)):
                rows.add(ReportParticipants, report_id=follow_up, age_band=band,
                         girls=self.rng.randrange(40), boys=self.rng.randrange(40),
                         other=self.rng.randrange(3))
            for indicator_id, by_sex in indicators:
                girls, boys = self.rng.randrange(30), self.rng.randrange(30)
                rows.add(ReportIndicatorOutcome, id=self._id(connection, ReportIndicatorOutcome),
                         report_id=follow_up, indicator_id=indicator_id,
                         outcome=str(girls + boys), outcome_girls=str(girls) if by_sex else "",
                         outcome_boys=str(boys) if by_sex else "", comment="")
        if state == "scaled":
            reviewed = min(reviewed + timedelta(days=40), now)
            self._report(connection, rows, application_id, "scale_up", reviewed, start, end)
            rows.tables[Report.__table__][-1].update(
                receiving_organisation="Fritidsförvaltningen", receiving_unit="Öppen verksamhet",
                financing_after="Ordinarie budget från nästa år.",
                ordinary_from=end + timedelta(days=60),
                changes_in_operations="Kvällsöppet med unga som medarrangörer blir ordinarie.")
        elif state == "closed":
            reviewed = min(reviewed + timedelta(days=30), now)
            self._report(connection, rows, application_id, "final_financial", reviewed, start,
                         end)
        return reviewed, counted and public

    def _report(self, connection: sa.Connection, rows: Rows, application_id: int, kind: str,
                reviewed: datetime, start: date, end: date) -> int:
        report_id = self._id(connection, Report)
        rows.add(Report, id=report_id, application_id=application_id, kind=kind, number=1,
                 state="approved", created_by_id=None, created_at=reviewed - timedelta(days=20),
                 updated_at=reviewed, submitted_at=reviewed - timedelta(days=5),
                 submitted_by_id=None, reviewed_at=reviewed, reviewed_by_id=self.officer_id,
                 review_note="Godkänd.", period_start=start, period_end=end,
                 activities_done="Träffar två kvällar i veckan enligt planen.",
                 activities_deviations="", learned_worked="", learned_not_worked="",
                 learned_for_others="", learnings_public=False, gender_equality_outcome="",
                 sustainability_outcome="", checklist_outcomes={}, stated_cost_total=None,
                 cost_comment="", receiving_organisation="", receiving_unit="",
                 financing_after="", ordinary_from=None, changes_in_operations="",
                 support_needed="", unsaved_input={}, version=1)
        return report_id

    def _portfolio(self, connection: sa.Connection, rows: Rows, application_id: int,
                   updated: datetime) -> None:
        """Most pilots have a horizon and one to three levers (never in a gap cell); some relate
        to earlier pilots."""
        horizon = None
        if self.rng.random() < 0.85:
            horizon = self.rng.choice([None, *(h.value for h in Horizon)] * 3)
            rows.add(PortfolioEntry, application_id=application_id, horizon=horizon,
                     internal_note="Intern anteckning: följ upp efter sommaren.",
                     updated_at=updated, updated_by_id=self.officer_id)
        if self.rng.random() < 0.9:
            levers = [lever.value for lever in Lever
                      if (lever.value, horizon) not in LEVER_GAPS]
            for lever in self.rng.sample(levers, 1 + self.rng.randrange(3)):
                rows.add(pilot_lever, application_id=application_id, lever=lever)
        earlier = self.public_ids[:-1]
        if earlier and self.rng.random() < 0.1:
            for target in {self.rng.choice(earlier) for _ in range(1 + self.rng.randrange(2))}:
                rows.add(PilotRelation, id=self._id(connection, PilotRelation),
                         from_id=application_id, to_id=target,
                         kind=self.rng.choice(["builds_on", "related_to"]),
                         note="Samma målgrupp.", created_at=updated,
                         created_by_id=self.officer_id)

    # Applications that must never show -------------------------------------------------------

    def _rejected(self, connection: sa.Connection, rows: Rows, n: int,
                  organisation_id: int) -> None:
        year = self.this_year - n % 3
        decided = min(date(year, 2, 1) + timedelta(days=n % 250), today() - timedelta(days=3))
        application_id, _reference = self._application(
            connection, rows, state="rejected", year=year, organisation_id=organisation_id,
            title=f"Fritidsgård för unga, avslagen {n}",
            submitted=_at(decided) - timedelta(days=40), start=decided + timedelta(days=30),
            end=decided + timedelta(days=200))
        self._places(rows, application_id, (FILTER_AREA, FILTER_MUNICIPALITY))
        rows.add(Decision, id=self._id(connection, Decision), application_id=application_id,
                 outcome="reject", supersedes_id=None, correction_note="",
                 decided_by_id=self.decider_id, presented_by_id=self.officer_id,
                 decision_date=decided, minutes_posted=decided + timedelta(days=2),
                 appeal_deadline=decided + timedelta(days=23), project_start=None,
                 project_end=None, support_share_permille=None,
                 reasons="Ansökan uppfyller inte fondens kriterier.", conditions=[],
                 extra_conditions="", decider_jav_confirmed=True, created_at=_at(decided),
                 hold_letter=False, kind="decision", claimed_back=0)
        self.hidden += 1

    def _draft(self, connection: sa.Connection, rows: Rows, organisation_id: int) -> None:
        application_id, _reference = self._application(
            connection, rows, state="draft", year=None, organisation_id=organisation_id,
            title="Fritidsgård för unga (utkast)", submitted=None, start=None, end=None)
        self._places(rows, application_id, (FILTER_AREA, FILTER_MUNICIPALITY))
        self.hidden += 1

SEQUENCES = [Organisation, Application, Decision, LedgerEntry, ResultIndicator, Report,
             ReportIndicatorOutcome, PilotRelation]


# Measuring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    officer: bool = False
    export: bool = False
    """Returns every row, not one page: fewer runs, and reported on its own."""
    note: str = ""


def pages(showcase: str) -> list[Page]:
    filtered = f"insatsomrade={FILTER_AREA}&kommun={FILTER_MUNICIPALITY}"
    return [
        Page("/piloter", "/piloter"),
        Page("/piloter area+municipality", f"/piloter?{filtered}"),
        Page("/piloter search", f"/piloter?q={SEARCH.replace(' ', '+')}"),
        Page("/piloter sorted by amount", "/piloter?sortering=belopp"),
        Page("/piloter page 50", "/piloter?sida=50",
             note="past the end below 981 pilots: an empty page has nothing to eager-load"),
        Page("/piloter/<reference>", f"/piloter/{showcase}"),
        Page("/larande", "/larande"),
        Page("/larande.atom", "/larande.atom"),
        Page("/api/v1/pilots", "/api/v1/pilots"),
        Page("/api/v1/pilots filtered", f"/api/v1/pilots?{filtered}&per_sida=100"),
        Page("/portfoljen (public)", "/portfoljen"),
        Page("/portfolj (officer)", "/portfolj", officer=True),
        Page("/portfolj/relationer (officer)", "/portfolj/relationer", officer=True),
        Page("/api/v1/pilots.csv", "/api/v1/pilots.csv", export=True,
             note="by design: every pilot, 500 at a time, each 500 the queries of one page"),
        Page("/api/v1/360giving.json", "/api/v1/360giving.json", export=True,
             note="by design, as the CSV"),
    ]


@dataclass
class Result(Timed):
    page: Page
    pilots: int
    status: int
    times: list[float]
    queries: list[int]
    size: int


def measure(app: Flask, clients: dict[bool, FlaskClient], wanted: list[Page], runs: int,
            export_runs: int, pilots: int) -> list[Result]:
    results = []
    for page in wanted:
        done = time_requests(app, clients[page.officer], page.url,
                             export_runs if page.export else runs)
        results.append(Result(page, pilots, 500, [], [], 0) if done is None else Result(
            page, pilots, done.status, done.times, done.queries, done.size))
    return results


def _queries(result: Result | None) -> str:
    if result is None or not result.queries:
        return "error"
    low, high = min(result.queries), max(result.queries)
    return str(high) if low == high else f"{low}–{high}"


def _ms(result: Result | None, attribute: str) -> str:
    return f"{getattr(result, attribute):.1f}" if result and result.times else "-"


def table(results: list[Result], wanted: list[Page], small: int, large: int,
          export: bool) -> list[str]:
    """A Markdown table: per page, the query counts and times at both sizes and the flags."""
    by = {(r.page.label, r.pilots): r for r in results}
    lines = [
        f"| page | queries @{small} | queries @{large} | median ms @{small} | p95 ms @{small} "
        f"| median ms @{large} | p95 ms @{large} | KB @{large} | flag |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for page in (p for p in wanted if p.export == export):
        few, many = by.get((page.label, small)), by.get((page.label, large))
        flags = []
        if few and many and few.queries and many.queries and (
                set(few.queries) != set(many.queries)):
            flags.append("QUERIES DIFFER" + (f" ({page.note})" if page.note else ""))
        if any(r is not None and r.status != 200 for r in (few, many)):
            flags.append("NOT 200")
        if many and many.times and many.p95_ms > SLOW_MS:
            flags.append(f"SLOW (p95 > {SLOW_MS:.0f} ms)")
        size = f"{many.size / 1024:.0f}" if many and many.times else "-"
        lines.append(f"| {page.label} | {_queries(few)} | {_queries(many)} "
                     f"| {_ms(few, 'median_ms')} | {_ms(few, 'p95_ms')} "
                     f"| {_ms(many, 'median_ms')} | {_ms(many, 'p95_ms')} | {size} "
                     f"| {', '.join(flags)} |")
    return lines


# Main -------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, url: str, folder: Path) -> int:
    app = build_app(url, folder)
    engine = app.extensions["pilotfonden.engine"]
    year = today().year
    people = prepare_database(app, pot_years=range(year - 2, year + 2),
                              roles=("officer", "decider", "finance"))
    seeder = Seeder(officer_id=people["officer"], decider_id=people["decider"],
                    finance_id=people["finance"], this_year=year)

    print(f"Database: {engine.url.render_as_string(hide_password=True)}")
    print(f"Machine: {machine(engine)}")
    results: list[Result] = []
    wanted: list[Page] = []
    for batch in [args.small, args.pilots - args.small]:
        if batch <= 0:
            continue
        started = time.perf_counter()
        with engine.begin() as connection:
            seeder.add(connection, batch)
            after_seeding(connection, SEQUENCES)
        seeded = time.perf_counter() - started
        with app.app_context():
            differences = verify_ledger()
            states = counts_by_state()
            session.remove()
        print(f"Seeded {seeder.pilots} public pilots {states} and {seeder.hidden} applications "
              f"that are not public; {seeder.rows_added} rows in all ({seeded:.1f} s); "
              f"verify_ledger: {differences[:3] if differences else 'no differences'}")
        if differences or sum(states.values()) != seeder.pilots or seeder.showcase is None:
            print("The seeded data is not consistent.", file=sys.stderr)
            return 1
        clients = {False: app.test_client(), True: sign_in(app, "officer@bench.example.se")}
        wanted = pages(seeder.showcase)
        results += measure(app, clients, wanted, args.runs, args.export_runs, seeder.pilots)

    small, large = args.small, seeder.pilots
    print(f"\n{machine(engine)}. {args.runs} timed requests per page ({args.export_runs} for "
          "the exports) after one warm-up; queries = SQL statements per request (BEGIN/COMMIT "
          "not counted).\n")
    print("\n".join(table(results, wanted, small, large, export=False)))
    print("\nThe exports hold every matching pilot (read 500 at a time), so their query count "
          "grows with the data by design:\n")
    print("\n".join(table(results, wanted, small, large, export=True)))
    failed = sorted({r.page.label for r in results if r.status != 200})
    if failed:
        print(f"\nNot 200: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.register",
        description="Time the public register, the open-data API and the portfolio map.")
    parser.add_argument("--pilots", type=int, default=10_000, help="public pilots in all")
    parser.add_argument("--small", type=int, default=100,
                        help="public pilots at the first, small measurement (default 100)")
    parser.add_argument("--runs", type=int, default=20,
                        help="timed requests per page (default 20)")
    parser.add_argument("--export-runs", type=int, default=3,
                        help="timed requests of the CSV and 360Giving exports (default 3)")
    database = parser.add_mutually_exclusive_group()
    database.add_argument("--database-url", default="",
                          help="an EMPTY database, kept afterwards (default: a temporary "
                               "SQLite file)")
    database.add_argument("--scratch-on", default="", metavar="POSTGRESQL_URL",
                          help="create a database pilotfonden_bench_<random> on this PostgreSQL "
                               "server (the role needs CREATEDB) and drop it when done")
    args = parser.parse_args(argv)
    if not 0 < args.small <= args.pilots or args.runs < 1 or args.export_runs < 1:
        parser.error("--small must be between 1 and --pilots, the runs at least 1")

    folder = Path(tempfile.mkdtemp(prefix="pilotfonden-bench-"))
    scratch = scratch_database(args.scratch_on) if args.scratch_on else nullcontext(
        args.database_url or f"sqlite:///{folder}/bench.sqlite3")
    with scratch as url:
        status = run(args, url, folder)
    print(f"\nFiles kept in {folder} (delete when done).")
    return status


if __name__ == "__main__":
    sys.exit(main())
