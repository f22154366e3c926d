"""Changing a granted pilot, and paying against its reports.

The decider's pages: the change requests (ändringsansökningar) waiting for a decision, one
request with the amendment decision form (ändringsbeslut), and the cancellation (återkallelse)
of a grant. Finance's pages: the payment requests (rekvisitioner) made with reports, paid or
refused one at a time.

Each post runs one operation and commits once. A refusal shows the page again with every typed
value and the operation's reasons: 422 for input that cannot be read or that the operation finds
invalid, 409 when a money rule or the case's state refuses (the reasons carry the figures).
Nothing is changed on a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from forms.amendments import (
    CancellationForm,
    ChangeDecisionForm,
    PaymentRequestPayForm,
    PaymentRequestRefuseForm,
)
from grants.auth import require_roles
from grants.completeness import today
from grants.db import session
from grants.letters import swedish_date
from grants.models import (
    Application,
    ChangeRequest,
    ChangeRequestState,
    Decision,
    LedgerEntry,
    PaymentRequest,
    PaymentRequestState,
    PilotAccount,
    Pot,
    Report,
    User,
)
from grants.money import format_kronor
from grants.operations.amendments import DeciderTerms, cancel_grant, decide_change
from grants.operations.decisions import change_descriptions
from grants.operations.errors import InvalidInput, NotPermitted, OperationError
from grants.operations.finance import FinanceRefused, committed_by_year, paid_by_year
from grants.operations.payment_requests import pay_payment_request, refuse_payment_request
from grants.operations.reports import ACTIVE_STATES, unspent_by_year
from grants.views.cases import CONCURRENT_CHANGE, deliver_mail, issued_letters
from grants.views.finance import SENT_AT_ONCE
from workflows import ReportState, Role, State, TransitionRefused, transition_for

bp = Blueprint("amendments", __name__)

FINANCE_ROLES = (Role.FINANCE.value, Role.ADMIN.value)
HANDLED_SHOWN = 50
"""How many handled payment requests the list shows (newest first)."""
WAITING_REPORT_STATES = (ReportState.SUBMITTED.value, ReportState.RETURNED.value)
"""An open request whose report is handed in but not approved: the officer (or, once returned,
the pilot owner) has the next step. A request on a report not yet handed in is not listed."""

# Refusals that concern one field are shown next to it (and linked from the error summary);
# any other reason is shown at the top. The words are the operations' own.
FIELD_FOR_REASON = {
    "Bekräfta att du inte är jävig i ärendet.": "jav_confirmed",
    "Skriv skälen för beslutet.": "reasons",
    transition_for("cancel").reason_missing: "reasons",
    "Beslutsdatum kan inte ligga i framtiden.": "decision_date",
    "Protokollet kan inte ha anslagits före beslutsdagen.": "minutes_posted",
    "Skriv varför mindre betalas ut än rekvisitionen begär.": "note",
    "Ange beloppet som betalas ut i hela kronor, mer än 0 kr.": "amount",
    "Skriv varför rekvisitionen avslås.": "reason",
}
FIELD_FOR_PREFIX = (
    (re.compile(r"^Återkravet "), "claim_amount"),
    (re.compile(r"^Det går inte att betala ut mer än"), "amount"),
)


def _place_reasons(form: FlaskForm, reasons: Iterable[str]) -> None:
    """Put each refusal next to its field, or at the top of the form."""
    reasons = list(reasons)
    # A cancellation without reasons is refused twice (the workflow's required reason and the
    # operation's check); one message is enough.
    if "Skriv skälen för beslutet." in reasons:
        reasons = [r for r in reasons if r != transition_for("cancel").reason_missing]
    for reason in reasons:
        name = FIELD_FOR_REASON.get(reason) or next(
            (field for pattern, field in FIELD_FOR_PREFIX if pattern.match(reason)), None)
        field = form._fields.get(name) if name else None
        if field is None:
            if reason not in form.form_errors:
                form.form_errors.append(reason)
        elif reason not in field.errors:
            field.errors = [*field.errors, reason]


# Small counts for the pages that link here ------------------------------------------------------


@bp.app_template_global()
def pending_change_count() -> int:
    """Change requests waiting for a decision (for the decider's meeting page)."""
    return session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest).where(
        ChangeRequest.state == ChangeRequestState.PENDING.value)) or 0


