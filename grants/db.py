"""Database plumbing: the declarative base, the request-scoped session and engine set-up.

One engine per app (``app.extensions["pilotfonden.engine"]``) and one session per app context, so
threads in tests and requests in production each get their own. Views commit once per request;
operations only flush.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ENGINE_KEY = "pilotfonden.engine"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A point in time, stored as naive UTC and always returned timezone-aware (UTC).

    SQLite has no time zones; storing UTC everywhere keeps both databases alike.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def sql_in(values: Iterable[Any]) -> str:
    """``'a', 'b'`` for a CHECK constraint's ``IN (...)`` from enum members (or strings)."""
    return ", ".join(f"'{getattr(v, 'value', v)}'" for v in values)


def swedish_text_search(*columns: Any) -> Any:
    """``to_tsvector('swedish', a || ' ' || b …)``: the document the register's full-text search
    reads on PostgreSQL, written the same way in its GIN indexes (so the planner uses them) and
    in the query. The columns must be NOT NULL text."""
    document = columns[0]
    for column in columns[1:]:
        document = document.op("||")(sa.literal_column("' '")).op("||")(column)
    return sa.func.to_tsvector(sa.literal_column("'swedish'"), document)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Append-only tables ----------------------------------------------------------------------------


class RecordIsAppendOnly(Exception):
    """Raised when code tries to change or delete a row of an append-only table."""


_APPEND_ONLY: set[str] = set()


def append_only_ddl(table_name: str, dialect: str) -> list[str]:
    """The statements that make the database itself refuse UPDATE and DELETE on a table.

    Migrations copy these statements (frozen there, as migrations are).
    """
    if dialect == "sqlite":
        return [
            f"""CREATE TRIGGER {table_name}_no_{op.lower()} BEFORE {op} ON {table_name}
        BEGIN SELECT RAISE(ABORT, '{table_name} is append-only'); END"""
            for op in ("UPDATE", "DELETE")
        ]
    return [
        f"""CREATE FUNCTION {table_name}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '{table_name} is append-only'; END $$""",
        f"""CREATE TRIGGER {table_name}_append_only BEFORE UPDATE OR DELETE ON {table_name}
       FOR EACH ROW EXECUTE FUNCTION {table_name}_append_only()""",
    ]


def append_only(table: sa.Table) -> None:
    """Make ``table`` append-only twice: the ORM refuses changes and deletes of its rows, and
    database triggers (created with the table) refuse UPDATE and DELETE from anywhere else."""
    _APPEND_ONLY.add(table.name)
    for dialect in ("sqlite", "postgresql"):
        for statement in append_only_ddl(table.name, dialect):
            event.listen(table, "after_create", sa.DDL(statement).execute_if(dialect=dialect))
    event.listen(
        table, "before_drop",
        sa.DDL(f"DROP FUNCTION IF EXISTS {table.name}_append_only() CASCADE").execute_if(
            dialect="postgresql"),
    )


@event.listens_for(Session, "before_flush")
def _refuse_append_only_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        table = getattr(obj, "__table__", None)
        if table is not None and table.name in _APPEND_ONLY and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RecordIsAppendOnly(f"{table.name} rows are never changed or deleted")


def _new_session() -> Session:
    return Session(bind=current_app.extensions[ENGINE_KEY])


def _scope() -> int:
    return id(app_ctx._get_current_object())


session: scoped_session[Session] = scoped_session(_new_session, scopefunc=_scope)


def create_db_engine(url: str) -> sa.Engine:
    """An engine for ``url``; on SQLite with foreign keys on and writers serialised.

    pysqlite's default ``BEGIN`` (deferred) lets two writers read the same pot and then both write;
    ``BEGIN IMMEDIATE`` takes the write lock at the start of each transaction instead (the
    SQLAlchemy recipe for Python < 3.12 style driver transactions).
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA busy_timeout = 30000")
            # SQLite's lower() folds ASCII only; searches need "Örebro" to match "örebro".
            dbapi_connection.create_function(
                "casefold", 1, lambda text: text.casefold() if isinstance(text, str) else text,
                deterministic=True)
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = create_db_engine(app.config["DATABASE_URL"])
    app.extensions[ENGINE_KEY] = engine

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        session.remove()


def get_engine() -> sa.Engine:
    return current_app.extensions[ENGINE_KEY]
