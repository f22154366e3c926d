"""The case page and its workflow buttons, shared by the applicant's and the officer's views.

Both audiences see the same case; the buttons differ because each person gets exactly the
triggers their roles allow on this case. Triggers that need more than a comment (the officer's
assessment with its proposal, the decider's grant or rejection with its terms) have their own
pages: the case page links to them instead of offering a button. The applicant's history leaves
out the region's internal steps (reviewers, jäv declarations, reviews, the formal check).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from forms.workflow import TransitionForm
from grants import mail
from grants.completeness import SECTION_BY_KEY, problems
from grants.db import session
from grants.models import Application, Attachment, AuditEvent, Letter
from grants.operations.applications import TRIGGER_OPERATIONS
from grants.pdf import render_pdf
from grants.permissions import roles_on
from workflows import Transition, TransitionRefused, allowed_triggers, transition_for

STRUCTURED_TRIGGERS: dict[str, str] = {
    "assess": "Använd sidan för bedömning: där anger du förslag till beslut, belopp och "
              "föredragandens anteckning.",
    "grant": "Använd beslutssidan: där anger du beslutets belopp, villkor och datum.",
    "reject": "Använd beslutssidan: där anger du skälen för avslaget och datum.",
    "follow_up": "Uppföljningen godkänns på sidan för uppföljningsrapporten (Rapporter).",
    "scale": "Införandet registreras genom att rapporten om införande godkänns (Rapporter).",
    "close": "Använd sidan Avsluta piloten: där syns vad som återförs till budgetåren.",
    "cancel": "Använd beslutssidan för återkallelse: där anges skäl, datum och eventuellt "
              "återkrav.",
}
"""Triggers fired from their own pages (with structured input), never from a bare button; the
refusal given when one is posted to the generic action address anyway."""

APPLICANT_EVENTS = frozenset({
    "create", "register_dnr", "issue_letter", "record_payment", "submit_report",
    "approve_report", "return_report", "change_report_due", "request_change", "withdraw_change",
    "decide_change", "pay_payment_request", "refuse_payment_request", "release_money",
})
"""Events that do not change the state but that the applicant sees in the history."""

CONCURRENT_CHANGE = (
    "Någon annan ändrade ärendet samtidigt som du. Sidan visar nu läget som det är; "
    "gör om åtgärden om den fortfarande behövs."
)


def visible_events(events: Iterable[AuditEvent], audience: str) -> list[AuditEvent]:
    """The history as ``audience`` sees it: the applicant sees every change of state and the
    events in :data:`APPLICANT_EVENTS`, not the region's internal steps."""
    if audience != "applicant":
        return list(events)
    return [e for e in events if e.from_state != e.to_state or e.trigger in APPLICANT_EVENTS]


def render_case(
    application: Application,
    *,
    audience: str,
    status: int = 200,
    refused: tuple[Transition, list[str]] | None = None,
    forms: dict[str, TransitionForm] | None = None,
    context: dict[str, Any] | None = None,
) -> Any:
    """The case page for ``audience``, the blueprint showing it (``"applicant"`` or ``"officer"``);
    ``refused`` is the transition just refused and its reasons; ``context`` holds what the
    audience's own sections need (the officer's forms)."""
    allowed = allowed_triggers(application.state, roles_on(current_user, application))
    if audience == "applicant":
        # Submitting goes through the review page, which shows the whole application first.
        allowed = [t for t in allowed if t.trigger not in ("submit", "resubmit")]
    transitions = [t for t in allowed if t.trigger not in STRUCTURED_TRIGGERS]
    forms = dict(forms or {})
    for transition in transitions:
        form = forms.setdefault(
            transition.trigger, TransitionForm(prefix=transition.trigger, formdata=None)
        )
        form.reason.label.text = transition.reason_label
    return (
        render_template(
            "cases/show.html",
            application=application,
            transitions=transitions,
            structured={t.trigger for t in allowed if t.trigger in STRUCTURED_TRIGGERS},
            endpoints=frozenset(current_app.view_functions),
            forms=forms,
            refused=refused,
            problems=problems(application) if application.content_editable else [],
            sections=SECTION_BY_KEY,
            audience=audience,
            events=visible_events(application.events, audience),
            letters=issued_letters(application) if audience == "applicant" else [],
            **(context or {}),
        ),
        status,
    )


