"""A pilot's report (stage, follow-up, scale-up, final financial) as a small state machine of its
own: the pilot owner writes and submits it, the officer approves it or returns it for changes.

Approving the follow-up report also fires the case's ``follow_up`` and approving the scale-up
report its ``scale``; the operation layer does both in one transaction.
"""

from __future__ import annotations

from enum import StrEnum

from workflows.guards import no_reasons_in
from workflows.table import Role, Transition


class ReportState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return REPORT_STATE_LABELS[self]


REPORT_STATE_LABELS: dict[ReportState, str] = {
    ReportState.DRAFT: "Utkast",
    ReportState.SUBMITTED: "Inlämnad, väntar på granskning",
    ReportState.RETURNED: "Återsänd för komplettering",
    ReportState.APPROVED: "Godkänd",
}

_OWNER = frozenset({Role.APPLICANT})
_OFFICER = frozenset({Role.OFFICER})

REPORT_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        trigger="submit_report", sources=(ReportState.DRAFT, ReportState.RETURNED),
        dest=ReportState.SUBMITTED, roles=_OWNER,
        label="Lämna in rapporten", done="Rapporten lämnades in",
        guards=(no_reasons_in("report_blockers"), no_reasons_in("missing_report_content")),
    ),
    Transition(
        trigger="approve_report", sources=(ReportState.SUBMITTED,), dest=ReportState.APPROVED,
        roles=_OFFICER, label="Godkänn rapporten", done="Rapporten godkändes",
        guards=(no_reasons_in("report_blockers"),),
    ),
    Transition(
        trigger="return_report", sources=(ReportState.SUBMITTED,), dest=ReportState.RETURNED,
        roles=_OFFICER, label="Återsänd rapporten för komplettering",
        done="Rapporten återsändes för komplettering",
        reason_label="Vad behöver kompletteras eller rättas?", reason_required=True,
    ),
)
