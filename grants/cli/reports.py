"""``flask --app wsgi reports remind``: queue reminders for reports due (run daily from cron,
before ``outbox send``)."""

from __future__ import annotations

from datetime import date

import click

from grants.db import session
from grants.operations.reports import REMIND_AFTER, REMIND_BEFORE, send_reminders

group = click.Group("reports", help="Rapporter: påminnelser om rapporter som ska lämnas.")


@group.command("remind")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Räkna som om det vore den här dagen (ÅÅÅÅ-MM-DD); standard: i dag.")
def remind(on: object) -> None:
    """Queue a reminder 14 days before and 1 day after each due date in force, once each:
    running it twice queues nothing new. ``outbox send`` delivers them."""
    day = on.date() if on is not None else None  # type: ignore[attr-defined]
    queued = send_reminders(day)
    session.commit()
    click.echo(f"Lade {queued} påminnelser i utkorgen "
               f"({REMIND_BEFORE.days} dagar före och {REMIND_AFTER.days} dag efter sista dag"
               f"{', per ' + day.isoformat() if isinstance(day, date) else ''}).")
