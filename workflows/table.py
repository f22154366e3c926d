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
    sources: tuple[StrEnum, ...]
    """States of the workflow the row belongs to (:class:`State` for the case)."""
    dest: StrEnum
    roles: frozenset[Role]
    label: str
    """The button text, an imperative in Swedish ("Skicka in")."""
    done: str
    """What happened, for the case history ("Ansökan skickades in")."""
    reason_label: str = "Kommentar (frivillig)"
    reason_required: bool = False
    guards: tuple[Guard, ...] = field(default=())

    @property
    def reason_missing(self) -> str:
        """The refusal given when a required reason is blank."""
        return f"Fyll i «{self.reason_label}»."

    def all_guards(self) -> tuple[Guard, ...]:
        if self.reason_required:
            return (reason_required(self.reason_missing), *self.guards)
        return self.guards


_APPLICANT = frozenset({Role.APPLICANT})
_OFFICER = frozenset({Role.OFFICER})
_DECIDER = frozenset({Role.DECIDER})
_BEFORE_DECISION = (State.SUBMITTED, State.RETURNED, State.ASSESSED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        trigger="submit", sources=(State.DRAFT,), dest=State.SUBMITTED, roles=_APPLICANT,
        label="Skicka in ansökan", done="Ansökan skickades in",
        guards=(no_reasons_in("missing_content"),),
    ),
    Transition(
        trigger="return_for_completion", sources=(State.SUBMITTED,), dest=State.RETURNED,
        roles=_OFFICER,
        label="Återsänd för komplettering", done="Ansökan återsändes för komplettering",
        reason_label="Vad behöver kompletteras?", reason_required=True,
    ),
    Transition(
        trigger="resubmit", sources=(State.RETURNED,), dest=State.SUBMITTED, roles=_APPLICANT,
        label="Skicka in kompletterad ansökan", done="Den kompletterade ansökan skickades in",
        guards=(no_reasons_in("missing_content"),),
    ),
    Transition(
        trigger="assess", sources=(State.SUBMITTED,), dest=State.ASSESSED, roles=_OFFICER,
        label="Markera som bedömd", done="Ärendet bedömdes",
        reason_label="Förslag till beslut (föredragandens anteckning)",
        guards=(no_reasons_in("missing_assessment"),),
    ),
    Transition(
        trigger="grant", sources=(State.ASSESSED,), dest=State.GRANTED, roles=_DECIDER,
        label="Bevilja", done="Ansökan beviljades",
        reason_label="Skäl för beslutet",
        guards=(no_reasons_in("decision_blockers"),),
    ),
    Transition(
        trigger="reject", sources=(State.ASSESSED,), dest=State.REJECTED, roles=_DECIDER,
        label="Avslå", done="Ansökan avslogs",
        reason_label="Skäl för avslaget", reason_required=True,
        guards=(no_reasons_in("decision_blockers"),),
    ),
    Transition(
        trigger="withdraw", sources=_BEFORE_DECISION, dest=State.WITHDRAWN, roles=_APPLICANT,
        label="Återkalla ansökan", done="Ansökan återkallades",
        reason_label="Varför återkallas ansökan?", reason_required=True,
    ),
    Transition(
        trigger="follow_up", sources=(State.GRANTED,), dest=State.FOLLOWED_UP, roles=_OFFICER,
        label="Godkänn uppföljning", done="Uppföljningen godkändes",
        guards=(no_reasons_in("missing_follow_up"),),
    ),
    Transition(
        trigger="scale", sources=(State.FOLLOWED_UP,), dest=State.SCALED, roles=_OFFICER,
        label="Registrera införande i ordinarie verksamhet",
        done="Piloten infördes i ordinarie verksamhet",
        guards=(no_reasons_in("missing_scale_up"),),
    ),
    Transition(
        trigger="close", sources=(State.GRANTED, State.FOLLOWED_UP), dest=State.CLOSED,
        roles=_OFFICER,
        label="Avsluta ärendet", done="Ärendet avslutades",
        reason_label="Skäl för avslut", reason_required=True,
        guards=(no_reasons_in("closing_blockers"),),
    ),
    Transition(
        trigger="cancel", sources=(State.GRANTED, State.FOLLOWED_UP), dest=State.CLOSED,
        roles=_DECIDER,
        label="Återkalla stödet", done="Stödet återkallades genom beslut",
        reason_label="Skäl för att stödet återkallas", reason_required=True,
        guards=(no_reasons_in("decision_blockers"),),
    ),
)

_BY_TRIGGER: dict[str, Transition] = {t.trigger: t for t in TRANSITIONS}
assert len(_BY_TRIGGER) == len(TRANSITIONS), "each trigger appears once in the table"

TRIGGERS: tuple[str, ...] = tuple(_BY_TRIGGER)


def transition_for(trigger: str) -> Transition | None:
    return _BY_TRIGGER.get(trigger)
