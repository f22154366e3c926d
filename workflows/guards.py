"""Guards: functions of a subject that return the reasons (Swedish, for people) a transition may not
happen now. An empty list means the guard is satisfied.

Guards stay pure. Facts that need the database (is the content complete, are the reviews in) are
computed by the operation layer and handed to the engine in ``Subject.facts``; a guard here only
reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflows.engine import Subject

Guard = Callable[["Subject"], list[str]]


def reason_required(message: str) -> Guard:
    """A guard refusing the transition unless the actor wrote a reason."""

    def guard(subject: Subject) -> list[str]:
        return [] if subject.reason.strip() else [message]

    guard.__name__ = "reason_required"
    return guard


def no_reasons_in(fact: str) -> Guard:
    """A guard reading a list of reasons the application layer has computed into ``facts[fact]``."""

    def guard(subject: Subject) -> list[str]:
        value = subject.facts.get(fact, ())
        if isinstance(value, str):
            raise TypeError(f"facts[{fact!r}] must be a list of reasons, not a string")
        return [str(reason) for reason in value]

    guard.__name__ = f"no_reasons_in_{fact}"
    return guard
