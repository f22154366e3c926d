"""Small pieces every operation module shares: the row lock on a case, and clean free text."""

from __future__ import annotations

import sqlalchemy as sa

from grants.db import session
from grants.identifiers import contains_personal_identity_number
from grants.models import Application
from grants.operations.errors import InvalidInput


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
