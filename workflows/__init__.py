"""The application state machine, as pure Python (no Flask, no SQLAlchemy).

The transition table in :mod:`workflows.table` is the single source of truth: the engine, the
pages' button lists and the diagram are all derived from it.
"""

from workflows.engine import (
    APPLICATION,
    FEEDBACK,
    REPORT,
    Subject,
    TransitionRefused,
    Workflow,
    allowed_triggers,
    check,
    fire,
    mermaid_diagram,
)
from workflows.feedback import FeedbackState
from workflows.reports import ReportState
from workflows.states import State
from workflows.table import TRANSITIONS, Role, Transition, transition_for

__all__ = [
    "APPLICATION",
    "FEEDBACK",
    "FeedbackState",
    "REPORT",
    "ReportState",
    "Role",
    "State",
    "Subject",
    "TRANSITIONS",
    "Transition",
    "TransitionRefused",
    "Workflow",
    "allowed_triggers",
    "check",
    "fire",
    "mermaid_diagram",
    "transition_for",
]
