"""The accessibility statement (lagen (2018:1937) om tillgänglighet till digital offentlig
service, DOMAIN.md §9) with its feedback form, and the officers' list of the feedback it brings:
each message is a small case (workflows/feedback.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.feedback import FeedbackActionForm, FeedbackForm
from grants.auth import require_roles
from grants.db import session
from grants.models import AccessibilityFeedback
from grants.operations import feedback as feedback_ops
from grants.operations.errors import InvalidInput, TooManyRequests
from grants.views.pagination import Pages, page_number
from workflows import FEEDBACK, FeedbackState, Role, TransitionRefused, allowed_triggers

bp = Blueprint("accessibility", __name__)

PER_PAGE = 50
ASSESSED_ON = "2026-11-24"
"""When the statement's assessment was last made (update it with the statement's text)."""


@bp.route("/tillganglighet", methods=["GET", "POST"])
def statement() -> Any:
    form = FeedbackForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            data = feedback_ops.FeedbackInput(
                description=form.description.data or "", page=form.page.data or "",
                name=form.name.data or "", email=form.email.data or "",
                wants_reply=bool(form.wants_reply.data))
            try:
                feedback = feedback_ops.send_feedback(
                    data, address=request.remote_addr or "-",
                    sender=current_user if current_user.is_authenticated else None)
            except TooManyRequests as exc:
                session.rollback()
                form.form_errors.extend(exc.reasons)
                status = 429
            except InvalidInput as exc:
                session.rollback()
                form.form_errors.extend(exc.reasons)
            else:
                session.commit()
                flash(f"Tack! Vi har tagit emot din synpunkt. Den har ärendenummer "
                      f"{feedback.reference}.", "success")
                return redirect(url_for("accessibility.statement", _anchor="synpunkter"))
    return render_template("accessibility/statement.html", form=form,
                           assessed_on=ASSESSED_ON), status


@bp.get("/handlaggning/tillganglighet")
@require_roles(Role.OFFICER.value)
def cases() -> Any:
    state = request.args.get("status", "")
    if state and state not in {s.value for s in FeedbackState}:
        abort(400, description=f"Okänd status «{state}». Välj en status i listan.")
    page = page_number(request.args.get("sida"))
    counts = dict(session.execute(
        sa.select(AccessibilityFeedback.state, sa.func.count())
        .group_by(AccessibilityFeedback.state)).all())
    query = sa.select(AccessibilityFeedback)
    if state:
        query = query.where(AccessibilityFeedback.state == state)
    rows = session.scalars(
        query.order_by(
            (AccessibilityFeedback.state == FeedbackState.CLOSED.value),
            AccessibilityFeedback.created_at.desc(), AccessibilityFeedback.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    total = counts.get(state, 0) if state else sum(counts.values())
    return render_template("accessibility/cases.html", rows=rows, counts=counts, state=state,
                           states=list(FeedbackState),
                           pages=Pages(page=page, total=total, per_page=PER_PAGE))


def _case_page(feedback: AccessibilityFeedback, form: FeedbackActionForm,
               status: int = 200) -> Any:
    actions = allowed_triggers(feedback.state, current_user.roles, workflow=FEEDBACK)
    return render_template("accessibility/case.html", feedback=feedback, form=form,
                           actions=actions), status


@bp.route("/handlaggning/tillganglighet/<int:feedback_id>", methods=["GET", "POST"])
@require_roles(Role.OFFICER.value)
def case(feedback_id: int) -> Any:
    feedback = session.get(AccessibilityFeedback, feedback_id)
    if feedback is None:
        abort(404)
    if request.method == "GET":
        return _case_page(feedback, FeedbackActionForm(formdata=None))
    form = FeedbackActionForm()
    trigger = request.form.get("trigger", "")
    if form.validate_on_submit():
        try:
            feedback_ops.act_on_feedback(feedback, trigger, reason=form.reason.data or "",
                                         actor=current_user)
        except TransitionRefused as exc:
            session.rollback()
            rule = FEEDBACK.transition_for(trigger)
            missing = rule.reason_missing if rule else None
            if missing in exc.reasons:
                form.reason.errors = [missing]
            others = [r for r in exc.reasons if r != missing]
            form.form_errors.extend(others)
            return _case_page(feedback, form, 409 if others else 422)
        session.commit()
        rule = FEEDBACK.transition_for(trigger)
        flash(f"{rule.done if rule else 'Sparat'}.", "success")
        return redirect(url_for("accessibility.case", feedback_id=feedback.id))
    return _case_page(feedback, form, 422)
