"""The case page and its workflow buttons, shared by the applicant's and the officer's views.

Both audiences see the same case and history; the buttons differ because each person gets
exactly the triggers their roles allow on this case.
"""

from __future__ import annotations

import io
from typing import Any

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
from grants.models import Application, Attachment
from grants.operations.applications import TRIGGER_OPERATIONS
from grants.pdf import render_pdf
from grants.permissions import roles_on
from workflows import Transition, TransitionRefused, allowed_triggers, transition_for

CONCURRENT_CHANGE = (
    "Någon annan ändrade ärendet samtidigt som du. Sidan visar nu läget som det är; "
    "gör om åtgärden om den fortfarande behövs."
)


def render_case(
    application: Application,
    *,
    audience: str,
    status: int = 200,
    refused: tuple[Transition, list[str]] | None = None,
    forms: dict[str, TransitionForm] | None = None,
) -> Any:
    """The case page for ``audience``, the blueprint showing it (``"applicant"`` or ``"officer"``);
    ``refused`` is the transition just refused and its reasons."""
    transitions = allowed_triggers(application.state, roles_on(current_user, application))
    if audience == "applicant":
        # Submitting goes through the review page, which shows the whole application first.
        transitions = [t for t in transitions if t.trigger not in ("submit", "resubmit")]
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
            forms=forms,
            refused=refused,
            problems=problems(application) if application.content_editable else [],
            sections=SECTION_BY_KEY,
            audience=audience,
        ),
        status,
    )


def fire_from_form(application: Application, trigger: str, *, audience: str) -> Any:
    """Run the operation behind ``trigger`` with the posted reason; refusals re-render the case."""
    transition = transition_for(trigger)
    if transition is None:
        abort(404)
    if not roles_on(current_user, application) & transition.roles:
        abort(403)
    form = TransitionForm(prefix=trigger)
    if not form.validate_on_submit():
        return render_case(
            application, audience=audience, status=422,
            refused=(transition, []), forms={trigger: form},
        )
    try:
        TRIGGER_OPERATIONS[trigger](application, actor=current_user, reason=form.reason.data or "")
        session.commit()
    except TransitionRefused as exc:
        session.rollback()
        # A missing reason belongs next to its field; the other reasons concern the whole case.
        if transition.reason_missing in exc.reasons:
            form.reason.errors = [transition.reason_missing]
        others = [reason for reason in exc.reasons if reason != transition.reason_missing]
        return render_case(
            application, audience=audience, status=409,
            refused=(transition, others), forms={trigger: form},
        )
    except StaleDataError:
        session.rollback()
        return render_case(
            application, audience=audience, status=409,
            refused=(transition, [CONCURRENT_CHANGE]), forms={trigger: form},
        )
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
