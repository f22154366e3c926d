"""Benchmark of the finance pages on a large, consistent ledger (issue 5, "Performance").

    .venv/bin/python -m bench.finance                      # 10 000 pilots, 50 000 entries, SQLite
    .venv/bin/python -m bench.finance --pilots 500 --entries 2500 --runs 3
    .venv/bin/python -m bench.finance --database-url postgresql+psycopg://u:p@host/empty_db

Seeds granted pilots straight into the tables with SQLAlchemy Core (organisations, applications,
decisions with their amounts, pots, pilot accounts and ledger entries that agree with each other,
so ``verify_ledger`` finds no difference), then requests each finance page and export through
the app's test client, logged in as a finance user, and prints the median and 95th-percentile
time and the number of SQL statements per request.

It measures twice on the same database: first with a small number of pilots, then after adding
the rest, so the table shows whether a page's query count grows with the data (the dashboard's
must not). Not a test and never run in CI; the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.common import (
    PotTotals,
    Timed,
    after_seeding,
    build_app,
    org_number,
    prepare_database,
    sign_in,
    time_requests,
)
from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    Decision,
    DecisionAmount,
    LedgerEntry,
    Organisation,
    PilotAccount,
)
from grants.operations.finance import verify_ledger

CHUNK = 5_000
PILOTS_PER_ORGANISATION = 5


# Seeding ----------------------------------------------------------------------------------------


@dataclass
class Seeder:
    """Adds pilots in batches; keeps the running totals per year so that the pots (and their
    reservation entries) always agree with the ledger after each batch."""

    finance_id: int
    decider_id: int
    officer_id: int
    years: list[int]
    """The budget years pilots are granted from, in turn."""
    years_with_pots: list[int]
    rng: random.Random = field(default_factory=lambda: random.Random(20250101))
    pilots: int = 0
    entries: int = 0
    totals: PotTotals = field(default_factory=PotTotals)
    ids: dict[str, int] = field(default_factory=dict)
    clock: datetime = field(default_factory=lambda: datetime(2023, 1, 2, 8, tzinfo=UTC))

    def _next_id(self, connection: sa.Connection, table: sa.Table) -> int:
        if table.name not in self.ids:
            self.ids[table.name] = (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0)
        self.ids[table.name] += 1
        return self.ids[table.name]

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=7)
        return self.clock

    def add(self, connection: sa.Connection, pilots: int, entries: int) -> None:
        """Add ``pilots`` granted pilots and about ``entries`` ledger entries (one commitment per
        pilot, then advances, payments, releases, repayment claims and repayments in turn)."""
        first = self.pilots
        organisations, applications, decisions, amounts, accounts = [], [], [], [], []
        movements: list[list[dict[str, Any]]] = []
        now, on = datetime.now(UTC), today()
        for n in range(first, first + pilots):
            year = self.years[n % len(self.years)]
            if n % PILOTS_PER_ORGANISATION == 0:
                organisations.append({
                    "id": self._next_id(connection, Organisation.__table__),
                    "name": f"Förening {n // PILOTS_PER_ORGANISATION + 1}",
                    "org_number": org_number(802_500_000, n // PILOTS_PER_ORGANISATION),
                    "kind": "association", "municipality_code": "1880", "created_at": now,
                })
            organisation_id = self.ids["organisation"]
            application_id = self._next_id(connection, Application.__table__)
            decision_id = self._next_id(connection, Decision.__table__)
            reference = f"PF-{year}-{n // len(self.years) + 1:04d}"
            granted = self.rng.randrange(20, 151) * 1_000
            decided = min(date(year, 1, 15) + timedelta(days=n % 300), on)
            start = decided + timedelta(days=14)
            end = start + timedelta(days=90 + n % 240)
            submitted = datetime(decided.year, decided.month, decided.day, 9, tzinfo=UTC) - \
                timedelta(days=45)
            applications.append({
                "id": application_id, "reference": reference,
                "dnr": f"{year % 100:02d}RS{100_000 + n}", "state": "granted",
                "title": f"Pilot {n + 1}", "summary": "Ett försök med unga i närområdet.",
                "organisation_id": organisation_id, "created_at": submitted,
                "updated_at": submitted, "submitted_at": submitted, "version": 1,
                "start_date": start, "end_date": end, "age_bands": [], "saved_sections": [],
                "unsaved_input": {},
            })
            decisions.append({
                "id": decision_id, "application_id": application_id, "outcome": "grant",
                "correction_note": "", "decided_by_id": self.decider_id,
                "presented_by_id": self.officer_id, "decision_date": decided,
                "minutes_posted": decided, "appeal_deadline": decided + timedelta(days=21),
                "project_start": start, "project_end": end, "support_share_permille": 500,
                "reasons": "", "conditions": [], "extra_conditions": "",
                "decider_jav_confirmed": True, "created_at": submitted, "hold_letter": False,
            })
            amounts.append({"decision_id": decision_id, "year": year, "amount": granted})
            account, steps = self._pilot_movements(application_id, decision_id, reference, year,
                                                   granted, on)
            accounts.append(account)
            movements.append(steps)
        # One commitment per pilot, then each pilot's next movement in turn until the entries
        # are used up: every prefix of a pilot's movements keeps its invariants.
        budget = max(entries - pilots, 0)
        rows = [steps[0] for steps in movements]
        for level in range(1, max((len(s) for s in movements), default=1)):
            for steps in movements:
                if budget and level < len(steps):
                    rows.append(steps[level])
                    budget -= 1
        self._apply(rows, accounts)
        for row in rows:  # in the order they happened: all grants, then each next step
            row["id"] = self._next_id(connection, LedgerEntry.__table__)
            row["created_at"] = self._tick()
        reservations = self.totals.reservations(
            self.years_with_pots, actor_id=self.finance_id, at=self._tick,
            next_id=lambda: self._next_id(connection, LedgerEntry.__table__))
        for table, data in ((Organisation.__table__, organisations),
                            (Application.__table__, applications),
                            (Decision.__table__, decisions),
                            (DecisionAmount.__table__, amounts),
                            (PilotAccount.__table__, accounts),
                            (LedgerEntry.__table__, reservations + rows)):
            for i in range(0, len(data), CHUNK):
                connection.execute(table.insert(), data[i:i + CHUNK])
        self.totals.update_pots(connection, self.years_with_pots)
        self.pilots += pilots
        self.entries += len(rows) + len(reservations)

    def _pilot_movements(self, application_id: int, decision_id: int, reference: str,
                         year: int, granted: int, on: date) -> tuple[dict[str, Any],
                                                                     list[dict[str, Any]]]:
        """The pilot's account (zeroed; filled by ``_apply``) and its possible movements in the
        order they happen. Paid 2/5 + 1/5 + 1/10 + 1/10 ≤ granted − 1/10 released; the
        advance is 2/5 ≤ half; the claim ≤ paid; the repayment ≤ the claim."""
        base = {"year": year, "application_id": application_id, "actor_id": self.finance_id,
                "decision_id": None, "payment_kind": None, "payment_date": None,
                "reference": "", "idempotency_key": None, "note": ""}
        in_year = min(date(year, 3, 1), on)

        def move(kind: str, amount: int, **more: Any) -> dict[str, Any]:
            return {**base, "kind": kind, "amount": amount, **more}

        def payment(amount: int, kind: str, day: date, number: int) -> dict[str, Any]:
            label = "Förskott" if kind == "advance" else "Mot redovisade kostnader"
            return move("payment", amount, payment_kind=kind, payment_date=day,
                        reference=f"Rekvisition {number}", idempotency_key=uuid.uuid4().hex,
                        note=f"{label} till {reference}")

        claim = granted // 20
        steps = [
            move("commitment", granted, decision_id=decision_id,
                 note=f"Beviljat stöd {reference}"),
            payment(granted * 2 // 5, "advance", in_year, 1),
            payment(granted // 5, "costs", min(date(year, 6, 15), on), 2),
            payment(granted // 10, "costs", min(date(year, 9, 15), on), 3),
            move("release", granted // 10, note="Lägre kostnader än budgeterat."),
            # The last payment often falls in the next calendar year (it stays in ``year``).
            payment(granted // 10, "costs", min(date(year + 1, 1, 20), on), 4),
            move("repayment_claim", claim, note="Delar av piloten genomfördes inte."),
            move("repayment", claim // 2, note="Återbetalning", reference="Inbetalning 1"),
        ]
        account = {"application_id": application_id, "granted": 0, "released": 0, "paid": 0,
                   "advances": 0, "claimed": 0, "repaid": 0}
        return account, steps

    def _apply(self, rows: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> None:
        by_id = {a["application_id"]: a for a in accounts}
        for row in rows:
            account, amount = by_id[row["application_id"]], row["amount"]
            self.totals.add(row["kind"], row["year"], amount)
            if row["kind"] == "commitment":
                account["granted"] += amount
            elif row["kind"] == "release":
                account["released"] += amount
            elif row["kind"] == "payment":
                account["paid"] += amount
                if row["payment_kind"] == "advance":
                    account["advances"] += amount
            elif row["kind"] == "repayment_claim":
                account["claimed"] += amount
            else:
                account["repaid"] += amount


# Measuring --------------------------------------------------------------------------------------


@dataclass
class Result(Timed):
    label: str
    pilots: int
    entries: int
    status: int
    times: list[float]
    queries: int
    size: int


def measure(app: Flask, client: FlaskClient, pages: list[tuple[str, str]], runs: int,
            pilots: int, entries: int) -> list[Result]:
    results = []
    for label, url in pages:
        done = time_requests(app, client, url, runs)
        if done is None:
            results.append(Result(label, pilots, entries, 500, [], 0, 0))
        else:
            results.append(Result(label, pilots, entries, done.status, done.times,
                                  max(done.queries), done.size))
    return results


def print_table(results: list[Result]) -> None:
    header = (f"{'page':<28} {'pilots':>7} {'entries':>8} {'status':>6} {'median ms':>10} "
              f"{'p95 ms':>9} {'queries':>8} {'bytes':>10}")
    print(header)
    print("-" * len(header))
    for r in results:
        if not r.times:
            print(f"{r.label:<28} {r.pilots:>7} {r.entries:>8} {'error':>6} {'-':>10} {'-':>9} "
                  f"{'-':>8} {'-':>10}")
            continue
        print(f"{r.label:<28} {r.pilots:>7} {r.entries:>8} {r.status:>6} {r.median_ms:>10.1f} "
              f"{r.p95_ms:>9.1f} {r.queries:>8} {r.size:>10}")


# Main -------------------------------------------------------------------------------------------


def pages(year: int, pilot_id: int) -> list[tuple[str, str]]:
    return [
        ("dashboard /ekonomi/", "/ekonomi/"),
        (f"year /ekonomi/ar/{year}", f"/ekonomi/ar/{year}"),
        ("pilot /ekonomi/piloter/<id>", f"/ekonomi/piloter/{pilot_id}"),
        ("export huvudbok.csv", "/ekonomi/export/huvudbok.csv"),
        ("export huvudbok.xlsx", "/ekonomi/export/huvudbok.xlsx"),
        ("export piloter.csv", "/ekonomi/export/piloter.csv"),
        ("export piloter.xlsx", "/ekonomi/export/piloter.xlsx"),
        ("api /api/v1/pots", "/api/v1/pots"),
        ("api /api/v1/ledger", "/api/v1/ledger"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.finance",
        description="Time the finance pages and exports on a large, consistent ledger.")
    parser.add_argument("--pilots", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=50_000,
                        help="ledger entries in all (about; at most 8 per pilot)")
    parser.add_argument("--small", type=int, default=100,
                        help="pilots at the first, small measurement (default 100)")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (default 5)")
    parser.add_argument("--database-url", default="",
                        help="an EMPTY database (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    if not 0 < args.small <= args.pilots or args.runs < 1:
        parser.error("--small must be between 1 and --pilots, and --runs at least 1")

    folder = Path(tempfile.mkdtemp(prefix="pilotfonden-bench-"))
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = build_app(url, folder)
    engine = app.extensions["pilotfonden.engine"]
    year = today().year
    people = prepare_database(app, pot_years=(year - 2, year - 1, year, year + 1),
                              roles=("finance", "decider", "officer"))
    seeder = Seeder(finance_id=people["finance"], decider_id=people["decider"],
                    officer_id=people["officer"], years=[year - 2, year - 1, year],
                    years_with_pots=[year - 2, year - 1, year, year + 1])

    small_entries = max(args.small, args.entries * args.small // args.pilots)
    phases = [(args.small, small_entries)]
    if args.pilots > args.small:
        phases.append((args.pilots - args.small, max(args.entries - small_entries, 0)))
    print(f"Database: {engine.url.render_as_string(hide_password=True)}")
    results: list[Result] = []
    pilot_id = 0
    for pilots, entries in phases:
        started = time.perf_counter()
        with engine.begin() as connection:
            seeder.add(connection, pilots, entries)
            after_seeding(connection, (Organisation, Application, Decision, LedgerEntry))
        seeded = time.perf_counter() - started
        with app.app_context():
            pilot_id = pilot_id or session.scalar(sa.select(sa.func.min(Application.id)))
            differences = verify_ledger()
            session.remove()
        print(f"Seeded {seeder.pilots} pilots and {seeder.entries} ledger entries in all "
              f"({seeded:.1f} s); verify_ledger: "
              f"{differences[:3] if differences else 'no differences'}")
        if differences:
            return 1
        client = sign_in(app, "finance@bench.example.se")
        results += measure(app, client, pages(year, pilot_id), args.runs, seeder.pilots,
                           seeder.entries)

    print(f"\n{args.runs} timed requests per page after one warm-up; queries = SQL statements "
          "per request (BEGIN/COMMIT not counted).\n")
    order = [label for label, _ in pages(year, pilot_id)]
    print_table(sorted(results, key=lambda r: (order.index(r.label), r.pilots)))
    failed = sorted({r.label for r in results if r.status != 200})
    by_size: dict[str, set[int]] = defaultdict(set)
    for r in results:
        by_size[r.label].add(r.queries)
    if len(phases) > 1:
        same = [label for label in order if label not in failed and len(by_size[label]) == 1]
        grown = [label for label in order if label not in failed and len(by_size[label]) > 1]
        print(f"\nQuery count the same at {args.small} and {seeder.pilots} pilots: "
              f"{', '.join(same) or 'none'}.")
        if grown:
            print(f"Query count grew with the data: {', '.join(grown)}.")
    if failed:
        print(f"\nNot 200: {', '.join(failed)}")
    print(f"\nFiles kept in {folder} (delete when done).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
