"""The ledger and the per-pilot summary as tables for finance systems: rows built with a fixed
number of queries, written as CSV (the way Swedish Excel opens it) or XLSX (openpyxl).

Amounts are whole kronor as numbers (never text with spaces or "kr"), so that a spreadsheet can
sum them; dates are dates. Text that a spreadsheet would run as a formula (an applicant's title
starting with ``=``) is written as text.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from grants.completeness import STOCKHOLM
from grants.db import session
from grants.models import (
    Application,
    LedgerEntry,
    LedgerKind,
    Organisation,
    PaymentKind,
    PilotAccount,
    Pot,
    User,
)
from workflows import State

TEXT, MONEY, DATE, NUMBER = "text", "money", "date", "number"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Format codes are stored in Excel's invariant form: "," groups thousands and is shown as a
# space in Swedish Excel ("# ##0" would be a literal space, wrong from a million up).
MONEY_FORMAT = '#,##0 "kr"'
DATE_FORMAT = "yyyy-mm-dd"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


class BadFilter(ValueError):
    """A filter value that cannot be used; the message says why, in Swedish."""


@dataclass(frozen=True)
class Column:
    header: str
    """The Swedish column header."""
    key: str
    kind: str = TEXT


@dataclass(frozen=True)
class Sheet:
    """One table to export: ``title`` names the XLSX sheet, rows hold plain Python values
    (int for amounts, ``date`` for dates, None for empty)."""

    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]


# Filters -----------------------------------------------------------------------------------------


def parse_year(value: str | None) -> int | None:
    """The budget year of ``?ar=`` (None when absent or empty).

    Raises BadFilter when it is not a year, or no pot exists for it.
    """
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not (len(value) == 4 and value.isascii() and value.isdigit()):
        raise BadFilter(f"«{value[:20]}» är inget budgetår. Ange året med fyra siffror, "
                        "till exempel ?ar=2025.")
    year = int(value)
    if session.get(Pot, year) is None:
        years = ", ".join(str(y) for y in session.scalars(sa.select(Pot.year).order_by(Pot.year)))
        raise BadFilter(f"Det finns ingen pott för {year}. Budgetår som finns: "
                        f"{years or 'inga'}.")
    return year


# The ledger --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """One ledger entry with the names a reader needs (the API sends these fields)."""

    id: int
    date: date
    """The day it was booked, Swedish local time."""
    year: int
    kind: str
    kind_label: str
    amount: int
    """Signed for reservation changes, positive for every other movement."""
    case_reference: str | None
    organisation: str | None
    payment_date: date | None
    payment_kind: str | None
    payment_kind_label: str | None
    payment_reference: str
    note: str
    recorded_by: str | None


LEDGER_COLUMNS = (
    Column("Datum", "date", DATE),
    Column("Budgetår", "year", NUMBER),
    Column("Typ", "kind_label"),
    Column("Belopp", "amount", MONEY),
    Column("Ärende", "case_reference"),
    Column("Organisation", "organisation"),
    Column("Betalningsdag", "payment_date", DATE),
    Column("Betalningstyp", "payment_kind_label"),
    Column("Underlag", "payment_reference"),
    Column("Anteckning", "note"),
    Column("Registrerad av", "recorded_by"),
)


def _ledger_filter(statement: sa.Select[Any], year: int | None) -> sa.Select[Any]:
    return statement.where(LedgerEntry.year == year) if year is not None else statement


def count_ledger_entries(year: int | None = None) -> int:
    statement = _ledger_filter(sa.select(sa.func.count(LedgerEntry.id)), year)
    return session.scalar(statement) or 0


def ledger_rows(year: int | None = None, *, limit: int | None = None,
                offset: int = 0) -> list[LedgerRow]:
    """The ledger in booking order (optionally one budget year, one page): one query."""
    statement = _ledger_filter(
        sa.select(LedgerEntry, Application.reference, Organisation.name.label("organisation"),
                  User.name.label("actor"))
        .outerjoin(Application, Application.id == LedgerEntry.application_id)
        .outerjoin(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(User, User.id == LedgerEntry.actor_id)
        .order_by(LedgerEntry.id),
        year,
    )
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    rows = []
    for entry, reference, organisation, actor in session.execute(statement):
        rows.append(LedgerRow(
            id=entry.id,
            date=entry.created_at.astimezone(STOCKHOLM).date(),
            year=entry.year,
            kind=entry.kind,
            kind_label=entry.kind_label,
            amount=entry.amount,
            case_reference=reference,
            organisation=organisation,
            payment_date=entry.payment_date,
            payment_kind=entry.payment_kind,
            payment_kind_label=PaymentKind(entry.payment_kind).label if entry.payment_kind
            else None,
            payment_reference=entry.reference,
            note=entry.note,
            recorded_by=actor,
        ))
    return rows


def ledger_sheet(year: int | None = None) -> Sheet:
    rows = [tuple(getattr(row, c.key) for c in LEDGER_COLUMNS) for row in ledger_rows(year)]
    return Sheet("Huvudbok", LEDGER_COLUMNS, rows)


# The pilots --------------------------------------------------------------------------------------

_PILOT_SUMS = (
    ("Beviljat", LedgerKind.COMMITMENT),
    ("Återfört", LedgerKind.RELEASE),
    ("Utbetalt", LedgerKind.PAYMENT),
)


def pilot_sheet(year: int | None = None) -> Sheet:
    """One row per pilot with money: granted, released, paid, unpaid, claimed and repaid, from
    the ledger, and what was granted per budget year. With ``year``: only pilots with movements
    in that year, and only that year's amounts. Two queries, however many pilots."""
    in_year = sa.true() if year is None else sa.exists().where(
        LedgerEntry.application_id == PilotAccount.application_id, LedgerEntry.year == year)
    pilots = session.execute(
        sa.select(Application.id, Application.reference, Application.title,
                  Organisation.name, Application.state)
        .join(PilotAccount, PilotAccount.application_id == Application.id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(in_year)
        .order_by(Application.reference)
    ).all()
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    granted_by_year: dict[int, dict[int, int]] = defaultdict(dict)
    totals = _ledger_filter(
        sa.select(LedgerEntry.application_id, LedgerEntry.year, LedgerEntry.kind,
                  sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.application_id.is_not(None))
        .group_by(LedgerEntry.application_id, LedgerEntry.year, LedgerEntry.kind),
        year,
    )
    for application_id, entry_year, kind, total in session.execute(totals):
        total = int(total)  # PostgreSQL sums BIGINT as NUMERIC (Decimal)
        sums[application_id][kind] += total
        if kind == LedgerKind.COMMITMENT:
            granted_by_year[application_id][entry_year] = total
    years = sorted({y for by_year in granted_by_year.values() for y in by_year})
    columns = (
        Column("Ärende", "reference"), Column("Titel", "title"),
        Column("Organisation", "organisation"), Column("Status", "status"),
        Column("Beviljat", "granted", MONEY), Column("Återfört", "released", MONEY),
        Column("Utbetalt", "paid", MONEY), Column("Kvar att betala", "unpaid", MONEY),
        Column("Återkrävt", "claimed", MONEY), Column("Återbetalt", "repaid", MONEY),
        *(Column(f"Beviljat {y}", f"granted_{y}", MONEY) for y in years),
    )
    rows = []
    for application_id, reference, title, organisation, state in pilots:
        money = sums.get(application_id, {})
        granted, released, paid = (money.get(kind, 0) for _, kind in _PILOT_SUMS)
        by_year = granted_by_year.get(application_id, {})
        rows.append((
            reference, title, organisation, State(state).label, granted, released, paid,
            granted - released - paid, money.get(LedgerKind.REPAYMENT_CLAIM, 0),
            money.get(LedgerKind.REPAYMENT, 0), *(by_year.get(y, 0) for y in years),
        ))
    return Sheet("Piloter", columns, rows)


# Writers -----------------------------------------------------------------------------------------


def _safe_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP's advice for CSV: a leading ')."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == DATE:
        return value.isoformat()
    if kind in (MONEY, NUMBER):
        return value
    return _safe_text(str(value))


