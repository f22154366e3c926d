"""Finance staff's pages: the dashboard (every budget year's money at a glance, a chart, the
payments falling due, the pilots), one budget year (its ledger, the reserved amount, the
year-end close and carry-over) and one pilot (its grant per year, payments, releases and
repayments).

Every figure is a sum of the append-only ledger, computed in SQL with GROUP BY: the pages issue
the same number of queries however many pilots and ledger entries there are. Each form posts to
its own address; a refusal shows the page again with that form's errors and the typed values:
422 for input that cannot be read, 409 when a money rule refuses (with the figures).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from forms.finance import (
    OLDEST_YEAR,
    CarryOverForm,
    MoneyReleaseForm,
    PaymentRecordForm,
    RepaymentClaimForm,
    RepaymentRecordForm,
    ReservationChangeForm,
    YearCloseForm,
    commitment_year,
)
from grants.auth import require_roles
from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    Decision,
    LedgerEntry,
    LedgerKind,
    Outcome,
    PilotAccount,
    Pot,
    User,
)
from grants.models.decisions import sets_terms
from grants.money import format_kronor
from grants.operations import finance as fin
from grants.operations.errors import NotPermitted, OperationError
from grants.views.cases import CONCURRENT_CHANGE
from grants.views.pagination import Pages, page_number
from workflows import Role, State

bp = Blueprint("finance", __name__, url_prefix="/ekonomi")
ROLES = (Role.FINANCE.value, Role.ADMIN.value)
PER_PAGE = 50
FORECAST_STATES = (State.GRANTED.value, State.FOLLOWED_UP.value)
"""Pilots whose unpaid grant is still expected to be paid out."""
SENT_AT_ONCE = ("Något annat bokfördes samtidigt, till exempel samma formulär skickat två "
                "gånger. Det här försöket bokförde ingenting; ladda om sidan för att se läget.")
F = TypeVar("F", bound=FlaskForm)


# Figures ----------------------------------------------------------------------------------------


def kronor_sum(column: Any) -> Any:
    """SUM as whole kronor on both databases (PostgreSQL sums a bigint as numeric, which would
    come back as Decimal), 0 when there is nothing to sum."""
    return sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.BigInteger)


@dataclass(frozen=True)
class YearFigures:
    """One budget year's money, summed from the ledger."""

    year: int
    reserved: int
    committed: int
    released: int
    paid: int
    closed: bool

    @property
    def net_committed(self) -> int:
        """Granted and not given back."""
        return self.committed - self.released

    @property
    def remaining(self) -> int:
        """What can still be granted: reserved − committed + released."""
        return self.reserved - self.committed + self.released

    @property
    def unpaid(self) -> int:
        """Granted, not given back and not yet paid."""
        return self.net_committed - self.paid


def year_figures(pots: Iterable[Pot]) -> tuple[list[YearFigures], list[int]]:
    """Each pot's figures from the ledger (one query), and the years whose cached totals on the
    pot row disagree with the ledger (``finance verify`` names the differences).

    The reserved amount is the sum of the year's reservation entries when it has any, else the
    pot's own amount (a pot set up before the ledger), as :func:`fin.verify_ledger` counts it.
    """
    totals = fin.ledger_totals()
    figures, mismatched = [], []
    for pot in pots:
        sums = totals.get(pot.year, {})
        figure = YearFigures(
            year=pot.year,
            reserved=sums.get(LedgerKind.RESERVATION, pot.reserved),
            committed=sums.get(LedgerKind.COMMITMENT, 0),
            released=sums.get(LedgerKind.RELEASE, 0),
            paid=sums.get(LedgerKind.PAYMENT, 0),
            closed=pot.closed,
        )
        figures.append(figure)
        cached = (pot.reserved, pot.committed, pot.released, pot.paid)
        if cached != (figure.reserved, figure.committed, figure.released, figure.paid):
            mismatched.append(pot.year)
    return figures, mismatched


# The chart --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    series: str
    """A CSS class suffix: reserved, committed or paid."""
    label: str
    amount: int
    y: float
    width: float

    @property
    def text(self) -> str:
        return f"{self.label} {format_kronor(self.amount)}"


