"""The applicant's pages: the dashboard, the sectioned form, review and submit, the receipt,
attachments, the print view, decision letters, and confirming colleagues who join the
organisation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from forms.applications import ApplicationDraftForm, AttachmentUploadForm
from forms.workflow import TransitionForm
from grants.auth import require_roles
from grants.completeness import SECTION_BY_KEY, SECTIONS, pot_years, problems, section_status
from grants.db import session
from grants.models import Application, Attachment, AuditEvent, Letter, OutboxMessage, User
from grants.operations import applications as app_ops
from grants.operations import content as content_ops
from grants.operations.errors import OperationError
from grants.operations.users import confirm_membership
from grants.permissions import is_applicant_member
from grants.uploads import ALLOWED_TEXT, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from grants.views.cases import (
    APPLICANT_EVENTS,
    CONCURRENT_CHANGE,
    deliver_mail,
    fire_from_form,
    render_case,
    send_attachment,
    send_print_pdf,
    visible_events,
)
from grants.views.decisions import send_letter_html, send_letter_pdf
from grants.views.pagination import Pages, page_number
from grants.views.sections import HANDLERS, attach_problems, raw_input, stored_form
from workflows import State, TransitionRefused, transition_for

bp = Blueprint("applicant", __name__, url_prefix="/mina-ansokningar")
PER_PAGE = 20
"""Applications on a page of the dashboard, newest first."""

NEXT_STEP = {
    State.DRAFT: "Fyll i alla avsnitt, granska och skicka in.",
    State.SUBMITTED: "Handläggaren går igenom ansökan.",
    State.RETURNED: "Komplettera ansökan och skicka in den igen.",
    State.ASSESSED: "Ansökan är bedömd och väntar på beslut.",
    State.GRANTED: "Genomför piloten och lämna rapporterna i tid.",
    State.FOLLOWED_UP: "Uppföljningen är godkänd. Rapportera hur arbetet förs vidare.",
    State.SCALED: "Piloten är införd i ordinarie verksamhet.",
    State.REJECTED: "Ärendet är avslutat med avslag.",
    State.WITHDRAWN: "Ansökan är återkallad.",
    State.CLOSED: "Ärendet är avslutat.",
}


def _load(application_id: int) -> Application:
    application = session.get(Application, application_id)
    # Another organisation's application is not there, as far as this user can tell.
    if application is None or not is_applicant_member(current_user, application):
        abort(404)
    return application


def _load_editable(application_id: int) -> Application:
    application = _load(application_id)
    if not application.content_editable:
        abort(409, description=content_ops.not_editable_reason(application))
    return application


# Dashboard ---------------------------------------------------------------------------------------


@bp.get("/")
@require_roles("applicant")
def index() -> Any:
    if not current_user.membership_confirmed or current_user.organisation_id is None:
        return render_template("applicant/waiting.html")
    page = page_number(request.args.get("sida"))
    own = Application.organisation_id == current_user.organisation_id
    total = session.scalar(sa.select(sa.func.count()).select_from(Application).where(own)) or 0
    # One page of applications, and of their history only what the applicant is shown (the
    # same filter as visible_events): a busy organisation's dashboard stays one page long.
    applications = session.scalars(
        sa.select(Application)
        .where(own)
        .options(
            selectinload(Application.requested_amounts),
            selectinload(Application.events.and_(sa.or_(
                AuditEvent.from_state != AuditEvent.to_state,
                AuditEvent.trigger.in_(APPLICANT_EVENTS),
            ))).joinedload(AuditEvent.actor),
        )
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    # Issued letters only: a decision whose letter is held for a meeting has none yet.
    letters: dict[int, list[Letter]] = {}
    for letter in session.scalars(
        sa.select(Letter)
        .where(Letter.application_id.in_([a.id for a in applications]))
        .order_by(Letter.id)
    ) if applications else ():
        letters.setdefault(letter.application_id, []).append(letter)
    waiting = session.scalars(
        sa.select(User).where(
            User.organisation_id == current_user.organisation_id,
            User.membership_confirmed.is_(False), User.active,
        ).order_by(User.created_at)
    ).all()
    return render_template(
        "applicant/index.html", applications=applications, next_step=NEXT_STEP,
        pages=Pages(page=page, total=total, per_page=PER_PAGE),
        letters=letters, waiting=waiting, confirm_form=TransitionForm(prefix="confirm"),
        # The same history as the case page: the region's internal steps are not shown.
        timelines={a.id: visible_events(a.events, "applicant") for a in applications},
    )


@bp.post("/medlemmar/<int:user_id>/bekrafta")
@require_roles("applicant")
def confirm_member(user_id: int) -> Any:
    person = session.get(User, user_id)
    if person is None or person.organisation_id != current_user.organisation_id:
        abort(404)
    form = TransitionForm(prefix="confirm")
    if not form.validate_on_submit():
        abort(400)
    try:
        confirm_membership(person, actor=current_user)
    except OperationError as exc:
        session.rollback()
        abort(403, description=" ".join(exc.reasons))
    session.commit()
    flash(f"{person.name} kan nu se och skriva organisationens ansökningar.", "success")
    return redirect(url_for("applicant.index"))


# Starting and filling in -------------------------------------------------------------------------


@bp.route("/ny", methods=["GET", "POST"])
@require_roles("applicant")
def new() -> Any:
    if current_user.organisation is None or not current_user.membership_confirmed:
        abort(403)
    form = ApplicationDraftForm()
    if form.validate_on_submit():
        try:
            application = app_ops.create_draft_application(
                actor=current_user, organisation=current_user.organisation,
                title=form.title.data or "", summary=form.summary.data or "",
            )
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            flash("Utkastet är sparat. Fyll i avsnitten i den ordning du vill.", "success")
            return redirect(url_for("applicant.edit", application_id=application.id))
    status = 422 if form.errors else 200
    return render_template("applicant/new.html", form=form), status


@bp.get("/<int:application_id>/redigera")
@require_roles("applicant")
def edit(application_id: int) -> Any:
    """The progress overview: every section with its state, and the way to review and submit."""
    application = _load_editable(application_id)
    found = problems(application)
    return render_template(
        "applicant/overview.html", application=application, sections=SECTIONS,
        status=section_status(application, found), problems=found,
    )


def _blank_rows() -> int:
    return min(max(request.args.get("rader", 2, type=int), 1), 30)


@bp.route("/<int:application_id>/avsnitt/<section>", methods=["GET", "POST"])
@require_roles("applicant")
def section(application_id: int, section: str) -> Any:
    application = _load_editable(application_id)
    if section == "bilagor":
        return redirect(url_for("applicant.attachments", application_id=application_id))
    handler = HANDLERS.get(section)
    if handler is None:
        abort(404)
    info = SECTION_BY_KEY[section]
    if request.method == "POST":
        form = handler.form_class(application)()
        handler.prepare(form, application)
        if form.validate_on_submit():
            try:
                handler.save(application, form, current_user)
            except OperationError as exc:
                session.rollback()
                form.form_errors.extend(exc.reasons)
            else:
                session.commit()
                flash(f"Avsnittet «{info.title}» är sparat.", "success")
                return redirect(_after_save(application, section, form))
        if not form.form_errors:  # format errors: keep exactly what was typed
            try:
                content_ops.keep_unsaved_input(application, actor=current_user,
                                               section=section, raw=raw_input(request.form))
            except OperationError as exc:
                session.rollback()
                form.form_errors.extend(exc.reasons)
            else:
                session.commit()
        return _section_page(application, section, form, problems(application), status=422)
    form = stored_form(handler, application, section, _blank_rows())
    found = problems(application)
    if section in application.saved_sections and section not in application.unsaved_input:
        attach_problems(form, [p for p in found if p.section == section])
    return _section_page(application, section, form, found)


def _after_save(application: Application, section: str, form: Any) -> str:
    if "more_rows" in request.form:
        rows = _blank_rows() + 3
        return url_for("applicant.section", application_id=application.id, section=section,
                       rader=rows) + "#rows-end"
    if "save_stay" in request.form:
        return url_for("applicant.section", application_id=application.id, section=section)
    keys = [s.key for s in SECTIONS]
    position = keys.index(section)
    if position + 1 < len(keys):
        return url_for("applicant.section", application_id=application.id,
                       section=keys[position + 1])
    return url_for("applicant.edit", application_id=application.id)


def _section_page(application: Application, section: str, form: Any, found: list[Any],
                  status: int = 200) -> Any:
    return render_template(
        "applicant/section.html", application=application, section=SECTION_BY_KEY[section],
        form=form, sections=SECTIONS, status=section_status(application, found),
        pot_open=pot_years().get,
    ), status


# Attachments -------------------------------------------------------------------------------------


@bp.route("/<int:application_id>/bilagor", methods=["GET", "POST"])
@require_roles("applicant")
def attachments(application_id: int) -> Any:
    application = _load_editable(application_id)
    form = AttachmentUploadForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            # Read one byte past the limit: enough to refuse, never the whole of a huge file.
            data = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
            try:
                content_ops.add_attachment(
                    application, actor=current_user, filename=upload.filename or "",
                    data=data, description=form.description.data or "",
                )
            except OperationError as exc:
                session.rollback()
                form.file.errors = [*form.file.errors, *exc.reasons]
            else:
                session.commit()
                flash(f"Bilagan «{upload.filename}» är uppladdad.", "success")
                return redirect(url_for("applicant.attachments", application_id=application_id))
        status = 422
    found = problems(application)
    return render_template(
        "applicant/attachments.html", application=application, form=form,
        remove_form=TransitionForm(prefix="remove"), sections=SECTIONS,
        status=section_status(application, found), section=SECTION_BY_KEY["bilagor"],
        allowed=ALLOWED_TEXT, max_mb=MAX_ATTACHMENT_BYTES // 1024 // 1024,
        max_count=MAX_ATTACHMENTS,
    ), status


def _attachment(application: Application, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id \
            or attachment.removed_at is not None:
        abort(404)
    return attachment


@bp.post("/<int:application_id>/bilagor/<int:attachment_id>/ta-bort")
@require_roles("applicant")
def remove_attachment(application_id: int, attachment_id: int) -> Any:
    application = _load_editable(application_id)
    attachment = _attachment(application, attachment_id)
    if not TransitionForm(prefix="remove").validate_on_submit():
        abort(400)
    content_ops.remove_attachment(attachment, actor=current_user)
    session.commit()
    flash(f"Bilagan «{attachment.filename}» är borttagen.", "success")
    return redirect(url_for("applicant.attachments", application_id=application_id))


@bp.get("/<int:application_id>/bilagor/<int:attachment_id>")
@require_roles("applicant")
def download_attachment(application_id: int, attachment_id: int) -> Any:
    application = _load(application_id)
    return send_attachment(_attachment(application, attachment_id))


# Review, submit, receipt -------------------------------------------------------------------------


def _review_page(application: Application, found: list[Any], status: int = 200,
                 form: TransitionForm | None = None) -> Any:
    trigger = "submit" if application.state == State.DRAFT else "resubmit"
    return render_template(
        "applicant/review.html", application=application, problems=found,
        transition=transition_for(trigger), form=form or TransitionForm(prefix=trigger),
        sections=SECTION_BY_KEY,
    ), status


@bp.get("/<int:application_id>/granska")
@require_roles("applicant")
def review(application_id: int) -> Any:
    application = _load_editable(application_id)
    return _review_page(application, problems(application))


@bp.post("/<int:application_id>/skicka-in")
@require_roles("applicant")
def submit(application_id: int) -> Any:
    application = _load(application_id)
    if application.state not in (State.DRAFT, State.RETURNED):
        # A second tab or a double click: the first one already submitted it.
        flash(f"Ansökan är redan inskickad och har referensen {application.reference}.", "info")
        return redirect(url_for("applicant.receipt", application_id=application.id))
    trigger = "submit" if application.state == State.DRAFT else "resubmit"
    form = TransitionForm(prefix=trigger)
    if not form.validate_on_submit():
        return _review_page(application, problems(application), 422, form)
    operation = app_ops.submit_application if trigger == "submit" \
        else app_ops.resubmit_application
    try:
        operation(application, actor=current_user, reason=form.reason.data or "")
        session.commit()
    except TransitionRefused:
        session.rollback()
        application = _load(application_id)
        if application.state not in (State.DRAFT, State.RETURNED):
            flash(f"Ansökan är redan inskickad och har referensen {application.reference}.",
                  "info")
            return redirect(url_for("applicant.receipt", application_id=application.id))
        return _review_page(application, problems(application), 409, form)
    except StaleDataError:
        session.rollback()
        flash(CONCURRENT_CHANGE, "info")
        return redirect(url_for("applicant.receipt", application_id=application_id))
    deliver_mail()
    return redirect(url_for("applicant.receipt", application_id=application_id))


@bp.get("/<int:application_id>/kvitto")
@require_roles("applicant")
def receipt(application_id: int) -> Any:
    application = _load(application_id)
    if application.reference is None:
        return redirect(url_for("applicant.edit", application_id=application_id))
    event = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.application_id == application.id,
            AuditEvent.trigger.in_(("submit", "resubmit")),
        ).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    receipts = session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.key.like(f"receipt:{event.id}:%"))
        .order_by(OutboxMessage.id)
    ).all() if event else []
    return render_template("applicant/receipt.html", application=application, event=event,
                           receipts=receipts)


# The case and its print view ---------------------------------------------------------------------


@bp.get("/<int:application_id>")
@require_roles("applicant")
def show(application_id: int) -> Any:
    return render_case(_load(application_id), audience="applicant")


@bp.get("/<int:application_id>/ansokan.pdf")
@require_roles("applicant")
def print_pdf(application_id: int) -> Any:
    return send_print_pdf(_load(application_id))


@bp.post("/<int:application_id>/atgard/<trigger>")
@require_roles("applicant")
def fire(application_id: int, trigger: str) -> Any:
    if trigger in ("submit", "resubmit"):
        return submit(application_id)
    return fire_from_form(_load(application_id), trigger, audience="applicant")


# Decision letters --------------------------------------------------------------------------------


def _issued_letter(application_id: int, letter_id: int) -> Letter:
    application = _load(application_id)
    letter = session.get(Letter, letter_id)
    if letter is None or letter.application_id != application.id:
        abort(404)
    return letter


@bp.get("/<int:application_id>/beslut/<int:letter_id>.pdf")
@require_roles("applicant")
def letter_pdf(application_id: int, letter_id: int) -> Any:
    return send_letter_pdf(_issued_letter(application_id, letter_id))


@bp.get("/<int:application_id>/beslut/<int:letter_id>")
@require_roles("applicant")
def letter_html(application_id: int, letter_id: int) -> Any:
    return send_letter_html(_issued_letter(application_id, letter_id))
