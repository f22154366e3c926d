"""``flask --app wsgi finance verify``: recompute every pot and pilot account from the ledger."""

from __future__ import annotations

import click
import sqlalchemy as sa

from grants.db import session
from grants.models import Pot
from grants.money import format_kronor
from grants.operations.finance import verify_ledger

group = click.Group("finance", help="Pilotfondens pengar: potterna per år och huvudboken.")

HEADERS = ("År", "Avsatt", "Beviljat", "Återfört", "Utbetalt", "Kvar")
CLEAN = "Allt stämmer med huvudboken."


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


@group.command("verify")
def verify() -> None:
    """Print each year's figures and compare every cached total with the ledger; exit code 1
    when anything differs."""
    pots = session.scalars(sa.select(Pot).order_by(Pot.year)).all()
    rows = [HEADERS] + [
        (f"{pot.year}{' (stängt)' if pot.closed else ''}",
         *(format_kronor(v) for v in (pot.reserved, pot.committed, pot.released, pot.paid,
                                      pot.remaining)))
        for pot in pots
    ]
    for line in _table(rows):
        click.echo(line)
    click.echo()
    differences = verify_ledger()
    if not differences:
        click.echo(CLEAN)
        return
    click.echo(f"Huvudboken och de sparade summorna skiljer sig på {len(differences)} "
               f"{'punkt' if len(differences) == 1 else 'punkter'}:")
    for difference in differences:
        # int(): on PostgreSQL the ledger's sums arrive as Decimal (SUM of BIGINT is NUMERIC).
        click.echo(f"{difference.what}: cachat {format_kronor(int(difference.cached))}, "
                   f"huvudboken {format_kronor(int(difference.ledger))}")
    raise SystemExit(1)
