"""Operations on users and organisations."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData

from grants.db import session, utcnow
from grants.identifiers import InvalidOrganisationNumber, normalise_organisation_number
from grants.mail import queue_message
from grants.models import Municipality, Organisation, OrganisationKind, OutboxMessage, User
from grants.operations.errors import InvalidInput, NotPermitted
from grants.passwords import (
    MIN_LENGTH,
    check_password,
    make_reset_token,
    password_fingerprint,
    read_reset_token,
)
from workflows import Role

MIN_PASSWORD_LENGTH = MIN_LENGTH
RESET_MAILS_PER_HOUR = 3
log = logging.getLogger(__name__)


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
    role or municipality, a password the policy refuses (grants.passwords) or an applicant
    without an organisation.

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
    problems.extend(check_password(password, email=email, name=name))
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


# Password reset ------------------------------------------------------------------------------


def request_password_reset(email: str, *, reset_url: Callable[[str], str]) -> bool:
    """Queue a reset link for the active account with ``email``; returns whether one was queued.

    Nothing happens for an unknown or deactivated address, nor once ``RESET_MAILS_PER_HOUR``
    links have been queued for the account within the last hour (the outbox rows are counted by
    their key, ``password-reset:<user id>:…``), so the form cannot be used to flood a mailbox.
    The caller answers the same either way. ``reset_url`` turns a token into the link's URL.
    """
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return False
    prefix = f"password-reset:{user.id}:"
    recent = session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.key.startswith(prefix, autoescape=True),
            OutboxMessage.created_at > utcnow() - timedelta(hours=1),
        )
    ) or 0
    if recent >= RESET_MAILS_PER_HOUR:
        log.warning("password reset for user %s not queued: %s already this hour", user.id, recent)
        return False
    minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
    link = reset_url(make_reset_token(user.id, user.password_hash))
    body = (
        f"Hej {user.name}!\n\n"
        "Någon, förhoppningsvis du, har bett om att få byta lösenord till ditt konto i "
        "Pilotfonden, Region Örebro län.\n\n"
        f"Välj ett nytt lösenord här (länken fungerar en gång och i {minutes} minuter):\n"
        f"{link}\n\n"
        "Har du inte bett om det kan du strunta i det här meddelandet: ditt lösenord är "
        "oförändrat.\n\n"
        "Det här är ett automatiskt meddelande från Pilotfonden.\n"
    )
    queue_message(key=f"{prefix}{utcnow().isoformat()}:{secrets.token_hex(4)}",
                  recipient=user.email, subject="Byt lösenord i Pilotfonden", body=body)
    log.info("password reset link queued for user %s", user.id)
    return True


def user_for_reset_token(token: str) -> User | None:
    """The active user a reset token was made for, or None if the token is tampered with,
    expired, or already used (the password has changed since it was made)."""
    try:
        user_id, fingerprint = read_reset_token(token)
    except BadData:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if not secrets.compare_digest(fingerprint, password_fingerprint(user.password_hash)):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Give ``user`` a new password (which ends every reset link made before); raises
    InvalidInput with the policy's reasons."""
    problems = check_password(password, email=user.email, name=user.name)
    if problems:
        raise InvalidInput(*problems)
    user.set_password(password)
    user.end_sessions()  # whoever knew the old password is logged out too
    session.flush()
    log.info("password reset for user %s", user.id)
