"""The pilot owner's pages after the grant: the pilot's reports (what is due, what is handed in,
what can be started and why not), the report form with its attachments and payment request, and
change requests (ändringsansökan).

Like every applicant page, another organisation's pilot is not there (404), as far as this user
can tell. Before the grant the reports page says that reports come after the grant; after
closing it shows what was handed in, read-only. A report form keeps everything typed: what does
not parse is stored as typed (``keep_report_input``) and shown again with its errors (422); a
report handed in before it is complete is saved as a draft and refused with every reason (409,
as the application form's submit).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from forms.applications import AttachmentUploadForm
from forms.reports import (
    SEXES,
    ChangeRequestForm,
    ConfirmForm,
    MovableDue,
    ReportForm,
    ReportStartForm,
    band_key,
    change_form_class,
    report_form_class,
    set_change_year_choices,
    set_report_year_choices,
)
from grants.auth import require_roles
from grants.db import session
from grants.models import (
    Application,
    Attachment,
    ChangeRequest,
    ChangeRequestState,
    CostType,
    PaymentRequest,
    Pot,
    Report,
    ReportKind,
)
from grants.operations import amendments as change_ops
from grants.operations import reports as report_ops
from grants.operations.decisions import change_descriptions
from grants.operations.errors import OperationError
from grants.operations.finance import committed_by_year, paid_by_year
from grants.permissions import is_applicant_member
from grants.uploads import ALLOWED_TEXT, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from grants.views.cases import CONCURRENT_CHANGE, deliver_mail, send_attachment
from workflows import State, TransitionRefused

bp = Blueprint("pilot_reports", __name__, url_prefix="/mina-ansokningar")

BUTTONS = frozenset({"csrf_token", "save", "hand_in", "more_rows"})
NOT_YET_GRANTED = "Rapporter lämnas när stödet är beviljat."
GRANTED_STATES = frozenset({State.GRANTED, State.FOLLOWED_UP, State.SCALED, State.CLOSED})
"""A case in these states has had a grant: it has (or had) reports."""


def _load(application_id: int) -> Application:
    application = session.get(Application, application_id)
    # Another organisation's pilot is not there, as far as this user can tell (as on every
    # applicant page).
    if application is None or not is_applicant_member(current_user, application):
        abort(404)
    return application


def _report(application: Application, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None or report.application_id != application.id:
        abort(404)
    return report


def _active(application: Application) -> bool:
    return application.state in report_ops.ACTIVE_STATES


def _granted_ever(application: Application) -> bool:
    return application.state in GRANTED_STATES


# The reports page -------------------------------------------------------------------------------


def _start_options(application: Application, reports: list[Report]) -> list[dict[str, Any]]:
    """Per report kind: the report to continue, or whether one can be started (and if not, the
    operation's own reason)."""
    options = []
    for kind in ReportKind:
        of_kind = [r for r in reports if r.kind == kind]
        open_report = next((r for r in of_kind if r.editable), None)
        # The operation's own refusal, so that the page says what starting would say.
        reasons = report_ops.kind_blockers(application, kind)
        if open_report is not None and not reasons:
            options.append({"kind": kind, "label": kind.label, "report": open_report})
        elif reasons:
            options.append({"kind": kind, "label": kind.label, "reasons": reasons})
        elif of_kind and kind != ReportKind.STAGE:
            options.append({"kind": kind, "label": kind.label,
                            "reasons": [f"{kind.label} är redan inlämnad."]})
        else:
            options.append({"kind": kind, "label": kind.label, "can_start": True})
    return options


def _index_page(application: Application, *, status: int = 200,
                errors: list[str] | None = None) -> Any:
    reports = list(session.scalars(sa.select(Report).where(
        Report.application_id == application.id).order_by(Report.id)))
    payment_requests = session.scalars(
        sa.select(PaymentRequest).where(PaymentRequest.application_id == application.id)
        .options(selectinload(PaymentRequest.report)).order_by(PaymentRequest.id)).all()
    change_requests = session.scalars(
        sa.select(ChangeRequest).where(ChangeRequest.application_id == application.id)
        .order_by(ChangeRequest.id)).all()
    active = _active(application)
    return render_template(
        "reports/index.html", application=application, decision=application.current_decision,
        slots=_slots(application, reports), granted=_granted_ever(application),
        active=active, options=_start_options(application, reports) if active else [],
        payment_requests=payment_requests, change_requests=change_requests,
        describe=change_descriptions, pending=any(
            r.state == ChangeRequestState.PENDING for r in change_requests),
        start_form=ReportStartForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        errors=errors or [], not_granted=NOT_YET_GRANTED,
    ), status


def _slots(application: Application, reports: list[Report]) -> list[Any]:
    return report_ops.report_slots(application, reports) if _granted_ever(application) else []


@bp.get("/<int:application_id>/rapporter")
@require_roles("applicant")
def index(application_id: int) -> Any:
    return _index_page(_load(application_id))


@bp.post("/<int:application_id>/rapporter/ny")
@require_roles("applicant")
def start(application_id: int) -> Any:
    application = _load(application_id)
    form = ReportStartForm()
    if not form.validate_on_submit():
        return _index_page(application, status=422,
                           errors=[m for messages in form.errors.values() for m in messages])
    try:
        report = report_ops.start_report(application, actor=current_user, kind=form.kind.data)
    except OperationError as exc:
        # Before the grant, after closing, a scale-up report before the follow-up is approved:
        # the case is not in a state for this report.
        session.rollback()
        return _index_page(application, status=409, errors=exc.reasons)
    except StaleDataError:
        session.rollback()
        return _index_page(_load(application_id), status=409, errors=[CONCURRENT_CHANGE])
    session.commit()
    flash(f"{report.label} är påbörjad. Spara när du vill; lämna in när allt är ifyllt.",
          "success")
    return redirect(url_for("pilot_reports.report", application_id=application.id,
                            report_id=report.id))


# The report form --------------------------------------------------------------------------------


def _blank_rows() -> int:
    return min(max(request.args.get("rader", 2, type=int), 1), 30)


def _years(application: Application, report: Report) -> list[int]:
    """The years a cost may be reported for: the budget's, the grant's, the project period's,
    and any already reported."""
    years = {line.year for line in application.budget_lines}
    years |= {line.year for line in application.co_financing}
    decision = application.current_decision
    if decision is not None:
        years |= {a.year for a in decision.amounts}
        if decision.project_start and decision.project_end:
            years |= set(range(decision.project_start.year, decision.project_end.year + 1))
    years |= {c.year for c in report.costs} | {c.year for c in report.co_financing}
    return sorted(years)


def _initial(report: Report, blank_rows: int) -> dict[str, Any]:
    """The stored report as form data."""
    sections = report_ops.SECTIONS[report.kind]
    data: dict[str, Any] = {}
    if "period" in sections:
        data |= {"period_start": report.period_start, "period_end": report.period_end}
    if "activities" in sections:
        data |= {"activities_done": report.activities_done,
                 "activities_deviations": report.activities_deviations}
    if "indicators" in sections:
        for o in report.indicator_outcomes:
            data |= {f"ind{o.indicator_id}_outcome": o.outcome,
                     f"ind{o.indicator_id}_girls": o.outcome_girls,
                     f"ind{o.indicator_id}_boys": o.outcome_boys,
                     f"ind{o.indicator_id}_comment": o.comment}
    if "participants" in sections:
        for p in report.participants:
            for sex, _, _ in SEXES:
                data[f"p_{band_key(p.age_band)}_{sex}"] = getattr(p, sex)
    if "costs" in sections:
        data["costs"] = [{"year": str(c.year), "cost_type": c.cost_type,
                          "description": c.description, "amount": c.amount}
                         for c in report.costs] + [{}] * blank_rows
        data["co_financing"] = [{"year": str(c.year), "kind": c.kind, "funder": c.funder,
                                 "amount": c.amount}
                                for c in report.co_financing] + [{}] * max(1, blank_rows - 1)
        data |= {"stated_cost_total": report.stated_cost_total,
                 "cost_comment": report.cost_comment}
    if "learnings" in sections:
        data |= {name: getattr(report, name) for name in (
            "learned_worked", "learned_not_worked", "learned_for_others", "learnings_public")}
    if "outcomes" in sections:
        data |= {"gender_equality_outcome": report.gender_equality_outcome,
                 "sustainability_outcome": report.sustainability_outcome}
        data |= {f"check{qid}": text for qid, text in report.checklist_outcomes.items()}
    if "scale_up" in sections:
        data |= {name: getattr(report, name) for name in (
            "receiving_organisation", "receiving_unit", "financing_after", "ordinary_from",
            "changes_in_operations", "support_needed")}
    if "payment" in sections:
        request_ = report.payment_request
        data["payment_requested"] = request_.amount if request_ else None
    return data


def _form(report: Report, *, formdata: Any = None, blank_rows: int = 2) -> ReportForm:
    """The report's form: from ``formdata`` (the request or kept input), else the stored
    report."""
    cls = report_form_class(report)
    form = cls(formdata=formdata) if formdata is not None else \
        cls(formdata=None, data=_initial(report, blank_rows))
    set_report_year_choices(form, _years(report.application, report))
    return form


def _stored_form(report: Report, blank_rows: int) -> ReportForm:
    """The form as the pilot owner left it: what they typed that could not be stored (checked
    again, so its errors show), else the stored report."""
    raw = report.unsaved_input
    if raw:
        formdata = MultiDict([(k, v) for k, values in raw.items() for v in values])
        formdata["csrf_token"] = generate_csrf()
        form = _form(report, formdata=formdata)
        form.validate()
        return form
    return _form(report, blank_rows=blank_rows)


def _rows(entries: Any) -> list[Any]:
    return [entry.form for entry in entries if not entry.form.is_blank()]


def _content(form: ReportForm) -> report_ops.ReportContent:
    """What the (format-checked) form says, for the operation."""
    sections = form.sections
    c = report_ops.ReportContent()
    if "period" in sections:
        c.period_start, c.period_end = form.period_start.data, form.period_end.data
    if "activities" in sections:
        c.activities_done = form.activities_done.data or ""
        c.activities_deviations = form.activities_deviations.data or ""
    if "indicators" in sections:
        c.indicator_outcomes = [{
            "indicator_id": f.indicator.id, "outcome": f.outcome.data or "",
            "outcome_girls": (f.girls.data or "") if f.girls else "",
            "outcome_boys": (f.boys.data or "") if f.boys else "",
            "comment": f.comment.data or "",
        } for f in form.indicator_fields()]
    if "participants" in sections:
        c.participants = [
            {"age_band": band.code, **{sex: field.data for (sex, _, _), field
                                       in zip(SEXES, band.counts, strict=True)}}
            for band in form.band_fields()]
    if "costs" in sections:
        c.costs = [{"year": int(row.year.data), "cost_type": row.cost_type.data,
                    "description": row.description.data or "", "amount": row.amount.data}
                   for row in _rows(form.costs)]
        c.co_financing = [{"year": int(row.year.data), "kind": row.kind.data,
                           "funder": row.funder.data or "", "amount": row.amount.data}
                          for row in _rows(form.co_financing)]
        c.stated_cost_total = form.stated_cost_total.data
        c.cost_comment = form.cost_comment.data or ""
    if "learnings" in sections:
        c.learned_worked = form.learned_worked.data or ""
        c.learned_not_worked = form.learned_not_worked.data or ""
        c.learned_for_others = form.learned_for_others.data or ""
        c.learnings_public = bool(form.learnings_public.data)
    if "outcomes" in sections:
        c.gender_equality_outcome = form.gender_equality_outcome.data or ""
        c.sustainability_outcome = form.sustainability_outcome.data or ""
        c.checklist_outcomes = {answer.question_id: field.data or "" for group in (
            "gender_equality", "sustainability") for answer, field in form.checklist_fields(group)}
    if "scale_up" in sections:
        for name in ("receiving_organisation", "receiving_unit", "financing_after",
                     "changes_in_operations", "support_needed"):
            setattr(c, name, form[name].data or "")
        c.ordinary_from = form.ordinary_from.data
    if "payment" in sections:
        c.payment_requested = form.payment_requested.data
    return c


def _raw_input() -> dict[str, list[str]]:
    return {key: request.form.getlist(key) for key in request.form if key not in BUTTONS}


def _budget_by_year_and_type(application: Application) -> dict[tuple[str, str], int]:
    budget: dict[tuple[str, str], int] = defaultdict(int)
    for line in application.budget_lines:
        budget[(str(line.year), line.cost_type)] += line.amount
    return dict(budget)


def _cost_comparison(application: Application, report: Report) -> list[dict[str, Any]]:
    """Per year and cost type: what the budget said and what the report (as saved) says."""
    budget = _budget_by_year_and_type(application)
    actual: dict[tuple[str, str], int] = defaultdict(int)
    for cost in report.costs:
        actual[(str(cost.year), cost.cost_type)] += cost.amount
    rows = []
    order = list(CostType)
    for year, cost_type in sorted(set(budget) | set(actual),
                                  key=lambda k: (k[0], order.index(CostType(k[1])))):
        rows.append({"year": year, "label": CostType(cost_type).label,
                     "budget": budget.get((year, cost_type), 0),
                     "actual": actual.get((year, cost_type), 0)})
    return rows


def _editable_reason(report: Report) -> str | None:
    """Why the report cannot be changed now (None: it can)."""
    if not report.editable:
        return f"{report.label} har status «{report.state_label}» och kan inte ändras."
    application = report.application
    if not _active(application):
        return (f"Ärendet har status «{application.state_label}»: det tar inte emot fler "
                "rapporter.")
    return None


def _report_page(application: Application, report: Report, form: ReportForm | None, *,
                 status: int = 200, errors: list[str] | None = None,
                 upload_form: AttachmentUploadForm | None = None,
                 summary_title: str = "Det finns fel som behöver rättas") -> Any:
    slot = next((s for s in report_ops.report_slots(application)
                 if s.report is not None and s.report.id == report.id), None)
    paid = sum(paid_by_year(application).values())
    decision = application.current_decision
    return render_template(
        "reports/report.html", application=application, report=report, form=form,
        sections=report_ops.SECTIONS[report.kind], labels=report_ops.SECTION_LABELS,
        slot=slot, errors=errors or [], flags=report_ops.cost_flags(report),
        problems=report_ops.report_problems(report) if form is not None else [],
        locked=_editable_reason(report), budget=_budget_by_year_and_type(application),
        comparison=_cost_comparison(application, report), decision=decision,
        granted=decision.total if decision else 0, paid=paid,
        upload_form=upload_form or AttachmentUploadForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None), allowed=ALLOWED_TEXT,
        max_mb=MAX_ATTACHMENT_BYTES // 1024 // 1024, max_count=MAX_ATTACHMENTS,
        rows=request.args.get("rader", type=int), summary_title=summary_title,
    ), status


