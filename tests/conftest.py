"""Shared fixtures: an app per test on each configured database, and factories for the records.

Database tests run on SQLite always, and also on PostgreSQL when
``PILOTFONDEN_TEST_DATABASE_URL`` is set (every such test gets a ``[postgresql]`` twin). In CI
(``CI=true``) a missing PostgreSQL is an error, not a silent SQLite-only run.
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from grants import create_app
from grants.completeness import today
from grants.db import Base, create_db_engine, session
from grants.demo import fill_application, take_step
from grants.models import Application, FundSettings, Organisation, Pot, User
from grants.operations import applications as ops
from grants.operations.users import create_organisation, create_user
from grants.reference import seed_reference_data
from workflows import TRANSITIONS, State

PG_URL = os.environ.get("PILOTFONDEN_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
PASSWORD = "ett-langt-testlosenord"


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true but PILOTFONDEN_TEST_DATABASE_URL is not set: the PostgreSQL tests must run."
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    if PG_URL:
        return ["databases: SQLite and PostgreSQL (PILOTFONDEN_TEST_DATABASE_URL)"]
    return ["databases: SQLite only (set PILOTFONDEN_TEST_DATABASE_URL to add PostgreSQL)"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres_only`` tests run only on PostgreSQL: their SQLite twins are deselected, and
    without a PostgreSQL URL they are skipped (outside CI, which refuses to start without one)."""
    keep, drop = [], []
    for item in items:
        if "postgres_only" in item.keywords:
            backend = getattr(item, "callspec", None) and item.callspec.params.get("database_url")
            if not PG_URL:
                item.add_marker(pytest.mark.skip(reason="needs PILOTFONDEN_TEST_DATABASE_URL"))
            elif backend != "postgresql":
                drop.append(item)
                continue
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# Databases -------------------------------------------------------------------------------------


def _admin_url(url: str, database: str) -> sa.URL:
    return sa.make_url(url).set(database=database)


