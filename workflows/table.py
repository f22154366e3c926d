"""The transition table: every way an application can change state, as data.

Each row names its trigger (a verb), the states it may start from, where it leads, the roles that
may fire it, its guards, and the words the user interface needs. Adding a transition means adding
a row here; the engine, the buttons and the diagram follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workflows.guards import Guard, no_reasons_in, reason_required
from workflows.states import State


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    OFFICER = "officer"
    DECIDER = "decider"
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.APPLICANT: "sökande",
    Role.REVIEWER: "granskare",
    Role.OFFICER: "handläggare",
    Role.DECIDER: "beslutsfattare",
    Role.FINANCE: "ekonom",
    Role.ADMIN: "administratör",
}


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[State, ...]
    dest: State
    roles: frozenset[Role]
    label: str
    """The button text, an imperative in Swedish ("Skicka in")."""
    done: str
    """What happened, for the case history ("Ansökan skickades in")."""
    reason_label: str = "Kommentar (frivillig)"
    reason_required: bool = False
    guards: tuple[Guard, ...] = field(default=())

    def all_guards(self) -> tuple[Guard, ...]:
        if self.reason_required:
            return (reason_required(f"Fyll i «{self.reason_label}»."), *self.guards)
        return self.guards


_APPLICANT = frozenset({Role.APPLICANT})
_OFFICER = frozenset({Role.OFFICER})
_DECIDER = frozenset({Role.DECIDER})
_BEFORE_DECISION = (State.SUBMITTED, State.RETURNED, State.ASSESSED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit", (State.DRAFT,), State.SUBMITTED, _APPLICANT, "Skicka in ansökan", "Ansökan skickades in",
        guards=(no_reasons_in("missing_content"),),
    ),
    Transition(
        "return_for_completion", (State.SUBMITTED,), State.RETURNED, _OFFICER,
        "Återsänd för komplettering", "Ansökan återsändes för komplettering",
        reason_label="Vad behöver kompletteras?", reason_required=True,
    ),
    Transition(
        "resubmit", (State.RETURNED,), State.SUBMITTED, _APPLICANT, "Skicka in kompletterad ansökan", "Den kompletterade ansökan skickades in",
        guards=(no_reasons_in("missing_content"),),
    ),
    Transition(
        "assess", (State.SUBMITTED,), State.ASSESSED, _OFFICER, "Markera som bedömd", "Ärendet bedömdes",
        reason_label="Förslag till beslut (föredragandens anteckning)",
        guards=(no_reasons_in("missing_assessment"),),
    ),
    Transition(
        "grant", (State.ASSESSED,), State.GRANTED, _DECIDER, "Bevilja", "Ansökan beviljades",
        reason_label="Skäl för beslutet",
        guards=(no_reasons_in("decision_blockers"),),
    ),
    Transition(
        "reject", (State.ASSESSED,), State.REJECTED, _DECIDER, "Avslå", "Ansökan avslogs",
        reason_label="Skäl för avslaget", reason_required=True,
        guards=(no_reasons_in("decision_blockers"),),
    ),
    Transition(
        "withdraw", _BEFORE_DECISION, State.WITHDRAWN, _APPLICANT, "Återkalla ansökan", "Ansökan återkallades",
        reason_label="Varför återkallas ansökan?", reason_required=True,
    ),
    Transition(
        "follow_up", (State.GRANTED,), State.FOLLOWED_UP, _OFFICER, "Godkänn uppföljning", "Uppföljningen godkändes",
        guards=(no_reasons_in("missing_follow_up"),),
    ),
    Transition(
        "scale", (State.FOLLOWED_UP,), State.SCALED, _OFFICER,
        "Registrera införande i ordinarie verksamhet", "Piloten infördes i ordinarie verksamhet",
        guards=(no_reasons_in("missing_scale_up"),),
    ),
    Transition(
        "close", (State.GRANTED, State.FOLLOWED_UP), State.CLOSED, _OFFICER, "Avsluta ärendet", "Ärendet avslutades",
        reason_label="Skäl för avslut", reason_required=True,
    ),
)

_BY_TRIGGER: dict[str, Transition] = {t.trigger: t for t in TRANSITIONS}
assert len(_BY_TRIGGER) == len(TRANSITIONS), "each trigger appears once in the table"

TRIGGERS: tuple[str, ...] = tuple(_BY_TRIGGER)


def transition_for(trigger: str) -> Transition | None:
    return _BY_TRIGGER.get(trigger)
