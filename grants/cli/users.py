from __future__ import annotations

import click
import sqlalchemy as sa

from grants.db import session
from grants.models import Organisation
from grants.operations.errors import InvalidInput
from grants.operations.users import create_user
from workflows import Role

group = click.Group("users", help="Användarkonton.")


@group.command("create")
@click.option("--email", required=True, help="E-postadress (inloggningsnamn).")
@click.option("--name", default="", help="Namn; e-postadressen om det utelämnas.")
@click.option(
    "--role", "roles", multiple=True, required=True,
    type=click.Choice([r.value for r in Role]), help="Roll; upprepa för flera.",
)
@click.option("--org-number", default=None, help="Organisationsnummer (krävs för sökande).")
@click.option("--title", default="", help="Titel, som den står i beslutsbrev.")
@click.option("--municipality", default=None,
              help="Kommunkod (SCB) där personen bor eller verkar; visar möjligt jäv.")
@click.password_option(prompt="Lösenord", confirmation_prompt="Upprepa lösenordet")
def create(email: str, name: str, roles: tuple[str, ...], org_number: str | None,
           title: str, municipality: str | None, password: str) -> None:
    """Create a user; the password is asked for, never given on the command line."""
    organisation = None
    if org_number:
        from grants.identifiers import InvalidOrganisationNumber, normalise_organisation_number

        try:
            number = normalise_organisation_number(org_number)
        except InvalidOrganisationNumber as exc:
            raise click.UsageError(str(exc)) from exc
        organisation = session.scalar(
            sa.select(Organisation).where(Organisation.org_number == number)
        )
        if organisation is None:
            raise click.UsageError(f"Ingen organisation har organisationsnummer {number}.")
    try:
        user = create_user(email=email, name=name or email, password=password,
                           roles=set(roles), organisation=organisation, title=title,
                           municipality_code=municipality)
    except InvalidInput as exc:
        session.rollback()
        raise click.ClickException(" ".join(exc.reasons)) from exc
    session.commit()
    click.echo(f"Kontot {user.email} är skapat med rollerna {', '.join(sorted(user.roles))}.")