@bp.route("/<int:application_id>/rapporter/<int:report_id>", methods=["GET", "POST"])
@require_roles("applicant")
def report(application_id: int, report_id: int) -> Any:
    application = _load(application_id)
    report = _report(application, report_id)
    if (locked := _editable_reason(report)) is not None:
        if request.method == "GET":
            return _report_page(application, report, None)
        if "hand_in" in request.form and report.submitted_at is not None:
            # A second tab or a double click: the first one already handed it in.
            flash(f"{report.label} är redan inlämnad.", "info")
            return redirect(url_for("pilot_reports.report", application_id=application.id,
                                    report_id=report.id))
        return _report_page(application, report, None, status=409, errors=[locked])
    if request.method == "GET":
        return _report_page(application, report, _stored_form(report, _blank_rows()))

    form = _form(report, formdata=request.form)
    hand_in = "hand_in" in request.form
    if not form.validate_on_submit():
        # Kept exactly as typed (nothing is lost), shown again with the errors.
        try:
            report_ops.keep_report_input(report, actor=current_user, raw=_raw_input())
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        except StaleDataError:
            session.rollback()
            form.form_errors.append(CONCURRENT_CHANGE)
        else:
            session.commit()
        if hand_in:
            form.form_errors.insert(0, "Rapporten är inte inlämnad: rätta felen nedan först.")
        return _report_page(application, report, form, status=422)
    try:
        report_ops.save_report(report, actor=current_user, content=_content(form))
    except OperationError as exc:
        session.rollback()
        form.form_errors.extend(exc.reasons)
        try:
            report_ops.keep_report_input(report, actor=current_user, raw=_raw_input())
        except (OperationError, StaleDataError):
            session.rollback()
        else:
            session.commit()
        return _report_page(application, report, form, status=422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _report_page(application, _report(application, report_id), form, status=409)
    if hand_in:
        try:
            report_ops.submit_report(report, actor=current_user)
        except TransitionRefused as exc:
            # The draft is saved; handing in waits until every reason is dealt with.
            session.commit()
            return _report_page(application, report, form, status=409, errors=exc.reasons,
                                summary_title="Utkastet är sparat, men rapporten kan inte "
                                              "lämnas in än")
        except StaleDataError:
            session.rollback()
            form.form_errors.append(CONCURRENT_CHANGE)
            return _report_page(application, _report(application, report_id), form,
                                status=409)
        session.commit()
        deliver_mail()
        flash(f"{report.label} är inlämnad. Handläggaren granskar den och hör av sig.",
              "success")
        return redirect(url_for("pilot_reports.report", application_id=application.id,
                                report_id=report.id))
    session.commit()
    flash("Utkastet är sparat.", "success")
    if "more_rows" in request.form:
        return redirect(url_for("pilot_reports.report", application_id=application.id,
                                report_id=report.id, rader=_blank_rows() + 3) + "#rows-end")
    return redirect(url_for("pilot_reports.report", application_id=application.id,
                            report_id=report.id))


# Attachments ------------------------------------------------------------------------------------


def _attachment(report: Report, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.report_id != report.id \
            or attachment.removed_at is not None:
        abort(404)
    return attachment


@bp.post("/<int:application_id>/rapporter/<int:report_id>/bilagor")
@require_roles("applicant")
def upload(application_id: int, report_id: int) -> Any:
    application = _load(application_id)
    report = _report(application, report_id)
    if (locked := _editable_reason(report)) is not None:
        return _report_page(application, report, None, status=409, errors=[locked])
    form = AttachmentUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        # One byte past the limit is enough to refuse; a huge file is never read whole.
        data = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
        try:
            report_ops.add_report_attachment(
                report, actor=current_user, filename=upload.filename or "", data=data,
                description=form.description.data or "")
        except OperationError as exc:
            session.rollback()
            form.file.errors = [*form.file.errors, *exc.reasons]
        else:
            session.commit()
            flash(f"Bilagan «{upload.filename}» är uppladdad.", "success")
            return redirect(url_for("pilot_reports.report", application_id=application.id,
                                    report_id=report.id) + "#bilagor")
    return _report_page(application, report, _stored_form(report, _blank_rows()), status=422,
                        upload_form=form)


@bp.post("/<int:application_id>/rapporter/<int:report_id>/bilagor/<int:attachment_id>/ta-bort")
@require_roles("applicant")
def remove_attachment(application_id: int, report_id: int, attachment_id: int) -> Any:
    application = _load(application_id)
    report = _report(application, report_id)
    attachment = _attachment(report, attachment_id)
    ConfirmForm()  # the token is checked for every POST (CSRFProtect); nothing else to read
    try:
        report_ops.remove_report_attachment(attachment, actor=current_user)
    except OperationError as exc:
        session.rollback()
        return _report_page(application, report, None, status=409, errors=exc.reasons)
    session.commit()
    flash(f"Bilagan «{attachment.filename}» är borttagen.", "success")
    return redirect(url_for("pilot_reports.report", application_id=application.id,
                            report_id=report.id) + "#bilagor")


@bp.get("/<int:application_id>/rapporter/<int:report_id>/bilagor/<int:attachment_id>")
@require_roles("applicant")
def download_attachment(application_id: int, report_id: int, attachment_id: int) -> Any:
    application = _load(application_id)
    return send_attachment(_attachment(_report(application, report_id), attachment_id))


# Change requests --------------------------------------------------------------------------------


def _movable_dues(application: Application) -> list[MovableDue]:
    if not _granted_ever(application):
        return []
    return [MovableDue(s.kind, s.number, s.label, s.due_date)
            for s in report_ops.report_slots(application)
            if s.due is not None and s.due_date is not None and not s.handed_in]


def _money_by_year(application: Application) -> list[dict[str, int]]:
    committed, paid = committed_by_year(application), paid_by_year(application)
    return [{"year": year, "granted": net, "paid": paid.get(year, 0),
             "movable": max(net - paid.get(year, 0), 0)} for year, net in committed.items()]


def _place_change_errors(form: ChangeRequestForm, reasons: list[str]) -> None:
    """Each refusal next to the field it is about; the rest at the top of the form."""
    due_fields = form.due_fields()
    for reason in reasons:
        target = None
        if reason.startswith("Skriv varför"):
            target = form.reason
        elif reason.startswith(("Projektet kan inte sluta", "Det nya slutdatumet")):
            target = form.new_project_end
        elif reason.startswith(("Ange från vilket år", "Välj två olika budgetår")):
            target = form.move_to_year if form.move_from_year.data else form.move_from_year
        elif reason.startswith(("Beloppet som flyttas", "Det finns bara")):
            target = form.move_amount
        else:
            target = next((field for due, field in due_fields
                           if reason.startswith(f"{due.label}:")
                           or reason.startswith(f"{due.label} ")), None)
        if target is None:
            form.form_errors.append(reason)
        elif reason not in target.errors:
            target.errors = [*target.errors, reason]


def _change_page(application: Application, form: ChangeRequestForm | None, *,
                 status: int = 200) -> Any:
    change_requests = session.scalars(
        sa.select(ChangeRequest).where(ChangeRequest.application_id == application.id)
        .order_by(ChangeRequest.id)).all()
    pending = next((r for r in change_requests if r.state == ChangeRequestState.PENDING), None)
    return render_template(
        "reports/change.html", application=application, form=form,
        decision=application.current_decision, active=_active(application), pending=pending,
        change_requests=change_requests, describe=change_descriptions,
        money=_money_by_year(application) if _granted_ever(application) else [],
        confirm_form=ConfirmForm(formdata=None), not_granted=NOT_YET_GRANTED,
        granted=_granted_ever(application),
    ), status


def _change_form(application: Application, *, formdata: Any = None) -> ChangeRequestForm:
    cls = change_form_class(_movable_dues(application))
    form = cls(formdata=formdata) if formdata is not None else cls(formdata=None)
    from_years = sorted(committed_by_year(application))
    open_years = session.scalars(sa.select(Pot.year).where(Pot.closed_at.is_(None))).all()
    set_change_year_choices(form, from_years, sorted(set(from_years) | set(open_years)))
    return form


@bp.route("/<int:application_id>/andring", methods=["GET", "POST"])
@require_roles("applicant")
def change(application_id: int) -> Any:
    application = _load(application_id)
    if request.method == "GET":
        return _change_page(application, _change_form(application))
    form = _change_form(application, formdata=request.form)
    if not form.validate_on_submit():
        return _change_page(application, form, status=422)
    change = change_ops.ChangeInput(
        reason=form.reason.data or "", new_project_end=form.new_project_end.data,
        new_report_dates=form.new_report_dates(),
        move_from_year=int(form.move_from_year.data) if form.move_from_year.data else None,
        move_to_year=int(form.move_to_year.data) if form.move_to_year.data else None,
        move_amount=form.move_amount.data,
    )
    try:
        change_ops.request_change(application, actor=current_user, change=change)
    except OperationError as exc:
        session.rollback()
        _place_change_errors(form, exc.reasons)
        return _change_page(_load(application_id), form, status=422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _change_page(_load(application_id), form, status=409)
    session.commit()
    flash("Ändringsansökan är skickad. En beslutsfattare prövar den och ni får ett "
          "ändringsbeslut.", "success")
    return redirect(url_for("pilot_reports.index", application_id=application.id)
                    + "#andringar")


@bp.post("/<int:application_id>/andring/<int:request_id>/aterkalla")
@require_roles("applicant")
def withdraw_change(application_id: int, request_id: int) -> Any:
    application = _load(application_id)
    change_request = session.get(ChangeRequest, request_id)
    if change_request is None or change_request.application_id != application.id:
        abort(404)
    try:
        change_ops.withdraw_change_request(change_request, actor=current_user)
    except OperationError as exc:
        session.rollback()
        return _index_page(_load(application_id), status=409, errors=exc.reasons)
    except StaleDataError:
        session.rollback()
        return _index_page(_load(application_id), status=409, errors=[CONCURRENT_CHANGE])
    session.commit()
    flash("Ändringsansökan är återkallad.", "success")
    return redirect(url_for("pilot_reports.index", application_id=application.id)
                    + "#andringar")
