"""Several people acting at once, with real commits, each thread on its own connection."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

from grants.db import session
from grants.models import Application, AuditEvent, User
from grants.operations import applications as ops
from workflows import State, TransitionRefused


def _run_in_threads(app: Flask, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread and app context (own session), all released at once."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = jobs[i]()
                session.commit()
            except Exception as exc:  # the outcome is what the test inspects
                session.rollback()
                results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _submit(application_id: int, user_id: int) -> Callable[[], str]:
    def job() -> str:
        application = session.get(Application, application_id)
        actor = session.get(User, user_id)
        ops.submit_application(application, actor=actor)
        return application.reference

    return job


def test_a_double_submit_gives_one_reference_and_one_event(app, make_application) -> None:
    draft = make_application(State.DRAFT)
    ids = (draft.id, draft.created_by_id)
    session.remove()
    results = _run_in_threads(app, [_submit(*ids), _submit(*ids)])
    references = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if isinstance(r, (TransitionRefused, StaleDataError))]
    assert len(references) == 1 and len(refusals) == 1, results
    submits = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == ids[0],
                                    AuditEvent.trigger == "submit")
    ).all()
    assert len(submits) == 1
    assert session.get(Application, ids[0]).reference == references[0]


def test_simultaneous_submissions_get_unique_gap_free_references(app, make_application) -> None:
    drafts = [make_application(State.DRAFT) for _ in range(8)]
    jobs = [_submit(d.id, d.created_by_id) for d in drafts]
    session.remove()
    results = _run_in_threads(app, jobs)
    assert all(isinstance(r, str) for r in results), results
    numbers = sorted(int(re.fullmatch(r"PF-\d{4}-(\d{4})", r).group(1)) for r in results)
    assert numbers == list(range(1, 9))


@pytest.mark.postgres_only
def test_the_row_lock_makes_a_stale_second_actor_see_the_new_state(app, make_application) -> None:
    """PostgreSQL lets a second request read the case before the first commits. The operation's
    row lock makes it wait and re-read, so it is refused with a reason (not a version clash)."""
    draft = make_application(State.DRAFT)
    ids = (draft.id, draft.created_by_id)
    session.remove()
    first_has_lock, second_has_read = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        with app.app_context():
            application = session.get(Application, ids[0])
            second_has_read.wait(timeout=30)
            ops.submit_application(application, actor=session.get(User, ids[1]))
            first_has_lock.set()
            time.sleep(0.3)  # hold the lock while the second actor tries to act
            session.commit()

    def second() -> None:
        with app.app_context():
            application = session.get(Application, ids[0])
            assert application.state == "draft"  # read before the first one committed
            actor = session.get(User, ids[1])
            second_has_read.set()
            first_has_lock.wait(timeout=30)
            try:
                ops.submit_application(application, actor=actor)
                session.commit()
                outcome["second"] = "submitted"
            except Exception as exc:  # the outcome is what the test inspects
                session.rollback()
                outcome["second"] = exc

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refusal = outcome["second"]
    assert isinstance(refusal, TransitionRefused), refusal
    assert "«Inkommen»" in refusal.reasons[0]


@pytest.mark.postgres_only
def test_a_section_saved_while_the_application_is_submitted_is_refused_not_written(
    app, make_application
) -> None:
    """The content operations take the same row lock: a save that read the draft before a
    submit committed waits, sees the frozen case, and is refused with the reason."""
    from grants.operations import content
    from grants.operations.errors import NotPermitted

    draft = make_application(State.DRAFT)
    ids = (draft.id, draft.created_by_id)
    session.remove()
    submit_has_lock, save_has_read = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def submitter() -> None:
        with app.app_context():
            application = session.get(Application, ids[0])
            save_has_read.wait(timeout=30)
            ops.submit_application(application, actor=session.get(User, ids[1]))
            submit_has_lock.set()
            time.sleep(0.3)  # hold the lock while the save tries to write
            session.commit()

    def saver() -> None:
        with app.app_context():
            application = session.get(Application, ids[0])
            actor = session.get(User, ids[1])
            assert application.state == "draft"  # read before the submit committed
            save_has_read.set()
            submit_has_lock.wait(timeout=30)
            try:
                content.save_contact(application, actor=actor, name="Ny kontakt", role="x",
                                     email="ny@example.se", phone="019-10 10 10")
                session.commit()
                outcome["save"] = "saved"
            except Exception as exc:  # the outcome is what the test inspects
                session.rollback()
                outcome["save"] = exc

    threads = [threading.Thread(target=submitter), threading.Thread(target=saver)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert isinstance(outcome["save"], NotPermitted), outcome["save"]
    assert "«Inkommen»" in outcome["save"].reasons[0]
    session.expire_all()
    assert session.get(Application, ids[0]).contact_name != "Ny kontakt"
