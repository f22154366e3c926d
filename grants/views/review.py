"""The reviewer's pages: my assignments, the jäv gate, the review form and the handed-in review.

A reviewer sees only their own reviews (anyone else's is "not found", never "forbidden", so an
id reveals nothing). Until they have declared "no jäv" they see the case's title, organisation
and summary and nothing more; after declaring jäv they are blocked from the case (403). Other
reviewers' reviews are shown only once the reviewer's own review is handed in, so that nobody's
scores lean on someone else's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from forms.review import JavDeclarationForm, ReviewForm, review_form_class, review_form_data
from grants.auth import require_roles
from grants.db import session
from grants.models import JavStatus, Review
from grants.operations.assessment import declare_jav, save_review
from grants.operations.errors import NotPermitted, OperationError
from grants.views.cases import deliver_mail, send_print_pdf, send_received_attachment
from workflows import State

bp = Blueprint("review", __name__, url_prefix="/granskning")
REVIEWER = "reviewer"


def progress(review: Review) -> str:
    """How far the reviewer has come: Ej påbörjad, Påbörjad or Inlämnad."""
    if review.submitted:
        return "Inlämnad"
    started = review.recommendation or review.comment or any(
        s.score is not None or s.rating or s.reason for s in review.scores
    )
    return "Påbörjad" if started else "Ej påbörjad"


def _load(review_id: int) -> Review:
    """The current reviewer's own review, still on the case; anything else is 404."""
    review = session.get(Review, review_id)
    if review is None or review.reviewer_id != current_user.id or review.removed_at is not None:
        abort(404)
    g.review_id = review.id
    return review


def _load_cleared(review_id: int) -> Review:
    """The current reviewer's own review, for which they have declared no jäv (else 403)."""
    review = _load(review_id)
    if review.jav == JavStatus.DECLARED:
        abort(403, description="Du har anmält jäv i ärendet och kan inte längre se ansökan.")
    if review.jav != JavStatus.NONE:
        abort(403, description="Lämna din jävsdeklaration innan du ser hela ansökan.")
    return review


@bp.url_defaults
def _attachment_links_by_review(endpoint: str, values: dict[str, Any]) -> None:
    # The shared application partial links attachments by application id; on the reviewer's
    # pages the review names the case, so the link is built from the review being shown.
    if endpoint == "review.download_attachment":
        values.pop("application_id", None)
        if "review_id" not in values and "review_id" in g:
            values["review_id"] = g.review_id


# Pages -------------------------------------------------------------------------------------------


def _review_form(review: Review, **kwargs: Any) -> ReviewForm:
    return review_form_class(review.rubric.criteria)(**kwargs)


def _gate_page(review: Review, form: JavDeclarationForm, *, reasons: Sequence[str] = (),
               status: int = 200) -> Any:
    return render_template("review/show.html", review=review, application=review.application,
                           form=form, reasons=list(reasons)), status


def _review_page(review: Review, form: ReviewForm | None, *, reasons: Sequence[str] = (),
                 status: int = 200) -> Any:
    application = review.application
    # Only a handed-in review may see the others: before that, not even whether they exist.
    others = [r for r in application.reviews
              if r.id != review.id and r.cleared and r.submitted] if review.submitted else []
    return render_template(
        "review/show.html", review=review, application=application,
        form=None if review.submitted else form, reasons=list(reasons), others=others,
        reviewable=application.state == State.SUBMITTED.value, review_progress=progress(review),
    ), status


@bp.get("/")
@require_roles(REVIEWER)
def index() -> Any:
    reviews = session.scalars(
        sa.select(Review)
        .where(Review.reviewer_id == current_user.id, Review.removed_at.is_(None))
        .options(joinedload(Review.application))
        .order_by(Review.assigned_at.desc(), Review.id.desc())
    ).all()
    return render_template("review/index.html", reviews=reviews, progress=progress)


@bp.get("/<int:review_id>")
@require_roles(REVIEWER)
def show(review_id: int) -> Any:
    review = _load(review_id)
    if review.jav == JavStatus.PENDING:
        return _gate_page(review, JavDeclarationForm(formdata=None))
    if review.jav == JavStatus.DECLARED:
        # The review is theirs, but the case is closed to them.
        return render_template("review/show.html", review=review,
                               application=review.application), 403
    return _review_page(review, _review_form(review, formdata=None,
                                             data=review_form_data(review)))


@bp.post("/<int:review_id>/jav")
@require_roles(REVIEWER)
def declare(review_id: int) -> Any:
    review = _load(review_id)
    if review.jav != JavStatus.PENDING:
        abort(409, description="Du har redan lämnat din jävsdeklaration i ärendet.")
    form = JavDeclarationForm()
    if not form.validate_on_submit():
        return _gate_page(review, form, status=422)
    disqualified = form.is_disqualified
    try:
        declare_jav(
            review, actor=current_user, disqualified=disqualified,
            ground=form.ground_number if disqualified else None,
            note=(form.note.data or "") if disqualified else "",
        )
    except NotPermitted:
        session.rollback()
        abort(403)
    except OperationError as exc:
        session.rollback()
        return _gate_page(review, form, reasons=exc.reasons, status=422)
    session.commit()
    deliver_mail()
    if disqualified:
        flash("Din jävsanmälan är sparad och handläggaren har fått veta det.", "success")
    else:
        flash("Du har intygat att du inte är jävig. Nu kan du läsa hela ansökan och granska den.",
              "success")
    return redirect(url_for("review.show", review_id=review.id))


@bp.post("/<int:review_id>")
@require_roles(REVIEWER)
def save(review_id: int) -> Any:
    review = _load_cleared(review_id)
    form = _review_form(review)
    if not form.validate_on_submit():
        return _review_page(review, form, status=422)
    submit = form.submitting
    try:
        save_review(
            review, actor=current_user, scores=form.scores(), ratings=form.ratings(),
            recommendation=form["recommendation"].data, recommended_amount=form.amount,
            comment=form["comment"].data or "", submit=submit,
        )
    except NotPermitted:
        session.rollback()
        abort(403)
    except OperationError as exc:
        session.rollback()
        return _review_page(review, form, reasons=exc.reasons, status=422)
    session.commit()
    if submit:
        flash("Granskningen är inlämnad. Tack!", "success")
        return redirect(url_for("review.show", review_id=review.id))
    flash("Utkastet är sparat. Lämna in granskningen när du är klar.", "success")
    return redirect(url_for("review.show", review_id=review.id, _anchor="granskning"))


@bp.get("/<int:review_id>/ansokan.pdf")
@require_roles(REVIEWER)
def print_pdf(review_id: int) -> Any:
    return send_print_pdf(_load_cleared(review_id).application)


@bp.get("/<int:review_id>/bilagor/<int:attachment_id>")
@require_roles(REVIEWER)
def download_attachment(review_id: int, attachment_id: int) -> Any:
    return send_received_attachment(_load_cleared(review_id).application, attachment_id)
