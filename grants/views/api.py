"""The read API for finance systems (JSON, GET only).

``/api/v1/pots`` is public — public money is public — and holds no personal data.
``/api/v1/ledger`` is for logged-in finance staff and admins; it answers in JSON also when it
refuses (401 without a login, 403 for other roles, 400 for a bad filter), never with a redirect
to the login page or an HTML error page.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from grants import exports
from grants.db import session
from grants.models import Pot
from grants.views.errors import MESSAGES
from grants.views.pagination import Pages, page_number

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PER_PAGE = 100
NOT_LOGGED_IN = "Logga in som ekonomi- eller administratörsanvändare för att läsa huvudboken."
NOT_ALLOWED = "Bara ekonomi och administratörer kan läsa huvudboken."


@bp.errorhandler(HTTPException)
def _json_error(exc: HTTPException) -> Any:
    """Errors from these views as ``{"error": "..."}`` in Swedish (``abort(400, description=)``
    sets the message; otherwise the app's own wording for the status)."""
    code = exc.code or 500
    detail = exc.description if exc.description != type(exc).description else None
    response = jsonify(error=detail or MESSAGES.get(code, ("", "Begäran kunde inte "
                                                            "genomföras."))[1])
    response.status_code = code
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@bp.get("/pots")
def pots() -> Response:
    """Per budget year: reserved, committed (net of releases), paid and remaining, in kronor."""
    rows = session.scalars(sa.select(Pot).order_by(Pot.year))
    response = jsonify(
        pots=[{"year": pot.year, "reserved": pot.reserved, "committed": pot.net_committed,
               "paid": pot.paid, "remaining": pot.remaining} for pot in rows],
        currency="SEK",
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _entry(row: exports.LedgerRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.date.isoformat(),
        "year": row.year,
        "kind": row.kind,
        "kind_label": row.kind_label,
        "amount": row.amount,
        "case_reference": row.case_reference,
        "organisation": row.organisation,
        "payment_date": row.payment_date.isoformat() if row.payment_date else None,
        "payment_kind": row.payment_kind,
        "payment_kind_label": row.payment_kind_label,
        "payment_reference": row.payment_reference,
        "note": row.note,
        "recorded_by": row.recorded_by,
    }


@bp.get("/ledger")
def ledger() -> Response:
    """The ledger in booking order, 100 entries a page (``?sida=``), optionally one budget year
    (``?ar=``). The entries carry the same fields as the CSV export."""
    if not current_user.is_authenticated:
        abort(401, description=NOT_LOGGED_IN)
    if not current_user.has_role("finance", "admin"):
        abort(403, description=NOT_ALLOWED)
    try:
        year = exports.parse_year(request.args.get("ar"))
    except exports.BadFilter as exc:
        abort(400, description=str(exc))
    page = page_number(request.args.get("sida"))
    pages = Pages(page=page, total=exports.count_ledger_entries(year), per_page=PER_PAGE)
    if page > pages.count:
        abort(400, description=f"Sidan {page} finns inte: det finns {pages.count} "
                               f"{'sida' if pages.count == 1 else 'sidor'}.")
    rows = exports.ledger_rows(year, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    response = jsonify(entries=[_entry(row) for row in rows], page=page, pages=pages.count,
                       total=pages.total)
    response.headers["Cache-Control"] = "private, no-store"
    return response
