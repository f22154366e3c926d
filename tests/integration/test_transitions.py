"""Every (state, trigger) pair through the operations on a real database, with the audit trail."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import session
from grants.demo import review_case, write_report
from grants.models import Application, AuditEvent, ReportKind
from grants.operations import applications as ops
from grants.operations import content, decisions, reports
from grants.operations.amendments import DeciderTerms
from tests.conftest import REASON
from workflows import TRANSITIONS, State, TransitionRefused, transition_for
from workflows.table import TRIGGERS

PAIRS = list(itertools.product(list(State), TRIGGERS))
STEPS_BEFORE = {"follow_up": 1, "scale": 1, "close": 1, "cancel": 1}
"""Events an operation writes before its trigger's: the report's approval; the release of the
unspent money (a granted test pilot has one budget year and nothing paid)."""


def prepare(application: Application, trigger: str, staff) -> dict:
    """What a trigger needs besides a reason: reviews before ``assess``, a proposal, and the
    decision's terms for ``grant``/``reject`` (all but the trigger itself, done and committed)."""
    if trigger == "assess":
        review_case(application, officer=staff["officer"],
                    reviewers=[staff["reviewer"], staff["reviewer2"]])
        session.commit()
        return {"proposal": "grant",
                "proposed_amounts": {r.year: r.amount for r in application.requested_amounts}}
    if trigger in ("grant", "reject"):
        terms = decisions.proposed_terms(application)
        terms.jav_confirmed, terms.reasons = True, REASON
        return {"terms": terms}
    owner = application.created_by
    if trigger in ("follow_up", "scale"):  # the officer approves the pilot owner's report
        kind = ReportKind.FOLLOW_UP if trigger == "follow_up" else ReportKind.SCALE_UP
        reports.submit_report(write_report(application, kind, owner), actor=owner)
        session.commit()
    if trigger == "close" and application.state == State.GRANTED:  # the final accounts first
        report = write_report(application, ReportKind.FINAL_FINANCIAL, owner)
        reports.submit_report(report, actor=owner)
        reports.approve_report(report, actor=staff["officer"])
        session.commit()
    if trigger == "cancel":
        return {"terms": DeciderTerms(decision_date=today(), minutes_posted=today(), reasons="",
                                      jav_confirmed=True)}
    return {}


def _events(application: Application) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.application_id == application.id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_each_trigger_changes_state_and_writes_one_event_only_where_the_table_allows(
    make_application, make_user, staff, state: State, trigger: str
) -> None:
    applicant = make_user("applicant")
    application = make_application(state, applicant=applicant)
    transition = transition_for(trigger)
    assert transition is not None
    events_before = len(_events(application))
    if state in transition.sources:
        role = next(iter(transition.roles)).value
        actor = applicant if role == "applicant" else staff[role]
        more = prepare(application, trigger, staff)
        events_before = len(_events(application))
        event = ops.TRIGGER_OPERATIONS[trigger](application, actor=actor, reason=REASON, **more)
        session.commit()
        session.expire_all()
        assert application.state == transition.dest
        events = _events(application)
        # The trigger's event comes last; before it, what the same operation did on the way
        # (the report approved, money released, the cancellation's letter): never a second one.
        assert len(events) == events_before + 1 + STEPS_BEFORE.get(trigger, 0)
        assert [e.trigger for e in events[events_before:]].count(trigger) == 1
        assert (events[-1].id, events[-1].trigger) == (event.id, trigger)
        assert (events[-1].from_state, events[-1].to_state) == (state, transition.dest)
        assert events[-1].actor_id == actor.id and events[-1].reason == REASON
        assert events[-1].created_at.tzinfo is not None
    else:
        # Someone holding every role, in the applicant organisation, is still refused.
        everyone = make_user("applicant", "officer", "decider", organisation=applicant.organisation)
        with pytest.raises(TransitionRefused) as refused:
            ops.TRIGGER_OPERATIONS[trigger](application, actor=everyone, reason=REASON)
        assert refused.value.reasons
        session.rollback()
        session.expire_all()
        assert application.state == state
        assert len(_events(application)) == events_before


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.trigger)
def test_a_refused_trigger_writes_no_event_and_changes_nothing(
    make_application, make_user, transition
) -> None:
    application = make_application(transition.sources[0])
    outsider = make_user(*{"reviewer", "finance", "admin"})
    before = (application.state, application.version, len(_events(application)))
    with pytest.raises(TransitionRefused):
        ops.TRIGGER_OPERATIONS[transition.trigger](application, actor=outsider, reason=REASON)
    session.rollback()
    session.expire_all()
    assert (application.state, application.version, len(_events(application))) == before


