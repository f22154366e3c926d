"""Small pieces every operation module shares: the row lock on a case, and clean free text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from grants.completeness import problem_messages
from grants.db import session
from grants.identifiers import contains_personal_identity_number
from grants.models import Application, AuditEvent, User
from grants.operations.errors import InvalidInput
from grants.permissions import roles_on
from workflows import Subject, fire


def lock_application(application: Application) -> None:
    """Re-read the case under a row lock so that two people acting at once are serialised.

    PostgreSQL locks the row until commit (the second one waits and then sees the new state);
    SQLite already runs every writer's transaction alone (BEGIN IMMEDIATE). The version column is
    the last line if anything slips past.
    """
    session.execute(
        sa.select(Application.id).where(Application.id == application.id).with_for_update()
    )
    session.refresh(application)


def clean_text(value: str | None, limit: int, what: str) -> str:
    """``value`` stripped; raises InvalidInput if it is too long or holds a personnummer."""
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} får vara högst {limit} tecken.")
    if contains_personal_identity_number(text):
        raise InvalidInput(f"{what} innehåller något som ser ut som ett personnummer.")
    return text


def log_case_event(
    application: Application, event: str, *, actor: User, reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event for something that happened on the case without changing its state
    (a registered Dnr, a reviewer assigned, a jäv declaration, an issued letter).

    ``event`` names it (see :data:`grants.templating.CASE_EVENTS`); from and to are the state
    the case is in, so the history reads as one line of events.
    """
    audit = AuditEvent(
        application_id=application.id, actor_id=actor.id, trigger=event,
        from_state=application.state, to_state=application.state, reason=reason,
        data=data or {},
    )
    session.add(audit)
    session.flush()
    return audit


def fire_transition(
    application: Application,
    trigger: str,
    *,
    actor: User,
    reason: str = "",
    facts: Callable[[], dict[str, Any]] | None = None,
    changes: Callable[[], dict[str, Any]] | None = None,
) -> AuditEvent:
    """Fire ``trigger`` through the engine and append its audit event; raises TransitionRefused.

    The case is locked and re-read first. ``facts``, if given, computes (under the lock) what
    the trigger's guards read, beside whether the content is complete. ``changes``, if given,
    runs once the engine has allowed the trigger and before anything is written; it sets the
    columns that go with the new state and returns the event's data.
    """
    lock_application(application)
    reason = (reason or "").strip()
    before = application.state
    known = {"missing_content": problem_messages(application), **(facts() if facts else {})}
    subject = Subject(state=before, facts=known, reason=reason)
    after = fire(subject, trigger, roles_on(actor, application))
    data = changes() if changes else {}
    application.state = after.value
    event = AuditEvent(
        application_id=application.id, actor_id=actor.id, trigger=trigger, from_state=before,
        to_state=after.value, reason=reason, data=data,
    )
    session.add(event)
    session.flush()
    return event
