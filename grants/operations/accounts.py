"""Administering accounts: roles, deactivation and ending a person's sessions, each change
logged (AccountChange: who, when, before, after, why).

An administrator cannot lock the fund out of its own administration: nobody removes their own
admin role or deactivates themselves, and the last active administrator stays one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa

from grants.db import session
from grants.models import AccountChange, AccountChangeKind, User, UserRole
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import Role

log = logging.getLogger(__name__)


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN.value):
        raise NotPermitted("Bara en administratör får ändra konton.")


def _other_active_admins(person: User) -> int:
    # Lock the admin roles first: two administrators demoting each other at once are
    # serialised, and the second one counts after the first has committed.
    session.execute(sa.select(UserRole.user_id).where(UserRole.role == Role.ADMIN.value)
                    .with_for_update())
    return session.scalar(
        sa.select(sa.func.count()).select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.active, User.id != person.id)
    ) or 0


def _log(person: User, actor: User, kind: AccountChangeKind, before: dict, after: dict,
         reason: str) -> None:
    session.add(AccountChange(user_id=person.id, actor_id=actor.id, kind=kind.value,
                              before=before, after=after, reason=reason))
    log.info("account %s: %s by user %s", person.id, kind.value, actor.id)


def change_account(person: User, *, roles: Iterable[str], active: bool, reason: str,
                   actor: User) -> list[AccountChangeKind]:
    """Give ``person`` exactly ``roles`` and set whether the account is active; returns what
    changed. Raises InvalidInput with every problem (nothing is changed then) and NotPermitted
    for someone who is not an administrator."""
    _require_admin(actor)
    wanted = set(roles)
    reason = reason.strip()
    problems = []
    unknown = wanted - {r.value for r in Role}
    if unknown:
        problems.append(f"Okänd roll: {', '.join(sorted(unknown))}.")
    if not wanted:
        problems.append("Ett konto behöver minst en roll.")
    if Role.APPLICANT.value in wanted and person.organisation_id is None:
        problems.append("Rollen sökande kräver att personen hör till en organisation.")
    losing_admin = person.has_role(Role.ADMIN.value) and (
        Role.ADMIN.value not in wanted or not active)
    if losing_admin and person.id == actor.id:
        problems.append("Du kan inte ta bort din egen administratörsroll eller stänga av ditt "
                        "eget konto. Be en annan administratör.")
    elif losing_admin and person.active and _other_active_admins(person) == 0:
        problems.append("Det måste finnas minst en aktiv administratör kvar.")
    changes = []
    if wanted != set(person.roles):
        changes.append(AccountChangeKind.ROLES)
    if active != person.active:
        changes.append(AccountChangeKind.REACTIVATED if active else AccountChangeKind.DEACTIVATED)
    if not changes and not problems:
        problems.append("Inget ändrades: rollerna och kontots status är desamma som förut.")
    if not reason:
        problems.append("Skriv varför kontot ändras (det sparas i kontots historik).")
    if problems:
        raise InvalidInput(*problems)
    if AccountChangeKind.ROLES in changes:
        before = sorted(person.roles)
        person.set_roles(wanted)
        _log(person, actor, AccountChangeKind.ROLES, {"roles": before},
             {"roles": sorted(wanted)}, reason)
    if active != person.active:
        kind = changes[-1]
        person.active = active
        if not active:
            person.end_sessions()
        _log(person, actor, kind, {"active": not active}, {"active": active}, reason)
    session.flush()
    return changes


def end_sessions(person: User, *, actor: User, reason: str = "") -> None:
    """Log ``person`` out of every browser. The person may do it for themselves; otherwise only
    an administrator, with a reason."""
    reason = reason.strip()
    if actor.id != person.id:
        _require_admin(actor)
        if not reason:
            raise InvalidInput("Skriv varför personen loggas ut överallt.")
    before = person.session_version
    person.end_sessions()
    _log(person, actor, AccountChangeKind.SESSIONS_ENDED, {"session_version": before},
         {"session_version": person.session_version},
         reason or "Personen loggade ut sig själv på alla enheter.")
    session.flush()
