"""Officers' follow-up of granted pilots: the overview of due and overdue reports, one report
read in full (approved or returned from there), the report due dates, and closing a pilot with
its unspent money released.

Deciders may read the overview and the reports; everything that changes something is the
officer's. Each form posts to its own address and a refusal shows the page again with the
form's errors and the typed values: 422 for input that cannot be used, 409 when a rule refuses
(with its reasons) or someone else changed the case at the same time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from forms.followup import (
    PilotCloseForm,
    ReportApproveForm,
    ReportDatesForm,
    ReportReturnForm,
    due_field_name,
    report_dates_form,
)
from grants.auth import require_roles
from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    Attachment,
    ChecklistGroup,
    CoFinancingKind,
    CostType,
    PilotAccount,
    Pot,
    Report,
    ReportDue,
    ReportKind,
)
from grants.money import format_kronor
from grants.operations import reports as report_ops
from grants.operations.errors import InvalidInput, NotPermitted, OperationError
from grants.templating import STOCKHOLM
from grants.views.cases import CONCURRENT_CHANGE, deliver_mail, send_attachment
from workflows import REPORT, ReportState, Role, State, TransitionRefused, transition_for

bp = Blueprint("followup", __name__)
STAFF = (Role.OFFICER.value, Role.DECIDER.value)
OFFICER = Role.OFFICER.value
FOLLOWED_STATES = (State.GRANTED.value, State.FOLLOWED_UP.value, State.SCALED.value,
                   State.CLOSED.value)
"""States in which a case has a grant to follow up, and so a follow-up section on its page."""
SOON_DAYS = 14
"""A report due within this many days is marked as due soon (the first reminder goes then)."""

APPROVE_LABELS = {
    ReportKind.FOLLOW_UP.value: "Godkänn – ärendet blir uppföljt",
    ReportKind.SCALE_UP.value: "Godkänn – ärendet blir infört i ordinarie verksamhet",
}
"""The approve button says what else approving does to the case."""


@bp.app_template_global("report_slots")
def _report_slots(application: Application) -> list[report_ops.ReportSlot]:
    """The case page's follow-up section lists the pilot's reports (see
    templates/followup/_case_section.html)."""
    return report_ops.report_slots(application)


# Loading ----------------------------------------------------------------------------------------


def _load(application_id: int) -> Application:
    application = session.get(Application, application_id)
    # Drafts have not reached the region; to staff they do not exist yet.
    if application is None or application.state == State.DRAFT:
        abort(404)
    return application


def _load_report(application_id: int, report_id: int) -> tuple[Application, Report]:
    """The case and one of its reports that has been handed in (404 otherwise: a report the
    pilot owner has not handed in has not reached the region)."""
    application = _load(application_id)
    report = session.get(Report, report_id)
    if report is None or report.application_id != application.id or report.submitted_at is None:
        abort(404)
    return application, report


def _unavailable(application: Application, *, title: str, message: str) -> Any:
    return render_template("followup/unavailable.html", application=application, title=title,
                           message=message), 409


def _not_active(application: Application, what: str) -> str | None:
    """Why ``what`` cannot be done on the case in its state (None: it can)."""
    if application.state in report_ops.ACTIVE_STATES:
        return None
    if application.state in (State.REJECTED, State.WITHDRAWN):
        return (f"Ärendet har status «{application.state_label}»: det finns inget beviljat stöd "
                "att följa upp.")
    if application.state in (State.SCALED, State.CLOSED):
        return (f"Ärendet har status «{application.state_label}»: uppföljningen är klar, så "
                f"det går inte att {what}.")
    return (f"Ärendet har status «{application.state_label}»: det går att {what} först när "
            "stödet är beviljat.")


# The overview -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    slot: report_ops.ReportSlot
    on: date

    @property
    def days(self) -> int | None:
        """Days until the due date (negative: days since it passed)."""
        due = self.slot.due_date
        return None if due is None else (due - self.on).days

    @property
    def when(self) -> str:
        """The due date in words, relative to today (for a report handed in: when it was)."""
        days = self.days
        report = self.slot.report
        if self.slot.handed_in and report is not None and report.submitted_at is not None:
            handed = report.submitted_at.astimezone(STOCKHOLM).date()
            late = handed > (self.slot.due_date or date.max)
            return f"Lämnades in {handed.isoformat()}" + (" (efter sista dagen)" if late else "")
        if days is None:
            return "Inget datum i beslutet"
        if days < 0:
            return f"Försenad: {-days} {'dag' if days == -1 else 'dagar'} sedan sista dagen"
        if days == 0:
            return "Ska lämnas i dag"
        return f"Om {days} {'dag' if days == 1 else 'dagar'}" + (
            " (snart)" if days <= SOON_DAYS else "")

    @property
    def report_link(self) -> bool:
        report = self.slot.report
        return report is not None and report.submitted_at is not None


@bp.get("/handlaggning/rapporter")
@require_roles(*STAFF)
def overview() -> Any:
    on = today()
    rows = [OverviewRow(slot, on) for slot in report_ops.overview(on)]
    groups: dict[str, list[OverviewRow]] = {"overdue": [], "upcoming": [], "waiting": []}
    for row in rows:  # overview() gives them overdue first, then by due date
        report = row.slot.report
        if report is not None and report.state == ReportState.SUBMITTED:
            groups["waiting"].append(row)
        else:
            groups["overdue" if row.slot.overdue(on) else "upcoming"].append(row)
    return render_template("followup/overview.html", on=on, **groups)


# One report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyRow:
    """Planned (the application) against reported, for one year and one kind of money."""

    year: int
    label: str
    planned: int
    reported: int

    @property
    def difference(self) -> int:
        return self.reported - self.planned


def _money_rows(planned: list[tuple[int, str, int]], reported: list[tuple[int, str, int]],
                kinds: type[CostType] | type[CoFinancingKind]) -> list[MoneyRow]:
    """Per (year, kind): the planned and the reported sums, every pair either side has, by year
    and then in the order of ``kinds`` (as the application's budget form lists them)."""
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for year, kind, amount in planned:
        sums[(year, kind)][0] += amount
    for year, kind, amount in reported:
        sums[(year, kind)][1] += amount
    order = {kind.value: position for position, kind in enumerate(kinds)}
    return [MoneyRow(year, kinds(kind).label, p, r) for (year, kind), (p, r)
            in sorted(sums.items(), key=lambda item: (item[0][0], order.get(item[0][1], 99)))]


def _due_of(application: Application, report: Report) -> ReportDue | None:
    decision = application.current_decision
    return next((d for d in (decision.report_dues if decision else [])
                 if d.kind == report.kind and d.number == report.number), None)


def _report_page(application: Application, report: Report, *, status: int = 200,
                 failed: tuple[str, FlaskForm, str] | None = None) -> Any:
    """The report read in full; ``failed`` is the form posted and refused (its key, the form
    and the title of its error summary)."""
    key, form, title = failed or ("", None, "")
    sections = report_ops.SECTIONS[report.kind]
    outcomes = {o.indicator_id: o for o in report.indicator_outcomes}
    participants = report.participants
    checklist: dict[str, list[Any]] = {group.value: [] for group in ChecklistGroup}
    for answer in sorted(application.checklist_answers, key=lambda a: a.question.position):
        checklist.setdefault(answer.question.checklist, []).append(answer)
    approve_form = form if key == "approve" else ReportApproveForm(prefix="approve",
                                                                    formdata=None)
    approve_form.submit.label.text = APPROVE_LABELS.get(report.kind, "Godkänn rapporten")
    return render_template(
        "followup/report.html", application=application, report=report, sections=sections,
        section_labels=report_ops.SECTION_LABELS, due=_due_of(application, report),
        flags=report_ops.cost_flags(report) if {"costs", "payment"} & set(sections) else [],
        outcomes=outcomes,
        participant_totals={sex: sum(getattr(p, sex) for p in participants)
                            for sex in ("girls", "boys", "other", "total")},
        cost_rows=_money_rows(
            [(b.year, b.cost_type, b.amount) for b in application.budget_lines],
            [(c.year, c.cost_type, c.amount) for c in report.costs], CostType),
        co_financing_rows=_money_rows(
            [(c.year, c.kind, c.amount) for c in application.co_financing],
            [(c.year, c.kind, c.amount) for c in report.co_financing], CoFinancingKind),
        checklist=checklist,
        reviewable=current_user.has_role(OFFICER) and report.state == ReportState.SUBMITTED,
        approve_form=approve_form,
        return_form=form if key == "return" else ReportReturnForm(prefix="return",
                                                                  formdata=None),
        failed=(form, title) if form is not None else None,
    ), status


@bp.get("/handlaggning/arenden/<int:application_id>/rapporter/<int:report_id>")
@require_roles(*STAFF)
def report(application_id: int, report_id: int) -> Any:
    return _report_page(*_load_report(application_id, report_id))


def _review(application_id: int, report_id: int, key: str, form: FlaskForm, title: str,
            action: Callable[[Report], Any], reason_field: Any = None) -> tuple[Any, Report]:
    """Validate ``form`` and run ``action`` on the report, then commit. Returns (None, report)
    when done, else (the report page with the form's errors, report): 422 for input that cannot
    be used, 409 for a refusal or a concurrent change; 403 when the operation says the person
    may not."""
    application, report = _load_report(application_id, report_id)
    status = 422
    if form.validate_on_submit():
        try:
            action(report)
            session.commit()
            return None, report
        except NotPermitted:
            session.rollback()
            abort(403)
        except TransitionRefused as exc:
            session.rollback()
            rule = REPORT.transition_for("return_report")
            required = rule.reason_missing if rule else ""
            if reason_field is not None and required in exc.reasons:
                reason_field.errors = [required]
            others = [r for r in exc.reasons if r != required]
            form.form_errors.extend(others)
            status = 409 if others else 422
        except InvalidInput as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
            status = 409
        except StaleDataError:
            session.rollback()
            form.form_errors.append(CONCURRENT_CHANGE)
            status = 409
    application, report = _load_report(application_id, report_id)
    return _report_page(application, report, status=status, failed=(key, form, title)), report


@bp.post("/handlaggning/arenden/<int:application_id>/rapporter/<int:report_id>/godkann")
@require_roles(OFFICER)
def approve(application_id: int, report_id: int) -> Any:
    form = ReportApproveForm(prefix="approve")
    refused, report = _review(
        application_id, report_id, "approve", form, "Rapporten kunde inte godkännas",
        lambda r: report_ops.approve_report(r, actor=current_user, note=form.note.data or ""))
    if refused is not None:
        return refused
    deliver_mail()
    application = report.application
    done = f"{report.label} är godkänd."
    if report.kind in APPROVE_LABELS:
        done += f" Ärendet har nu status «{application.state_label}»."
    flash(done, "success")
    return redirect(url_for("followup.report", application_id=application_id,
                            report_id=report_id))


@bp.post("/handlaggning/arenden/<int:application_id>/rapporter/<int:report_id>/atersand")
@require_roles(OFFICER)
def return_for_changes(application_id: int, report_id: int) -> Any:
    form = ReportReturnForm(prefix="return")
    refused, report = _review(
        application_id, report_id, "return", form, "Rapporten kunde inte återsändas",
        lambda r: report_ops.return_report(r, actor=current_user, reason=form.reason.data or ""),
        reason_field=form.reason)
    if refused is not None:
        return refused
    deliver_mail()
    flash(f"{report.label} är återsänd för komplettering. Piloten har fått ett meddelande om "
          "vad som behöver rättas.", "success")
    return redirect(url_for("followup.report", application_id=application_id,
                            report_id=report_id))


@bp.get("/handlaggning/arenden/<int:application_id>/rapporter/<int:report_id>"
        "/bilagor/<int:attachment_id>")
@require_roles(*STAFF)
def download_attachment(application_id: int, report_id: int, attachment_id: int) -> Any:
    """A file handed in with the report, always as a download (never shown inline)."""
    _application, report = _load_report(application_id, report_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.report_id != report.id or attachment.removed_at:
        abort(404)
    return send_attachment(attachment)


# Report due dates -------------------------------------------------------------------------------


def _dues(application: Application) -> list[ReportDue]:
    decision = application.current_decision
    return sorted(decision.report_dues if decision else [],
                  key=lambda d: (d.due_date, d.kind, d.number))


def _dates_page(application: Application, form: ReportDatesForm, status: int = 200) -> Any:
    slots = {(s.kind, s.number): s for s in report_ops.report_slots(application)}
    return render_template("followup/due_dates.html", application=application, form=form,
                           slots=slots, decision=application.current_decision), status


@bp.route("/handlaggning/arenden/<int:application_id>/rapportdatum", methods=["GET", "POST"])
@require_roles(OFFICER)
def due_dates(application_id: int) -> Any:
    application = _load(application_id)
    if (problem := _not_active(application, "ändra rapportdatum")) is not None:
        return _unavailable(application, title="Rapportdatum kan inte ändras", message=problem)
    dues = _dues(application)
    if not dues:
        return _unavailable(application, title="Rapportdatum kan inte ändras",
                            message="Beslutet som gäller anger inga rapporter.")
    if request.method == "GET":
        return _dates_page(application, report_dates_form(
            dues, formdata=None, data={due_field_name(due): due.due_date for due in dues}))
    form = report_dates_form(dues)
    if not form.validate_on_submit():
        return _dates_page(application, form, 422)
    changed = [(due, field) for due, field in form.due_fields() if field.data != due.due_date]
    if not changed:
        form.form_errors.append("Inget datum är ändrat. Skriv ett nytt datum för den rapport "
                                "som ska flyttas.")
        return _dates_page(application, form, 422)
    moved = []
    for due, field in changed:
        try:
            before = due.due_date
            report_ops.change_report_due(
                application, actor=current_user, kind=due.kind, number=due.number,
                due_date=field.data, reason=form.reason.data or "")
            moved.append(f"{due.label} från {before.isoformat()} till {field.data.isoformat()}")
        except NotPermitted:
            session.rollback()
            abort(403)
        except OperationError as exc:
            session.rollback()
            # The reason is checked by the form; what is left is about this report's date.
            field.errors = [*field.errors, *exc.reasons]
            return _dates_page(_load(application_id), form, 422)
        except StaleDataError:
            session.rollback()
            form.form_errors.append(CONCURRENT_CHANGE)
            return _dates_page(_load(application_id), form, 409)
    session.commit()
    flash("Rapportdatum är ändrat: " + "; ".join(moved) + ". Påminnelserna följer de nya "
          "datumen.", "success")
    return redirect(url_for("officer.show", application_id=application.id, _anchor="uppfoljning"))


# Closing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseRow:
    """One budget year: what closing gives back, and the year's pot before and after."""

    year: int
    amount: int
    pot: Pot | None

    @property
    def released_after(self) -> int:
        return (self.pot.released if self.pot else 0) + self.amount

    @property
    def remaining_after(self) -> int:
        return (self.pot.remaining if self.pot else 0) + self.amount


def _close_page(application: Application, form: PilotCloseForm, *, status: int = 200,
                refused: list[str] | None = None) -> Any:
    unspent = report_ops.unspent_by_year(application)
    pots = {pot.year: pot for pot in session.scalars(
        sa.select(Pot).where(Pot.year.in_(list(unspent))).execution_options(
            populate_existing=True))}
    rows = [ReleaseRow(year, amount, pots.get(year)) for year, amount in unspent.items()]
    account = session.get(PilotAccount, application.id, populate_existing=True)
    return render_template(
        "followup/close.html", application=application, form=form, rows=rows,
        total=sum(unspent.values()), account=account, refused=refused or [],
        blockers=report_ops.closing_blockers(application),
        decision=application.current_decision,
    ), status


@bp.route("/handlaggning/arenden/<int:application_id>/avsluta", methods=["GET", "POST"])
@require_roles(OFFICER)
def close(application_id: int) -> Any:
    application = _load(application_id)
    if (problem := _not_active(application, "avsluta piloten")) is not None:
        return _unavailable(application, title="Piloten kan inte avslutas", message=problem)
    if request.method == "GET":
        return _close_page(application, PilotCloseForm(formdata=None))
    form = PilotCloseForm()
    if not form.validate_on_submit():
        return _close_page(application, form, status=422)
    released: dict[str, int] = {}
    try:
        event = report_ops.close_pilot(application, actor=current_user,
                                       reason=form.reason.data or "")
        released = dict(event.data.get("released", {}))
        session.commit()
    except NotPermitted:
        session.rollback()
        abort(403)
    except (TransitionRefused, OperationError) as exc:
        session.rollback()
        close_rule = transition_for("close")
        missing = close_rule.reason_missing if close_rule else ""
        if missing in exc.reasons:
            form.reason.errors = [missing]
        reasons = [r for r in exc.reasons if r != missing]
        return _close_page(_load(application_id), form, status=409 if reasons else 422,
                           refused=reasons)
    except StaleDataError:
        session.rollback()
        return _close_page(_load(application_id), form, status=409,
                           refused=[CONCURRENT_CHANGE])
    total = sum(released.values())
    flash("Piloten är avslutad. " + (
        f"{format_kronor(total)} återfördes till budgetåren ("
        + ", ".join(f"{year}: {format_kronor(amount)}" for year, amount in released.items())
        + ") och kan beviljas igen." if total else "Inga pengar fanns kvar att återföra."),
        "success")
    return redirect(url_for("officer.show", application_id=application.id, _anchor="uppfoljning"))

