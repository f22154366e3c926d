"""Case handling for officers and deciders: the list of cases and the case page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from sqlalchemy.orm import selectinload

from grants.auth import require_roles
from grants.db import session
from grants.models import Application, Attachment
from grants.views.cases import fire_from_form, render_case, send_attachment, send_print_pdf
from grants.views.pagination import Pages, page_number
from workflows import State

bp = Blueprint("officer", __name__, url_prefix="/handlaggning")
STAFF = ("officer", "decider")
VISIBLE_STATES = [s for s in State if s != State.DRAFT]
PER_PAGE = 50


def _load(application_id: int) -> Application:
    application = session.get(Application, application_id)
    # Drafts have not reached the region; to staff they do not exist yet.
    if application is None or application.state == State.DRAFT:
        abort(404)
    return application


@bp.get("/")
@require_roles(*STAFF)
def index() -> Any:
    status = request.args.get("status", "")
    if status and status not in {s.value for s in VISIBLE_STATES}:
        abort(400, description=f"Okänd status «{status}». Välj en status i listan.")
    page = page_number(request.args.get("sida"))
    counts: dict[str, int] = dict(
        session.execute(
            sa.select(Application.state, sa.func.count())
            .where(Application.state != State.DRAFT.value)
            .group_by(Application.state)
        ).all()
    )
    total = counts.get(status, 0) if status else sum(counts.values())
    query = (
        sa.select(Application)
        .where(Application.state != State.DRAFT.value)
        .options(selectinload(Application.requested_amounts))
        .order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    if status:
        query = query.where(Application.state == status)
    return render_template(
        "officer/index.html",
        applications=session.scalars(query).all(),
        pages=Pages(page=page, total=total, per_page=PER_PAGE),
        states=VISIBLE_STATES,
        counts=counts,
        status=status,
    )


@bp.get("/arenden/<int:application_id>")
@require_roles(*STAFF)
def show(application_id: int) -> Any:
    return render_case(_load(application_id), audience="officer")


@bp.post("/arenden/<int:application_id>/atgard/<trigger>")
@require_roles(*STAFF)
def fire(application_id: int, trigger: str) -> Any:
    return fire_from_form(_load(application_id), trigger, audience="officer")


@bp.get("/arenden/<int:application_id>/ansokan.pdf")
@require_roles(*STAFF)
def print_pdf(application_id: int) -> Any:
    return send_print_pdf(_load(application_id))


@bp.get("/arenden/<int:application_id>/bilagor/<int:attachment_id>")
@require_roles(*STAFF)
def download_attachment(application_id: int, attachment_id: int) -> Any:
    application = _load(application_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    # A file removed while the application was still a draft never reached the region; one
    # removed after it arrived was received and stays in the case file.
    if attachment.removed_at is not None and not (
        application.submitted_at and attachment.removed_at > application.submitted_at
    ):
        abort(404)
    return send_attachment(attachment)
