"""The engine: fires a trigger on a small subject with a `transitions.Machine` built for the call.

The machine is built per call over a :class:`Subject` (the state and the facts the guards need),
never over an ORM row, with ``auto_transitions=False`` (no ``to_<state>()`` back doors),
``send_event=True`` and ``initial=subject.state`` (without it a loaded subject would be reset to the
first state). Invalid triggers are never ignored: every refusal raises :class:`TransitionRefused`
with reasons a person can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from transitions import EventData, Machine

from workflows.feedback import FEEDBACK_TRANSITIONS, FeedbackState
from workflows.reports import REPORT_TRANSITIONS, ReportState
from workflows.states import State
from workflows.table import TRANSITIONS, Role, Transition


@dataclass(frozen=True)
class Workflow:
    """One state machine as data: its states (a StrEnum whose members have a ``label``), its
    transition table, and the words for a subject that can no longer change."""

    name: str
    states: type[StrEnum]
    transitions: tuple[Transition, ...]
    finished: str
    noun: str = "ärendet"
    """What a refusal calls the subject ("… när rapporten har status …")."""

    def transition_for(self, trigger: str) -> Transition | None:
        return next((t for t in self.transitions if t.trigger == trigger), None)


APPLICATION = Workflow("application", State, TRANSITIONS,
                       "Ärendet är avslutat och kan inte ändras.")
"""The case: draft → submitted → assessed → granted → followed up → scaled / closed."""
REPORT = Workflow("report", ReportState, REPORT_TRANSITIONS,
                  "Rapporten är godkänd och kan inte ändras.", noun="rapporten")
"""A pilot's report: draft → submitted → approved, or returned for changes."""
FEEDBACK = Workflow("feedback", FeedbackState, FEEDBACK_TRANSITIONS,
                    "Ärendet är avslutat.", noun="ärendet")
"""Feedback on accessibility: received → closed, and reopened if need be."""


@dataclass
class Subject:
    """What the engine needs to know about one application to decide on a trigger."""

    state: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


class TransitionRefused(Exception):
    """A trigger that may not be fired now; ``reasons`` says why, in Swedish."""

    def __init__(self, trigger: str, state: str, reasons: list[str]):
        self.trigger = trigger
        self.state = state
        self.reasons = reasons
        super().__init__(f"{trigger} refused in {state}: " + "; ".join(reasons))


def _roles(roles: Iterable[str]) -> frozenset[Role]:
    return frozenset(Role(r) for r in roles if r in Role.__members__.values())


def allowed_triggers(state: str, roles: Iterable[str], *,
                     workflow: Workflow = APPLICATION) -> list[Transition]:
    """The transitions that start in ``state`` and that one of ``roles`` may fire, guards unchecked.

    Pages use this to choose which buttons to show without building machines.
    """
    held = _roles(roles)
    return [t for t in workflow.transitions if state in t.sources and held & t.roles]


def check(subject: Subject, trigger: str, roles: Iterable[str], *,
          workflow: Workflow = APPLICATION) -> list[str]:
    """The reasons ``trigger`` may not be fired on ``subject`` by someone holding ``roles``.

    An empty list means the trigger is allowed.
    """
    transition = workflow.transition_for(trigger)
    if transition is None:
        return [f"Åtgärden «{trigger}» finns inte."]
    state = workflow.states(subject.state)
    if state not in transition.sources:
        possible = [t.label for t in workflow.transitions if state in t.sources]
        hint = f" Möjliga åtgärder nu: {', '.join(possible)}." if possible else (
            f" {workflow.finished}")
        return [
            f"Åtgärden «{transition.label}» går inte att göra när {workflow.noun} har status "
            f"«{state.label}».{hint}"  # type: ignore[attr-defined]
        ]
    if not _roles(roles) & transition.roles:
        who = " eller ".join(sorted(r.label for r in transition.roles))
        return [f"Åtgärden «{transition.label}» får bara göras av {who}."]
    return [reason for guard in transition.all_guards() for reason in guard(subject)]


def _build_machine(subject: Subject, model: Any | None = None, *,
                   workflow: Workflow = APPLICATION, **kwargs: Any) -> Machine:
    def guards_pass(event: EventData) -> bool:
        transition = workflow.transition_for(event.event.name)
        assert transition is not None
        return not any(guard(event.model) for guard in transition.all_guards())

    machine_class = kwargs.pop("machine_class", Machine)
    return machine_class(
        model=model if model is not None else subject,
        states=[s.value for s in workflow.states],
        transitions=[
            {
                "trigger": t.trigger,
                "source": [s.value for s in t.sources],
                "dest": t.dest.value,
                "conditions": [guards_pass],
            }
            for t in workflow.transitions
        ],
        initial=subject.state,
        auto_transitions=False,
        send_event=True,
        **kwargs,
    )


def fire(subject: Subject, trigger: str, roles: Iterable[str], *,
         workflow: Workflow = APPLICATION) -> Any:
    """Fire ``trigger`` on ``subject`` and return the new state (also set on ``subject.state``):
    a :class:`State` for the application workflow, a member of ``workflow.states`` otherwise.

    Raises :class:`TransitionRefused` when the trigger is unknown, invalid in the current state,
    not allowed for ``roles``, or when a guard gives a reason.
    """
    reasons = check(subject, trigger, roles, workflow=workflow)
    if reasons:
        raise TransitionRefused(trigger, subject.state, reasons)
    before = subject.state
    _build_machine(subject, workflow=workflow)
    if not subject.trigger(trigger):  # type: ignore[attr-defined]
        # check() and the machine's condition read the same guards; disagreeing is a bug.
        raise RuntimeError(f"machine refused {trigger} from {before} after check() allowed it")
    return workflow.states(subject.state)


def mermaid_diagram() -> str:
    """The state diagram as mermaid text, drawn by transitions from the table."""
    from transitions.extensions import GraphMachine

    class _Model:
        pass

    model = _Model()
    _build_machine(
        Subject(state=State.DRAFT.value),
        model=model,
        machine_class=GraphMachine,
        graph_engine="mermaid",
        title="Pilotfonden – ansökans livscykel",
        show_conditions=False,
    )
    return model.get_graph().draw(None).rstrip() + "\n"  # type: ignore[attr-defined]
