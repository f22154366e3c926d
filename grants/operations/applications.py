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

from grants.completeness import LIMITS
from grants.db import session, utcnow
from grants.mail import queue_message
from grants.models import (
    Application,
    AuditEvent,
    CaseCounter,
    ChecklistVersion,
    Organisation,
    ReportKind,
    User,
)
from grants.operations.common import clean_text, fire_transition
from grants.operations.decisions import (
    assess_application,
    grant_application,
    reject_application,
)
from grants.operations.errors import NotPermitted
from workflows import State

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# Drafts ----------------------------------------------------------------------------------------


def create_draft_application(
    *, actor: User, organisation: Organisation, title: str = "", summary: str = ""
) -> Application:
    """Start a draft for ``organisation`` on the current checklist version.

    Raises NotPermitted unless the actor applies for that organisation, InvalidInput for text
    that cannot be stored.
    """
    if not (
        "applicant" in actor.roles and actor.organisation_id == organisation.id
        and actor.membership_confirmed
    ):
        raise NotPermitted("Du kan bara skapa ansökningar för din egen organisation.")
    application = Application(
        organisation=organisation, created_by=actor,
        title=clean_text(title, LIMITS["title"], "Titeln"),
        summary=clean_text(summary, LIMITS["summary"], "Sammanfattningen"),
        checklist_version=session.scalars(
            sa.select(ChecklistVersion).order_by(ChecklistVersion.number.desc()).limit(1)
        ).first(),
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


# Transitions -----------------------------------------------------------------------------------


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


def _queue_receipts(application: Application, event: AuditEvent, actor: User) -> None:
    """A receipt to the person who submitted and to the contact person (once each)."""
    submitted_at = event.created_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    what = "ansökan" if event.trigger == "submit" else "kompletterade ansökan"
    body = (
        f"Hej!\n\nVi har tagit emot er {what} till Pilotfonden, Region Örebro län.\n\n"
        f"Referens: {application.reference}\n"
        f"Titel: {application.title}\n"
        f"Sökande: {application.organisation.name} ({application.organisation.org_number})\n"
        f"Inkom: {submitted_at}\n"
        f"Skickad av: {actor.name}\n\n"
        "Ansökan är nu en allmän handling hos Region Örebro län. Den kan inte ändras, men "
        "handläggaren kan be er komplettera den. Ange referensen när ni kontaktar oss.\n\n"
        "Det här är ett automatiskt meddelande från Pilotfonden.\n"
    )
    _mail_applicant(application, event, "receipt", f"Mottagningsbevis {application.reference}: "
                    f"{application.title}", body, actor.email)


def _mail_applicant(
    application: Application, event: AuditEvent, kind: str, subject: str, body: str, *first: str
) -> None:
    """Queue ``body`` for ``first`` and the contact person, once per address and event (the
    outbox key is ``<kind>:<event id>:<address>``)."""
    for recipient in dict.fromkeys(filter(None, (*first, application.contact_email))):
        queue_message(key=f"{kind}:{event.id}:{recipient}", recipient=recipient,
                      subject=subject, body=body, application=application)


def submit_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    """Submit a draft: it gets its case reference, becomes an allmän handling, and a receipt
    is queued. Raises TransitionRefused (with every problem) if it is incomplete."""

    def give_reference() -> dict[str, Any]:
        now: datetime = utcnow()
        reference = next_case_reference(now.astimezone(STOCKHOLM).year)
        application.submitted_at, application.reference = now, reference
        return {"reference": reference}

    event = fire_transition(application, "submit", actor=actor, reason=reason,
                            changes=give_reference)
    _queue_receipts(application, event, actor)
    return event


def return_application_for_completion(
    application: Application, *, actor: User, reason: str
) -> AuditEvent:
    """Send the application back for completion; the applicant is told by e-mail what is
    missing."""
    event = fire_transition(application, "return_for_completion", actor=actor, reason=reason)
    body = (
        f"Hej!\n\nHandläggaren har gått igenom er ansökan {application.reference} "
        f"«{application.title}» och vill att ni kompletterar den:\n\n{event.reason}\n\n"
        "Logga in på Pilotfonden, ändra det som behövs under Mina ansökningar och skicka in "
        "ansökan igen.\n\nDet här är ett automatiskt meddelande från Pilotfonden.\n"
    )
    subject = f"Komplettera ansökan {application.reference}"
    submitter = application.created_by.email if application.created_by else ""
    _mail_applicant(application, event, "returned", subject, body, submitter)
    return event


def resubmit_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    """Send a completed application back to the officer (with a receipt)."""
    event = fire_transition(application, "resubmit", actor=actor, reason=reason)
    _queue_receipts(application, event, actor)
    return event


def withdraw_application(application: Application, *, actor: User, reason: str) -> AuditEvent:
    return fire_transition(application, "withdraw", actor=actor, reason=reason)


def record_follow_up(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    """``follow_up``: the officer approves the submitted follow-up report, which moves the case
    (:func:`grants.operations.reports.approve_report`); without one it is refused."""
    from grants.operations import reports

    report = reports.submitted_report(application, ReportKind.FOLLOW_UP)
    if report is not None and application.state == State.GRANTED:
        return reports.approve_report(report, actor=actor, note=reason)
    return fire_transition(
        application, "follow_up", actor=actor, reason=reason,
        facts=lambda: {"missing_follow_up": reports.missing_follow_up(application)})


def scale_application(application: Application, *, actor: User, reason: str = "") -> AuditEvent:
    """``scale``: the officer approves the submitted scale-up report; without one it is
    refused."""
    from grants.operations import reports

    report = reports.submitted_report(application, ReportKind.SCALE_UP)
    if report is not None and application.state == State.FOLLOWED_UP:
        return reports.approve_report(report, actor=actor, note=reason)
    return fire_transition(
        application, "scale", actor=actor, reason=reason,
        facts=lambda: {"missing_scale_up": reports.missing_scale_up(application)})


def close_application(application: Application, *, actor: User, reason: str) -> AuditEvent:
    """Close the pilot, releasing its unspent money (``reports.close_pilot``)."""
    from grants.operations.reports import close_pilot

    return close_pilot(application, actor=actor, reason=reason)


def cancel_application(application: Application, *, actor: User, reason: str,
                       terms: Any = None) -> AuditEvent:
    """Cancel the grant by decision (``amendments.cancel_grant``) with ``terms``
    (``DeciderTerms``); without terms it is refused: a cancellation needs a decision's dates
    and the decider's jäv confirmation."""
    from grants.operations.amendments import cancel_grant

    if terms is not None:
        terms.reasons = reason
        return cancel_grant(application, actor=actor, terms=terms)
    return fire_transition(application, "cancel", actor=actor, reason=reason, facts=lambda: {
        "decision_blockers": ["Återkallelse beslutas på beslutssidan för återkallelse, med "
                              "beslutsdatum och jävsbekräftelse."]})


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
    "cancel": cancel_application,
}
"""The operation for each trigger in the workflow table (a test keeps the two in step)."""
