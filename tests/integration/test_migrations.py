"""The Alembic migrations produce exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants import migrate
from grants.db import Base, create_db_engine
from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/migrations.sqlite3"
    make: Callable[[], str] = request.getfixturevalue("make_pg_database")
    return make()


@pytest.fixture
def engine(empty_database_url: str):
    engine = create_db_engine(empty_database_url)
    yield engine
    engine.dispose()


SEARCH_INDEXES = {"ix_application_search", "ix_report_learnings_search"}
"""PostgreSQL-only GIN indexes on expressions (migration 0008); autogenerate cannot compare
expression indexes, so they are checked by name in their own test."""


def _compared(obj: object, name: str | None, type_: str, *_: object) -> bool:
    return not (type_ == "index" and name in SEARCH_INDEXES)


def _differences(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _compared})
        return compare_metadata(context, Base.metadata)


def test_migrations_make_the_search_indexes_on_postgresql_only(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    indexes = {index["name"] for table in ("application", "report")
               for index in sa.inspect(engine).get_indexes(table)}
    expected = SEARCH_INDEXES if engine.dialect.name == "postgresql" else set()
    assert indexes & SEARCH_INDEXES == expected


def test_migrations_produce_the_models_schema(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    assert _differences(engine) == []


def test_migrations_create_the_append_only_audit_triggers(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    now = "2025-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO organisation (id, name, org_number, kind, created_at) "
            "VALUES (1, 'Org', '802400-1235', 'association', :now)"), {"now": now})
        connection.execute(sa.text(
            "INSERT INTO application (id, state, title, summary, organisation_id, created_at,"
            " updated_at, version) VALUES (1, 'draft', 't', 's', 1, :now, :now, 1)"), {"now": now})
        connection.execute(sa.text(
            "INSERT INTO audit_event (application_id, created_at, trigger, to_state, reason, data)"
            " VALUES (1, :now, 'create', 'draft', '', '{}')"), {"now": now})
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_event"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_event SET reason = 'x'"))


def test_migrations_go_down_and_up_again(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert _differences(engine) == []


def test_migrations_make_letters_and_the_ledger_append_only(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = set(connection.scalars(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
            wanted = {f"{t}_no_{op}" for t in ("letter", "ledger_entry")
                      for op in ("update", "delete")}
        else:
            names = set(connection.scalars(sa.text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
            wanted = {"letter_append_only", "ledger_entry_append_only"}
    assert wanted <= names
