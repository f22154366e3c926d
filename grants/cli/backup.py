"""``flask --app wsgi backup`` and ``restore``: copies of an SQLite database, taken and put back
with SQLite's online backup API (consistent while the app runs). PostgreSQL is backed up with
``pg_dump`` instead; these commands only say how.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from grants.db import get_engine, session


def live_database_path() -> str:
    """The file of the app's SQLite database.

    Raises ``click.ClickException`` for PostgreSQL (with the ``pg_dump``/``pg_restore`` commands to
    use instead), for other databases and for an in-memory SQLite database.
    """
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() == "postgresql":
        host = ["--host", url.host] if url.host else []
        port = ["--port", str(url.port)] if url.port else []
        user = ["--username", url.username] if url.username else []
        connection, file = [*host, *port, *user], f"pilotfonden-{_timestamp()}.dump"
        dump = shlex.join(["pg_dump", "--format=custom", *connection, "--file", file,
                           url.database or ""])
        restore = shlex.join(["pg_restore", "--clean", "--if-exists", *connection,
                              "--dbname", url.database or "", file])
        raise click.ClickException(
            "Databasen är PostgreSQL: säkerhetskopiera den med pg_dump, till exempel\n"
            f"  {dump}\n"
            "och återställ med pg_restore, till exempel\n"
            f"  {restore}\n"
            "(Lösenordet anges inte på kommandoraden: använd ~/.pgpass eller PGPASSWORD.)"
        )
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(f"Databastypen {url.get_backend_name()} stöds inte här.")
    if not url.database or url.database == ":memory:":
        raise click.ClickException("En SQLite-databas i minnet kan inte säkerhetskopieras.")
    return url.database


def default_target(suffix: str = "") -> str:
    """``instance/backups/pilotfonden-YYYYMMDD-HHMMSS<suffix>.sqlite3`` (UTC)."""
    name = f"pilotfonden-{_timestamp()}{suffix}.sqlite3"
    return os.path.join(current_app.instance_path, "backups", name)


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def _read_only(path: str) -> sqlite3.Connection:
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)


def _integrity(connection: sqlite3.Connection) -> str:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def backup_sqlite(source: str, target: str) -> None:
    """Copy the SQLite database ``source`` to the new file ``target`` (mode 0600).

    Refuses (``click.ClickException``) when ``source`` is missing or ``target`` exists. A copy
    that fails its ``PRAGMA integrity_check`` is deleted and raises ``click.ClickException``.
    """
    if not os.path.isfile(source):
        raise click.ClickException(f"Databasfilen {source} finns inte.")
    os.makedirs(os.path.dirname(os.path.abspath(target)), mode=0o700, exist_ok=True)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise click.ClickException(
            f"{target} finns redan; en säkerhetskopia skrivs aldrig över. Välj ett annat namn."
        ) from None
    try:
        with closing(_read_only(source)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
            result = _integrity(copy)
        if result != "ok":
            raise click.ClickException(f"Kopian klarade inte integritetskontrollen: {result}")
    except BaseException:
        os.remove(target)
        raise


def _check_backup_file(path: str) -> None:
    """Refuses (``click.ClickException``) anything but an intact SQLite database of this app."""
    try:
        with closing(_read_only(path)) as db:
            result = _integrity(db)
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} är ingen SQLite-databas ({exc}).") from exc
    if result != "ok":
        raise click.ClickException(f"{path} klarade inte integritetskontrollen: {result}")
    if "alembic_version" not in tables:
        raise click.ClickException(
            f"{path} saknar tabellen alembic_version: det är ingen säkerhetskopia av Pilotfonden."
        )


def _size(path: str) -> str:
    return f"{os.path.getsize(path):,} byte".replace(",", " ")


@click.command("backup")
@click.option("--to", "target", type=click.Path(dir_okay=False),
              help="Ny fil för kopian; standard instance/backups/pilotfonden-<tid>.sqlite3.")
def backup(target: str | None) -> None:
    """Copy the live SQLite database to a new file (0600) and check the copy's integrity.

    Refuses an existing target, a PostgreSQL database (printing the ``pg_dump`` command to use)
    and a copy that fails ``PRAGMA integrity_check``.
    """
    source = live_database_path()
    target = target or default_target()
    backup_sqlite(source, target)
    click.echo(f"Säkerhetskopia sparad: {target} ({_size(target)}).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Fråga inte om bekräftelse.")
def restore(path: str, yes: bool) -> None:
    """Replace the live SQLite database with the backup ``path``, after a safety backup.

    Refuses a file that is not an intact SQLite database with an ``alembic_version`` table, and
    PostgreSQL (use ``pg_restore``). Asks first unless ``--yes``; no answer changes nothing.
    """
    live = live_database_path()
    _check_backup_file(path)
    if not yes:
        click.confirm(f"Den nuvarande databasen {live} ersätts med {path}. Fortsätta?",
                      abort=True)
    if os.path.exists(live):
        safety = default_target("-fore-aterstallning")
        backup_sqlite(live, safety)
        click.echo(f"Säkerhetskopia av den nuvarande databasen: {safety} ({_size(safety)}).")
    session.remove()
    get_engine().dispose()
    with closing(_read_only(path)) as src, closing(sqlite3.connect(live, timeout=30)) as dst:
        src.backup(dst)
    click.echo(f"Databasen är återställd från {path}.")
