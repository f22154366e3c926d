"""The reserved 1:1 money per budget year: reservations, commitments, releases, payments,
repayment claims, the year-end close and carry-over — all as append-only ledger entries.

Balances are sums of the ledger. ``Pot`` (per year) and ``PilotAccount`` (per pilot) cache them
for speed, and every change to a cache is a guarded ``UPDATE … WHERE <invariant still holds>``
in the same transaction as its ledger row: atomic on SQLite (writers are serialised) and on
PostgreSQL (the row lock re-checks the condition), with CHECK constraints as the last line.
``verify_ledger`` recomputes everything from the ledger and reports any difference.

Invariants: per year, committed − released ≤ reserved; per pilot, paid ≤ granted − released;
an advance is at most half the grant and never over 400 000 kr (NYPS practice).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from grants.db import session, utcnow
from grants.models import (
    Application,
    LedgerEntry,
    LedgerKind,
    PaymentKind,
    PilotAccount,
    Pot,
    User,
)
from grants.money import format_kronor
from grants.operations.common import clean_text, lock_application, log_case_event
from grants.operations.errors import InvalidInput, NotPermitted, OperationError
from workflows import Role, State

MAX_ADVANCE = 400_000
"""Never more than this as an advance, whatever the grant (NYPS practice)."""
PAYABLE_STATES = (State.GRANTED.value, State.FOLLOWED_UP.value, State.SCALED.value,
                  State.CLOSED.value)
NOTE_LIMIT = 2000


def _sum(column: Any) -> Any:
    """SUM of a BigInteger as a BigInteger: PostgreSQL's SUM(bigint) is numeric (Decimal), and
    money is int everywhere."""
    return sa.cast(sa.func.sum(column), sa.BigInteger)


class FinanceRefused(OperationError):
    """A movement that would break an invariant; the reasons carry the figures."""


def _require_finance(actor: User, what: str) -> None:
    if not actor.roles & {Role.FINANCE.value, Role.ADMIN.value}:
        raise NotPermitted(f"Bara ekonomi eller administratör kan {what}.")


def _amount(value: Any, what: str = "Beloppet") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} ska anges i hela kronor.")
    if value <= 0:
        raise InvalidInput(f"{what} måste vara större än 0 kr.")
    return value


def _reason(reason: str, what: str) -> str:
    text = clean_text(reason, NOTE_LIMIT, "Skälet")
    if not text:
        raise InvalidInput(f"Skriv varför {what}.")
    return text


def _pot(year: int) -> Pot:
    pot = session.get(Pot, year, populate_existing=True, with_for_update=True)
    if pot is None:
        raise InvalidInput(f"Det finns ingen pott för {year}.")
    return pot


def _existing(key: str | None) -> LedgerEntry | None:
    if not key:
        return None
    return session.scalar(sa.select(LedgerEntry).where(LedgerEntry.idempotency_key == key))


def _refresh(*objects: Any) -> None:
    for obj in objects:
        if obj is not None:
            session.refresh(obj)


# Pots --------------------------------------------------------------------------------------------


def create_pot(*, actor: User, year: int, reserved: int, reason: str) -> Pot:
    """Open a budget year with its reserved amount (a reservation ledger entry)."""
    _require_finance(actor, "lägga upp en pott")
    reason = _reason(reason, "potten läggs upp")
    if not 2000 <= year <= 2100:
        raise InvalidInput("Ange ett budgetår mellan 2000 och 2100.")
    if session.get(Pot, year) is not None:
        raise InvalidInput(f"Det finns redan en pott för {year}.")
    pot = Pot(year=year, reserved=0)
    session.add(pot)
    session.flush()
    if reserved:
        change_reservation(actor=actor, year=year, reserved=reserved, reason=reason)
    return pot


def change_reservation(*, actor: User, year: int, reserved: int, reason: str,
                       idempotency_key: str | None = None) -> LedgerEntry | None:
    """Set the year's reserved amount; never below what is committed and not released.

    Returns the ledger entry (None when the amount is unchanged). Raises NotPermitted,
    InvalidInput or FinanceRefused (with the figures).
    """
    _require_finance(actor, "ändra avsättningen")
    if (done := _existing(idempotency_key)) is not None:
        return done
    if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
        raise InvalidInput("Avsättningen ska vara hela kronor, 0 eller mer.")
    reason = _reason(reason, "avsättningen ändras")
    pot = _pot(year)
    delta = reserved - pot.reserved
    if delta == 0:
        return None
    _ensure_opening_entry(pot, actor)
    updated = session.execute(
        sa.update(Pot).where(Pot.year == year, Pot.committed - Pot.released <= reserved)
        .values(reserved=reserved).execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        pot = _pot(year)
        raise FinanceRefused(
            f"Avsättningen för {year} kan inte bli {format_kronor(reserved)}: "
            f"{format_kronor(pot.net_committed)} är redan beviljat och inte återfört."
        )
    entry = LedgerEntry(year=year, kind=LedgerKind.RESERVATION.value, amount=delta,
                        actor_id=actor.id, note=reason, idempotency_key=idempotency_key)
    session.add(entry)
    session.flush()
    _refresh(pot)
    return entry


def _ensure_opening_entry(pot: Pot, actor: User) -> None:
    """A pot set up before the ledger (or by the demo) gets one entry for its amount first, so
    that the reservation entries always add up to ``Pot.reserved``."""
    has_entries = session.scalar(sa.select(LedgerEntry.id).where(
        LedgerEntry.year == pot.year, LedgerEntry.kind == LedgerKind.RESERVATION.value).limit(1))
    if has_entries is None and pot.reserved:
        session.add(LedgerEntry(year=pot.year, kind=LedgerKind.RESERVATION.value,
                                amount=pot.reserved, actor_id=actor.id,
                                note="Ingående avsättning"))
        session.flush()


def close_year(*, actor: User, year: int, reason: str) -> int:
    """The year-end close: no new commitments from ``year``. Returns what is left unused
    (reserved − committed + released); moving it elsewhere is :func:`carry_over`."""
    _require_finance(actor, "stänga ett budgetår")
    reason = _reason(reason, "året stängs")
    pot = _pot(year)
    if pot.closed:
        raise InvalidInput(f"Budgetåret {year} är redan stängt.")
    pot.closed_at, pot.closed_by_id, pot.is_open = utcnow(), actor.id, False
    pot.close_note = reason
    session.flush()
    return pot.remaining


def carry_over(*, actor: User, from_year: int, to_year: int, amount: int, reason: str,
               idempotency_key: str | None = None) -> tuple[LedgerEntry, LedgerEntry]:
    """Move unused reserved money from one year to another: an explicit, logged pair of
    reservation changes. Raises FinanceRefused when ``from_year`` has less unused money."""
    _require_finance(actor, "föra över pengar mellan år")
    into_key = f"{idempotency_key}:in" if idempotency_key else None
    if (done := _existing(idempotency_key)) is not None:
        into = _existing(into_key)
        assert into is not None
        return done, into
    amount = _amount(amount)
    reason = _reason(reason, "pengar förs över")
    if from_year == to_year:
        raise InvalidInput("Välj två olika budgetår.")
    # Both years locked in year order: two carry-overs in opposite directions cannot deadlock.
    locked = {year: _pot(year) for year in sorted((from_year, to_year))}
    source, target = locked[from_year], locked[to_year]
    if (done := _existing(idempotency_key)) is not None:  # a resend that waited on the lock
        into = _existing(into_key)
        assert into is not None
        return done, into
    if target.closed:
        raise InvalidInput(f"Budgetåret {to_year} är stängt och kan inte ta emot pengar.")
    if amount > source.remaining:
        raise FinanceRefused(
            f"{from_year} har bara {format_kronor(source.remaining)} oanvänt; "
            f"{format_kronor(amount)} kan inte föras över."
        )
    note = f"Överfört {from_year} → {to_year}: {reason}"
    out = change_reservation(actor=actor, year=from_year, reserved=source.reserved - amount,
                             reason=note, idempotency_key=idempotency_key)
    into = change_reservation(actor=actor, year=to_year, reserved=target.reserved + amount,
                              reason=note, idempotency_key=into_key)
    assert out is not None and into is not None
    return out, into


# Commitments and releases (per pilot) -----------------------------------------------------------


def _account(application: Application) -> PilotAccount:
    account = session.get(PilotAccount, application.id, populate_existing=True)
    if account is None:
        account = PilotAccount(application_id=application.id, granted=0, released=0, paid=0,
                               advances=0, claimed=0, repaid=0)
        session.add(account)
        session.flush()
    return account


def commit_from_pot(application: Application, *, year: int, amount: int, actor: User,
                    decision_id: int | None = None) -> LedgerEntry:
    """Commit ``amount`` of ``year``'s money to the pilot (a grant). Raises FinanceRefused with
    the figures when the year is closed or has too little left."""
    amount = _amount(amount)
    updated = session.execute(
        sa.update(Pot)
        .where(Pot.year == year, Pot.closed_at.is_(None),
               Pot.committed - Pot.released + amount <= Pot.reserved)
        .values(committed=Pot.committed + amount)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        pot = session.get(Pot, year, populate_existing=True)
        if pot is None:
            raise FinanceRefused(f"Det finns ingen pott för {year}.")
        if pot.closed:
            raise FinanceRefused(f"Budgetåret {year} är stängt: inga nya beviljanden.")
        raise FinanceRefused(pot_refusal(pot, amount))
    account = _account(application)
    session.execute(sa.update(PilotAccount)
                    .where(PilotAccount.application_id == application.id)
                    .values(granted=PilotAccount.granted + amount)
                    .execution_options(synchronize_session=False))
    entry = LedgerEntry(year=year, kind=LedgerKind.COMMITMENT.value, amount=amount,
                        application_id=application.id, decision_id=decision_id,
                        actor_id=actor.id, note=f"Beviljat stöd {application.reference}")
    session.add(entry)
    session.flush()
    _refresh(session.get(Pot, year), account)
    return entry


def pot_refusal(pot: Pot, amount: int) -> str:
    return (
        f"Potten för {pot.year} räcker inte: {format_kronor(amount)} söks ur den, men bara "
        f"{format_kronor(pot.remaining)} återstår (avsatt {format_kronor(pot.reserved)}, "
        f"redan beviljat {format_kronor(pot.net_committed)})."
    )


def committed_by_year(application: Application) -> dict[int, int]:
    """Per year: committed − released for this pilot (from the ledger)."""
    rows = session.execute(
        sa.select(LedgerEntry.year, LedgerEntry.kind, _sum(LedgerEntry.amount))
        .where(LedgerEntry.application_id == application.id,
               LedgerEntry.kind.in_([LedgerKind.COMMITMENT.value, LedgerKind.RELEASE.value]))
        .group_by(LedgerEntry.year, LedgerEntry.kind)
    ).all()
    net: dict[int, int] = defaultdict(int)
    for year, kind, total in rows:
        net[year] += total if kind == LedgerKind.COMMITMENT else -total
    return dict(sorted(net.items()))


def paid_by_year(application: Application) -> dict[int, int]:
    rows = session.execute(
        sa.select(LedgerEntry.year, _sum(LedgerEntry.amount))
        .where(LedgerEntry.application_id == application.id,
               LedgerEntry.kind == LedgerKind.PAYMENT.value)
        .group_by(LedgerEntry.year).order_by(LedgerEntry.year)
    ).all()
    return {year: total for year, total in rows}


def release_money(application: Application, *, actor: User, year: int, amount: int,
                  reason: str, idempotency_key: str | None = None) -> LedgerEntry:
    """Give committed, unpaid money back to its own year (a reduced grant, a cancelled pilot,
    unspent money at closure). Raises NotPermitted, or FinanceRefused when more is released
    than is committed and unpaid."""
    _require_finance_or_officer(actor)
    return release_committed(application, actor=actor, year=year, amount=amount, reason=reason,
                             idempotency_key=idempotency_key)


def release_committed(application: Application, *, actor: User, year: int, amount: int,
                      reason: str, idempotency_key: str | None = None) -> LedgerEntry:
    """:func:`release_money` without the role check, for operations that have their own
    (a decider's cancellation or amendment decision)."""
    if (done := _existing(idempotency_key)) is not None:
        return done
    amount = _amount(amount)
    reason = _reason(reason, "pengarna återförs")
    lock_application(application)
    # A resend that waited on the lock finds the first one's entry now.
    if (done := _existing(idempotency_key)) is not None:
        return done
    open_in_year = committed_by_year(application).get(year, 0)
    if amount > open_in_year:
        raise FinanceRefused(
            f"Piloten har bara {format_kronor(open_in_year)} beviljat för {year} att återföra.")
    account = _account(application)
    updated = session.execute(
        sa.update(PilotAccount)
        .where(PilotAccount.application_id == application.id,
               PilotAccount.paid <= PilotAccount.granted - PilotAccount.released - amount)
        .values(released=PilotAccount.released + amount)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        account = _account(application)
        raise FinanceRefused(
            f"Det går inte att återföra {format_kronor(amount)}: {format_kronor(account.paid)} "
            f"är redan utbetalt av {format_kronor(account.net_granted)}."
        )
    session.execute(sa.update(Pot).where(Pot.year == year)
                    .values(released=Pot.released + amount)
                    .execution_options(synchronize_session=False))
    entry = LedgerEntry(year=year, kind=LedgerKind.RELEASE.value, amount=amount,
                        application_id=application.id, actor_id=actor.id, note=reason,
                        idempotency_key=idempotency_key)
    session.add(entry)
    session.flush()
    log_case_event(application, "release_money", actor=actor, reason=reason,
                   data={"year": year, "amount": amount})
    _refresh(session.get(Pot, year), account)
    return entry


def _require_finance_or_officer(actor: User) -> None:
    if not actor.roles & {Role.FINANCE.value, Role.ADMIN.value, Role.OFFICER.value}:
        raise NotPermitted("Bara ekonomi eller handläggare kan återföra beviljade pengar.")


# Payments ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentInput:
    amount: int
    payment_date: date
    kind: str
    reference: str
    year: int | None = None
    """The commitment year the payment is booked against; None: the earliest with money left."""


def record_payment(application: Application, *, actor: User, payment: PaymentInput,
                   idempotency_key: str | None = None) -> LedgerEntry:
    """Book a payment to a granted pilot.

    The same ``idempotency_key`` (a form sent twice) books one payment and returns it again.
    Raises NotPermitted, InvalidInput (bad amount, kind, reference, a case that is not granted)
    or FinanceRefused (over the grant, an advance over half the grant or 400 000 kr, over what
    the chosen year committed and has not paid).
    """
    _require_finance(actor, "registrera utbetalningar")
    if (done := _existing(idempotency_key)) is not None:
        return done
    amount = _amount(payment.amount)
    if payment.kind not in PaymentKind.__members__.values():
        raise InvalidInput("Välj om utbetalningen är ett förskott eller mot redovisade kostnader.")
    reference = clean_text(payment.reference, 200, "Underlaget")
    if not reference:
        raise InvalidInput("Ange vilket underlag utbetalningen grundar sig på (till exempel "
                           "rekvisitionens eller rapportens nummer).")
    lock_application(application)
    # A resend that waited on the lock finds the first one's entry now.
    if (done := _existing(idempotency_key)) is not None:
        return done
    if application.state not in PAYABLE_STATES:
        raise InvalidInput(f"Ärendet har status «{application.state_label}»: det finns inget "
                           "beviljat stöd att betala ut.")
    account = _account(application)
    problems = []
    if amount > account.unpaid:
        problems.append(
            f"Utbetalningen {format_kronor(amount)} är mer än det som återstår av stödet: "
            f"{format_kronor(account.unpaid)} (beviljat {format_kronor(account.net_granted)}, "
            f"utbetalt {format_kronor(account.paid)})."
        )
    if payment.kind == PaymentKind.ADVANCE:
        ceiling = min(account.net_granted // 2, MAX_ADVANCE)
        if account.advances + amount > ceiling:
            problems.append(
                f"Förskott får vara högst hälften av stödet och aldrig mer än "
                f"{format_kronor(MAX_ADVANCE)}: högst {format_kronor(ceiling)} i förskott, "
                f"{format_kronor(account.advances)} är redan utbetalt som förskott."
            )
    committed, paid = committed_by_year(application), paid_by_year(application)
    open_by_year = {y: c - paid.get(y, 0) for y, c in committed.items() if c > paid.get(y, 0)}
    year = payment.year if payment.year is not None else next(
        (y for y, left in open_by_year.items() if left >= amount), next(iter(open_by_year), None))
    if year is None or open_by_year.get(year, 0) < amount:
        if not problems:
            problems.append(
                f"Det finns inte {format_kronor(amount)} kvar att betala ut mot "
                f"{year if year is not None else 'något budgetår'} "
                f"(kvar per år: {_by_year(open_by_year)}). Dela upp utbetalningen per år."
            )
    if problems:
        raise FinanceRefused(*problems)
    advance = amount if payment.kind == PaymentKind.ADVANCE else 0
    updated = session.execute(
        sa.update(PilotAccount)
        .where(PilotAccount.application_id == application.id,
               PilotAccount.paid + amount <= PilotAccount.granted - PilotAccount.released)
        .values(paid=PilotAccount.paid + amount, advances=PilotAccount.advances + advance)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:  # the lock makes this unreachable; the guard stays as the last line
        raise FinanceRefused("Utbetalningen ryms inte längre i stödet. Ladda om sidan.")
    session.execute(sa.update(Pot).where(Pot.year == year).values(paid=Pot.paid + amount)
                    .execution_options(synchronize_session=False))
    entry = LedgerEntry(
        year=year, kind=LedgerKind.PAYMENT.value, amount=amount, application_id=application.id,
        actor_id=actor.id, payment_kind=payment.kind, payment_date=payment.payment_date,
        reference=reference, idempotency_key=idempotency_key,
        note=f"{PaymentKind(payment.kind).label} till {application.reference}",
    )
    session.add(entry)
    session.flush()
    log_case_event(application, "record_payment", actor=actor,
                   data={"amount": amount, "year": year, "kind": payment.kind,
                         "ledger_entry_id": entry.id})
    _refresh(session.get(Pot, year), account)
    return entry


def _by_year(amounts: dict[int, int]) -> str:
    return ", ".join(f"{y}: {format_kronor(a)}" for y, a in amounts.items()) or "inget"


def claim_repayment(application: Application, *, actor: User, amount: int, reason: str,
                    year: int | None = None) -> LedgerEntry:
    """Record a repayment claim (återkrav) of at most what was paid and not yet claimed."""
    _require_finance(actor, "registrera återkrav")
    return book_claim(application, actor=actor, amount=amount, reason=reason, year=year)


def book_claim(application: Application, *, actor: User, amount: int, reason: str,
               year: int | None = None) -> LedgerEntry:
    """:func:`claim_repayment` without the role check (a decider's cancellation decision)."""
    amount = _amount(amount)
    reason = _reason(reason, "stödet krävs tillbaka")
    lock_application(application)
    account = _account(application)
    if account.claimed + amount > account.paid:
        raise FinanceRefused(
            f"Återkravet kan vara högst det utbetalda som inte redan krävs tillbaka: "
            f"{format_kronor(account.paid - account.claimed)}.")
    year = year or next(iter(paid_by_year(application)), None)
    if year is None:
        raise FinanceRefused("Inget är utbetalt, så inget kan krävas tillbaka.")
    account.claimed += amount
    entry = LedgerEntry(year=year, kind=LedgerKind.REPAYMENT_CLAIM.value, amount=amount,
                        application_id=application.id, actor_id=actor.id, note=reason)
    session.add(entry)
    session.flush()
    log_case_event(application, "claim_repayment", actor=actor, reason=reason,
                   data={"amount": amount})
    return entry


def record_repayment(application: Application, *, actor: User, amount: int, payment_date: date,
                     reference: str, idempotency_key: str | None = None) -> LedgerEntry:
    """Money received back after a claim (never more than claimed and not yet repaid)."""
    _require_finance(actor, "registrera återbetalningar")
    if (done := _existing(idempotency_key)) is not None:
        return done
    amount = _amount(amount)
    lock_application(application)
    # A resend that waited on the lock finds the first one's entry now.
    if (done := _existing(idempotency_key)) is not None:
        return done
    account = _account(application)
    if account.repaid + amount > account.claimed:
        raise FinanceRefused(f"Återbetalningen är mer än det som återstår av återkravet: "
                             f"{format_kronor(account.claimed - account.repaid)}.")
    year = next(iter(paid_by_year(application)), None)
    account.repaid += amount
    entry = LedgerEntry(year=year, kind=LedgerKind.REPAYMENT.value, amount=amount,
                        application_id=application.id, actor_id=actor.id,
                        note=f"Återbetalning {payment_date.isoformat()}",
                        reference=clean_text(reference, 200, "Underlaget"),
                        idempotency_key=idempotency_key)
    session.add(entry)
    session.flush()
    return entry


# Verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    what: str
    cached: int
    ledger: int


def ledger_totals() -> dict[int, dict[str, int]]:
    """Per year and kind, the ledger's sums (one query)."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, kind, total in session.execute(
        sa.select(LedgerEntry.year, LedgerEntry.kind, _sum(LedgerEntry.amount))
        .group_by(LedgerEntry.year, LedgerEntry.kind)
    ):
        totals[year][kind] = total
    return totals


def verify_ledger() -> list[Difference]:
    """Recompute every pot and pilot account from the ledger; the differences (none when all is
    well). The reserved amount counts only from the ledger's reservation entries when a year has
    any (pots set up before the ledger existed are taken as they are)."""
    differences = []
    totals = ledger_totals()
    for pot in session.scalars(sa.select(Pot).order_by(Pot.year)):
        sums = totals.get(pot.year, {})
        checks = [("beviljat", pot.committed, sums.get(LedgerKind.COMMITMENT, 0)),
                  ("återfört", pot.released, sums.get(LedgerKind.RELEASE, 0)),
                  ("utbetalt", pot.paid, sums.get(LedgerKind.PAYMENT, 0))]
        if LedgerKind.RESERVATION in sums:
            checks.append(("avsatt", pot.reserved, sums[LedgerKind.RESERVATION]))
        differences += [Difference(f"{pot.year} {name}", cached, ledger)
                        for name, cached, ledger in checks if cached != ledger]
    per_pilot: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for application_id, kind, payment_kind, total in session.execute(
        sa.select(LedgerEntry.application_id, LedgerEntry.kind, LedgerEntry.payment_kind,
                  _sum(LedgerEntry.amount))
        .where(LedgerEntry.application_id.is_not(None))
        .group_by(LedgerEntry.application_id, LedgerEntry.kind, LedgerEntry.payment_kind)
    ):
        per_pilot[application_id][kind] += total
        if payment_kind == PaymentKind.ADVANCE:
            per_pilot[application_id]["advances"] += total
    accounts = {a.application_id: a for a in session.scalars(sa.select(PilotAccount))}
    references = dict(session.execute(
        sa.select(Application.id, Application.reference)
        .where(Application.id.in_(set(accounts) | set(per_pilot)))).all())
    for application_id in sorted(set(accounts) | set(per_pilot)):
        account = accounts.get(application_id)
        sums = per_pilot.get(application_id, {})
        for name, attribute, kind in (
            ("beviljat", "granted", LedgerKind.COMMITMENT), ("återfört", "released",
                                                              LedgerKind.RELEASE),
            ("utbetalt", "paid", LedgerKind.PAYMENT), ("förskott", "advances", "advances"),
            ("återkrävt", "claimed", LedgerKind.REPAYMENT_CLAIM),
            ("återbetalt", "repaid", LedgerKind.REPAYMENT),
        ):
            cached = getattr(account, attribute) if account else 0
            if cached != sums.get(kind, 0):
                differences.append(Difference(
                    f"{references.get(application_id)} {name}", cached, sums.get(kind, 0)))
    return differences