def test_an_applicant_cannot_fire_on_another_organisations_application(
    make_application, make_user
) -> None:
    application = make_application(State.DRAFT)
    stranger = make_user("applicant")
    with pytest.raises(TransitionRefused, match="får bara göras av sökande"):
        ops.submit_application(application, actor=stranger)


def test_trigger_operations_cover_exactly_the_table() -> None:
    assert set(ops.TRIGGER_OPERATIONS) == set(TRIGGERS)


def test_submission_gives_a_reference_and_time_and_keeps_them_through_return(
    make_application, staff
) -> None:
    application = make_application(State.DRAFT)
    applicant = application.created_by
    event = ops.submit_application(application, actor=applicant)
    session.commit()
    year = application.submitted_at.year
    assert application.reference == f"PF-{year}-0001"
    assert event.data == {"reference": application.reference}
    first_submitted = application.submitted_at
    ops.return_application_for_completion(application, actor=staff["officer"], reason="Budget")
    ops.resubmit_application(application, actor=applicant)
    session.commit()
    assert application.reference == f"PF-{year}-0001"
    assert application.submitted_at == first_submitted


def test_an_incomplete_draft_is_refused_with_what_is_missing(make_application) -> None:
    application = make_application(State.DRAFT, title="", summary="", complete=False)
    with pytest.raises(TransitionRefused) as refused:
        ops.submit_application(application, actor=application.created_by)
    assert refused.value.reasons[:3] == [
        "Ange projektets titel.", "Skriv en sammanfattning.", "Beskriv bakgrund och problemanalys."
    ]
    assert "Lägg till minst en resultatindikator." in refused.value.reasons
    assert "Svara på frågan om statligt stöd." in refused.value.reasons
    session.rollback()
    assert application.reference is None


def test_a_rolled_back_submission_gives_its_reference_number_back(make_application) -> None:
    first = make_application(State.DRAFT)
    second = make_application(State.DRAFT)
    ops.submit_application(first, actor=first.created_by)
    taken = first.reference
    session.rollback()
    ops.submit_application(second, actor=second.created_by)
    session.commit()
    assert second.reference == taken


def test_creating_a_draft_is_logged_as_the_first_event(make_application) -> None:
    application = make_application(State.DRAFT)
    [event] = _events(application)
    assert (event.trigger, event.from_state, event.to_state) == ("create", None, "draft")
    assert event.actor_id == application.created_by_id


def test_submitted_content_is_frozen(make_application) -> None:
    from grants.operations.errors import NotPermitted

    application = make_application(State.SUBMITTED)
    with pytest.raises(NotPermitted, match="kan inte ändras"):
        content.save_contact(application, actor=application.created_by, name="Ny", role="x",
                             email="ny@example.se", phone="019-10 00 00")


@pytest.mark.parametrize(
    "state", ["draft", "paid"], ids=["draft-with-a-reference", "unknown-state"]
)
def test_the_database_refuses_a_state_its_data_does_not_fit(make_application, state) -> None:
    application = make_application(State.SUBMITTED)
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(
            sa.update(Application).where(Application.id == application.id).values(state=state)
        )
    session.rollback()
