"""The applicant's pages: my organisation's applications, drafts, and the case page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.applications import ApplicationDraftForm
from grants.auth import require_roles
from grants.db import session
from grants.models import Application
from grants.operations.applications import create_draft_application, update_draft_application
from grants.operations.errors import InvalidInput, NotPermitted
from grants.permissions import is_applicant_member
from grants.views.cases import fire_from_form, render_case
from workflows import State

bp = Blueprint("applicant", __name__, url_prefix="/mina-ansokningar")


def _load(application_id: int) -> Application:
    application = session.get(Application, application_id)
    # Another organisation's application is not there, as far as this user can tell.
    if application is None or not is_applicant_member(current_user, application):
        abort(404)
    return application


@bp.get("/")
@require_roles("applicant")
def index() -> Any:
    applications = session.scalars(
        sa.select(Application)
        .where(Application.organisation_id == current_user.organisation_id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    ).all()
    return render_template("applicant/index.html", applications=applications)


@bp.route("/ny", methods=["GET", "POST"])
@require_roles("applicant")
def new() -> Any:
    if current_user.organisation is None:
        abort(403)
    form = ApplicationDraftForm()
    if form.validate_on_submit():
        try:
            application = create_draft_application(
                actor=current_user, organisation=current_user.organisation,
                title=form.title.data or "", summary=form.summary.data or "",
            )
        except InvalidInput as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            flash("Utkastet är sparat.", "success")
            return redirect(url_for("applicant.show", application_id=application.id))
    status = 422 if form.errors else 200
    return render_template("applicant/edit.html", form=form, application=None), status


@bp.route("/<int:application_id>/redigera", methods=["GET", "POST"])
@require_roles("applicant")
def edit(application_id: int) -> Any:
    application = _load(application_id)
    if application.state not in (State.DRAFT, State.RETURNED):
        abort(409, description=(
            f"Ansökan har status «{application.state_label}» och kan inte ändras. "
            "Inskickade uppgifter ändras bara om handläggaren återsänder ansökan för komplettering."
        ))
    form = ApplicationDraftForm(obj=application)
    if form.validate_on_submit():
        try:
            update_draft_application(
                application, actor=current_user,
                title=form.title.data or "", summary=form.summary.data or "",
            )
        except (InvalidInput, NotPermitted) as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            flash("Ändringarna är sparade.", "success")
            return redirect(url_for("applicant.show", application_id=application.id))
    status = 422 if form.errors else 200
    return render_template("applicant/edit.html", form=form, application=application), status


@bp.get("/<int:application_id>")
@require_roles("applicant")
def show(application_id: int) -> Any:
    return render_case(_load(application_id), action_endpoint="applicant.fire")


@bp.post("/<int:application_id>/atgard/<trigger>")
@require_roles("applicant")
def fire(application_id: int, trigger: str) -> Any:
    return fire_from_form(_load(application_id), trigger, action_endpoint="applicant.fire")
