"""The applicant's pages: my organisation's applications, drafts, and the case page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.applications import ApplicationDraftForm
from grants.auth import require_roles
from grants.db import session
from grants.models import Application
from grants.operations.applications import create_draft_application, update_draft_application
from grants.operations.errors import OperationError
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


def _draft_page(
    form: ApplicationDraftForm,
    application: Application | None,
    save: Callable[[], Application],
    saved_message: str,
) -> Any:
    """Validate, save with ``save`` and go to the case; or show the form again with every typed
    value and the reasons it was not saved (422)."""
    if form.validate_on_submit():
        try:
            saved = save()
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            flash(saved_message, "success")
            return redirect(url_for("applicant.show", application_id=saved.id))
    status = 422 if form.errors else 200
    return render_template("applicant/edit.html", form=form, application=application), status


@bp.route("/ny", methods=["GET", "POST"])
@require_roles("applicant")
def new() -> Any:
    if current_user.organisation is None:
        abort(403)
    form = ApplicationDraftForm()
    return _draft_page(
        form, None,
        lambda: create_draft_application(
            actor=current_user, organisation=current_user.organisation,
            title=form.title.data or "", summary=form.summary.data or "",
        ),
        "Utkastet är sparat.",
    )


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

    def save() -> Application:
        update_draft_application(
            application, actor=current_user,
            title=form.title.data or "", summary=form.summary.data or "",
        )
        return application

    return _draft_page(form, application, save, "Ändringarna är sparade.")


@bp.get("/<int:application_id>")
@require_roles("applicant")
def show(application_id: int) -> Any:
    return render_case(_load(application_id), audience="applicant")


@bp.post("/<int:application_id>/atgard/<trigger>")
@require_roles("applicant")
def fire(application_id: int, trigger: str) -> Any:
    return fire_from_form(_load(application_id), trigger, audience="applicant")
