"""The states an application can be in, with the Swedish words users see."""

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ASSESSED = "assessed"
    GRANTED = "granted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    FOLLOWED_UP = "followed_up"
    SCALED = "scaled"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


STATE_LABELS: dict[State, str] = {
    State.DRAFT: "Utkast",
    State.SUBMITTED: "Inkommen",
    State.RETURNED: "Återsänd för komplettering",
    State.ASSESSED: "Bedömd",
    State.GRANTED: "Beviljad",
    State.REJECTED: "Avslagen",
    State.WITHDRAWN: "Återkallad",
    State.FOLLOWED_UP: "Uppföljd",
    State.SCALED: "Införd i ordinarie verksamhet",
    State.CLOSED: "Avslutad",
}

FINAL_STATES = frozenset({State.REJECTED, State.WITHDRAWN, State.SCALED, State.CLOSED})
