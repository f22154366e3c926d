"""The scoring rubric: edited in place while unused, frozen once a review uses it (a new version
is made instead), and never saved with a criterion that cannot be scored."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.models import Application, Review, Rubric, RubricCriterion, User
from grants.operations import assessment
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.rubrics import (
    CriterionInput,
    rubric_fingerprint,
    rubric_in_use,
    rubric_usage,
    save_rubric,
)
from workflows import State

LEVELS = ("Inte alls", "Lite", "Tydligt", "Mycket tydligt")


def scored(title: str, weight: int = 2, levels: tuple[str, ...] = LEVELS,
           description: str = "") -> CriterionInput:
    return CriterionInput(title=title, description=description, weight=weight, kind="scored",
                          level_labels=levels)


def horizontal(title: str, weight: int | None = None,
               levels: tuple[str, ...] = ()) -> CriterionInput:
    return CriterionInput(title=title, weight=weight, kind="horizontal", level_labels=levels)


NEW_CRITERIA = [scored("Barns delaktighet", 3), scored("Genomförbarhet", 1),
                horizontal("Jämställdhet")]


def rubric_count() -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Rubric)) or 0


def content(rubric: Rubric) -> list[tuple[Any, ...]]:
    """What a review depends on: each criterion's id, position, kind, title, weight, levels."""
    return [(c.id, c.position, c.kind, c.title, c.description, c.weight, list(c.level_labels))
            for c in rubric.criteria]


@pytest.fixture
def admin(make_user) -> User:
    return make_user("admin")


def assign(application: Application, officer: User, reviewer: User) -> Review:
    review = assessment.assign_reviewer(application, actor=officer, reviewer=reviewer)
    session.commit()
    return review


@pytest.fixture
def used_review(make_application, staff) -> Review:
    """A review assigned on the current rubric (version 1), which is therefore in use."""
    application = make_application(State.SUBMITTED)
    assessment.save_screening(application, actor=staff["officer"], complete=True,
                              eligible_applicant=True, within_aims=True, state_aid_handled=True)
    return assign(application, staff["officer"], staff["reviewer"])


def test_an_unused_rubric_is_edited_in_place(admin) -> None:
    rubric = assessment.current_rubric()
    assert rubric.number == 1 and not rubric_in_use(rubric)

    saved = save_rubric(actor=admin, criteria=NEW_CRITERIA, reason="Färre kriterier.")
    session.commit()

    session.expire_all()
    assert saved.id == rubric.id and saved.number == 1 and rubric_count() == 1
    assert [(c.position, c.title, c.kind, c.weight, c.level_labels) for c in saved.criteria] == [
        (1, "Barns delaktighet", "scored", 3, list(LEVELS)),
        (2, "Genomförbarhet", "scored", 1, list(LEVELS)),
        (3, "Jämställdhet", "horizontal", 0, []),
    ]
    assert (saved.note, saved.created_by_id) == ("Färre kriterier.", admin.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(RubricCriterion)) == 3


def test_a_rubric_used_by_a_review_never_changes_and_the_edit_becomes_the_next_version(
    admin, used_review: Review, staff, make_application
) -> None:
    old = used_review.rubric
    assert rubric_in_use(old)
    before = content(old)
    old_total = old.max_weighted_total

    saved = save_rubric(actor=admin, criteria=NEW_CRITERIA, reason="Nya RUS-prioriteringar.")
    session.commit()

    session.expire_all()
    frozen = session.get(Rubric, old.id)
    assert frozen is not None and content(frozen) == before
    assert frozen.max_weighted_total == old_total and frozen.note != "Nya RUS-prioriteringar."
    assert saved.id != old.id and saved.number == old.number + 1 == 2
    assert (saved.note, saved.created_by_id) == ("Nya RUS-prioriteringar.", admin.id)
    assert [c.title for c in saved.criteria] == ["Barns delaktighet", "Genomförbarhet",
                                                 "Jämställdhet"]
    assert assessment.current_rubric().id == saved.id
    session.refresh(used_review)
    assert used_review.rubric_id == old.id
    # A reviewer assigned from now on works on the new version.
    later = assign(used_review.application, staff["officer"], staff["reviewer2"])
    assert later.rubric_id == saved.id
    assert rubric_usage() == {old.id: 1, saved.id: 1}


def test_the_new_version_is_edited_in_place_until_it_is_used_too(admin, used_review) -> None:
    second = save_rubric(actor=admin, criteria=NEW_CRITERIA, reason="Första ändringen.")
    session.commit()

    again = save_rubric(actor=admin, criteria=[*NEW_CRITERIA, scored("Nytänkande", 1)],
                        reason="Glömde ett kriterium.")
    session.commit()

    assert again.id == second.id and again.number == 2 and rubric_count() == 2
    assert [c.title for c in again.criteria][-1] == "Nytänkande"
    assert again.note == "Glömde ett kriterium."


