"""Feedback on the service's accessibility (the accessibility statement's feedback route) as a
small case of its own: anyone sends it, an officer answers and closes it, or reopens it.
"""

from __future__ import annotations

from enum import StrEnum

from workflows.table import Role, Transition


class FeedbackState(StrEnum):
    RECEIVED = "received"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return FEEDBACK_STATE_LABELS[self]


FEEDBACK_STATE_LABELS: dict[FeedbackState, str] = {
    FeedbackState.RECEIVED: "Mottagen, ej besvarad",
    FeedbackState.CLOSED: "Åtgärdad och avslutad",
}

_OFFICER = frozenset({Role.OFFICER})

FEEDBACK_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        trigger="close_feedback", sources=(FeedbackState.RECEIVED,), dest=FeedbackState.CLOSED,
        roles=_OFFICER, label="Avsluta ärendet", done="Ärendet avslutades",
        reason_label="Vad gjordes eller svarades?", reason_required=True,
    ),
    Transition(
        trigger="reopen_feedback", sources=(FeedbackState.CLOSED,), dest=FeedbackState.RECEIVED,
        roles=_OFFICER, label="Öppna ärendet igen", done="Ärendet öppnades igen",
        reason_label="Varför öppnas ärendet igen?", reason_required=True,
    ),
)
