"""Case handling for officers and deciders: the list of cases, the case page with the officer's
work before the decision (the region's Dnr, the formal check, reviewers), and the assessment
page (the reviews side by side, and the officer's proposal to the decider).

Each form on the case page posts to its own address; a refusal shows the case page again with
that form's errors (422, or 409 for a concurrent change) and every other section as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import Field

from forms.assessment import (
    DnrRegisterForm,
    ReviewerAssignForm,
    ReviewerRemoveForm,
    ReviewReopenForm,
    ScreeningSaveForm,
    assess_form,
)
from forms.workflow import TransitionForm
from grants.auth import require_roles
from grants.db import session
from grants.models import JAV_GROUNDS, Application, Decision, Review, User, UserRole
from grants.operations import assessment as assessment_ops
from grants.operations.decisions import assess_application
from grants.operations.errors import InvalidInput, NotPermitted, OperationError
from grants.summary import assessment_summary
from grants.views.cases import (
    CONCURRENT_CHANGE,
    deliver_mail,
    fire_from_form,
    render_case,
    send_print_pdf,
    send_received_attachment,
)
from grants.views.pagination import Pages, page_number
from workflows import Role, State, Transition, TransitionRefused

bp = Blueprint("officer", __name__, url_prefix="/handlaggning")
STAFF = ("officer", "decider")
VISIBLE_STATES = [s for s in State if s != State.DRAFT]
PER_PAGE = 50


CASE_OPTIONS = (
    # The reviews with their reviewers, rubrics and scores, and the decisions with their
    # letters, each in one query however many there are.
    selectinload(Application.reviews),
    selectinload(Application.decisions).selectinload(Decision.letter),
    selectinload(Application.requested_amounts),
)


def _load(application_id: int, *, options: tuple[Any, ...] = ()) -> Application:
    application = session.get(Application, application_id, options=options)
    # Drafts have not reached the region; to staff they do not exist yet.
    if application is None or application.state == State.DRAFT:
        abort(404)
    return application


def _load_review(review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        abort(404)
    _load(review.application_id, options=CASE_OPTIONS)
    return review


def _is_officer() -> bool:
    return current_user.has_role(Role.OFFICER.value)


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


# The case page --------------------------------------------------------------------------------


def _reviewer_choices(application: Application) -> list[tuple[str, str]]:
    """Active reviewers not yet on the case, each with the likely conflicts to weigh."""
    taken = {review.reviewer_id for review in application.reviews}
    candidates = session.scalars(
        sa.select(User).join(UserRole)
        .where(UserRole.role == Role.REVIEWER.value, User.active.is_(True),
               User.id.not_in(taken))
        .order_by(User.name, User.id)
    ).all()
    choices = []
    for reviewer in candidates:
        flags = assessment_ops.conflict_flags(reviewer, application)
        label = reviewer.name
        if flags:
            label += " – möjlig jävssituation: " + " ".join(flags)
        choices.append((str(reviewer.id), label))
    return choices


def _case_page(
    application: Application,
    *,
    status: int = 200,
    refused: tuple[Transition, list[str]] | None = None,
    forms: dict[str, TransitionForm] | None = None,
    staff_forms: dict[str, FlaskForm] | None = None,
    failed: tuple[FlaskForm, str] | None = None,
) -> Any:
    """The case page for staff; ``staff_forms`` holds a form posted and refused (by its prefix),
    ``failed`` that form and the title of its error summary."""
    staff_forms = staff_forms or {}
    reviews = application.reviews
    is_officer, reviewable = _is_officer(), application.state == State.SUBMITTED.value
    assign_form = staff_forms.get("assign") or ReviewerAssignForm(prefix="assign", formdata=None)
    assign_form.reviewer.choices = [("", "Välj granskare"), *(
        _reviewer_choices(application) if is_officer and reviewable else [])]
    context = {
        "is_officer": is_officer,
        "is_decider": current_user.has_role(Role.DECIDER.value),
        "reviewable": reviewable,
        "failed": failed,
        "jav_grounds": JAV_GROUNDS,
        "screening": application.screening,
        "reviews": reviews,
        "reviews_required": assessment_ops.reviewers_required(application),
        "reviews_done": sum(1 for r in reviews if r.cleared and r.submitted),
        "dnr_form": staff_forms.get("dnr") or DnrRegisterForm(
            prefix="dnr", formdata=None, data={"number": application.dnr or ""}),
        "screening_form": staff_forms.get("screening") or ScreeningSaveForm(
            prefix="screening", formdata=None, obj=application.screening),
        "assign_form": assign_form,
        "remove_forms": {r.id: staff_forms.get(f"remove-{r.id}") or ReviewerRemoveForm(
            prefix=f"remove-{r.id}", formdata=None) for r in reviews},
        "reopen_forms": {r.id: staff_forms.get(f"reopen-{r.id}") or ReviewReopenForm(
            prefix=f"reopen-{r.id}", formdata=None) for r in reviews},
    }
    return render_case(application, audience="officer", status=status, refused=refused,
                       forms=forms, context=context)


def _attempt(
    application: Application, key: str, form: FlaskForm, title: str,
    action: Callable[[], Any], *, where: Callable[[str], Field | None] = lambda _reason: None,
) -> Any | None:
    """Validate ``form`` and run ``action`` (one operation) and commit. Returns None when done,
    else the case page with the form's errors: 422 for bad input or a refusal (each reason at
    the field ``where`` names for it, else at the top of the form), 409 for a concurrent
    change; 403 when the operation says the person may not."""
    status = 422
    if form.validate_on_submit():
        try:
            action()
            session.commit()
            return None
        except NotPermitted:
            session.rollback()
            abort(403)
        except OperationError as exc:
            session.rollback()
            for reason in exc.reasons:
                field = where(reason)
                (form.form_errors if field is None else field.errors).append(reason)
        except StaleDataError:
            session.rollback()
            form.form_errors.append(CONCURRENT_CHANGE)
            status = 409
    return _case_page(application, status=status, staff_forms={key: form}, failed=(form, title))


def _back(application: Application, anchor: str) -> Any:
    return redirect(url_for("officer.show", application_id=application.id, _anchor=anchor))


@bp.get("/arenden/<int:application_id>")
@require_roles(*STAFF)
def show(application_id: int) -> Any:
    return _case_page(_load(application_id, options=CASE_OPTIONS))


@bp.post("/arenden/<int:application_id>/atgard/<trigger>")
@require_roles(*STAFF)
def fire(application_id: int, trigger: str) -> Any:
    return fire_from_form(_load(application_id, options=CASE_OPTIONS), trigger,
                          audience="officer", render=_case_page)


@bp.post("/arenden/<int:application_id>/diarienummer")
@require_roles(Role.OFFICER.value)
def register_dnr(application_id: int) -> Any:
    application = _load(application_id, options=CASE_OPTIONS)
    form = DnrRegisterForm(prefix="dnr")
    refused = _attempt(
        application, "dnr", form, "Diarienumret kunde inte registreras",
        lambda: assessment_ops.register_dnr(application, actor=current_user,
                                            dnr=form.number.data or ""),
        where=lambda _reason: form.number,
    )
    if refused is not None:
        return refused
    flash(f"Diarienumret {application.dnr} är registrerat.", "success")
    return _back(application, "diarienummer")


@bp.post("/arenden/<int:application_id>/kontroll")
@require_roles(Role.OFFICER.value)
def screen(application_id: int) -> Any:
    application = _load(application_id, options=CASE_OPTIONS)
    form = ScreeningSaveForm(prefix="screening")
    refused = _attempt(
        application, "screening", form, "Den formella kontrollen kunde inte sparas",
        lambda: assessment_ops.save_screening(
            application, actor=current_user, complete=form.complete.data,
            eligible_applicant=form.eligible_applicant.data, within_aims=form.within_aims.data,
            state_aid_handled=form.state_aid_handled.data, note=form.note.data or "",
        ),
        # The refusals about the note (its length, how state aid was checked) belong there.
        where=lambda reason: form.note if "anteckningen" in reason.lower() else None,
    )
    if refused is not None:
        return refused
    passed = application.screening is not None and application.screening.passed
    flash("Den formella kontrollen är sparad. " + (
        "Alla punkter är godkända: ärendet kan gå till granskning." if passed
        else "Alla punkter är inte godkända än."), "success")
    return _back(application, "formell-kontroll")


@bp.post("/arenden/<int:application_id>/granskare")
@require_roles(Role.OFFICER.value)
def assign_reviewer(application_id: int) -> Any:
    application = _load(application_id, options=CASE_OPTIONS)
    form = ReviewerAssignForm(prefix="assign")
    form.reviewer.choices = _reviewer_choices(application)
    chosen: list[User] = []

    def assign() -> None:
        reviewer = session.get(User, int(form.reviewer.data or 0))
        if reviewer is None:  # the choices come from the users table: gone since the page
            raise InvalidInput("Granskaren finns inte längre. Välj en annan.")
        chosen.append(reviewer)
        assessment_ops.assign_reviewer(application, actor=current_user, reviewer=reviewer)

    refused = _attempt(application, "assign", form, "Granskaren kunde inte tilldelas", assign,
                       where=lambda _reason: form.reviewer)
    if refused is not None:
        return refused
    deliver_mail()
    flash(f"{chosen[0].name} är tilldelad som granskare. Granskaren lämnar sin "
          "jävsdeklaration innan hen ser hela ansökan.", "success")
    return _back(application, "granskare")


@bp.post("/granskningar/<int:review_id>/ta-bort")
@require_roles(Role.OFFICER.value)
def remove_reviewer(review_id: int) -> Any:
    review = _load_review(review_id)
    application = review.application
    form = ReviewerRemoveForm(prefix=f"remove-{review.id}")
    refused = _attempt(
        application, f"remove-{review.id}", form, "Granskaren kunde inte tas bort",
        lambda: assessment_ops.remove_reviewer(review, actor=current_user,
                                               reason=form.reason.data or ""),
    )
    if refused is not None:
        return refused
    flash(f"{review.reviewer.name} är borttagen som granskare.", "success")
    return _back(application, "granskare")


@bp.post("/granskningar/<int:review_id>/oppna")
@require_roles(Role.OFFICER.value)
def reopen_review(review_id: int) -> Any:
    review = _load_review(review_id)
    application = review.application
    form = ReviewReopenForm(prefix=f"reopen-{review.id}")
    refused = _attempt(
        application, f"reopen-{review.id}", form, "Granskningen kunde inte öppnas igen",
        lambda: assessment_ops.reopen_review(review, actor=current_user,
                                             reason=form.reason.data or ""),
    )
    if refused is not None:
        return refused
    flash(f"{review.reviewer.name}s granskning är öppnad igen och kan ändras.", "success")
    return _back(application, "granskare")


# The assessment -------------------------------------------------------------------------------


@bp.route("/arenden/<int:application_id>/bedomning", methods=["GET", "POST"])
@require_roles(*STAFF)
def assessment(application_id: int) -> Any:
    """The reviews side by side; for the officer of a received case, the assessment form."""
    application = _load(application_id, options=CASE_OPTIONS)
    requested = {r.year: r.amount for r in application.requested_amounts}
    posted = request.method == "POST"
    if posted and not _is_officer():
        abort(403)
    if posted:
        form = assess_form(list(requested))
    else:
        form = assess_form(list(requested), formdata=None,
                           data={f"amount_{year}": amount for year, amount in requested.items()})
    refused: list[str] = []
    status = 200
    if posted:
        status = 422
        if form.validate_on_submit():
            try:
                assess_application(
                    application, actor=current_user, reason=form.note.data or "",
                    proposal=form.proposal.data, proposed_amounts=form.proposed_amounts(),
                )
                session.commit()
            except TransitionRefused as exc:
                session.rollback()
                refused, status = exc.reasons, 409
            except NotPermitted:
                session.rollback()
                abort(403)
            except OperationError as exc:
                session.rollback()
                form.form_errors.extend(exc.reasons)
            except StaleDataError:
                session.rollback()
                refused, status = [CONCURRENT_CHANGE], 409
            else:
                flash("Ärendet är bedömt och förslaget till beslut är sparat. Ärendet har nu "
                      f"status «{application.state_label}».", "success")
                return redirect(url_for("officer.show", application_id=application.id))
    return render_template(
        "officer/assessment.html",
        application=application,
        summary=assessment_summary(application),
        proposal=application.assessment,
        form=form,
        refused=refused,
        can_assess=_is_officer() and application.state == State.SUBMITTED.value,
        is_decider=current_user.has_role(Role.DECIDER.value),
        endpoints=frozenset(current_app.view_functions),
    ), status


# Files ----------------------------------------------------------------------------------------


@bp.get("/arenden/<int:application_id>/ansokan.pdf")
@require_roles(*STAFF)
def print_pdf(application_id: int) -> Any:
    return send_print_pdf(_load(application_id))


@bp.get("/arenden/<int:application_id>/bilagor/<int:attachment_id>")
@require_roles(*STAFF)
def download_attachment(application_id: int, attachment_id: int) -> Any:
    return send_received_attachment(_load(application_id), attachment_id)
