"""What the benchmarks share: the app they measure, an empty database with its reference data
and staff, counting the SQL statements of a request, timing a page, the pots' reservation
entries, PostgreSQL's sequences after a bulk load, a scratch PostgreSQL database, and the
machine the figures come from."""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants import create_app
from grants.db import Base, session
from grants.models import LedgerEntry, Pot
from grants.operations.users import create_user
from grants.reference import seed_reference_data

PASSWORD = "ett-langt-benchmarklosenord"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# Seeding ----------------------------------------------------------------------------------------


def luhn_digit(digits: str) -> str:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def org_number(base: int, n: int) -> str:
    """A valid organisation number (``NNNNNN-NNNN``, Luhn checked) for the ``n``-th organisation
    numbered from ``base`` (nine digits)."""
    digits = f"{base + n:09d}"
    return f"{digits[:6]}-{digits[6:]}{luhn_digit(digits)}"


@dataclass
class PotTotals:
    """The running totals per budget year of what the seeded ledger has reserved, committed,
    released and paid, so that the pots (and their reservation entries) always agree with the
    ledger after each batch."""

    committed: dict[int, int] = field(default_factory=dict)
    released: dict[int, int] = field(default_factory=dict)
    paid: dict[int, int] = field(default_factory=dict)
    reserved: dict[int, int] = field(default_factory=dict)

    def add(self, kind: str, year: int, amount: int) -> None:
        totals = {"commitment": self.committed, "release": self.released,
                  "payment": self.paid}.get(kind)
        if totals is not None:
            totals[year] = totals.get(year, 0) + amount

    def reservations(self, years: Iterable[int], *, actor_id: int, next_id: Callable[[], int],
                     at: Callable[[], datetime]) -> list[dict[str, Any]]:
        """Each year reserves a quarter more than it has committed net (in whole 100 000 kr);
        a change is one reservation entry, so the entries always sum to the pot's amount."""
        rows = []
        for year in years:
            net = self.committed.get(year, 0) - self.released.get(year, 0)
            wanted = -(-net * 5 // 4 // 100_000) * 100_000 or 1_000_000
            before = self.reserved.get(year, 0)
            if wanted != before:
                rows.append({
                    "id": next_id(), "year": year, "kind": "reservation",
                    "amount": wanted - before, "application_id": None, "decision_id": None,
                    "actor_id": actor_id, "created_at": at(), "payment_kind": None,
                    "payment_date": None, "reference": "", "idempotency_key": None,
                    "note": "Ramen anpassad efter beviljade piloter" if before
                    else "Ingående avsättning",
                })
                self.reserved[year] = wanted
        return rows

    def update_pots(self, connection: sa.Connection, years: Iterable[int]) -> None:
        for year in years:
            connection.execute(sa.update(Pot).where(Pot.year == year).values(
                reserved=self.reserved.get(year, 0), committed=self.committed.get(year, 0),
                released=self.released.get(year, 0), paid=self.paid.get(year, 0)))


def after_seeding(connection: sa.Connection, models: Iterable[Any]) -> None:
    """PostgreSQL: move the sequences of ``models`` past the explicit ids, and ANALYZE
    (autovacuum would soon after a bulk load; without it the planner guesses at row counts)."""
    if connection.dialect.name != "postgresql":
        return
    for model in models:
        name = model.__tablename__
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {name}))")
    connection.exec_driver_sql("ANALYZE")


# The app and its database -----------------------------------------------------------------------


def build_app(url: str, folder: Path) -> Flask:
    return create_app({
        "TESTING": True,  # plain-HTTP session cookies for the test client; errors propagate
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })


def prepare_database(app: Flask, *, pot_years: Iterable[int],
                     roles: Iterable[str]) -> dict[str, int]:
    """Create the tables in the app's (empty) database, add the reference data, a pot per year
    in ``pot_years`` and one user per role in ``roles`` (``<role>@bench.example.se``, password
    :data:`PASSWORD`). Returns the users' ids by role; exits if the database holds
    applications already."""
    engine = app.extensions["pilotfonden.engine"]
    if sa.inspect(engine).has_table("ledger_entry"):
        with engine.connect() as connection:
            if connection.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)):
                sys.exit("The database is not empty: give an empty one with --database-url.")
    Base.metadata.create_all(engine)
    with app.app_context():
        seed_reference_data(session)
        for year in pot_years:
            session.add(Pot(year=year, reserved=0))
        people = {role: create_user(email=f"{role}@bench.example.se", name=f"Bench {role}",
                                    password=PASSWORD, roles={role}).id
                  for role in roles}
        session.commit()
        session.remove()
    return people


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``server_url`` (whose role needs
    CREATEDB), dropped again at the end: the URL of the new database."""
    url = sa.make_url(server_url)
    name = f"pilotfonden_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    print(f"Created the scratch database {name}.")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        print(f"Dropped the scratch database {name}.")


def database_version(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return f"PostgreSQL {connection.exec_driver_sql('SHOW server_version').scalar()}"
        return f"SQLite {connection.exec_driver_sql('SELECT sqlite_version()').scalar()}"


def machine(engine: sa.Engine) -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLAlchemy {sa.__version__}, {database_version(engine)}")


# Measuring --------------------------------------------------------------------------------------


def nearest_rank(times: list[float], percent: int) -> float:
    """The ``percent``-th percentile of ``times`` by the nearest-rank method."""
    ordered = sorted(times)
    return ordered[max(0, -(-percent * len(ordered) // 100) - 1)]


class Timed:
    """Median and 95th percentile, in milliseconds, of a result's ``times`` (seconds)."""

    times: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95_ms(self) -> float:
        return nearest_rank(self.times, 95) * 1000


@contextmanager
def counting(engine: sa.Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block (BEGIN/COMMIT not counted)."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@dataclass
class Requests:
    """What ``runs`` timed requests of one page gave."""

    status: int
    times: list[float]
    queries: list[int]
    size: int


def time_requests(app: Flask, client: FlaskClient, url: str, runs: int) -> Requests | None:
    """One warm-up request (templates compiled, caches filled), then ``runs`` timed ones, each
    with its SQL statements counted. None, with the error printed, if the page raised (TESTING
    lets a page's error through)."""
    engine = app.extensions["pilotfonden.engine"]
    try:
        client.get(url)
    except Exception as exc:
        print(f"{url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    times, counts, status, size = [], [], 0, 0
    for _ in range(runs):
        with counting(engine) as statements:
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            times.append(time.perf_counter() - started)
        counts.append(len(statements))
        status, size = response.status_code, len(body)
    return Requests(status, times, counts, size)


def sign_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    match = CSRF.search(client.get("/logga-in").get_data(as_text=True))
    if not match:
        sys.exit("Hittade ingen CSRF-token på /logga-in.")
    response = client.post("/logga-in", data={"csrf_token": match.group(1), "email": email,
                                              "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"Inloggningen misslyckades ({response.status_code}).")
    return client
