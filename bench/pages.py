"""Benchmark of the pages people use most, at 100 and at 10 000 applications, on SQLite and on
PostgreSQL; writes BENCHMARKS.md (issue 8, "Performance").

    .venv/bin/python -m bench.pages                  # SQLite; PostgreSQL too if the URL is set
    .venv/bin/python -m bench.pages --postgresql postgresql+psycopg://u:p@127.0.0.1/postgres
    .venv/bin/python -m bench.pages --sizes 100 1000 --runs 20 --output /tmp/b.md   # quick

Seeds applications in every state straight into the tables (on top of the public pilots that
:mod:`bench.register` seeds): drafts; submitted cases with their Dnr, formal check and reviewers
(some scored, some not yet, one in five with a jäv declaration); returned and withdrawn ones;
assessed cases with three scored reviews and the officer's proposal; rejected and granted ones
with their decisions, issued letters, amounts, ledger entries and reports; and the audit events
of each case's path. One municipality's department applies for 2 % of all applications (2 at
100, 200 at 10 000): its applicant's dashboard is the one measured.

At each size it requests, through the app's test client, the applicant dashboard, the
officer's case list (first page), the case page of a followed-up pilot and the assessment
summary of an assessed case (the same two cases at both sizes), the finance dashboard,
``/piloter`` and ``/api/v1/pilots``: one warm-up, then ``--runs`` timed requests each, with the
SQL statements counted. At the largest size it also times the decision letter (snapshot, HTML
and PDF; median of 20) and the public register's throughput under gunicorn, with a load
generator on loopback. Not a test and never run in CI; the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import Flask

from bench import register
from bench.common import (
    PASSWORD,
    SECRET_KEY,
    Timed,
    after_seeding,
    build_app,
    database_version,
    nearest_rank,
    org_number,
    prepare_database,
    scratch_database,
    sign_in,
    time_requests,
)
from bench.register import Rows
from grants.completeness import today
from grants.db import session
from grants.letters import EXAMPLE_SNAPSHOT, render_letter_pdf
from grants.models import (
    Application,
    Assessment,
    AuditEvent,
    Decision,
    DecisionAmount,
    LedgerEntry,
    Letter,
    Organisation,
    RequestedAmount,
    Review,
    ReviewScore,
    RubricCriterion,
    Screening,
)
from grants.operations.decisions import letter_snapshot
from grants.operations.finance import verify_ledger
from grants.operations.users import create_user

ROOT = Path(__file__).resolve().parent.parent
POSTGRESQL_ENV = "PILOTFONDEN_BENCH_POSTGRESQL_URL"
BUSY_EVERY = 50
"""One application in this many is the busy organisation's."""
TARGET_P95_MS = 25.0
TARGET_GROWTH = 1.5
TARGET_LETTER_MS = 300.0
LETTER_RUNS = 20
REVIEWERS = [("Greta Granskare", "1880"), ("Gustav Granskare", "1881"),
             ("Gun Granskare", "1862"), ("Göran Granskare", "1885"),
             ("Gerd Granskare", "1884"), ("Gösta Granskare", "1860")]
NOTES = "## What the numbers say"
"""The hand-written part of BENCHMARKS.md from this heading on, which a new run keeps."""
PLACEHOLDER_PDF = b"%PDF-1.4\n% bench.pages: a stored letter's bytes are never read here\n"