@pytest.fixture(scope="session")
def make_pg_database() -> Iterator[Callable[[], str]]:
    """Creates throw-away PostgreSQL databases (dropped at the end of the session)."""
    created: list[str] = []
    admin = sa.create_engine(sa.make_url(PG_URL), isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"pilotfonden_t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _admin_url(PG_URL, name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def pg_schema_url(make_pg_database: Callable[[], str]) -> str:
    """One PostgreSQL database with the models' schema, emptied before each test that uses it."""
    url = make_pg_database()
    engine = create_db_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/test.sqlite3"
        engine = create_db_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url
    url = request.getfixturevalue("pg_schema_url")
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


class OwnContextClient(FlaskClient):
    """A test client whose every request gets its own application context, ``g`` and session.

    The ``app`` fixture keeps an application context pushed for the whole test, and Flask reuses
    a pushed context for requests: without this every client would share one ``g`` (where
    Flask-Login caches the user: a second, anonymous browser would be "logged in") and one
    database session. Each request runs in an empty ``contextvars`` context instead, as under a
    real server. The test's own transaction is committed first, so the request sees what the
    test set up, and SQLite's write lock is free.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context() and session.registry.has():
            session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def app_config(database_url: str, folder: Any, **more: Any) -> dict[str, Any]:
    """The configuration every test app starts from (the browser tests' live server too)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": database_url,
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        # Hashing is still real, just cheap: scrypt would make each test user cost 0.1 s.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **more,
    }


@pytest.fixture
def app(database_url: str, tmp_path: Any) -> Iterator[Flask]:
    app = create_app(app_config(database_url, tmp_path, SERVER_NAME="localhost"))
    app.test_client_class = OwnContextClient
    with app.app_context():
        seed_reference_data(session)
        open_fund()
        session.commit()
        yield app
        session.remove()
    app.extensions["pilotfonden.engine"].dispose()


def open_fund() -> None:
    """Make today a day one can apply: pots for this year and the next, open, and a last project
    date well ahead (the real fund's dates are in the past for much of the test suite's life)."""
    year = today().year
    settings = session.get(FundSettings, 1)
    assert settings is not None
    settings.last_project_date = date(year + 2, 12, 31)
    for pot_year in (year, year + 1):
        if session.get(Pot, pot_year) is None:
            session.add(Pot(year=pot_year, reserved=1_000_000))
    session.flush()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# Factories -------------------------------------------------------------------------------------

_ORG_NUMBERS = iter(
    # Luhn-valid, fictional organisation numbers (third digit ≥ 2: legal persons).
    f"{n:09d}"[:6] + "-" + f"{n:09d}"[6:] + str(d)
    for n in range(802_400_000, 802_499_999)
    for d in range(10)
    if __import__("grants.identifiers", fromlist=["luhn_ok"]).luhn_ok(f"{n:09d}{d}")
)


@pytest.fixture
def make_organisation(app: Flask) -> Callable[..., Organisation]:
    def make(name: str = "Testföreningen", kind: str = "association",
             municipality_code: str | None = "1880") -> Organisation:
        return create_organisation(name=name, org_number=next(_ORG_NUMBERS), kind=kind,
                                   municipality_code=municipality_code)

    return make


@pytest.fixture
def make_user(app: Flask, make_organisation: Callable[..., Organisation]) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(*roles: str, organisation: Organisation | None = None, email: str | None = None,
             password: str = PASSWORD, active: bool = True) -> User:
        roles = roles or ("applicant",)
        if "applicant" in roles and organisation is None:
            organisation = make_organisation()
        user = create_user(
            email=email or f"person{next(counter)}@example.se",
            name=f"Person {'/'.join(roles)}", password=password, roles=set(roles),
            organisation=organisation,
        )
        user.active = active
        session.commit()
        return user

    return make


def path_to(state: State) -> list[str]:
    """The shortest list of triggers that takes a new draft to ``state`` (from the table)."""
    paths: dict[State, list[str]] = {State.DRAFT: []}
    frontier = [State.DRAFT]
    while frontier:
        current = frontier.pop(0)
        for t in TRANSITIONS:
            if current in t.sources and t.dest not in paths:
                paths[t.dest] = [*paths[current], t.trigger]
                frontier.append(t.dest)
    return paths[state]


REASON = "En motivering som står i ärendet."


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    """One officer, one decider and two reviewers, made on first use."""
    return {"officer": make_user("officer"), "decider": make_user("decider"),
            "reviewer": make_user("reviewer"), "reviewer2": make_user("reviewer")}


@pytest.fixture
def make_application(
    app: Flask, make_user: Callable[..., User], staff: dict[str, User]
) -> Callable[..., Application]:
    """An application in ``state``, taken there through the real operations (with audit events)."""

    def make(state: State | str = State.DRAFT, *, applicant: User | None = None,
             title: str = "Pilot för unga", summary: str = "Vi testar något nytt.",
             complete: bool = True) -> Application:
        """``complete`` fills every section, as an applicant would before submitting."""
        applicant = applicant or make_user("applicant")
        assert applicant.organisation is not None
        application = ops.create_draft_application(
            actor=applicant, organisation=applicant.organisation, title=title, summary=summary
        )
        if complete:
            fill_application(application, applicant, title=title, summary=summary)
        for trigger in path_to(State(state)):
            # Screening, reviews and decision terms come first, as for a real case.
            take_step(application, trigger, applicant=applicant, staff=staff,
                      reviewers=[staff["reviewer"], staff["reviewer2"]], reason=REASON)
        session.commit()
        return application

    return make


# Web helpers -----------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/logga-in") -> str:
    """A valid CSRF token for ``client``'s session, read from a real page's form."""
    html = client.get(page).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> Any:
    """Log in through the real form, with its CSRF token."""
    token = csrf_token(client, "/logga-in")
    return client.post("/logga-in", data={"csrf_token": token, "email": user.email,
                                          "password": password})