RenderCase = Callable[..., Any]
"""A view's way to show its case page: ``render(application, status=, refused=, forms=)``."""


def issued_letters(application: Application) -> list[Letter]:
    """The case's decision letters, oldest first (their stored bytes are not loaded)."""
    return list(session.scalars(
        sa.select(Letter).where(Letter.application_id == application.id).order_by(Letter.id)
    ))


def fire_from_form(application: Application, trigger: str, *, audience: str,
                   render: RenderCase | None = None) -> Any:
    """Run the operation behind ``trigger`` with the posted reason; refusals re-render the case
    (with ``render`` if given, else :func:`render_case` for ``audience``). A trigger that has
    its own page is refused (409) with a pointer to it."""
    transition = transition_for(trigger)
    if transition is None:
        abort(404)
    if not roles_on(current_user, application) & transition.roles:
        abort(403)
    if render is None:
        def render(application: Application, **kwargs: Any) -> Any:
            return render_case(application, audience=audience, **kwargs)
    form = TransitionForm(prefix=trigger)
    if trigger in STRUCTURED_TRIGGERS:
        # Nothing is run: the page gives the reason and links to the trigger's own page.
        return render(application, status=409,
                      refused=(transition, [STRUCTURED_TRIGGERS[trigger]]), forms={trigger: form})
    if not form.validate_on_submit():
        return render(application, status=422, refused=(transition, []), forms={trigger: form})
    try:
        TRIGGER_OPERATIONS[trigger](application, actor=current_user, reason=form.reason.data or "")
        session.commit()
    except TransitionRefused as exc:
        session.rollback()
        # A missing reason belongs next to its field; the other reasons concern the whole case.
        if transition.reason_missing in exc.reasons:
            form.reason.errors = [transition.reason_missing]
        others = [reason for reason in exc.reasons if reason != transition.reason_missing]
        return render(application, status=409, refused=(transition, others),
                      forms={trigger: form})
    except StaleDataError:
        session.rollback()
        return render(application, status=409, refused=(transition, [CONCURRENT_CHANGE]),
                      forms={trigger: form})
    deliver_mail()
    flash(f"{transition.done}. Ärendet har nu status «{application.state_label}».", "success")
    return redirect(url_for(f"{audience}.show", application_id=application.id))


def deliver_mail() -> None:
    """Send queued mail now that the change is committed; what fails stays in the outbox (the
    ``outbox send`` command retries it) and never breaks the page."""
    try:
        mail.deliver_pending()
    except Exception:  # noqa: BLE001 - any failure here is logged and retried later
        session.rollback()
        current_app.logger.exception("outbox delivery failed")


def send_received_attachment(application: Application, attachment_id: int) -> Response:
    """An attachment of a received case, as the region's people see it (404 if it is not there).

    A file removed while the application was still a draft never reached the region; one
    removed after it arrived was received and stays in the case file.
    """
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    if attachment.removed_at is not None and not (
        application.submitted_at and attachment.removed_at > application.submitted_at
    ):
        abort(404)
    return send_attachment(attachment)


def send_attachment(attachment: Attachment) -> Response:
    """An uploaded file, always as a download (never shown inline in the browser)."""
    response = send_file(
        io.BytesIO(attachment.data), mimetype=attachment.content_type, as_attachment=True,
        download_name=attachment.filename, max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def send_print_pdf(application: Application) -> Response:
    """The whole application as a PDF for the case file (xhtml2pdf from the print template)."""
    html = render_template("applications/print.html", application=application)
    name = (application.reference or f"utkast-{application.id}") + ".pdf"
    response = send_file(io.BytesIO(render_pdf(html)), mimetype="application/pdf",
                         as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
