"""The report's own workflow, run by the same engine as the case's: every (state, trigger) pair
against its table, roles, guards, and the refusal texts."""

from __future__ import annotations

import itertools

import pytest

from workflows import REPORT, ReportState, Subject, TransitionRefused, allowed_triggers, check, fire
from workflows.reports import REPORT_TRANSITIONS

PAIRS = list(itertools.product(list(ReportState), [t.trigger for t in REPORT_TRANSITIONS]))


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_each_pair_is_allowed_exactly_where_the_table_says(state, trigger) -> None:
    transition = REPORT.transition_for(trigger)
    assert transition is not None
    roles = {r.value for r in transition.roles}
    subject = Subject(state=state.value, reason="Skäl.")
    if state in transition.sources:
        assert fire(subject, trigger, roles, workflow=REPORT) == transition.dest
        assert subject.state == transition.dest.value
    else:
        with pytest.raises(TransitionRefused) as refused:
            fire(subject, trigger, roles, workflow=REPORT)
        assert f"när rapporten har status «{state.label}»" in refused.value.reasons[0]
        assert subject.state == state.value


def test_an_approved_report_is_final_and_says_so() -> None:
    reasons = check(Subject(state="approved"), "submit_report", {"applicant"}, workflow=REPORT)
    assert reasons[0].endswith("Rapporten är godkänd och kan inte ändras.")


def test_only_the_pilot_owner_submits_and_only_the_officer_approves_or_returns() -> None:
    assert [t.trigger for t in allowed_triggers("draft", {"applicant"}, workflow=REPORT)] == [
        "submit_report"]
    assert [t.trigger for t in allowed_triggers("submitted", {"officer"}, workflow=REPORT)] == [
        "approve_report", "return_report"]
    reasons = check(Subject(state="submitted"), "approve_report", {"applicant", "finance"},
                    workflow=REPORT)
    assert reasons == ["Åtgärden «Godkänn rapporten» får bara göras av handläggare."]


def test_guards_read_the_facts_and_returning_needs_a_reason() -> None:
    facts = {"report_blockers": ["Ärendet är avslutat."],
             "missing_report_content": ["Ange vilken period rapporten gäller."]}
    reasons = check(Subject(state="draft", facts=facts), "submit_report", {"applicant"},
                    workflow=REPORT)
    assert reasons == ["Ärendet är avslutat.", "Ange vilken period rapporten gäller."]
    assert check(Subject(state="submitted", reason="  "), "return_report", {"officer"},
                 workflow=REPORT) == ["Fyll i «Vad behöver kompletteras eller rättas?»."]


def test_a_case_trigger_is_unknown_to_the_report_workflow() -> None:
    assert check(Subject(state="draft"), "grant", {"decider"}, workflow=REPORT) == [
        "Åtgärden «grant» finns inte."]