@bp.app_template_global()
def payable_request_count() -> int:
    """Payment requests finance can pay now: open, their report approved (for the dashboard)."""
    return session.scalar(
        sa.select(sa.func.count()).select_from(PaymentRequest)
        .join(Report, Report.id == PaymentRequest.report_id)
        .where(PaymentRequest.state == PaymentRequestState.OPEN.value,
               Report.state == ReportState.APPROVED.value)) or 0


# Decider: change requests ---------------------------------------------------------------------


@bp.get("/beslut/andringar")
@require_roles(Role.DECIDER.value)
def pending_changes() -> Any:
    rows = session.execute(
        # The organisation comes along in the same query (Application.organisation is joined).
        sa.select(ChangeRequest, Application)
        .join(Application, Application.id == ChangeRequest.application_id)
        .where(ChangeRequest.state == ChangeRequestState.PENDING.value)
        .order_by(ChangeRequest.created_at, ChangeRequest.id)
    ).all()
    return render_template(
        "amendments/pending.html",
        rows=[(change, application, change_descriptions(change)) for change, application in rows],
    )


def _load_change(request_id: int) -> tuple[ChangeRequest, Application]:
    change = session.get(ChangeRequest, request_id)
    if change is None:
        abort(404)
    application = session.get(Application, change.application_id)
    assert application is not None
    return change, application


def _change_preview(change: ChangeRequest, decision: Decision | None) -> dict[str, Any]:
    """The terms in force beside what they would be if the request is approved."""
    if decision is None:
        return {"amounts": [], "dues": []}
    now = {a.year: a.amount for a in decision.amounts}
    after = dict(now)
    if change.move_amount and change.move_from_year and change.move_to_year:
        after[change.move_from_year] = after.get(change.move_from_year, 0) - change.move_amount
        after[change.move_to_year] = after.get(change.move_to_year, 0) + change.move_amount
    moved = {(r["kind"], r["number"]): date.fromisoformat(r["due"])
             for r in change.new_report_dates}
    return {
        "amounts": [(year, now.get(year, 0), after.get(year, 0))
                    for year in sorted(set(now) | set(after))],
        "dues": [(due, moved.get((due.kind, due.number)))
                 for due in sorted(decision.report_dues, key=lambda d: (d.due_date, d.number))],
    }


def _change_page(change: ChangeRequest, application: Application, form: ChangeDecisionForm,
                 status: int = 200) -> Any:
    decision = application.current_decision
    move_years = [y for y in (change.move_from_year, change.move_to_year) if y is not None]
    pots = {p.year: p for p in session.scalars(
        sa.select(Pot).where(Pot.year.in_(move_years)).execution_options(populate_existing=True)
    )} if move_years else {}
    committed, paid = committed_by_year(application), paid_by_year(application)
    answer = session.get(Decision, change.decision_id) if change.decision_id else None
    return render_template(
        "amendments/change.html", change=change, application=application, form=form,
        asked=change_descriptions(change), decision=decision, answer=answer,
        preview=_change_preview(change, decision), pots=pots, committed=committed, paid=paid,
        requested_by=session.get(User, change.requested_by_id),
        pending=change.state == ChangeRequestState.PENDING,
        letters=issued_letters(application),
    ), status