# Seeding ----------------------------------------------------------------------------------------


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Seeder(register.Seeder):
    """The public pilots of :class:`bench.register.Seeder`, each with the path it took (the
    requested amounts, formal check, reviews, proposal, letter and audit events), and beside
    them applications that are still open, returned, withdrawn or rejected."""

    reviewer_ids: list[tuple[int, str]] = field(default_factory=list)
    """The reviewers and their names."""
    criteria: list[tuple[int, str]] = field(default_factory=list)
    """The rubric's criteria (id, kind)."""
    rubric_id: int = 0
    busy_organisation_id: int = 0
    applicant_id: int = 0
    """The busy organisation's applicant (the actor of its applications' own steps)."""
    followed_up_case: int | None = None
    assessed_case: int | None = None
    by_state: dict[str, int] = field(default_factory=dict)

    ORDER: ClassVar[list[Any]] = [
        *register.Seeder.ORDER, RequestedAmount.__table__, Screening.__table__,
        Review.__table__, ReviewScore.__table__, Assessment.__table__, Letter.__table__,
        AuditEvent.__table__]
    SEQUENCES: ClassVar[list[Any]] = [*register.SEQUENCES, Review, Letter, AuditEvent]

    def add_applications(self, connection: sa.Connection, wanted: int) -> None:
        """Add pilots (and the applications around them) until there are ``wanted``."""
        rows = Rows()
        while self.applications < wanted:
            self.add_pilot(connection, rows)
        self.write(connection, rows)

    def add_pilot(self, connection: sa.Connection, rows: Rows) -> None:
        n = self.pilots
        super().add_pilot(connection, rows)
        for stage, every, at in (("submitted", 8, 3), ("assessed", 16, 5), ("returned", 16, 11),
                                 ("withdrawn", 32, 13)):
            if n % every == at:
                self._open(connection, rows, stage)

    def _application(self, connection: sa.Connection, rows: Rows, **kwargs: Any,
                     ) -> tuple[int, str | None]:
        if self.applications % BUSY_EVERY == 0:
            kwargs["organisation_id"] = self.busy_organisation_id
        application_id, reference = super()._application(connection, rows, **kwargs)
        state = kwargs["state"]
        self.by_state[state] = self.by_state.get(state, 0) + 1
        return application_id, reference

    # The kinds of application ----------------------------------------------------------------

    def _pilot(self, connection: sa.Connection, rows: Rows, n: int, organisation_id: int) -> None:
        super()._pilot(connection, rows, n, organisation_id)
        application = rows.tables[Application.__table__][-1]
        decision = rows.tables[Decision.__table__][-1]
        amounts = {a["year"]: a["amount"] for a in rows.tables[DecisionAmount.__table__][-2:]
                   if a["decision_id"] == decision["id"]}
        self._path(connection, rows, application, "decided", amounts, decision=decision)
        self._after_grant(connection, rows, application, decision)
        if application["state"] == "followed_up" and self.followed_up_case is None:
            self.followed_up_case = application["id"]

    def _rejected(self, connection: sa.Connection, rows: Rows, n: int,
                  organisation_id: int) -> None:
        super()._rejected(connection, rows, n, organisation_id)
        decision = rows.tables[Decision.__table__][-1]
        self._path(connection, rows, rows.tables[Application.__table__][-1], "decided",
                   {decision["decision_date"].year: self.rng.randrange(50, 301) * 1_000},
                   decision=decision)

    def _draft(self, connection: sa.Connection, rows: Rows, organisation_id: int) -> None:
        super()._draft(connection, rows, organisation_id)
        self._path(connection, rows, rows.tables[Application.__table__][-1], "draft",
                   {self.this_year: 80_000})

    def _open(self, connection: sa.Connection, rows: Rows, stage: str) -> None:
        """A case received this year that is not decided yet (or was returned or withdrawn)."""
        submitted = datetime.now(UTC) - timedelta(days=20 + self.rng.randrange(60))
        start = submitted.date() + timedelta(days=90)
        topic = self.rng.choice(register.TOPICS)
        application_id, _reference = self._application(
            connection, rows, state=stage, year=self.this_year,
            organisation_id=self.organisation_id, title=f"{topic}, ansökan {self.applications}",
            submitted=submitted, start=start, end=start + timedelta(days=300))
        self._places(rows, application_id, None)
        amounts = {self.this_year: self.rng.randrange(50, 301) * 1_000}
        if self.rng.random() < 0.4:
            amounts[self.this_year + 1] = self.rng.randrange(20, 151) * 1_000
        self._path(connection, rows, rows.tables[Application.__table__][-1], stage, amounts)
        if stage == "assessed" and self.assessed_case is None:
            self.assessed_case = application_id

    # A case's path -----------------------------------------------------------------------------

    def _event(self, connection: sa.Connection, rows: Rows, application_id: int, trigger: str,
               states: tuple[str | None, str], at: datetime, actor: int | None,
               reason: str = "", **data: Any) -> None:
        rows.add(AuditEvent, id=self._id(connection, AuditEvent), application_id=application_id,
                 actor_id=actor, created_at=at, trigger=trigger, from_state=states[0],
                 to_state=states[1], reason=reason, data=data)

    def _path(self, connection: sa.Connection, rows: Rows, application: dict[str, Any],
              stage: str, amounts: dict[int, int], decision: dict[str, Any] | None = None,
              ) -> None:
        """What happened to the case up to ``stage`` (draft, returned, withdrawn, submitted,
        assessed, decided): its requested amounts, the formal check, the reviews, the
        officer's proposal, the decision's letter, and an audit event for every step."""
        application_id = application["id"]
        own = self.applicant_id if application["organisation_id"] == \
            self.busy_organisation_id else None

        def event(trigger: str, states: tuple[str | None, str], at: datetime,
                  actor: int | None = self.officer_id, reason: str = "", **data: Any) -> None:
            self._event(connection, rows, application_id, trigger, states, at, actor, reason,
                        **data)

        for year, amount in amounts.items():
            rows.add(RequestedAmount, application_id=application_id, year=year, amount=amount)
        submitted = application["submitted_at"]
        created = (submitted or datetime.now(UTC)) - timedelta(days=12)
        application["created_at"] = created
        event("create", (None, "draft"), created, own)
        if stage == "draft":
            return
        event("submit", ("draft", "submitted"), submitted, own,
              reference=application["reference"])
        if stage == "returned":
            event("return_for_completion", ("submitted", "returned"),
                  submitted + timedelta(days=3),
                  reason="Budgeten saknar medfinansieringen från kommunen.")
            return
        event("register_dnr", ("submitted", "submitted"), submitted + timedelta(days=1),
              dnr=application["dnr"], before=None)
        rows.add(Screening, application_id=application_id, complete=True,
                 eligible_applicant=True, within_aims=True, state_aid_handled=True,
                 note="Komplett ansökan.", screened_by_id=self.officer_id,
                 screened_at=submitted + timedelta(days=2))
        event("screen", ("submitted", "submitted"), submitted + timedelta(days=2), passed=True)
        if stage == "withdrawn":
            event("withdraw", ("submitted", "withdrawn"), submitted + timedelta(days=5), own,
                  reason="Vi fick inte ihop medfinansieringen.")
            return
        self._reviews(connection, rows, application, event, done=stage != "submitted",
                      recommendation="reject" if decision and decision["outcome"] == "reject"
                      else "grant_full")
        if stage == "submitted":
            return
        decided = _at(decision["decision_date"]) if decision else datetime.now(UTC)
        assessed = min(submitted + timedelta(days=25), decided - timedelta(days=5))
        proposal = decision["outcome"] if decision else "grant"
        rows.add(Assessment, application_id=application_id, proposal=proposal,
                 proposed_amounts={} if proposal == "reject" else {
                     str(year): amount for year, amount in amounts.items()},
                 note="Granskarna är eniga; piloten passar fondens inriktning.",
                 presented_by_id=self.officer_id, assessed_at=assessed)
        event("assess", ("submitted", "assessed"), assessed,
              reason="Förslag till beslut: " + ("bevilja." if proposal == "grant" else "avslå."))
        if decision is None:
            return
        after = "granted" if decision["outcome"] == "grant" else "rejected"
        event(decision["outcome"], ("assessed", after), decided, self.decider_id,
              reason=decision["reasons"] or "Piloten stämmer med fondens inriktning.")
        self._letter(connection, rows, application, decision, amounts)
        event("issue_letter", (after, after), decided, self.decider_id,
              decision_id=decision["id"], letter_id=self.ids["letter"])

    def _reviews(self, connection: sa.Connection, rows: Rows, application: dict[str, Any],
                 event: Any, *, done: bool, recommendation: str) -> None:
        """Three reviewers (and, for one case in five, a fourth who declared jäv); when
        ``done`` all three handed in their scores, else one has, one has declared no jäv and
        one has not declared yet."""
        submitted = application["submitted_at"]
        jav = self.rng.random() < 0.2
        chosen = self.rng.sample(self.reviewer_ids, 4 if jav else 3)
        for position, (reviewer_id, name) in enumerate(chosen):
            review_id = self._id(connection, Review)
            assigned = submitted + timedelta(days=3)
            declared = assigned + timedelta(days=1)
            handed_in = assigned + timedelta(days=8 + position)
            state = "jav" if position == 3 else "done" if done or position == 0 else \
                "cleared" if position == 1 else "pending"
            flags = [f"Granskaren bor eller arbetar i samma kommun som piloten ({name})."] \
                if self.rng.random() < 0.15 else []
            rows.add(Review, id=review_id, application_id=application["id"],
                     reviewer_id=reviewer_id, rubric_id=self.rubric_id,
                     assigned_by_id=self.officer_id, assigned_at=assigned,
                     conflict_flags=flags, removed_at=None,
                     jav={"jav": "declared", "pending": "pending"}.get(state, "none"),
                     jav_ground=4 if state == "jav" else None,
                     jav_note="Min sambo arbetar i projektet." if state == "jav" else "",
                     jav_declared_at=None if state == "pending" else declared,
                     recommendation=recommendation if state == "done" else None,
                     recommended_amount=None,
                     comment="Ett genomtänkt försök med tydliga mål." if state == "done" else "",
                     submitted_at=handed_in if state == "done" else None)
            event("assign_reviewer", ("submitted", "submitted"), assigned, reviewer=name)
            if state != "pending":
                event("declare_jav", ("submitted", "submitted"), declared, reviewer_id,
                      jav="declared" if state == "jav" else "none")
            if state != "done":
                continue
            for criterion_id, kind in self.criteria:
                scored = kind == "scored"
                rows.add(ReviewScore, review_id=review_id, criterion_id=criterion_id,
                         score=self.rng.randrange(1, 4) if scored else None,
                         rating=None if scored else self.rng.choice(["active", "partial"]),
                         reason="Motiveringen finns i ansökans avsnitt om mål och aktiviteter.")
            event("submit_review", ("submitted", "submitted"), handed_in, reviewer_id)

    def _letter(self, connection: sa.Connection, rows: Rows, application: dict[str, Any],
                decision: dict[str, Any], amounts: dict[int, int]) -> None:
        """The issued letter: its snapshot as the letter would have it (the bytes are a
        placeholder: no measured page reads them)."""
        granted = decision["outcome"] == "grant"
        snapshot = {
            **EXAMPLE_SNAPSHOT, "outcome": decision["outcome"],
            "decision_date": decision["decision_date"].isoformat(),
            "case": {"reference": application["reference"], "dnr": application["dnr"],
                     "title": application["title"],
                     "received_date": application["submitted_at"].date().isoformat()},
            "amounts": [{"year": y, "amount": a} for y, a in amounts.items()] if granted else [],
            "total": sum(amounts.values()) if granted else 0,
        }
        rows.add(Letter, id=self._id(connection, Letter), decision_id=decision["id"],
                 application_id=application["id"], issued_at=_at(decision["decision_date"]),
                 issued_by_id=self.decider_id, template_version=snapshot["template_version"],
                 snapshot=snapshot, html="<p>Beslutsbrev</p>", pdf=PLACEHOLDER_PDF,
                 sha256=sha256(PLACEHOLDER_PDF).hexdigest())

    def _after_grant(self, connection: sa.Connection, rows: Rows, application: dict[str, Any],
                     decision: dict[str, Any]) -> None:
        """The payments the ledger holds, the reports register's seeder approved and the state
        changes they led to, as audit events."""
        application_id, state = application["id"], application["state"]
        last = application["updated_at"]

        def event(trigger: str, states: tuple[str, str], at: datetime, **data: Any) -> None:
            self._event(connection, rows, application_id, trigger, states, min(at, last),
                        self.officer_id, **data)

        for entry in reversed(rows.tables[LedgerEntry.__table__]):
            if entry["application_id"] != application_id:
                break
            if entry["kind"] == "payment":
                event("record_payment", ("granted", "granted"), entry["created_at"],
                      amount=entry["amount"])
        if state == "granted":
            return
        reviewed = _at(decision["project_end"] + timedelta(days=25))
        event("submit_report", ("granted", "granted"), reviewed - timedelta(days=5),
              report="Uppföljningsrapport")
        event("approve_report", ("granted", "granted"), reviewed, report="Uppföljningsrapport")
        event("follow_up", ("granted", "followed_up"), reviewed)
        if state == "scaled":
            label = "Rapport om införande i ordinarie verksamhet"
            event("submit_report", ("followed_up", "followed_up"), last, report=label)
            event("approve_report", ("followed_up", "followed_up"), last, report=label)
            event("scale", ("followed_up", "scaled"), last)
        elif state == "closed":
            event("approve_report", ("followed_up", "followed_up"), last,
                  report="Ekonomisk slutrapport")
            event("close", ("followed_up", "closed"), last,
                  reason="Piloten är slutredovisad; det som inte användes är återfört.")


