"""Operations on users and organisations."""

from __future__ import annotations

import sqlalchemy as sa

from grants.db import session
from grants.identifiers import InvalidOrganisationNumber, normalise_organisation_number
from grants.models import Municipality, Organisation, OrganisationKind, User
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import Role

MIN_PASSWORD_LENGTH = 12


def create_organisation(
    *, name: str, org_number: str, kind: str, municipality_code: str | None = None
) -> Organisation:
    """Register an organisation; raises InvalidInput for a bad or already used number."""
    try:
        number = normalise_organisation_number(org_number)
    except InvalidOrganisationNumber as exc:
        raise InvalidInput(str(exc)) from exc
    if kind not in {k.value for k in OrganisationKind}:
        raise InvalidInput("Välj vilken sorts organisation det är.")
    if municipality_code is not None and session.get(Municipality, municipality_code) is None:
        raise InvalidInput("Välj en kommun i Örebro län.")
    if session.scalar(sa.select(Organisation.id).where(Organisation.org_number == number)):
        raise InvalidInput(f"Organisationen {number} finns redan registrerad.")
    organisation = Organisation(
        name=name.strip(), org_number=number, kind=kind, municipality_code=municipality_code
    )
    session.add(organisation)
    session.flush()
    return organisation


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: set[str] | list[str],
    organisation: Organisation | None = None,
    membership_confirmed: bool = True,
    title: str = "",
    municipality_code: str | None = None,
) -> User:
    """Create a user with a hashed password; raises InvalidInput for a taken e-mail, an unknown
    role or municipality, a short password or an applicant without an organisation.

    ``title`` is printed in decision letters; ``municipality_code`` lets the officer see a
    reviewer's likely conflicts of interest."""
    email = email.strip().lower()
    problems = []
    if "@" not in email:
        problems.append("Ange en giltig e-postadress.")
    elif session.scalar(sa.select(User.id).where(User.email == email)):
        problems.append(f"Det finns redan ett konto för {email}.")
    unknown = set(roles) - {r.value for r in Role}
    if unknown:
        problems.append(f"Okänd roll: {', '.join(sorted(unknown))}.")
    if not roles:
        problems.append("Ange minst en roll.")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.")
    if Role.APPLICANT.value in roles and organisation is None:
        problems.append("En sökande måste höra till en organisation.")
    if not name.strip():
        problems.append("Ange ditt namn.")
    if municipality_code and session.get(Municipality, municipality_code) is None:
        problems.append(f"Okänd kommunkod: {municipality_code}.")
    if problems:
        raise InvalidInput(*problems)
    user = User(email=email, name=name.strip(), organisation=organisation,
                membership_confirmed=membership_confirmed, title=title.strip(),
                municipality_code=municipality_code or None)
    user.set_password(password)
    user.set_roles(set(roles))
    session.add(user)
    session.flush()
    return user


def organisation_exists(org_number: str) -> bool:
    """Whether an organisation with this (valid) number is registered."""
    try:
        number = normalise_organisation_number(org_number)
    except InvalidOrganisationNumber:
        return False
    return session.scalar(
        sa.select(Organisation.id).where(Organisation.org_number == number)
    ) is not None


def register_applicant(
    *, email: str, name: str, password: str, org_number: str, org_name: str = "",
    org_kind: str = "", municipality_code: str | None = None,
) -> User:
    """A new applicant account, for a new organisation or one already registered.

    Someone registering for an organisation that already exists joins it unconfirmed: anyone can
    type a number, so a member of the organisation confirms them before they see its
    applications. Raises InvalidInput with every problem at once.
    """
    problems: list[str] = []
    try:
        number = normalise_organisation_number(org_number)
    except InvalidOrganisationNumber as exc:
        raise InvalidInput(str(exc)) from exc
    organisation = session.scalar(sa.select(Organisation).where(Organisation.org_number == number))
    joining = organisation is not None
    if organisation is None:
        if not org_name.strip():
            problems.append("Ange organisationens namn.")
        if org_kind not in {k.value for k in OrganisationKind}:
            problems.append("Välj vilken sorts organisation det är.")
        if problems:
            raise InvalidInput(*problems)
        organisation = create_organisation(name=org_name, org_number=number, kind=org_kind,
                                           municipality_code=municipality_code or None)
    return create_user(email=email, name=name, password=password, roles={"applicant"},
                       organisation=organisation, membership_confirmed=not joining)


def confirm_membership(person: User, *, actor: User) -> None:
    """A confirmed member lets a colleague who registered for the organisation in."""
    if not (actor.membership_confirmed and actor.organisation_id is not None
            and actor.organisation_id == person.organisation_id
            and Role.APPLICANT.value in actor.roles):
        raise NotPermitted("Bara en bekräftad medlem av organisationen kan bekräfta andra.")
    person.membership_confirmed = True
    session.flush()