@bp.route("/beslut/andringar/<int:request_id>", methods=["GET", "POST"])
@require_roles(Role.DECIDER.value)
def change_request(request_id: int) -> Any:
    change, application = _load_change(request_id)
    posted = request.method == "POST"
    form = ChangeDecisionForm(data=None if posted else {
        "decision_date": today(), "minutes_posted": today()})
    if not posted:
        return _change_page(change, application, form)
    if change.state != ChangeRequestState.PENDING:
        form.form_errors.append(
            f"Ändringsansökan är redan avgjord ({change.state_label.lower()}); inget ändrades.")
        return _change_page(change, application, form, 409)
    if not form.validate_on_submit():
        return _change_page(change, application, form, 422)
    terms = DeciderTerms(
        decision_date=form.decision_date.data, minutes_posted=form.minutes_posted.data,
        reasons=form.reasons.data or "", jav_confirmed=bool(form.jav_confirmed.data))
    try:
        decision = decide_change(change, actor=current_user, approve=form.approve, terms=terms)
    except NotPermitted:
        session.rollback()
        abort(403)
    except FinanceRefused as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        return _change_page(change, application, form, 409)
    except InvalidInput as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        # Decided or withdrawn by someone else meanwhile, or the case moved on: a conflict,
        # not bad input.
        conflict = (change.state != ChangeRequestState.PENDING
                    or application.state not in ACTIVE_STATES)
        return _change_page(change, application, form, 409 if conflict else 422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _change_page(change, application, form, 409)
    session.commit()
    deliver_mail()
    flash(f"Ändringsbeslutet är fattat: {decision.outcome_label.lower()}. Beslutsbrevet är "
          f"skickat till sökanden. Sista dag att överklaga är "
          f"{swedish_date(decision.appeal_deadline)}.", "success")
    return redirect(url_for("officer.show", application_id=application.id, _anchor="beslut"))


# Decider: cancellation ------------------------------------------------------------------------


CANCELLABLE_STATES = (State.GRANTED.value, State.FOLLOWED_UP.value)


def _load_case(application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.state == State.DRAFT:
        abort(404)
    return application


def _why_not_cancellable(application: Application) -> str:
    cancellation = application.cancellation
    if cancellation is not None:
        return (f"Stödet är redan återkallat genom beslut den "
                f"{swedish_date(cancellation.decision_date)}.")
    return (f"Ärendet har status «{application.state_label}». Bara stöd till piloter som är "
            "beviljade eller uppföljda kan återkallas.")


def _cancel_unavailable(application: Application) -> Any:
    return render_template(
        "amendments/unavailable.html", application=application,
        title="Stödet kan inte återkallas", message=_why_not_cancellable(application),
    ), 409


def _cancel_page(application: Application, form: CancellationForm, status: int = 200) -> Any:
    committed, paid = committed_by_year(application), paid_by_year(application)
    unspent = unspent_by_year(application)
    years = sorted(set(committed) | set(paid))
    account = session.get(PilotAccount, application.id, populate_existing=True)
    open_requests = list(session.scalars(sa.select(PaymentRequest).where(
        PaymentRequest.application_id == application.id,
        PaymentRequest.state == PaymentRequestState.OPEN.value).order_by(PaymentRequest.id)))
    pending = session.scalars(sa.select(ChangeRequest).where(
        ChangeRequest.application_id == application.id,
        ChangeRequest.state == ChangeRequestState.PENDING.value)).first()
    return render_template(
        "amendments/cancel.html", application=application, form=form,
        decision=application.current_decision,
        years=[(y, committed.get(y, 0), paid.get(y, 0), unspent.get(y, 0)) for y in years],
        granted_total=sum(committed.values()), paid_total=sum(paid.values()),
        released_total=sum(unspent.values()), claimed=account.claimed if account else 0,
        open_requests=open_requests, pending_change=pending,
    ), status


@bp.route("/beslut/arenden/<int:application_id>/aterkallelse", methods=["GET", "POST"])
@require_roles(Role.DECIDER.value)
def cancel(application_id: int) -> Any:
    application = _load_case(application_id)
    if application.state not in CANCELLABLE_STATES:
        return _cancel_unavailable(application)
    posted = request.method == "POST"
    form = CancellationForm(data=None if posted else {
        "claim_amount": 0, "decision_date": today(), "minutes_posted": today()})
    if not posted:
        return _cancel_page(application, form)
    if not form.validate_on_submit():
        return _cancel_page(application, form, 422)
    terms = DeciderTerms(
        decision_date=form.decision_date.data, minutes_posted=form.minutes_posted.data,
        reasons=form.reasons.data or "", jav_confirmed=bool(form.jav_confirmed.data),
        claim_amount=form.claim_amount.data or 0)
    try:
        cancel_grant(application, actor=current_user, terms=terms)
    except NotPermitted:
        session.rollback()
        abort(403)
    except (TransitionRefused, FinanceRefused) as exc:
        session.rollback()
        if application.state not in CANCELLABLE_STATES:  # cancelled or closed meanwhile
            return _cancel_unavailable(application)
        _place_reasons(form, exc.reasons)
        return _cancel_page(application, form, 409)
    except OperationError as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        return _cancel_page(application, form, 422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _cancel_page(application, form, 409)
    session.commit()
    deliver_mail()
    cancellation = application.cancellation
    assert cancellation is not None
    claim = (f" Återkrav: {format_kronor(cancellation.claimed_back)}."
             if cancellation.claimed_back else "")
    flash(f"Stödet till {application.reference} är återkallat och ej utbetalda pengar är "
          f"återförda till sina budgetår.{claim} Beslutsbrevet är skickat till sökanden. Sista "
          f"dag att överklaga är {swedish_date(cancellation.appeal_deadline)}.", "success")
    return redirect(url_for("officer.show", application_id=application.id, _anchor="beslut"))


# Finance: payment requests --------------------------------------------------------------------


def _request_rows(*where: Any, newest_first: bool = False, limit: int | None = None
                  ) -> list[Any]:
    """Payment requests with their report, case, the pilot's account and who handled them, in
    one query."""
    order = (sa.desc(PaymentRequest.handled_at), sa.desc(PaymentRequest.id)) if newest_first \
        else (PaymentRequest.created_at, PaymentRequest.id)
    query = (
        sa.select(PaymentRequest, Report, Application, PilotAccount, User.name.label("handler"))
        .join(Report, Report.id == PaymentRequest.report_id)
        .join(Application, Application.id == PaymentRequest.application_id)
        .outerjoin(PilotAccount, PilotAccount.application_id == Application.id)
        .outerjoin(User, User.id == PaymentRequest.handled_by_id)
        .where(*where).order_by(*order)
    )
    return list(session.execute(query.limit(limit) if limit else query).all())


def _blank_forms(payment_request: PaymentRequest) -> dict[str, FlaskForm]:
    return {
        "pay": PaymentRequestPayForm.blank(
            prefix=f"pay-{payment_request.id}",
            data={"amount": payment_request.amount, "payment_date": today()}),
        "refuse": PaymentRequestRefuseForm(prefix=f"refuse-{payment_request.id}",
                                           formdata=None),
    }


def _requests_page(*, status: int = 200,
                   failed: tuple[int, str, FlaskForm, str] | None = None) -> Any:
    """The payment request list; ``failed`` is the form posted and refused: (the request's id,
    "pay" or "refuse", the form, the title of its error summary)."""
    is_open = PaymentRequest.state == PaymentRequestState.OPEN.value
    ready = _request_rows(is_open, Report.state == ReportState.APPROVED.value)
    waiting = _request_rows(is_open, Report.state.in_(WAITING_REPORT_STATES))
    handled = _request_rows(~is_open, newest_first=True, limit=HANDLED_SHOWN)
    forms = {row.PaymentRequest.id: _blank_forms(row.PaymentRequest) for row in ready}
    if failed is not None:
        request_id, key, form, _title = failed
        if request_id in forms:
            forms[request_id][key] = form
    return render_template(
        "amendments/payment_requests.html", ready=ready, waiting=waiting, handled=handled,
        forms=forms, failed=(failed[2], failed[3]) if failed else None,
        handled_shown=HANDLED_SHOWN,
    ), status


@bp.get("/ekonomi/rekvisitioner")
@require_roles(*FINANCE_ROLES)
def payment_requests() -> Any:
    return _requests_page()


def _load_payment_request(request_id: int) -> PaymentRequest:
    payment_request = session.get(PaymentRequest, request_id)
    if payment_request is None:
        abort(404)
    return payment_request


def _not_handleable(payment_request: PaymentRequest) -> bool:
    """Already handled, or its report not approved: a conflict with the request's state."""
    return (payment_request.state != PaymentRequestState.OPEN
            or payment_request.report.state != ReportState.APPROVED)


def _paid_with(key: str | None) -> bool:
    """Whether this form's one-time key has already paid (its payments are keyed
    ``<key>:<year>``)."""
    return bool(key) and session.scalar(sa.select(LedgerEntry.id).where(
        LedgerEntry.idempotency_key.startswith(f"{key}:", autoescape=True)).limit(1)) is not None


def _handle(payment_request: PaymentRequest, key: str, form: FlaskForm, title: str,
            action: Any) -> Any:
    """Validate ``form``, run ``action`` (one operation) and commit. Returns None when done,
    else the list page showing why not."""
    def refused(status: int) -> Any:
        return _requests_page(status=status, failed=(payment_request.id, key, form, title))

    if not form.validate_on_submit():
        return refused(422)
    try:
        action(form)
        session.commit()
    except NotPermitted:
        session.rollback()
        abort(403)
    except FinanceRefused as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        return refused(409)
    except OperationError as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        return refused(409 if _not_handleable(payment_request) else 422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return refused(409)
    except IntegrityError:
        # The same one-time key booked by a request running at the same moment (unique), or
        # a movement that a CHECK constraint stopped.
        session.rollback()
        form.form_errors.append(SENT_AT_ONCE)
        return refused(409)
    return None


@bp.post("/ekonomi/rekvisitioner/<int:request_id>/betala")
@require_roles(*FINANCE_ROLES)
def pay(request_id: int) -> Any:
    payment_request = _load_payment_request(request_id)
    form = PaymentRequestPayForm(prefix=f"pay-{request_id}")
    sent_before = _paid_with(form.key.data)
    refused = _handle(
        payment_request, "pay", form, f"{payment_request.reference} kunde inte betalas",
        lambda f: pay_payment_request(
            payment_request, actor=current_user, amount=f.amount.data,
            payment_date=f.payment_date.data, note=f.note.data or "",
            idempotency_key=f.key.data))
    if refused is not None:
        return refused
    if sent_before:
        flash(f"{payment_request.reference} var redan betald (formuläret skickades två gånger). "
              "Den är betald en gång.", "info")
    else:
        flash(f"{payment_request.reference} är betald: "
              f"{format_kronor(payment_request.paid_amount)} till "
              f"{payment_request.application.reference}.", "success")
    return redirect(url_for("amendments.payment_requests", _anchor="hanterade"))


@bp.post("/ekonomi/rekvisitioner/<int:request_id>/avsla")
@require_roles(*FINANCE_ROLES)
def refuse(request_id: int) -> Any:
    payment_request = _load_payment_request(request_id)
    form = PaymentRequestRefuseForm(prefix=f"refuse-{request_id}")
    refused = _handle(
        payment_request, "refuse", form, f"{payment_request.reference} kunde inte avslås",
        lambda f: refuse_payment_request(payment_request, actor=current_user,
                                         reason=f.reason.data or ""))
    if refused is not None:
        return refused
    flash(f"{payment_request.reference} är avslagen. Inget betalades ut.", "success")
    return redirect(url_for("amendments.payment_requests", _anchor="hanterade"))
