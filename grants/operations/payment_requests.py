"""Payment requests (rekvisitioner) made with a report, paid or refused by finance.

Finance pays a request once the officer has approved its report. The payment is booked through
:func:`grants.operations.finance.record_payment` (its rules apply: never over the grant, per year
never over what the year committed), split over the budget years that still have unpaid money,
earliest first. Nothing is committed here.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from grants.db import session, utcnow
from grants.models import LedgerEntry, PaymentKind, PaymentRequest, PaymentRequestState, User
from grants.money import format_kronor
from grants.operations.common import clean_text, lock_application, log_case_event
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.finance import (
    FinanceRefused,
    PaymentInput,
    committed_by_year,
    paid_by_year,
    record_payment,
)
from workflows import ReportState, Role

NOTE_LIMIT = 2000


def _require_finance(actor: User) -> None:
    if not actor.roles & {Role.FINANCE.value, Role.ADMIN.value}:
        raise NotPermitted("Bara ekonomi kan hantera rekvisitioner.")


def _open_request(request: PaymentRequest) -> None:
    lock_application(request.application)
    if request.state != PaymentRequestState.OPEN:
        raise InvalidInput(
            f"{request.reference} är redan hanterad ({request.state_label.lower()}).")
    if request.report.state != ReportState.APPROVED:
        raise InvalidInput(f"{request.reference} kan hanteras när handläggaren har godkänt "
                           f"{request.report.label.lower()} (nu: "
                           f"{request.report.state_label.lower()}).")


def pay_payment_request(request: PaymentRequest, *, actor: User, amount: int,
                        payment_date: date, note: str = "",
                        idempotency_key: str | None = None) -> list[LedgerEntry]:
    """Pay ``amount`` (at most what was asked) against the request; a lower amount needs a note
    saying why. Returns the ledger entries (one per budget year used). The same
    ``idempotency_key`` sent twice pays once. Raises NotPermitted, InvalidInput or
    FinanceRefused (with the figures)."""
    _require_finance(actor)
    if done := _paid_with(idempotency_key):
        return done
    _open_request(request)
    if done := _paid_with(idempotency_key):  # a resend that waited on the lock
        return done
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("Ange beloppet som betalas ut i hela kronor, mer än 0 kr.")
    if amount > request.amount:
        raise InvalidInput(f"Det går inte att betala ut mer än rekvisitionen begär "
                           f"({format_kronor(request.amount)}).")
    note = clean_text(note, NOTE_LIMIT, "Kommentaren")
    if amount < request.amount and not note:
        raise InvalidInput("Skriv varför mindre betalas ut än rekvisitionen begär.")
    application = request.application
    committed, paid = committed_by_year(application), paid_by_year(application)
    left = amount
    entries = []
    for year, net in committed.items():
        room = net - paid.get(year, 0)
        if left == 0 or room <= 0:
            continue
        part = min(room, left)
        entries.append(record_payment(application, actor=actor, payment=PaymentInput(
            amount=part, payment_date=payment_date, kind=PaymentKind.COSTS.value,
            reference=f"{request.reference}, {request.report.label.lower()}", year=year),
            idempotency_key=f"{idempotency_key}:{year}" if idempotency_key else None))
        left -= part
    if left:
        raise FinanceRefused(f"Det återstår bara {format_kronor(amount - left)} av stödet att "
                             f"betala ut; {format_kronor(amount)} ryms inte.")
    request.state, request.paid_amount = PaymentRequestState.PAID.value, amount
    request.handled_by_id, request.handled_at, request.note = actor.id, utcnow(), note
    log_case_event(application, "pay_payment_request", actor=actor, reason=note, data={
        "payment_request_id": request.id, "amount": amount, "requested": request.amount})
    return entries


def _paid_with(key: str | None) -> list[LedgerEntry]:
    """The payments an earlier sending of the same form booked (keys ``<key>:<year>``)."""
    if not key:
        return []
    return list(session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.idempotency_key.startswith(f"{key}:", autoescape=True))
        .order_by(LedgerEntry.id)))


def refuse_payment_request(request: PaymentRequest, *, actor: User, reason: str) -> None:
    """Refuse the request with a reason (nothing is paid). Raises NotPermitted or InvalidInput."""
    _require_finance(actor)
    _open_request(request)
    reason = clean_text(reason, NOTE_LIMIT, "Skälet")
    if not reason:
        raise InvalidInput("Skriv varför rekvisitionen avslås.")
    request.state, request.handled_by_id = PaymentRequestState.REFUSED.value, actor.id
    request.handled_at, request.note = utcnow(), reason
    log_case_event(request.application, "refuse_payment_request", actor=actor, reason=reason,
                   data={"payment_request_id": request.id, "requested": request.amount})
