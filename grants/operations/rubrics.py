"""The scoring rubric as an admin setting: edited while unused, frozen (and versioned) once used.

A review keeps the rubric it was assigned on (``Review.rubric_id``), and its scores point at that
rubric's criteria. So a rubric some review uses must never change: saving an edit then makes a new
version (number + 1) that reviews assigned from then on use (:func:`current_rubric`), and the old
version stays exactly as it was. The newest version is edited in place only while no review uses
it. Who changed a version and why is kept on the version itself (``created_by_id`` and ``note``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from grants.db import session
from grants.identifiers import contains_personal_identity_number
from grants.models import CriterionKind, Review, Rubric, RubricCriterion, User
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import Role

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
LEVEL_LIMIT = 200
NOTE_LIMIT = 300
"""``Rubric.note`` is a 300-character column: the reason (and an optional name) must fit."""
WEIGHT_MIN, WEIGHT_MAX = 1, 10
LEVELS = 4
"""Scored criteria are scored 0–3: one label per level."""


@dataclass(frozen=True)
class CriterionInput:
    """One criterion as an admin typed it (stripped and checked by :func:`rubric_problems`)."""

    title: str
    description: str = ""
    weight: int | None = 1
    """1–10 for a scored criterion; ``None`` or 0 for a horizontal one."""
    kind: str | None = CriterionKind.SCORED.value
    level_labels: Sequence[str] = ()
    """What 0, 1, 2 and 3 mean (scored criteria); none for horizontal ones."""


@dataclass(frozen=True)
class RubricProblem:
    index: int | None
    """Which criterion (position in the list given); ``None``: the rubric as a whole."""
    field: str | None
    """``title``, ``description``, ``weight``, ``kind``, ``level_<n>`` or ``levels``."""
    message: str


def rubric_problems(
    criteria: Sequence[CriterionInput], *, numbers: Sequence[int] | None = None
) -> list[RubricProblem]:
    """Every reason ``criteria`` cannot be saved as a rubric, in Swedish.

    ``numbers`` are the criteria's numbers as the person sees them (default 1, 2, 3, ...), so
    the messages name the row they typed on even when blank rows were left out.
    """
    numbers = list(numbers) if numbers is not None else list(range(1, len(criteria) + 1))
    found: list[RubricProblem] = []
    for index, criterion in enumerate(criteria):
        def problem(name: str, message: str, index: int = index) -> None:
            found.append(RubricProblem(index, name, f"Kriterium {numbers[index]}: {message}"))

        title = criterion.title.strip()
        labels = [label.strip() for label in criterion.level_labels]
        if not title:
            problem("title", "skriv en rubrik.")
        elif len(title) > TITLE_LIMIT:
            problem("title", f"rubriken får vara högst {TITLE_LIMIT} tecken.")
        if len(criterion.description.strip()) > DESCRIPTION_LIMIT:
            problem("description", f"beskrivningen får vara högst {DESCRIPTION_LIMIT} tecken.")
        for name, text in (("title", title), ("description", criterion.description)):
            if contains_personal_identity_number(text):
                problem(name, "texten innehåller något som ser ut som ett personnummer.")
        if criterion.kind == CriterionKind.SCORED:
            if criterion.weight is None or not WEIGHT_MIN <= criterion.weight <= WEIGHT_MAX:
                problem("weight", f"ange en vikt mellan {WEIGHT_MIN} och {WEIGHT_MAX}.")
            if len(labels) != LEVELS:
                problem("levels", "skriv vad var och en av de fyra nivåerna 0, 1, 2 och 3 "
                                  "poäng betyder.")
            elif not all(labels):
                first_empty = labels.index("")
                problem(f"level_{first_empty}", "skriv vad var och en av nivåerna 0, 1, 2 och "
                                                "3 poäng betyder.")
            for level, label in enumerate(labels):
                if len(label) > LEVEL_LIMIT:
                    problem(f"level_{level}",
                            f"nivå {level} får beskrivas med högst {LEVEL_LIMIT} tecken.")
        elif criterion.kind == CriterionKind.HORIZONTAL:
            if criterion.weight not in (None, 0):
                problem("weight", "ett horisontellt kriterium räknas inte in i summan. Lämna "
                                  "vikten tom eller skriv 0.")
            if any(labels):
                first = next(i for i, label in enumerate(labels) if label)
                problem(f"level_{first}",
                        "ett horisontellt kriterium bedöms som aktivt, delvis eller inte och har "
                        "inga poängnivåer. Lämna nivåerna tomma.")
        else:
            problem("kind", "välj om kriteriet ger poäng eller är ett horisontellt kriterium.")
    if not any(c.kind == CriterionKind.SCORED for c in criteria):
        found.append(RubricProblem(
            None, None, "Mallen behöver minst ett kriterium som ger poäng (0–3)."
        ))
    return found


def newest_rubric(*, lock: bool = False) -> Rubric | None:
    query = sa.select(Rubric).order_by(Rubric.number.desc()).limit(1)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def rubric_in_use(rubric: Rubric) -> bool:
    """Whether any review (on a case now, taken off, or jävig) was assigned on ``rubric``."""
    return bool(session.scalar(sa.select(sa.exists().where(Review.rubric_id == rubric.id))))


def rubric_usage() -> dict[int, int]:
    """How many reviews were assigned on each rubric, by rubric id (unused ones are missing)."""
    return {rubric_id: count for rubric_id, count in session.execute(
        sa.select(Review.rubric_id, sa.func.count()).group_by(Review.rubric_id))}


def rubric_fingerprint(rubric: Rubric) -> str:
    """A short digest of the version and its criteria, to notice an edit made by someone else
    between showing the form and saving it (criteria edited in place get new ids)."""
    content = [rubric.number, [(c.id, c.position, c.kind, c.title, c.description, c.weight,
                                list(c.level_labels)) for c in rubric.criteria]]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:20]


def _criteria_rows(criteria: Sequence[CriterionInput]) -> list[RubricCriterion]:
    rows = []
    for position, criterion in enumerate(criteria, start=1):
        scored = criterion.kind == CriterionKind.SCORED
        rows.append(RubricCriterion(
            position=position, kind=str(criterion.kind), title=criterion.title.strip(),
            description=criterion.description.strip(),
            weight=criterion.weight if scored else 0,
            level_labels=[label.strip() for label in criterion.level_labels] if scored else [],
        ))
    return rows


def save_rubric(
    *, actor: User, criteria: Sequence[CriterionInput], reason: str, note: str = "",
    based_on: str | None = None,
) -> Rubric:
    """Save ``criteria`` as the rubric for reviews assigned from now on, and return that version.

    If the newest version is not used by any review it is changed in place; if it is, it stays
    as it is (frozen) and a new version with the next number is made. ``reason`` (why the rubric
    changes; required) is kept as the version's note, after ``note`` (a short name) if given.
    ``based_on`` is the :func:`rubric_fingerprint` of the version the admin edited: if the newest
    version has changed since, nothing is saved.

    Raises NotPermitted (not an admin) or InvalidInput (every problem with the criteria or the
    reason; someone else changed the rubric meanwhile).
    """
    if Role.ADMIN.value not in actor.roles:
        raise NotPermitted("Bara en administratör kan ändra bedömningsmallen.")
    messages = [p.message for p in rubric_problems(criteria)]
    reason, note = reason.strip(), note.strip()
    if not reason:
        messages.append("Skriv varför mallen ändras.")
    full_note = f"{note}: {reason}" if note else reason
    if len(full_note) > NOTE_LIMIT:
        messages.append(f"Anledningen får vara högst {NOTE_LIMIT} tecken.")
    if messages:
        raise InvalidInput(*messages)

    # The lock makes a reviewer assignment that is being made at the same moment either finish
    # first (then the rubric is in use and a new version is made) or wait until this is saved.
    newest = newest_rubric(lock=True)
    if newest is not None and based_on is not None and based_on != rubric_fingerprint(newest):
        raise InvalidInput(
            "Någon annan har ändrat bedömningsmallen medan du arbetade, så din ändring är inte "
            "sparad. Jämför med mallen som den ser ut nu och spara igen om din ändring ska gälla."
        )
    if newest is None or rubric_in_use(newest):
        rubric = Rubric(number=(newest.number + 1) if newest else 1)
        session.add(rubric)
    else:
        rubric = newest
        # Old rows go first: the new ones take the same positions (unique per rubric).
        rubric.criteria.clear()
        session.flush()
    rubric.note, rubric.created_by_id = full_note, actor.id
    rubric.criteria.extend(_criteria_rows(criteria))
    session.flush()
    return rubric
