"""``flask --app wsgi outbox send``: deliver queued e-mail (run from cron)."""

from __future__ import annotations

import click

from grants import mail

group = click.Group("outbox", help="Utkorgen: e-post som väntar på att skickas.")


@group.command("send")
@click.option("--limit", default=500, show_default=True, help="Högst så många meddelanden.")
def send(limit: int) -> None:
    """Deliver waiting messages; failures stay in the outbox and are tried again next run."""
    sent, failed = mail.deliver_pending(limit=limit)
    click.echo(f"Skickade {sent} meddelanden; {failed} misslyckades och ligger kvar.")
    if failed:
        raise SystemExit(1)