def prepare(app: Flask, seeder_kwargs: dict[str, Any]) -> Seeder:
    """The reviewers, the busy organisation and its applicant, and the seeder."""
    with app.app_context():
        criteria = session.execute(
            sa.select(RubricCriterion.id, RubricCriterion.kind, RubricCriterion.rubric_id)
            .order_by(RubricCriterion.position)).all()
        reviewers = [(create_user(email=f"granskare{i}@bench.example.se", name=name,
                                  password=PASSWORD, roles={"reviewer"},
                                  municipality_code=municipality).id, name)
                     for i, (name, municipality) in enumerate(REVIEWERS)]
        busy = Organisation(name="Örebro kommun, förvaltningen för barn och unga",
                            org_number=org_number(212_100_000, 0), kind="municipality",
                            municipality_code="1880")
        session.add(busy)
        session.flush()
        applicant = create_user(email="applicant@bench.example.se", name="Sara Sökande",
                                password=PASSWORD, roles={"applicant"}, organisation=busy)
        session.commit()
        seeder = Seeder(**seeder_kwargs, reviewer_ids=reviewers,
                        criteria=[(c.id, c.kind) for c in criteria],
                        rubric_id=criteria[0].rubric_id, busy_organisation_id=busy.id,
                        applicant_id=applicant.id)
        session.remove()
    return seeder


