"""Feedback on accessibility: anyone sends it from the accessibility statement, which opens a
small case for the officers; an officer closes it with what was done (sent to the sender when
they asked for an answer) or reopens it. Every state change goes through the workflow engine
(workflows/feedback.py) and leaves a FeedbackEvent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from grants.db import session, utcnow
from grants.mail import queue_message
from grants.models import AccessibilityFeedback, FeedbackEvent, User, UserRole
from grants.operations.errors import InvalidInput, TooManyRequests
from grants.operations.logins import keyed_hash
from workflows import FEEDBACK, FeedbackState, Role, Subject, fire

log = logging.getLogger(__name__)

PER_ADDRESS_PER_HOUR = 5
"""How many feedback messages one address may send in an hour (the form needs no login)."""


@dataclass(frozen=True)
class FeedbackInput:
    description: str
    page: str = ""
    name: str = ""
    email: str = ""
    wants_reply: bool = False


def _officer_addresses() -> list[str]:
    return list(session.scalars(
        sa.select(User.email).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.OFFICER.value, User.active).order_by(User.id)
    ))


def send_feedback(data: FeedbackInput, *, address: str, sender: User | None = None
                  ) -> AccessibilityFeedback:
    """Store the feedback as a received case and tell the officers (and the sender, when they
    gave an address). Raises TooManyRequests after PER_ADDRESS_PER_HOUR from one address."""
    if not data.description.strip():
        raise InvalidInput("Beskriv vad som inte fungerar, så att vi kan rätta det.")
    address_key = keyed_hash("feedback", address)
    recent = session.scalar(
        sa.select(sa.func.count()).select_from(AccessibilityFeedback).where(
            AccessibilityFeedback.address_key == address_key,
            AccessibilityFeedback.created_at > utcnow() - timedelta(hours=1),
        )
    ) or 0
    if recent >= PER_ADDRESS_PER_HOUR:
        raise TooManyRequests(
            "Vi har redan fått flera synpunkter från dig den senaste timmen. Vänta en stund "
            "och försök igen, eller mejla Pilotfondens handläggare.")
    feedback = AccessibilityFeedback(
        description=data.description.strip(), page=data.page.strip(), name=data.name.strip(),
        email=data.email.strip().lower(), wants_reply=data.wants_reply and bool(data.email),
        sender_id=sender.id if sender else None, address_key=address_key,
    )
    session.add(feedback)
    session.flush()
    session.add(FeedbackEvent(feedback_id=feedback.id, actor_id=feedback.sender_id,
                              trigger="receive", from_state=None,
                              to_state=FeedbackState.RECEIVED.value))
    for recipient in _officer_addresses():
        queue_message(
            key=f"feedback:{feedback.id}:officer:{recipient}", recipient=recipient,
            subject=f"Synpunkt på tillgängligheten {feedback.reference}",
            body=(f"En synpunkt på Pilotfondens tillgänglighet har kommit in "
                  f"({feedback.reference}).\n\nVar: {feedback.page or '(inte angivet)'}\n\n"
                  f"{feedback.description}\n\nSvar önskas: "
                  f"{'ja' if feedback.wants_reply else 'nej'}\n"),
        )
    if feedback.email:
        queue_message(
            key=f"feedback:{feedback.id}:received", recipient=feedback.email,
            subject=f"Vi har tagit emot din synpunkt ({feedback.reference})",
            body=("Tack för din synpunkt på Pilotfondens tillgänglighet. Den har fått "
                  f"ärendenummer {feedback.reference}.\n\n"
                  + ("Vi svarar dig så snart vi kan.\n" if feedback.wants_reply else "")
                  + "\nDet här är ett automatiskt meddelande från Pilotfonden, "
                  "Region Örebro län.\n"),
        )
    session.flush()
    log.info("accessibility feedback %s received", feedback.id)
    return feedback


def act_on_feedback(feedback: AccessibilityFeedback, trigger: str, *, reason: str,
                    actor: User) -> None:
    """Close or reopen a feedback case (raises TransitionRefused with reasons). Closing one
    whose sender asked for an answer e-mails them the text."""
    # Re-read under a row lock: two officers answering at once are serialised, and the second
    # is refused with the state the first left (SQLite runs writers one at a time anyway).
    session.execute(sa.select(AccessibilityFeedback.id)
                    .where(AccessibilityFeedback.id == feedback.id).with_for_update())
    session.refresh(feedback)
    subject = Subject(state=feedback.state, reason=reason.strip())
    before = feedback.state
    after = fire(subject, trigger, actor.roles, workflow=FEEDBACK)
    feedback.state = after.value
    session.add(FeedbackEvent(feedback_id=feedback.id, actor_id=actor.id, trigger=trigger,
                              from_state=before, to_state=after.value, reason=subject.reason))
    if after is FeedbackState.CLOSED and feedback.wants_reply:
        queue_message(
            key=f"feedback:{feedback.id}:answer:{len(feedback.events)}",
            recipient=feedback.email,
            subject=f"Svar på din synpunkt ({feedback.reference})",
            body=(f"Hej{' ' + feedback.name if feedback.name else ''}!\n\n"
                  f"Tack för din synpunkt på Pilotfondens tillgänglighet ({feedback.reference})."
                  f"\n\n{subject.reason}\n\n{actor.name}, Region Örebro län\n"),
        )
    session.flush()
