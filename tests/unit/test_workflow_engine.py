"""The workflow engine against its table: every (state, trigger) pair, roles, guards, reasons."""

from __future__ import annotations

import itertools

import pytest

from workflows import (
    TRANSITIONS,
    Role,
    State,
    Subject,
    TransitionRefused,
    allowed_triggers,
    check,
    fire,
    transition_for,
)
from workflows.table import TRIGGERS

PAIRS = list(itertools.product(list(State), TRIGGERS))
REASON = "Motivering"


def _subject(state: State) -> Subject:
    return Subject(state=state.value, facts={}, reason=REASON)


def _is_valid(state: State, trigger: str) -> bool:
    transition = transition_for(trigger)
    assert transition is not None
    return state in transition.sources


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_every_state_trigger_pair_follows_the_table(state: State, trigger: str) -> None:
    transition = transition_for(trigger)
    assert transition is not None
    subject = _subject(state)
    if _is_valid(state, trigger):
        assert fire(subject, trigger, {r.value for r in transition.roles}) == transition.dest
        assert subject.state == transition.dest
    else:
        with pytest.raises(TransitionRefused) as refused:
            fire(subject, trigger, {r.value for r in Role})
        assert refused.value.reasons and "går inte att göra" in refused.value.reasons[0]
        assert subject.state == state  # nothing changed


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.trigger)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_the_roles_named_in_the_table_may_fire(transition, role: Role) -> None:
    subject = _subject(transition.sources[0])
    if role in transition.roles:
        fire(subject, transition.trigger, {role.value})
        assert subject.state == transition.dest
    else:
        with pytest.raises(TransitionRefused) as refused:
            fire(subject, transition.trigger, {role.value})
        assert "får bara göras av" in refused.value.reasons[0]
        assert subject.state == transition.sources[0]


@pytest.mark.parametrize(
    "transition", [t for t in TRANSITIONS if t.reason_required], ids=lambda t: t.trigger
)
def test_transitions_that_need_a_reason_refuse_a_blank_one(transition) -> None:
    roles = {r.value for r in transition.roles}
    for blank in ("", "   \n"):
        subject = Subject(state=transition.sources[0].value, reason=blank)
        with pytest.raises(TransitionRefused) as refused:
            fire(subject, transition.trigger, roles)
        assert refused.value.reasons == [f"Fyll i «{transition.reason_label}»."]


def test_refusals_needing_a_reason_are_rejection_return_withdrawal_closing_cancelling() -> None:
    assert {t.trigger for t in TRANSITIONS if t.reason_required} == {
        "return_for_completion", "reject", "withdraw", "close", "cancel",
    }


def test_guard_reasons_from_the_facts_refuse_the_trigger_with_those_reasons() -> None:
    subject = Subject(state="draft", facts={"missing_content": ["Ansökan saknar titel."]})
    with pytest.raises(TransitionRefused) as refused:
        fire(subject, "submit", {"applicant"})
    assert refused.value.reasons == ["Ansökan saknar titel."]
    assert subject.state == "draft"


def test_all_reasons_are_reported_together() -> None:
    subject = Subject(state="assessed", facts={"decision_blockers": ["A.", "B."]}, reason="")
    assert check(subject, "reject", {"decider"}) == ["Fyll i «Skäl för avslaget».", "A.", "B."]


def test_an_unknown_trigger_is_refused_not_ignored() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(Subject(state="draft"), "to_granted", {r.value for r in Role})
    assert refused.value.reasons == ["Åtgärden «to_granted» finns inte."]


def test_the_machine_has_no_automatic_to_state_shortcuts() -> None:
    subject = Subject(state="draft", facts={})
    fire(subject, "submit", {"applicant"})
    assert not hasattr(subject, "to_granted")


def test_a_loaded_subject_keeps_its_state_when_the_machine_is_built() -> None:
    subject = Subject(state="granted")
    fire(subject, "follow_up", {"officer"})
    assert subject.state == "followed_up"


def test_a_final_state_says_the_case_is_closed() -> None:
    reasons = check(Subject(state="closed"), "submit", {"applicant"})
    assert "Ärendet är avslutat" in reasons[0]


@pytest.mark.parametrize("state", list(State), ids=str)
def test_allowed_triggers_lists_exactly_the_table_rows_for_the_roles(state: State) -> None:
    for role in Role:
        expected = [t.trigger for t in TRANSITIONS if state in t.sources and role in t.roles]
        assert [t.trigger for t in allowed_triggers(state, {role.value})] == expected
    assert allowed_triggers(state, set()) == []
    assert allowed_triggers(state, {"no-such-role"}) == []


def test_every_state_is_reachable_and_every_non_final_state_has_a_way_out() -> None:
    reachable = {State.DRAFT} | {t.dest for t in TRANSITIONS}
    assert reachable == set(State)
    for state in State:
        has_exit = any(state in t.sources for t in TRANSITIONS)
        assert has_exit != state.is_final, state


def test_every_state_and_role_has_a_swedish_label() -> None:
    assert all(s.label for s in State)
    assert all(r.label for r in Role)
    assert all(t.label and t.done for t in TRANSITIONS)