# Measuring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    who: str
    """The user who asks: applicant, officer or finance (anonymous if empty)."""


def pages(seeder: Seeder) -> list[Page]:
    return [
        Page("Applicant dashboard /mina-ansokningar/", "/mina-ansokningar/", "applicant"),
        Page("Officer's case list /handlaggning/", "/handlaggning/", "officer"),
        Page("Case page (followed-up pilot)", f"/handlaggning/arenden/{seeder.followed_up_case}",
             "officer"),
        Page("Assessment summary (assessed case)",
             f"/handlaggning/arenden/{seeder.assessed_case}/bedomning", "officer"),
        Page("Finance dashboard /ekonomi/", "/ekonomi/", "finance"),
        Page("Public register /piloter", "/piloter", ""),
        Page("API list /api/v1/pilots", "/api/v1/pilots", ""),
    ]


@dataclass
class Result(Timed):
    page: Page
    size: int
    status: int
    times: list[float]
    queries: list[int]
    kilobytes: float


@dataclass
class Load:
    workers: int
    concurrency: int
    seconds: float
    requests: int
    errors: int
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


@dataclass
class Run:
    """What one database gave."""

    name: str
    version: str
    sizes: list[int]
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    """Per size, the applications per state."""
    results: list[Result] = field(default_factory=list)
    seeded_seconds: dict[int, float] = field(default_factory=dict)
    letter_ms: float = 0.0
    letter_kb: float = 0.0
    load: Load | None = None
    failures: list[str] = field(default_factory=list)


