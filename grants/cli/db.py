from __future__ import annotations

import click
from alembic import command

from grants import migrate
from grants.db import get_engine, session
from grants.reference import seed_reference_data

group = click.Group("db", help="Databasen: migreringar.")


@group.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema and add missing reference data."""
    migrate.upgrade(get_engine())
    seed_reference_data(session)
    session.commit()
    click.echo("Databasen är uppdaterad.")


@group.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with get_engine().begin() as connection:
        command.revision(migrate.alembic_config(connection), message=message, autogenerate=True)