def test_a_submitted_review_keeps_its_scores_and_total_after_the_rubric_changes(
    admin, used_review: Review, staff
) -> None:
    reviewer = staff["reviewer"]
    assessment.declare_jav(used_review, actor=reviewer, disqualified=False)
    rubric = used_review.rubric
    assessment.save_review(
        used_review, actor=reviewer,
        scores={c.id: (2, "Motivering.") for c in rubric.scored},
        ratings={c.id: ("partial", "") for c in rubric.horizontal},
        recommendation="grant_full", recommended_amount=None, comment="", submit=True,
    )
    session.commit()
    total = used_review.weighted_total
    assert total == 2 * sum(c.weight for c in rubric.scored)

    save_rubric(actor=admin, criteria=NEW_CRITERIA, reason="Ny mall.")
    session.commit()

    session.expire_all()
    review = session.get(Review, used_review.id)
    assert review is not None and review.rubric_id == rubric.id
    assert review.weighted_total == total
    assert {s.criterion_id for s in review.scores} == {c.id for c in review.rubric.criteria}


def test_a_review_taken_off_the_case_still_keeps_its_rubric_frozen(admin, used_review,
                                                                    staff) -> None:
    assessment.remove_reviewer(used_review, actor=staff["officer"], reason="Fel person.")
    session.commit()

    saved = save_rubric(actor=admin, criteria=NEW_CRITERIA, reason="Ny mall.")

    assert saved.number == 2 and rubric_count() == 2


@pytest.mark.parametrize(("criteria", "message"), [
    ([scored("Relevans", weight=0)], "Kriterium 1: ange en vikt mellan 1 och 10."),
    ([scored("Relevans", weight=11)], "Kriterium 1: ange en vikt mellan 1 och 10."),
    ([scored("Relevans", levels=LEVELS[:3])], "Kriterium 1: skriv vad var och en av de fyra"),
    ([scored("Relevans", levels=(*LEVELS[:3], " "))], "Kriterium 1: skriv vad var och en av"),
    ([scored("Relevans"), scored("  ")], "Kriterium 2: skriv en rubrik."),
    ([scored("R" * 201)], "Kriterium 1: rubriken får vara högst 200 tecken."),
    ([scored("Relevans"), horizontal("Miljö", weight=2)], "Kriterium 2: ett horisontellt"),
    ([scored("Relevans"), horizontal("Miljö", levels=LEVELS)], "inga poängnivåer"),
    ([horizontal("Miljö")], "Mallen behöver minst ett kriterium som ger poäng"),
    ([], "Mallen behöver minst ett kriterium som ger poäng"),
    ([CriterionInput(title="Relevans", kind="bonus")], "välj om kriteriet ger poäng"),
])
def test_a_rubric_that_cannot_be_scored_is_refused_and_nothing_changes(
    admin, criteria: list[CriterionInput], message: str
) -> None:
    before = content(assessment.current_rubric())

    with pytest.raises(InvalidInput) as refused:
        save_rubric(actor=admin, criteria=criteria, reason="Test.")

    assert any(message in reason for reason in refused.value.reasons), \
        refused.value.reasons
    session.rollback()
    session.expire_all()
    assert content(assessment.current_rubric()) == before and rubric_count() == 1


def test_every_problem_is_reported_at_once(admin) -> None:
    with pytest.raises(InvalidInput) as refused:
        save_rubric(actor=admin, reason=" ", criteria=[
            scored("", weight=0), scored("Relevans", weight=11, levels=LEVELS[:3])])

    assert refused.value.reasons == [
        "Kriterium 1: skriv en rubrik.",
        "Kriterium 1: ange en vikt mellan 1 och 10.",
        "Kriterium 2: ange en vikt mellan 1 och 10.",
        "Kriterium 2: skriv vad var och en av de fyra nivåerna 0, 1, 2 och 3 poäng betyder.",
        "Skriv varför mallen ändras.",
    ]


@pytest.mark.parametrize("roles", [("officer",), ("decider",), ("reviewer",), ("applicant",)])
def test_only_an_admin_may_change_the_rubric(make_user, roles: tuple[str, ...]) -> None:
    before = content(assessment.current_rubric())

    with pytest.raises(NotPermitted):
        save_rubric(actor=make_user(*roles), criteria=NEW_CRITERIA, reason="Test.")

    assert content(assessment.current_rubric()) == before


def test_an_edit_based_on_an_older_rubric_is_refused(admin) -> None:
    seen = rubric_fingerprint(assessment.current_rubric())
    save_rubric(actor=admin, criteria=NEW_CRITERIA, reason="Någon annan hann först.",
                based_on=seen)
    session.commit()

    with pytest.raises(InvalidInput) as refused:
        save_rubric(actor=admin, criteria=[scored("Min version")], reason="Jag.", based_on=seen)

    assert "Någon annan har ändrat bedömningsmallen" in refused.value.reasons[0]
    session.rollback()
    assert [c.title for c in assessment.current_rubric().criteria][0] == "Barns delaktighet"
