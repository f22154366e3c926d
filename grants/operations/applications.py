"""Operations on applications: drafts, and one function per workflow trigger.

Every trigger goes through :func:`workflows.fire`, and every successful one appends exactly one
:class:`~grants.models.AuditEvent` in the same flush as the state change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from grants.db import session, utcnow
from grants.models import Application, AuditEvent, CaseCounter, Organisation, User
from grants.operations.errors import InvalidInput, NotPermitted
from grants.permissions import is_applicant_member, roles_on
from workflows import State, Subject, fire

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TITLE_MAX = 200
SUMMARY_MAX = 2000


# Drafts ----------------------------------------------------------------------------------------


def _clean_content(title: str, summary: str) -> tuple[str, str]:
    title, summary = title.strip(), summary.strip()
    problems = []
    if len(title) > TITLE_MAX:
        problems.append(f"Titeln får vara högst {TITLE_MAX} tecken.")
    if len(summary) > SUMMARY_MAX:
        problems.append(f"Sammanfattningen får vara högst {SUMMARY_MAX} tecken.")
    if problems:
        raise InvalidInput(*problems)
    return title, summary


def create_draft_application(
    *, actor: User, organisation: Organisation, title: str = "", summary: str = ""
) -> Application:
    """Start a draft for ``organisation``; raises NotPermitted unless the actor applies for it."""
    if "applicant" not in actor.roles or actor.organisation_id != organisation.id:
        raise NotPermitted("Du kan bara skapa ansökningar för din egen organisation.")
    title, summary = _clean_content(title, summary)
    application = Application(
        organisation=organisation, created_by=actor, title=title, summary=summary
    )
    session.add(application)
    session.flush()
    session.add(
        AuditEvent(
            application_id=application.id, actor_id=actor.id, trigger="create",
            from_state=None, to_state=State.DRAFT.value,
        )
    )
    session.flush()
    return application


def update_draft_application(
    application: Application, *, actor: User, title: str, summary: str
) -> None:
    """Change the content of a draft or of an application returned for completion.

    Raises NotPermitted for anyone outside the applicant organisation, and in every other state:
    submitted content is frozen.
    """
    if not is_applicant_member(actor, application):
        raise NotPermitted("Du kan bara ändra din egen organisations ansökningar.")
    if application.state not in (State.DRAFT, State.RETURNED):
        raise NotPermitted(
            f"Ansökan har status «{application.state_label}» och kan inte längre ändras."
        )
    application.title, application.summary = _clean_content(title, summary)
    session.flush()


def missing_content(application: Application) -> list[str]:
    """What must be filled in before the application can be submitted (Swedish)."""
    missing = []
    if not application.title.strip():
        missing.append("Ansökan saknar titel.")
    if not application.summary.strip():
        missing.append("Ansökan saknar sammanfattning.")
    return missing


# Transitions -----------------------------------------------------------------------------------


def _facts(application: Application) -> dict[str, Any]:
    return {"missing_content": missing_content(application)}


def _lock(application: Application) -> None:
    """Re-read the case under a row lock so that two people acting at once are serialised.

    PostgreSQL locks the row until commit (the second one waits and then sees the new state);
    SQLite already runs every writer's transaction alone (BEGIN IMMEDIATE). The version column is
    the last line if anything slips past.
    """
    session.execute(
        sa.select(Application.id).where(Application.id == application.id).with_for_update()
    )
    session.refresh(application)


def _transition(
    application: Application,
    trigger: str,
    *,
    actor: User,
    reason: str = "",
    changes: Callable[[], dict[str, Any]] | None = None,
) -> AuditEvent:
    """Fire ``trigger`` through the engine and append its audit event; raises TransitionRefused.

    ``changes``, if given, runs once the engine has allowed the trigger and before anything is
    written; it sets the columns that go with the new state and returns the event's data.
    """
    _lock(application)
    reason = (reason or "").strip()
    before = application.state
    subject = Subject(state=before, facts=_facts(application), reason=reason)
    after = fire(subject, trigger, roles_on(actor, application))
    data = changes() if changes else {}
    application.state = after.value
    event = AuditEvent(
        application_id=application.id,
        actor_id=actor.id,
        trigger=trigger,
        from_state=before,
        to_state=after.value,
        reason=reason,
        data=data,
    )
    session.add(event)
    session.flush()
    return event


def _insert_ignoring_conflict(table: Any, **values: Any) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).values(**values).on_conflict_do_nothing()


def next_case_reference(year: int) -> str:
    """Take the next case reference of ``year`` (``PF-2025-0007``) inside the current transaction.

    The counter row is updated in place, so concurrent submissions queue on its row lock
    (PostgreSQL) or on the write lock (SQLite), and a rolled-back submission gives its number back:
    the series has no gaps and no duplicates.
    """
    session.execute(_insert_ignoring_conflict(CaseCounter, year=year, last_number=0))
    number = session.execute(
        sa.update(CaseCounter)
        .where(CaseCounter.year == year)
        .values(last_number=CaseCounter.last_number + 1)
        .returning(CaseCounter.last_number)
    ).scalar_one()
    return f"PF-{year}-{number:04d}"


def submit_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    """Submit a draft: it gets its case reference and becomes an allmän handling."""

    def give_reference() -> dict[str, Any]:
        now: datetime = utcnow()
        reference = next_case_reference(now.astimezone(STOCKHOLM).year)
        application.submitted_at, application.reference = now, reference
        return {"reference": reference}

    return _transition(application, "submit", actor=actor, reason=reason, changes=give_reference)


def return_application_for_completion(
    application: Application, *, actor: User, reason: str
) -> AuditEvent:
    return _transition(application, "return_for_completion", actor=actor, reason=reason)


def resubmit_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    return _transition(application, "resubmit", actor=actor, reason=reason)


def assess_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    return _transition(application, "assess", actor=actor, reason=reason)


def grant_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    return _transition(application, "grant", actor=actor, reason=reason)


def reject_application(application: Application, *, actor: User, reason: str) -> AuditEvent:
    return _transition(application, "reject", actor=actor, reason=reason)


def withdraw_application(application: Application, *, actor: User, reason: str) -> AuditEvent:
    return _transition(application, "withdraw", actor=actor, reason=reason)


def record_follow_up(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    return _transition(application, "follow_up", actor=actor, reason=reason)


def scale_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    return _transition(application, "scale", actor=actor, reason=reason)


def close_application(application: Application, *, actor: User, reason: str) -> AuditEvent:
    return _transition(application, "close", actor=actor, reason=reason)


TRIGGER_OPERATIONS: dict[str, Callable[..., AuditEvent]] = {
    "submit": submit_application,
    "return_for_completion": return_application_for_completion,
    "resubmit": resubmit_application,
    "assess": assess_application,
    "grant": grant_application,
    "reject": reject_application,
    "withdraw": withdraw_application,
    "follow_up": record_follow_up,
    "scale": scale_application,
    "close": close_application,
}
"""The operation for each trigger in the workflow table (a test keeps the two in step)."""
