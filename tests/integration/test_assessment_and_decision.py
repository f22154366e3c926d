"""Screening, reviews, assessment and decisions through the operations, on SQLite and PostgreSQL.

Each rule the issue lists as bad input has a test here: a malformed or used Dnr, scores outside
0–3 or without reasons, jäv, deciding without reviews, amounts over the request or the pot, a
rejection without reasons, a second decision, and a tampered letter.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.completeness import fund_settings, today
from grants.db import RecordIsAppendOnly, session
from grants.demo import review_case
from grants.legal_dates import appeal_deadline
from grants.models import (
    Application,
    AuditEvent,
    Decision,
    JavStatus,
    LedgerEntry,
    Letter,
    OutboxMessage,
    Pot,
    Review,
)
from grants.money import format_kronor
from grants.operations import assessment as ops
from grants.operations import decisions
from grants.operations.errors import InvalidInput, NotPermitted
from tests.conftest import REASON
from workflows import State, TransitionRefused


def _screen(application: Application, officer) -> None:
    ops.save_screening(application, actor=officer, complete=True, eligible_applicant=True,
                       within_aims=True, state_aid_handled=True)


def _scores(review: Review, score: int = 2, reason: str = "Motiverat.") -> dict:
    return {c.id: (score, reason) for c in review.rubric.scored}


def _ratings(review: Review, rating: str = "active") -> dict:
    return {c.id: (rating, "") for c in review.rubric.horizontal}


def _submit_review(review: Review, reviewer, **more) -> Review:
    values = {"scores": _scores(review), "ratings": _ratings(review),
              "recommendation": "grant_full", "recommended_amount": None, "comment": "",
              "submit": True} | more
    return ops.save_review(review, actor=reviewer, **values)


def _events(application: Application, trigger: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == trigger)))


def _terms(application: Application, **changes) -> decisions.DecisionTerms:
    terms = decisions.proposed_terms(application)
    terms.jav_confirmed, terms.reasons = True, REASON
    for name, value in changes.items():
        setattr(terms, name, value)
    return terms


# Dnr -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2025-12", "25XX12", "25RS", "5RS12", "25RS1234567", ""])
def test_a_malformed_dnr_is_refused(make_application, staff, typed) -> None:
    application = make_application(State.SUBMITTED)
    with pytest.raises(InvalidInput, match="25RS1234"):
        ops.register_dnr(application, actor=staff["officer"], dnr=typed)
    session.rollback()
    assert session.get(Application, application.id).dnr is None


def test_a_dnr_is_normalised_logged_and_unique(make_application, staff) -> None:
    first, second = make_application(State.SUBMITTED), make_application(State.SUBMITTED)
    ops.register_dnr(first, actor=staff["officer"], dnr=" 25rs 1234 ")
    session.commit()
    assert first.dnr == "25RS1234"
    assert _events(first, "register_dnr")[0].data["dnr"] == "25RS1234"
    with pytest.raises(InvalidInput, match=f"används redan för ärende {first.reference}"):
        ops.register_dnr(second, actor=staff["officer"], dnr="25RS1234")


def test_only_an_officer_registers_a_dnr(make_application, staff) -> None:
    application = make_application(State.SUBMITTED)
    with pytest.raises(NotPermitted):
        ops.register_dnr(application, actor=staff["decider"], dnr="25RS1")


# Screening and reviewers -----------------------------------------------------------------------


def test_reviewers_are_assigned_only_after_a_passed_screening(make_application, staff) -> None:
    application = make_application(State.SUBMITTED)
    with pytest.raises(InvalidInput, match="formella kontrollen"):
        ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    session.rollback()
    ops.save_screening(application, actor=staff["officer"], complete=True,
                       eligible_applicant=True, within_aims=False, state_aid_handled=True)
    session.commit()
    with pytest.raises(InvalidInput, match="formella kontrollen"):
        ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    session.rollback()
    _screen(application, staff["officer"])
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    session.commit()
    assert review.jav == JavStatus.PENDING and review.rubric.number == 1
    assert [e.data["passed"] for e in _events(application, "screen")] == [False, True]


def test_reviewing_ones_own_organisations_application_is_refused(
    make_application, make_user, staff
) -> None:
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    colleague = make_user("reviewer", organisation=application.organisation)
    with pytest.raises(InvalidInput, match="tillhör den sökande organisationen"):
        ops.assign_reviewer(application, actor=staff["officer"], reviewer=colleague)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_a_reviewer_from_the_pilots_municipality_is_flagged(make_application, staff) -> None:
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    reviewer = staff["reviewer"]
    reviewer.municipality_code = application.organisation.municipality_code
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=reviewer)
    assert review.conflict_flags and "anknytning till" in review.conflict_flags[0]


def test_the_number_of_reviews_needed_follows_the_amount_requested(make_application) -> None:
    application = make_application(State.SUBMITTED)  # asks 100 000 kr
    settings = fund_settings()
    settings.reviewer_threshold = 100_000
    assert ops.reviewers_required(application) == settings.reviewers_at_or_above == 2
    settings.reviewer_threshold = 100_001
    assert ops.reviewers_required(application) == settings.reviewers_below == 1


# Jäv -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ground", "note", "message"), [
    (None, "Min syster leder projektet.", "jävsgrund"),
    (5, "Min syster leder projektet.", "jävsgrund"),
    (1, "  ", "varför du är jävig"),
])
def test_declaring_jav_needs_a_ground_and_a_note(
    make_application, staff, ground, note, message
) -> None:
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    session.commit()
    with pytest.raises(InvalidInput, match=message):
        ops.declare_jav(review, actor=staff["reviewer"], disqualified=True, ground=ground,
                        note=note)


def test_jav_blocks_the_reviewer_tells_the_officer_and_is_logged(make_application, staff) -> None:
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    ops.declare_jav(review, actor=staff["reviewer"], disqualified=True, ground=1,
                    note="Min syster leder projektet.")
    session.commit()
    assert not review.active and not review.cleared
    [event] = _events(application, "declare_jav")
    assert (event.actor_id, event.data["jav"], event.data["ground"]) == (
        staff["reviewer"].id, "declared", 1)
    mail = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == staff["officer"].email)).one()
    assert application.reference in mail.subject and "jäv" in mail.body
    with pytest.raises(NotPermitted):
        _submit_review(review, staff["reviewer"])
    session.rollback()
    with pytest.raises(InvalidInput, match="redan lämnat"):
        ops.declare_jav(review, actor=staff["reviewer"], disqualified=False)
    session.rollback()
    with pytest.raises(InvalidInput, match="anmält jäv"):
        ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])


def test_only_the_assigned_reviewer_declares(make_application, staff) -> None:
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    with pytest.raises(NotPermitted):
        ops.declare_jav(review, actor=staff["reviewer2"], disqualified=False)


# Reviews ---------------------------------------------------------------------------------------


@pytest.fixture
def cleared_review(make_application, staff) -> Review:
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=staff["reviewer"])
    ops.declare_jav(review, actor=staff["reviewer"], disqualified=False)
    session.commit()
    return review


@pytest.mark.parametrize("score", [-1, 4, 7])
def test_a_score_outside_0_to_3_is_refused_and_nothing_is_stored(
    cleared_review, staff, score
) -> None:
    scores = _scores(cleared_review)
    first = cleared_review.rubric.scored[0]
    scores[first.id] = (score, "Motiverat.")
    with pytest.raises(InvalidInput, match="mellan 0 och 3"):
        _submit_review(cleared_review, staff["reviewer"], scores=scores)
    session.rollback()
    session.expire_all()
    assert cleared_review.scores == [] and cleared_review.submitted_at is None


def test_submitting_needs_every_score_reason_rating_and_a_recommendation(
    cleared_review, staff
) -> None:
    scores = _scores(cleared_review)
    first, second = cleared_review.rubric.scored[:2]
    scores[first.id] = (2, "")
    del scores[second.id]
    with pytest.raises(InvalidInput) as refused:
        _submit_review(cleared_review, staff["reviewer"], scores=scores, ratings={},
                       recommendation=None)
    reasons = " ".join(refused.value.reasons)
    assert f"{first.title}: skriv en motivering" in reasons
    assert f"{second.title}: välj en poäng" in reasons
    assert "aktivt, delvis eller inte" in reasons and "Välj vad du rekommenderar" in reasons


def test_a_draft_review_keeps_what_is_given_without_being_submitted(cleared_review, staff) -> None:
    first = cleared_review.rubric.scored[0]
    ops.save_review(cleared_review, actor=staff["reviewer"], scores={first.id: (3, "Starkt.")},
                    ratings={}, recommendation=None, recommended_amount=None, comment="Halvvägs",
                    submit=False)
    session.commit()
    session.expire_all()
    assert cleared_review.score_for(first.id).score == 3
    assert cleared_review.comment == "Halvvägs" and not cleared_review.submitted


@pytest.mark.parametrize("amount", [None, 0, 100_000, 150_000])
def test_a_reduced_recommendation_needs_an_amount_below_the_request(
    cleared_review, staff, amount
) -> None:
    with pytest.raises(InvalidInput, match="belopp"):
        _submit_review(cleared_review, staff["reviewer"], recommendation="grant_reduced",
                       recommended_amount=amount)


def test_a_submitted_review_is_frozen_until_the_officer_reopens_it(cleared_review, staff) -> None:
    _submit_review(cleared_review, staff["reviewer"])
    session.commit()
    assert cleared_review.weighted_total == 2 * sum(c.weight for c in cleared_review.rubric.scored)
    with pytest.raises(InvalidInput, match="redan inlämnad"):
        _submit_review(cleared_review, staff["reviewer"])
    session.rollback()
    with pytest.raises(NotPermitted):
        ops.reopen_review(cleared_review, actor=staff["reviewer"], reason="Jag vill ändra.")
    session.rollback()
    with pytest.raises(InvalidInput, match="Skriv varför"):
        ops.reopen_review(cleared_review, actor=staff["officer"], reason=" ")
    session.rollback()
    ops.reopen_review(cleared_review, actor=staff["officer"], reason="Motiveringen saknar budget.")
    session.commit()
    assert not cleared_review.submitted
    [event] = _events(cleared_review.application, "reopen_review")
    assert event.actor_id == staff["officer"].id and event.reason == "Motiveringen saknar budget."
    _submit_review(cleared_review, staff["reviewer"], scores=_scores(cleared_review, 3))
    session.commit()
    assert cleared_review.submitted


# Assessment ------------------------------------------------------------------------------------


def test_assessing_without_the_required_reviews_is_refused_with_the_reason(
    make_application, staff
) -> None:
    application = make_application(State.SUBMITTED)
    review_case(application, officer=staff["officer"], reviewers=[staff["reviewer"]])
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        decisions.assess_application(application, actor=staff["officer"], reason=REASON,
                                     proposal="grant", proposed_amounts={today().year: 1})
    assert "behöver 2 inlämnade granskningar" in " ".join(refused.value.reasons)


def test_a_proposal_over_the_request_is_refused_with_the_figures(make_application, staff) -> None:
    application = make_application(State.SUBMITTED)
    review_case(application, officer=staff["officer"],
                reviewers=[staff["reviewer"], staff["reviewer2"]])
    year = today().year
    with pytest.raises(TransitionRefused) as refused:
        decisions.assess_application(application, actor=staff["officer"], reason=REASON,
                                     proposal="grant", proposed_amounts={year: 100_001})
    assert f"{year}: 100\u00a0001\u00a0kr är mer än det sökta beloppet" in refused.value.reasons[0]


# Decisions -------------------------------------------------------------------------------------


def test_granting_commits_the_money_writes_the_ledger_and_issues_the_letter(
    make_application, staff
) -> None:
    application = make_application(State.ASSESSED)
    year = today().year
    pot_before = session.get(Pot, year).committed
    event = decisions.grant_application(application, actor=staff["decider"],
                                        terms=_terms(application, amounts={year: 80_000}))
    session.commit()
    assert application.state == State.GRANTED
    decision = application.current_decision
    assert (decision.total, decision.support_share) == (80_000, "40,0\u00a0%")
    assert decision.appeal_deadline == appeal_deadline(decision.minutes_posted)
    assert session.get(Pot, year).committed == pot_before + 80_000
    [entry] = session.scalars(sa.select(LedgerEntry)).all()
    assert (entry.year, entry.kind, entry.amount, entry.decision_id) == (
        year, "commitment", 80_000, decision.id)
    letter = decision.letter
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
    assert letter.snapshot["total"] == 80_000 and letter.snapshot["case"]["dnr"] == application.dnr
    assert event.data["letter_id"] == letter.id
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.contains(application.reference),
        OutboxMessage.key.startswith("decision:"))) >= 1


def test_a_grant_over_the_pots_remaining_money_is_refused_with_the_figures(
    make_application, staff
) -> None:
    application = make_application(State.ASSESSED)
    year = today().year
    pot = session.get(Pot, year)
    pot.reserved = pot.committed + 99_999
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        decisions.grant_application(application, actor=staff["decider"],
                                    terms=_terms(application))
    assert refused.value.reasons == [
        f"Potten för {year} räcker inte: 100\u00a0000\u00a0kr söks ur den, men bara "
        f"99\u00a0999\u00a0kr återstår (avsatt {format_kronor(pot.reserved)}, redan beviljat "
        f"{format_kronor(pot.committed)})."
    ]
    session.rollback()
    session.expire_all()
    assert application.state == State.ASSESSED and application.decisions == []
    assert session.get(Pot, year).committed == pot.committed


def test_the_pot_constraint_is_the_last_line(make_application) -> None:
    year = today().year
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.update(Pot).where(Pot.year == year)
                        .values(committed=Pot.reserved + 1))
        session.flush()


def test_a_grant_over_the_request_is_refused(make_application, staff) -> None:
    application = make_application(State.ASSESSED)
    with pytest.raises(TransitionRefused, match="mer än det sökta beloppet"):
        decisions.grant_application(application, actor=staff["decider"], terms=_terms(
            application, amounts={today().year: 100_001}))


def test_rejecting_without_reasons_is_refused(make_application, staff) -> None:
    application = make_application(State.ASSESSED)
    with pytest.raises(TransitionRefused, match="Skriv skälen för avslaget"):
        decisions.reject_application(application, actor=staff["decider"],
                                     terms=_terms(application, reasons="  "))


def test_a_reduced_grant_needs_reasons(make_application, staff) -> None:
    application = make_application(State.ASSESSED)
    with pytest.raises(TransitionRefused, match="lägre än det sökta"):
        decisions.grant_application(application, actor=staff["decider"], terms=_terms(
            application, amounts={today().year: 50_000}, reasons=""))


def test_a_second_decision_on_a_decided_case_is_refused(make_application, staff) -> None:
    application = make_application(State.GRANTED)
    with pytest.raises(TransitionRefused, match="Beviljad"):
        decisions.reject_application(application, actor=staff["decider"],
                                     terms=_terms(application))
    session.rollback()
    assert len(session.get(Application, application.id).decisions) == 1


def test_deciding_without_the_required_reviews_is_refused(make_application, staff) -> None:
    application = make_application(State.ASSESSED)
    review = application.reviews[0]
    session.execute(sa.update(Review).where(Review.id == review.id).values(submitted_at=None))
    session.commit()
    session.expire_all()
    with pytest.raises(TransitionRefused, match="inlämnade granskningar"):
        decisions.grant_application(application, actor=staff["decider"],
                                    terms=_terms(application))


@pytest.mark.parametrize("may_decide", [False, True])
def test_a_reviewer_of_the_case_decides_only_when_the_setting_allows(
    make_application, make_user, staff, may_decide
) -> None:
    both = make_user("reviewer", "decider")
    application = make_application(State.SUBMITTED)
    review_case(application, officer=staff["officer"], reviewers=[both, staff["reviewer2"]])
    decisions.assess_application(application, actor=staff["officer"], reason=REASON,
                                 proposal="grant", proposed_amounts={today().year: 100_000})
    fund_settings().reviewer_may_decide = may_decide
    session.commit()
    if may_decide:
        decisions.grant_application(application, actor=both, terms=_terms(application))
        assert application.state == State.GRANTED
    else:
        with pytest.raises(TransitionRefused, match="har granskat ärendet"):
            decisions.grant_application(application, actor=both, terms=_terms(application))


def test_a_decider_who_declared_jav_cannot_decide(make_application, make_user, staff) -> None:
    both = make_user("reviewer", "decider")
    application = make_application(State.SUBMITTED)
    _screen(application, staff["officer"])
    review = ops.assign_reviewer(application, actor=staff["officer"], reviewer=both)
    ops.declare_jav(review, actor=both, disqualified=True, ground=4, note="Känner sökanden.")
    review_case(application, officer=staff["officer"],
                reviewers=[staff["reviewer"], staff["reviewer2"]])
    decisions.assess_application(application, actor=staff["officer"], reason=REASON,
                                 proposal="grant", proposed_amounts={today().year: 100_000})
    fund_settings().reviewer_may_decide = True
    session.commit()
    with pytest.raises(TransitionRefused, match="anmält jäv"):
        decisions.grant_application(application, actor=both, terms=_terms(application))


def test_the_decider_confirms_no_jav_and_the_case_has_a_dnr(make_application, staff) -> None:
    application = make_application(State.ASSESSED)
    with pytest.raises(TransitionRefused, match="Bekräfta att du inte är jävig"):
        decisions.grant_application(application, actor=staff["decider"],
                                    terms=_terms(application, jav_confirmed=False))
    session.rollback()
    session.execute(sa.update(Application).where(Application.id == application.id)
                    .values(dnr=None))
    session.commit()
    session.expire_all()
    with pytest.raises(TransitionRefused, match="diarienummer"):
        decisions.grant_application(application, actor=staff["decider"],
                                    terms=_terms(application))


def test_a_decision_without_its_form_is_refused(make_application, staff) -> None:
    application = make_application(State.ASSESSED)
    with pytest.raises(TransitionRefused, match="beslutsformuläret"):
        decisions.grant_application(application, actor=staff["decider"], reason=REASON)


# Letters ---------------------------------------------------------------------------------------


def test_a_stored_letter_cannot_be_changed_and_tampering_is_detectable(
    make_application, staff
) -> None:
    application = make_application(State.GRANTED)
    letter = application.current_decision.letter
    assert decisions.letter_intact(letter)
    letter.pdf = letter.pdf + b"%"
    with pytest.raises(RecordIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.text("UPDATE letter SET sha256 = 'x'"))
    session.rollback()
    # Someone who goes around the database's guard is still found out by the hash.
    tampered = Letter(id=letter.id, pdf=letter.pdf + b"%", sha256=letter.sha256)
    assert not decisions.letter_intact(tampered)


def test_held_letters_are_released_together(make_application, staff) -> None:
    cases = [make_application(State.ASSESSED) for _ in range(2)]
    for application in cases:
        decisions.grant_application(application, actor=staff["decider"],
                                    terms=_terms(application, hold_letter=True))
    session.commit()
    assert [d.application_id for d in decisions.held_decisions()] == [
        c.id for c in reversed(cases)]
    assert all(c.current_decision.letter is None for c in cases)
    with pytest.raises(NotPermitted):
        decisions.release_letters(decisions.held_decisions(), actor=staff["officer"])
    session.rollback()
    letters = decisions.release_letters(decisions.held_decisions(), actor=staff["decider"])
    session.commit()
    assert len(letters) == 2 and decisions.held_decisions() == []
    assert all(len(_events(c, "issue_letter")) == 1 for c in cases)
    with pytest.raises(InvalidInput, match="redan skickat"):
        decisions.release_letters([cases[0].current_decision], actor=staff["decider"])


def test_a_correction_is_a_new_decision_that_refers_to_the_old_one(
    make_application, staff
) -> None:
    application = make_application(State.GRANTED)
    old = application.current_decision
    old_letter = (old.letter.id, old.letter.sha256)
    committed = session.get(Pot, today().year).committed
    corrected = decisions.correct_decision(
        old, actor=staff["decider"], note="Fel datum för uppföljningsrapporten.",
        reasons=old.reasons, extra_conditions="", decision_date=today(),
        minutes_posted=today(), jav_confirmed=True,
        report_dues=[("follow_up", old.project_end + timedelta(days=90))],
    )
    session.commit()
    assert corrected.supersedes_id == old.id and application.current_decision.id == corrected.id
    assert corrected.total == old.total
    assert corrected.letter.snapshot["correction"]["note"] == "Fel datum för uppföljningsrapporten."
    assert (old.letter.id, old.letter.sha256) == old_letter
    assert session.get(Pot, today().year).committed == committed  # no money moves
    with pytest.raises(InvalidInput, match="ersatts"):
        decisions.correct_decision(
            old, actor=staff["decider"], note="Igen.", reasons=old.reasons,
            extra_conditions="", decision_date=today(), minutes_posted=today(),
            jav_confirmed=True, report_dues=[("follow_up", old.project_end)])


def test_every_decision_shows_who_decided_and_who_presented(make_application, staff) -> None:
    application = make_application(State.REJECTED)
    decision = session.scalars(sa.select(Decision)).one()
    assert decision.decided_by_id == staff["decider"].id
    assert decision.presented_by_id == staff["officer"].id
    assert decision.letter.snapshot["outcome"] == "reject"
    assert application.state == State.REJECTED


# Concurrency -----------------------------------------------------------------------------------


def test_simultaneous_grants_never_overdraw_a_year(app, make_application, staff) -> None:
    """Six deciders grant six cases of 100 000 kr at once from a pot with room for two: exactly
    two succeed, the others are refused with the figures, and pot and ledger agree."""
    from tests.integration.test_concurrency import _run_in_threads

    cases = [make_application(State.ASSESSED) for _ in range(6)]
    year = today().year
    pot = session.get(Pot, year)
    pot.reserved = pot.committed + 250_000
    session.commit()
    ids, decider_id, start = [c.id for c in cases], staff["decider"].id, pot.committed

    def grant(application_id: int):
        def job():
            from grants.models import User

            application = session.get(Application, application_id)
            terms = _terms(application)
            return decisions.grant_application(application, actor=session.get(User, decider_id),
                                               terms=terms)
        return job

    session.remove()
    results = _run_in_threads(app, [grant(i) for i in ids])
    granted = [r for r in results if isinstance(r, AuditEvent)]
    refused = [r for r in results if isinstance(r, (TransitionRefused, decisions.PotExhausted))]
    assert len(granted) == 2 and len(refused) == 4, results
    assert all("räcker inte" in " ".join(r.reasons) for r in refused)
    pot = session.get(Pot, year)
    ledger = session.scalar(sa.select(sa.func.sum(LedgerEntry.amount)).where(
        LedgerEntry.year == year)) or 0
    assert pot.committed == start + 200_000 and ledger == 200_000
    assert pot.committed <= pot.reserved
    states = session.scalars(sa.select(Application.state).where(Application.id.in_(ids))).all()
    assert sorted(states).count(State.GRANTED) == 2
