from __future__ import annotations

import click

from grants.db import session
from grants.demo import ACCOUNTS, DEMO_PASSWORD, seed_demo

group = click.Group("demo", help="Demodata.")


@group.command("seed")
def seed() -> None:
    """Add demo pots, organisations, accounts and applications (once; a second run does nothing)."""
    if not seed_demo():
        click.echo("Demodatan finns redan; inget har ändrats.")
        return
    session.commit()
    click.echo(f"Demodata tillagd. Alla demokonton har lösenordet «{DEMO_PASSWORD}»:")
    for email, name, roles, _org in ACCOUNTS:
        click.echo(f"  {email:34} {name} ({', '.join(sorted(roles))})")
