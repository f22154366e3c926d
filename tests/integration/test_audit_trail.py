"""The audit trail is append-only: neither the ORM nor plain SQL can change or delete an event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.models import AuditEvent
from grants.models.audit import AuditTrailIsAppendOnly
from workflows import State


@pytest.fixture
def event(make_application) -> AuditEvent:
    application = make_application(State.SUBMITTED)
    return session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id)
    ).first()


def test_the_orm_refuses_to_change_an_event(event: AuditEvent) -> None:
    event.reason = "ändrad i efterhand"
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()
    session.rollback()


def test_the_orm_refuses_to_delete_an_event(event: AuditEvent) -> None:
    session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_events(event: AuditEvent, statement: str) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.text(statement))
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 1