@dataclass(frozen=True)
class BarGroup:
    year: int
    y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart per year (reserved, granted, paid), laid out for inline SVG: every
    size is an SVG attribute, so the page needs no inline style and no script."""

    groups: list[BarGroup]
    width: int
    height: int
    bars_x: int
    bar_height: int
    description: str


CHART_SERIES = (("reserved", "Avsatt"), ("committed", "Beviljat"), ("paid", "Utbetalt"))
CHART_WIDTH, LABEL_WIDTH, BAR_SPACE = 720, 64, 400
BAR_HEIGHT, BAR_GAP, GROUP_GAP, TOP = 20, 6, 18, 8


def chart(figures: list[YearFigures]) -> Chart:
    scale = max([1, *(max(f.reserved, f.net_committed, f.paid) for f in figures)])
    groups, y = [], float(TOP)
    for figure in figures:
        values = {"reserved": figure.reserved, "committed": figure.net_committed,
                  "paid": figure.paid}
        bars = []
        for index, (series, label) in enumerate(CHART_SERIES):
            amount = values[series]
            # A sliver for a small non-zero amount, so that it does not read as nothing.
            width = max(round(BAR_SPACE * max(amount, 0) / scale, 1), 2.0 if amount > 0 else 0)
            bars.append(Bar(series, label, amount, y + index * (BAR_HEIGHT + BAR_GAP), width))
        groups.append(BarGroup(figure.year, y, bars))
        y += len(CHART_SERIES) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    description = " ".join(
        f"{f.year}: avsatt {format_kronor(f.reserved)}, beviljat "
        f"{format_kronor(f.net_committed)}, utbetalt {format_kronor(f.paid)}, kvar att bevilja "
        f"{format_kronor(f.remaining)}." for f in figures
    )
    return Chart(groups=groups, width=CHART_WIDTH, height=max(int(y - GROUP_GAP + TOP), 40),
                 bars_x=LABEL_WIDTH, bar_height=BAR_HEIGHT, description=description)


# The forecast -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    label: str
    pilots: int
    amount: int


MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _quarter_label(year: int, quarter: int) -> str:
    first = (quarter - 1) * 3
    return f"{year} kvartal {quarter} ({MONTHS[first]}–{MONTHS[first + 2]})"


def payment_forecast(on: date) -> list[ForecastRow]:
    """The granted pilots' unpaid money per quarter in which their project ends (the final
    payment falls due against the final report), from ``on``'s quarter; pilots whose project
    has already ended come first. Summed in SQL per month of the end date (one query: a few
    dozen rows however many pilots)."""
    newer = orm.aliased(Decision)
    # The decision in force (Application.current_decision): the newest that sets terms, so a
    # refused amendment or a cancellation leaves the grant's terms as they were. (An anti-join
    # rather than max(id) per row: 16 → 11 ms on PostgreSQL at 5 000 open pilots.)
    in_force = sa.and_(sets_terms(Decision), ~sa.exists().where(
        newer.application_id == Decision.application_id, newer.id > Decision.id,
        sets_terms(newer)))
    unpaid = PilotAccount.granted - PilotAccount.released - PilotAccount.paid
    ended = sa.or_(Decision.project_end.is_(None), Decision.project_end < on)
    per_pilot = (
        # The open pilots, each with its decision in force (found by the decision index).
        sa.select(
            sa.case((ended, None), else_=sa.extract("year", Decision.project_end)).label("year"),
            sa.case((ended, None), else_=sa.extract("month", Decision.project_end))
            .label("month"),
            unpaid.label("unpaid"),
        )
        .select_from(Application)
        .join(PilotAccount, PilotAccount.application_id == Application.id)
        .join(Decision, Decision.application_id == Application.id)
        .where(in_force, Decision.outcome == Outcome.GRANT.value,
               Application.state.in_(FORECAST_STATES), unpaid > 0)
        .subquery()
    )
    rows = session.execute(
        sa.select(per_pilot.c.year, per_pilot.c.month, sa.func.count(),
                  kronor_sum(per_pilot.c.unpaid))
        .group_by(per_pilot.c.year, per_pilot.c.month)
    ).all()
    overdue = [0, 0]
    quarters: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for year, month, pilots, amount in rows:
        bucket = overdue if year is None else quarters[(int(year), (int(month) - 1) // 3 + 1)]
        bucket[0] += pilots
        bucket[1] += amount
    forecast = []
    if overdue[0]:
        forecast.append(ForecastRow("Projektet har redan slutat", overdue[0], overdue[1]))
    forecast += [ForecastRow(_quarter_label(*key), pilots, amount)
                 for key, (pilots, amount) in sorted(quarters.items())]
    return forecast


# Views: the dashboard ---------------------------------------------------------------------------


@bp.get("/")
@require_roles(*ROLES)
def dashboard() -> Any:
    page = page_number(request.args.get("sida"))
    figures, mismatched = year_figures(session.scalars(sa.select(Pot).order_by(Pot.year)))
    pilot_count, pilots_granted, pilots_paid = session.execute(
        sa.select(sa.func.count(), kronor_sum(PilotAccount.granted - PilotAccount.released),
                  kronor_sum(PilotAccount.paid))
    ).one()
    pilots = session.execute(
        # The organisation comes along in the same query (Application.organisation is joined).
        sa.select(Application, PilotAccount)
        .join(PilotAccount, PilotAccount.application_id == Application.id)
        .order_by(Application.reference, Application.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    forecast = payment_forecast(today())
    return render_template(
        "finance/dashboard.html", figures=figures, mismatched=mismatched, chart=chart(figures),
        pilots=pilots, pages=Pages(page=page, total=pilot_count, per_page=PER_PAGE),
        pilots_granted=pilots_granted, pilots_paid=pilots_paid, forecast=forecast,
        forecast_total=sum(row.amount for row in forecast), today=today(),
    )


# Views: one budget year -------------------------------------------------------------------------


def _load_pot(year: int) -> Pot:
    pot = session.get(Pot, year, populate_existing=True)
    if pot is None:
        abort(404)
    return pot


def _target_choices(year: int) -> list[tuple[str, str]]:
    """Open budget years other than ``year``: where unused money can be carried."""
    years = session.scalars(sa.select(Pot.year).where(Pot.year != year, Pot.closed_at.is_(None))
                            .order_by(Pot.year))
    return [("", "Välj budgetår"), *((str(y), str(y)) for y in years)]


def _year_page(pot: Pot, *, status: int = 200, failed: tuple[str, FlaskForm, str] | None = None
               ) -> Any:
    """The year page; ``failed`` is the form posted and refused: (its key, the form, the title
    of its error summary)."""
    key, form, title = failed or ("", None, "")
    page = page_number(request.args.get("sida")) if request.method == "GET" else 1
    (figures,), mismatched = year_figures([pot])
    total = session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)
                           .where(LedgerEntry.year == pot.year)) or 0
    entries = session.execute(
        sa.select(LedgerEntry, Application.reference, User.name)
        .outerjoin(Application, Application.id == LedgerEntry.application_id)
        .outerjoin(User, User.id == LedgerEntry.actor_id)
        .where(LedgerEntry.year == pot.year)
        .order_by(LedgerEntry.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    by_payment_year = _paid_by_payment_year(LedgerEntry.year == pot.year)
    closed_by = session.get(User, pot.closed_by_id) if pot.closed_by_id else None
    carry_form = form if key == "carry" else CarryOverForm.blank(prefix="carry")
    carry_form.to_year.choices = _target_choices(pot.year)
    return render_template(
        "finance/year.html", pot=pot, figures=figures, entries=entries,
        pages=Pages(page=page, total=total, per_page=PER_PAGE), by_payment_year=by_payment_year,
        closed_by=closed_by, mismatched=mismatched,
        failed=(form, title) if form is not None else None,
        reservation_form=form if key == "reservation" else ReservationChangeForm.blank(
            prefix="reservation", data={"reserved": figures.reserved}),
        close_form=form if key == "close" else YearCloseForm(prefix="close", formdata=None),
        carry_form=carry_form,
    ), status


def _paid_by_payment_year(*where: Any) -> dict[int, int]:
    """Payments summed per calendar year of their payment date (not of their commitment)."""
    payment_year = sa.extract("year", LedgerEntry.payment_date)
    return {int(y): total for y, total in session.execute(
        sa.select(payment_year, kronor_sum(LedgerEntry.amount))
        .where(LedgerEntry.kind == LedgerKind.PAYMENT.value, *where)
        .group_by(payment_year).order_by(payment_year)
    )}


@bp.get("/ar/<int:year>")
@require_roles(*ROLES)
def year(year: int) -> Any:
    return _year_page(_load_pot(year))


def _attempt(form: F, action: Callable[[F], Any], *, valid: bool | None = None
             ) -> tuple[int, Any]:
    """Validate ``form`` (unless ``valid`` says how that went), run ``action`` (one operation)
    and commit. Returns (200, its result) when done; else (422 or 409, None) with the reasons
    added to the form: 422 for input that cannot be read or that the operation finds invalid,
    409 when a money rule refuses (the reasons carry the figures) or someone else changed the
    same thing at once. 403 when the operation says the person may not."""
    if not (form.validate_on_submit() if valid is None else valid):
        return 422, None
    try:
        result = action(form)
        session.commit()
    except NotPermitted:
        session.rollback()
        abort(403)
    except fin.FinanceRefused as exc:
        session.rollback()
        form.form_errors.extend(exc.reasons)
        return 409, None
    except OperationError as exc:
        session.rollback()
        form.form_errors.extend(exc.reasons)
        return 422, None
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return 409, None
    except IntegrityError:
        # The database's last line: the same one-time key booked by a request running at the
        # same moment (unique), or a concurrent movement that a CHECK constraint stopped.
        session.rollback()
        form.form_errors.append(SENT_AT_ONCE)
        return 409, None
    return 200, result


def _already_booked(key: str | None) -> bool:
    """Whether a movement with this one-time key is in the ledger (the form was sent before)."""
    return bool(key) and session.scalar(
        sa.select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key)) is not None


@bp.post("/ar/<int:year>/avsattning")
@require_roles(*ROLES)
def change_reservation(year: int) -> Any:
    pot = _load_pot(year)
    form = ReservationChangeForm(prefix="reservation")
    status, entry = _attempt(form, lambda f: fin.change_reservation(
        actor=current_user, year=pot.year, reserved=f.reserved.data, reason=f.reason.data or "",
        idempotency_key=f.key.data))
    if status != 200:
        return _year_page(_load_pot(year), status=status, failed=(
            "reservation", form, "Avsättningen kunde inte ändras"))
    reserved = _load_pot(year).reserved
    flash(f"Avsättningen för {year} är nu {format_kronor(reserved)}." if entry is not None
          else f"Avsättningen för {year} var redan {format_kronor(reserved)}. Inget ändrades.",
          "success")
    return redirect(url_for("finance.year", year=year))


@bp.post("/ar/<int:year>/stang")
@require_roles(*ROLES)
def close_year(year: int) -> Any:
    pot = _load_pot(year)
    form = YearCloseForm(prefix="close")
    status, unused = _attempt(form, lambda f: fin.close_year(
        actor=current_user, year=pot.year, reason=f.reason.data or ""))
    if status != 200:
        return _year_page(_load_pot(year), status=status, failed=(
            "close", form, "Budgetåret kunde inte stängas"))
    flash(f"Budgetåret {year} är stängt: inga nya beviljanden. {format_kronor(unused)} är "
          "oanvänt" + (" och kan föras över till ett annat år." if unused else "."), "success")
    return redirect(url_for("finance.year", year=year, _anchor="stangning"))


@bp.post("/ar/<int:year>/overfor")
@require_roles(*ROLES)
def carry_over(year: int) -> Any:
    pot = _load_pot(year)
    form = CarryOverForm(prefix="carry")
    form.to_year.choices = _target_choices(pot.year)
    # carry_over's key guards only its first half (the receiving year would get the money
    # again): a form sent again must not reach the operation at all.
    valid = form.validate_on_submit()
    if valid and _already_booked(form.key.data):
        flash("Överföringen var redan gjord (formuläret skickades två gånger). Den är bokförd "
              "en gång.", "info")
        return redirect(url_for("finance.year", year=year))
    status, _entries = _attempt(form, lambda f: fin.carry_over(
        actor=current_user, from_year=pot.year, to_year=f.target_year, amount=f.amount.data,
        reason=f.reason.data or "", idempotency_key=f.key.data), valid=valid)
    if status != 200:
        return _year_page(_load_pot(year), status=status, failed=(
            "carry", form, "Pengarna kunde inte föras över"))
    flash(f"{format_kronor(form.amount.data)} är överfört från {year} till "
          f"{form.target_year}.", "success")
    return redirect(url_for("finance.year", year=year))


# Views: one pilot -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PilotYear:
    year: int
    decided: int
    """In the decision in force."""
    committed: int
    released: int
    paid: int

    @property
    def net_committed(self) -> int:
        return self.committed - self.released

    @property
    def unpaid(self) -> int:
        return self.net_committed - self.paid


def _load_pilot(application_id: int) -> tuple[Application, PilotAccount | None]:
    """A case that has been granted money (its account, or a grant decision); else 404: a case
    never granted has no money to show or pay."""
    application = session.get(Application, application_id)
    if application is None or application.state == State.DRAFT:
        abort(404)
    account = session.get(PilotAccount, application.id, populate_existing=True)
    if account is None and not any(d.outcome == Outcome.GRANT for d in application.decisions):
        abort(404)
    return application, account


def _pilot_years(application: Application) -> list[PilotYear]:
    decision = application.current_decision
    decided = ({a.year: a.amount for a in decision.amounts}
               if decision is not None and decision.outcome == Outcome.GRANT else {})
    gross: dict[tuple[int, str], int] = {
        (y, kind): total for y, kind, total in session.execute(
            sa.select(LedgerEntry.year, LedgerEntry.kind, kronor_sum(LedgerEntry.amount))
            .where(LedgerEntry.application_id == application.id,
                   LedgerEntry.kind.in_([LedgerKind.COMMITMENT.value,
                                         LedgerKind.RELEASE.value]))
            .group_by(LedgerEntry.year, LedgerEntry.kind))
    }
    net, paid = fin.committed_by_year(application), fin.paid_by_year(application)
    years = sorted(set(decided) | set(net) | set(paid))
    rows = [PilotYear(y, decided.get(y, 0), gross.get((y, LedgerKind.COMMITMENT.value), 0),
                      gross.get((y, LedgerKind.RELEASE.value), 0), paid.get(y, 0))
            for y in years]
    assert all(r.net_committed == net.get(r.year, 0) for r in rows)
    return rows


def _payment_years(rows: list[PilotYear]) -> list[tuple[str, str]]:
    return [(OLDEST_YEAR, "Äldsta året med pengar kvar"), *(
        (str(r.year), f"{r.year} (kvar att betala {format_kronor(r.unpaid)})")
        for r in rows if r.net_committed > 0)]


def _release_years(rows: list[PilotYear]) -> list[tuple[str, str]]:
    return [("", "Välj budgetår"), *(
        (str(r.year), f"{r.year} (beviljat och inte utbetalt {format_kronor(r.unpaid)})")
        for r in rows if r.net_committed > 0)]


def _pilot_page(application: Application, account: PilotAccount | None, *, status: int = 200,
                failed: tuple[str, FlaskForm, str] | None = None) -> Any:
    """The pilot page; ``failed`` is the form posted and refused: (its key, the form, the title
    of its error summary)."""
    rows = _pilot_years(application)
    forms: dict[str, Any] = {
        "payment": PaymentRecordForm.blank(prefix="payment", data={"payment_date": today()}),
        "release": MoneyReleaseForm.blank(prefix="release"),
        "claim": RepaymentClaimForm(prefix="claim", formdata=None),
        "repayment": RepaymentRecordForm.blank(prefix="repayment",
                                               data={"payment_date": today()}),
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    forms["payment"].year.choices = _payment_years(rows)
    forms["release"].year.choices = _release_years(rows)
    entries = session.execute(
        sa.select(LedgerEntry, User.name)
        .outerjoin(User, User.id == LedgerEntry.actor_id)
        .where(LedgerEntry.application_id == application.id)
        .order_by(LedgerEntry.id.desc())
    ).all()
    # At most half the grant and 400 000 kr in advances, and never more than is left to pay.
    advance_left = max(min(min(account.net_granted // 2, fin.MAX_ADVANCE) - account.advances,
                           account.unpaid), 0) if account else 0
    return render_template(
        "finance/pilot.html", application=application, account=account, rows=rows,
        decision=application.current_decision, entries=entries, forms=forms,
        failed=(failed[1], failed[2]) if failed else None,
        failed_key=failed[0] if failed else "",
        payable=application.state in fin.PAYABLE_STATES,
        by_payment_year=_paid_by_payment_year(LedgerEntry.application_id == application.id),
        advance_left=advance_left,
    ), status


@bp.get("/piloter/<int:application_id>")
@require_roles(*ROLES)
def pilot(application_id: int) -> Any:
    return _pilot_page(*_load_pilot(application_id))


@dataclass
class Booking:
    """What a pilot form's post came to: the case, and either the operation's result (and
    whether this form had been sent before) or the page showing why not."""

    application: Application
    result: Any = None
    sent_before: bool = False
    refused: Any = None


YEAR_CHOICES: dict[str, Callable[[list[PilotYear]], list[tuple[str, str]]]] = {
    "payment": _payment_years, "release": _release_years,
}


def _book(application_id: int, key: str, form: Any, title: str,
          action: Callable[[Any, Application], Any]) -> Booking:
    """Run ``action`` (one operation) for the pilot with the posted ``form``."""
    application, _account = _load_pilot(application_id)
    if key in YEAR_CHOICES:
        form.year.choices = YEAR_CHOICES[key](_pilot_years(application))
    sent_before = _already_booked(getattr(getattr(form, "key", None), "data", None))
    status, result = _attempt(form, lambda f: action(f, application))
    if status != 200:
        return Booking(application, refused=_pilot_page(
            *_load_pilot(application_id), status=status, failed=(key, form, title)))
    return Booking(application, result=result, sent_before=sent_before)


def _back(application: Application, anchor: str) -> Any:
    return redirect(url_for("finance.pilot", application_id=application.id, _anchor=anchor))


@bp.post("/piloter/<int:application_id>/utbetalning")
@require_roles(*ROLES)
def record_payment(application_id: int) -> Any:
    form = PaymentRecordForm(prefix="payment")
    done = _book(application_id, "payment", form, "Utbetalningen kunde inte registreras",
                 lambda f, case: fin.record_payment(
                     case, actor=current_user, idempotency_key=f.key.data,
                     payment=fin.PaymentInput(
                         amount=f.amount.data, payment_date=f.payment_date.data,
                         kind=f.kind.data or "", reference=f.reference.data or "",
                         year=commitment_year(f.year.data))))
    if done.refused is not None:
        return done.refused
    if done.sent_before:
        flash("Utbetalningen var redan registrerad (formuläret skickades två gånger). Den är "
              "bokförd en gång.", "info")
    else:
        flash(f"Utbetalningen på {format_kronor(done.result.amount)} till "
              f"{done.application.reference} är registrerad mot beviljandet för "
              f"{done.result.year}.", "success")
    return _back(done.application, "huvudbok")


@bp.post("/piloter/<int:application_id>/aterfor")
@require_roles(*ROLES)
def release(application_id: int) -> Any:
    form = MoneyReleaseForm(prefix="release")
    done = _book(application_id, "release", form, "Pengarna kunde inte återföras",
                 lambda f, case: fin.release_money(
                     case, actor=current_user, year=int(f.year.data), amount=f.amount.data,
                     reason=f.reason.data or "", idempotency_key=f.key.data))
    if done.refused is not None:
        return done.refused
    if done.sent_before:
        flash("Återföringen var redan gjord (formuläret skickades två gånger). Den är bokförd "
              "en gång.", "info")
    else:
        flash(f"{format_kronor(done.result.amount)} är återfört till budgetåret "
              f"{done.result.year} och kan beviljas igen.", "success")
    return _back(done.application, "huvudbok")


@bp.post("/piloter/<int:application_id>/aterkrav")
@require_roles(*ROLES)
def claim_repayment(application_id: int) -> Any:
    form = RepaymentClaimForm(prefix="claim")
    done = _book(application_id, "claim", form, "Återkravet kunde inte registreras",
                 lambda f, case: fin.claim_repayment(
                     case, actor=current_user, amount=f.amount.data, reason=f.reason.data or ""))
    if done.refused is not None:
        return done.refused
    flash(f"Återkravet på {format_kronor(done.result.amount)} är registrerat.", "success")
    return _back(done.application, "huvudbok")


@bp.post("/piloter/<int:application_id>/aterbetalning")
@require_roles(*ROLES)
def record_repayment(application_id: int) -> Any:
    form = RepaymentRecordForm(prefix="repayment")
    done = _book(application_id, "repayment", form, "Återbetalningen kunde inte registreras",
                 lambda f, case: fin.record_repayment(
                     case, actor=current_user, amount=f.amount.data,
                     payment_date=f.payment_date.data, reference=f.reference.data or "",
                     idempotency_key=f.key.data))
    if done.refused is not None:
        return done.refused
    if done.sent_before:
        flash("Återbetalningen var redan registrerad (formuläret skickades två gånger). Den är "
              "bokförd en gång.", "info")
    else:
        flash(f"Återbetalningen på {format_kronor(done.result.amount)} är registrerad.",
              "success")
    return _back(done.application, "huvudbok")
