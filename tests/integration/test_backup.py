"""`flask --app wsgi backup` and `restore`: SQLite's online backup API, and the pg_dump hint."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from grants import create_app
from grants.db import session
from grants.demo import APPLICATIONS
from grants.models import Application, User
from grants.operations.users import create_user
from tests.conftest import app_config


def _create_app(database_url: str, folder: Path) -> Flask:
    app = create_app(app_config(database_url, folder))
    app.instance_path = str(folder)  # default backups go to <instance>/backups: keep them here
    return app


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "live.sqlite3"


@pytest.fixture
def app(database: Path, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on a file SQLite database, migrated with `flask db upgrade`."""
    app = _create_app(f"sqlite:///{database}", tmp_path)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        session.rollback()  # on SQLite every transaction holds the write lock
        yield app
        session.remove()
    app.extensions["pilotfonden.engine"].dispose()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def _count(model: type) -> int:
    count = session.scalar(sa.select(sa.func.count()).select_from(model))
    session.rollback()
    return count


def _add_user(email: str) -> None:
    create_user(email=email, name="Ny Person", password="ett-langt-losenord-1",
                roles={"officer"}, organisation=None)
    session.commit()


def _rows(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


def test_backup_then_restore_brings_back_the_backups_content_and_the_app_still_works(
    app, runner, tmp_path
) -> None:
    _add_user("fore@region.se")
    target = tmp_path / "kopia.sqlite3"
    taken = runner.invoke(args=["backup", "--to", str(target)])
    assert taken.exit_code == 0, taken.output
    assert str(target) in taken.output and "byte" in taken.output

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    session.execute(sa.delete(User).where(User.email == "fore@region.se"))
    session.commit()
    assert _count(Application) == len(APPLICATIONS)

    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "återställd" in restored.output

    assert _count(Application) == 0
    assert [user.email for user in session.scalars(sa.select(User))] == ["fore@region.se"]
    _add_user("efter@region.se")  # the app still writes through its session
    assert _count(User) == 2


def test_restore_first_saves_the_current_database_as_a_safety_backup(
    app, runner, tmp_path
) -> None:
    target = tmp_path / "kopia.sqlite3"
    assert runner.invoke(args=["backup", "--to", str(target)]).exit_code == 0
    _add_user("bara-i-sakerhetskopian@region.se")

    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    (safety,) = (tmp_path / "backups").iterdir()
    assert str(safety) in restored.output
    assert _rows(safety, "SELECT email FROM app_user") == [("bara-i-sakerhetskopian@region.se",)]
    assert _count(User) == 0


def test_backup_by_default_writes_a_timestamped_file_only_the_owner_can_read(
    app, runner, tmp_path
) -> None:
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (made,) = (tmp_path / "backups").iterdir()
    assert made.name.startswith("pilotfonden-") and made.suffix == ".sqlite3"
    assert len(made.name) == len("pilotfonden-YYYYMMDD-HHMMSS.sqlite3")
    assert str(made) in result.output
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert _rows(made, "PRAGMA integrity_check") == [("ok",)]


def test_backup_refuses_to_overwrite_an_existing_file(app, runner, tmp_path) -> None:
    target = tmp_path / "finns.sqlite3"
    target.write_bytes(b"viktigt")
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code != 0
    assert "finns redan" in result.output and "skrivs aldrig över" in result.output
    assert target.read_bytes() == b"viktigt"


def test_restore_refuses_a_file_that_is_not_an_sqlite_database(app, runner, tmp_path) -> None:
    _add_user("kvar@region.se")
    text = tmp_path / "anteckning.sqlite3"
    text.write_text("Det här är ingen databas, bara en ganska lång textrad. " * 10)
    result = runner.invoke(args=["restore", str(text), "--yes"])
    assert result.exit_code != 0
    assert "ingen SQLite-databas" in result.output
    assert _count(User) == 1
    assert not (tmp_path / "backups").exists()


def test_restore_refuses_an_sqlite_database_without_alembic_version(
    app, runner, tmp_path
) -> None:
    _add_user("kvar@region.se")
    other = tmp_path / "annan.sqlite3"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE app_user (id INTEGER PRIMARY KEY)")
        connection.commit()
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0
    assert "saknar tabellen alembic_version" in result.output
    assert _count(User) == 1


@pytest.mark.parametrize("answer", ["n\n", ""])
def test_restore_does_nothing_without_confirmation(app, runner, tmp_path, answer) -> None:
    target = tmp_path / "kopia.sqlite3"
    assert runner.invoke(args=["backup", "--to", str(target)]).exit_code == 0
    _add_user("kvar@region.se")
    result = runner.invoke(args=["restore", str(target)], input=answer)
    assert result.exit_code != 0
    assert "ersätts" in result.output
    assert _count(User) == 1
    assert not (tmp_path / "backups").exists()  # not even the safety backup


def test_a_backup_during_an_open_write_transaction_holds_only_committed_data(
    app, runner, database, tmp_path
) -> None:
    _add_user("sparad@region.se")
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE app_user SET name = 'Ändrad men inte sparad'")
        writer.execute("DELETE FROM municipality")
        target = tmp_path / "mitt-i.sqlite3"
        result = runner.invoke(args=["backup", "--to", str(target)])
        assert result.exit_code == 0, result.output
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert _rows(target, "SELECT email, name FROM app_user") == [("sparad@region.se", "Ny Person")]
    assert _rows(target, "SELECT count(*) FROM municipality") == [(12,)]


def test_backup_on_postgresql_points_to_pg_dump_without_showing_the_password(tmp_path) -> None:
    app = _create_app("postgresql+psycopg://anna:hemligt-losen@127.0.0.1:1/pilotfonden", tmp_path)
    with app.app_context():
        for args in (["backup"], ["restore", "--yes", os.devnull]):
            result = app.test_cli_runner().invoke(args=args)
            assert result.exit_code != 0
            assert "pg_dump --format=custom --host 127.0.0.1 --port 1 --username anna" in (
                result.output
            )
            assert "pg_restore" in result.output
            assert "hemligt-losen" not in result.output
        assert not (tmp_path / "backups").exists()
    app.extensions["pilotfonden.engine"].dispose()