def measure_pages(app: Flask, seeder: Seeder, size: int, runs: int) -> list[Result]:
    clients = {"": app.test_client()}
    results = []
    for page in pages(seeder):
        if page.who not in clients:
            clients[page.who] = sign_in(app, f"{page.who}@bench.example.se")
        done = time_requests(app, clients[page.who], page.url, runs)
        results.append(Result(page, size, 500, [], [], 0) if done is None else Result(
            page, size, done.status, done.times, done.queries, done.size / 1024))
    return results


def time_letter(app: Flask, application_id: int) -> tuple[float, float]:
    """The decision letter of the case's grant, snapshot to PDF bytes: the median of
    :data:`LETTER_RUNS` renders (after one to warm up) in ms, and the PDF's size in KB."""
    with app.app_context():
        decision = session.scalar(sa.select(Decision).where(
            Decision.application_id == application_id, Decision.kind == "decision"))
        render_letter_pdf(letter_snapshot(decision))
        times, size = [], 0
        for _ in range(LETTER_RUNS):
            started = time.perf_counter()
            pdf = render_letter_pdf(letter_snapshot(decision))
            times.append(time.perf_counter() - started)
            size = len(pdf)
        session.remove()
    return statistics.median(times) * 1000, size / 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(url: str, folder: Path, workers: int) -> Iterator[int]:
    """``gunicorn wsgi:app`` with ``workers`` sync workers on a free loopback port, in
    production configuration (the access log goes to ``folder/gunicorn.log``)."""
    port = _free_port()
    env = {**os.environ, "PILOTFONDEN_DATABASE_URL": url, "PILOTFONDEN_SECRET_KEY": SECRET_KEY,
           "PILOTFONDEN_MAIL_OUTBOX_DIR": str(folder / "outbox")}
    with open(folder / "gunicorn.log", "ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: see {folder / 'gunicorn.log'}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def load(port: int, path: str, concurrency: int, seconds: float, warm_up: float) -> Load:
    """``concurrency`` threads, each on its own kept-alive HTTP/1.1 connection (reopened when
    the server closes it, as gunicorn's sync workers do after every answer), requesting
    ``path`` as fast as the answers come, for ``warm_up`` seconds not counted and then
    ``seconds`` counted."""
    start = time.monotonic() + warm_up
    stop = start + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (now := time.monotonic()) < stop:
            try:
                connection.request("GET", path, headers={"Connection": "keep-alive"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            if now >= start:
                if ok:
                    latencies[i].append(time.monotonic() - now)
                else:
                    errors[i] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flat = [t for per_thread in latencies for t in per_thread]
    return Load(0, concurrency, seconds, len(flat), sum(errors), flat)


def run_database(name: str, url: str, folder: Path, args: argparse.Namespace) -> Run:
    app = build_app(url, folder)
    engine = app.extensions["pilotfonden.engine"]
    year = today().year
    people = prepare_database(app, pot_years=range(year - 2, year + 2),
                              roles=("officer", "decider", "finance"))
    seeder = prepare(app, {"officer_id": people["officer"], "decider_id": people["decider"],
                           "finance_id": people["finance"], "this_year": year})
    outcome = Run(name, database_version(engine), [])
    for size in sorted(args.sizes):
        started = time.perf_counter()
        with engine.begin() as connection:
            seeder.add_applications(connection, size)
            after_seeding(connection, Seeder.SEQUENCES)
        outcome.seeded_seconds[seeder.applications] = time.perf_counter() - started
        with app.app_context():
            differences = verify_ledger()
            session.remove()
        print(f"{name}: {seeder.applications} applications {dict(sorted(seeder.by_state.items()))}"
              f", {seeder.rows_added} rows, seeded in {time.perf_counter() - started:.1f} s; "
              f"verify_ledger: {differences[:3] if differences else 'no differences'}")
        if differences or seeder.followed_up_case is None or seeder.assessed_case is None:
            outcome.failures.append(f"the seeded data at {size} is not consistent")
            return outcome
        outcome.sizes.append(seeder.applications)
        outcome.counts[seeder.applications] = dict(seeder.by_state)
        outcome.results += measure_pages(app, seeder, seeder.applications, args.runs)
    outcome.letter_ms, outcome.letter_kb = time_letter(app, seeder.followed_up_case)
    print(f"{name}: letter {outcome.letter_ms:.0f} ms")
    if args.workers:
        engine.dispose()
        with gunicorn(url, folder, args.workers) as port:
            outcome.load = load(port, "/piloter", args.concurrency, args.seconds, args.warm_up)
            outcome.load.workers = args.workers
        print(f"{name}: gunicorn {outcome.load.per_second:.0f} requests/s")
    outcome.failures += sorted({f"{r.page.label} answered {r.status}" for r in outcome.results
                                if r.status != 200})
    engine.dispose()
    return outcome


# The report -------------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    cpu = platform.processor() or platform.machine()
    memory = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
        kilobytes = next(int(line.split()[1]) for line in
                         Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal"))
        memory = f"{kilobytes / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    load_average = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores available ({platform.machine()}, "
        f"{platform.system()} {platform.release()})",
        f"- RAM: {memory}; load average when the report was written: {load_average}",
        f"- Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"Flask {version('flask')}, gunicorn {version('gunicorn')}, "
        f"xhtml2pdf {version('xhtml2pdf')}",
    ]


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def page_table(run: Run) -> list[str]:
    small, large = run.sizes[0], run.sizes[-1]
    by = {(r.page.label, r.size): r for r in run.results}
    lines = [
        f"| page | queries @{small} | queries @{large} | p50 ms @{small} | p95 ms @{small} "
        f"| p50 ms @{large} | p95 ms @{large} | p95 ratio | KB @{large} "
        f"| p95 ≤ {TARGET_P95_MS:.0f} ms | ratio ≤ {TARGET_GROWTH} | same queries |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|:-:|:-:|:-:|",
    ]
    labels = list(dict.fromkeys(r.page.label for r in run.results))
    for label in labels:
        few, many = by.get((label, small)), by.get((label, large))
        if not (few and many and few.times and many.times):
            lines.append(f"| {label} | error |" + " |" * 11)
            continue

        def queries(result: Result) -> str:
            low, high = min(result.queries), max(result.queries)
            return str(high) if low == high else f"{low}–{high}"

        ratio = many.p95_ms / few.p95_ms
        lines.append(
            f"| {label} | {queries(few)} | {queries(many)} | {few.median_ms:.1f} "
            f"| {few.p95_ms:.1f} | {many.median_ms:.1f} | {many.p95_ms:.1f} | {ratio:.2f} "
            f"| {many.kilobytes:.0f} | {_verdict(many.p95_ms <= TARGET_P95_MS)} "
            f"| {_verdict(ratio <= TARGET_GROWTH)} "
            f"| {_verdict(set(few.queries) == set(many.queries))} |")
    return lines


def database_section(run: Run, args: argparse.Namespace) -> list[str]:
    lines = [f"## {run.name} ({run.version})", ""]
    if run.failures:
        lines += [f"Not measured completely: {'; '.join(run.failures)}.", ""]
    if not run.sizes:
        return lines
    for size in run.sizes:
        states = ", ".join(f"{state} {count}" for state, count in sorted(run.counts[size].items()))
        lines.append(f"- {size} applications ({states}); seeded in "
                     f"{run.seeded_seconds[size]:.1f} s")
    lines += ["", f"{args.runs} timed requests per page after one warm-up, through the app's "
              "test client (server side: no network, no access log); queries = SQL statements "
              "per request (BEGIN/COMMIT not counted).", ""]
    lines += page_table(run)
    lines += ["", f"- Decision letter, snapshot → HTML → PDF ({run.letter_kb:.0f} KB): median "
              f"of {LETTER_RUNS} renders **{run.letter_ms:.0f} ms** (target ≤ "
              f"{TARGET_LETTER_MS:.0f} ms: {_verdict(run.letter_ms <= TARGET_LETTER_MS)})."]
    if run.load:
        load_ = run.load
        p50 = nearest_rank(load_.latencies, 50) * 1000 if load_.latencies else 0
        p95 = nearest_rank(load_.latencies, 95) * 1000 if load_.latencies else 0
        lines.append(
            f"- `/piloter` under gunicorn ({load_.workers} sync workers, `wsgi:app` in "
            f"production configuration with its JSON access log) at {run.sizes[-1]} "
            f"applications, {load_.concurrency} concurrent clients on loopback for "
            f"{load_.seconds:.0f} s after {args.warm_up:.0f} s of warm-up: "
            f"**{load_.per_second:.0f} requests/s**, latency p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"({load_.requests} answers, {load_.errors} errors).")
    return lines + [""]


def report(runs: list[Run], args: argparse.Namespace) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m bench.pages` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        "(see bench/README.md for what it seeds and how it measures).",
        "",
        "Machine:",
        "",
        *machine_lines(),
        *(f"- {run.name}: {run.version}" for run in runs),
        "",
        f"Targets (issue 8): p95 ≤ {TARGET_P95_MS:.0f} ms per page at the large size; p95 at "
        f"the large size ≤ {TARGET_GROWTH} × p95 at the small size; the same number of "
        f"queries at both sizes; a decision letter ≤ {TARGET_LETTER_MS:.0f} ms.",
        "",
    ]
    for run in runs:
        lines += database_section(run, args)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Time the main pages at 100 and 10 000 applications on SQLite and "
                    "PostgreSQL, and write BENCHMARKS.md.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000],
                        help="applications at each measurement (default 100 10000)")
    parser.add_argument("--runs", type=int, default=50,
                        help="timed requests per page (default 50)")
    parser.add_argument("--postgresql", default=os.environ.get(POSTGRESQL_ENV, ""),
                        metavar="URL",
                        help="a PostgreSQL server (any database on it; the role needs CREATEDB):"
                             " a scratch database is created there and dropped at the end "
                             f"(default: ${POSTGRESQL_ENV}; without it SQLite only)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="gunicorn workers (default: one per core; 0: no gunicorn run)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="the load generator's concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=15, help="counted load (default 15)")
    parser.add_argument("--warm-up", type=float, default=3, help="load not counted (default 3)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if len(args.sizes) < 2 or min(args.sizes) < 50 or args.runs < 2:
        parser.error("give at least two sizes of 50 or more, and --runs of 2 or more")

    folder = Path(tempfile.mkdtemp(prefix="pilotfonden-bench-"))
    runs = [run_database("SQLite", f"sqlite:///{folder}/bench.sqlite3", folder, args)]
    if args.postgresql:
        try:
            with scratch_database(args.postgresql) as url:
                runs.append(run_database("PostgreSQL", url, folder, args))
        except sa.exc.OperationalError as exc:  # the SQLite figures are still worth writing
            print(f"PostgreSQL: {exc}", file=sys.stderr)
            runs.append(Run("PostgreSQL", "not reached", [], failures=[
                f"the server could not be used ({type(exc.orig).__name__})"]))
    text = report(runs, args)
    # The reading of the figures is written by hand: kept from the file being replaced.
    old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    if NOTES in old:
        text += "\n" + old[old.index(NOTES):]
    args.output.write_text(text, encoding="utf-8")
    print(f"\n{text}\nWritten to {args.output}. Files kept in {folder} (delete when done).")
    return 1 if any(run.failures for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