def to_csv(sheet: Sheet) -> bytes:
    """UTF-8 with a byte-order mark and ``;`` between fields: what Swedish Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in sheet.columns])
    kinds = [c.kind for c in sheet.columns]
    writer.writerows([_csv_value(v, k) for v, k in zip(row, kinds, strict=True)]
                     for row in sheet.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _display_width(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == MONEY:
        return len(f"{value:,}") + 3
    if kind == DATE:
        return 10
    return len(str(value))


def _widths(sheet: Sheet) -> list[int]:
    widths = [len(c.header) for c in sheet.columns]
    for row in sheet.rows:
        for i, (value, column) in enumerate(zip(row, sheet.columns, strict=True)):
            widths[i] = max(widths[i], _display_width(value, column.kind))
    return [min(w + 2, MAX_WIDTH) for w in widths]


def _xlsx_cells(ws: Any, row: Iterable[Any], columns: Sequence[Column]) -> list[WriteOnlyCell]:
    cells = []
    for value, column in zip(row, columns, strict=True):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(ws, value=value)
        if column.kind == MONEY:
            cell.number_format = MONEY_FORMAT
        elif column.kind == DATE:
            cell.number_format = DATE_FORMAT
        elif isinstance(value, str):
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cells.append(cell)
    return cells


def to_xlsx(sheet: Sheet) -> bytes:
    """One worksheet: bold, frozen header row with a filter, numbers as numbers (int kronor
    shown as ``381 300 kr``), dates as dates, columns wide enough to read."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Pilotfonden"
    ws = workbook.create_sheet(sheet.title)
    for i, width in enumerate(_widths(sheet), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    last = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    bold = Font(bold=True)
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in sheet.rows:
        ws.append(_xlsx_cells(ws, row, sheet.columns))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
