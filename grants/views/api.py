"""The open-data API and the finance read API, under ``/api/v1`` (GET only).

Everything here is public — public money is public — and holds no personal data, except the
ledger: ``/api/v1/ledger`` is for logged-in finance staff and admins, and answers in JSON also
when it refuses (401 without a login, 403 for other roles, 400 for a bad filter), never with a
redirect to the login page or an HTML error page.

The register endpoints ask :mod:`grants.register` alone what is public, so they say what the
pages ``/piloter`` and ``/larande`` say. Their answers are JSON in UTF-8 (CSV where the path says
so) with ``ETag`` (a hash of the body), ``Last-Modified`` (the newest change among the pilots in
the answer, or now when there are none) and ``Cache-Control: public, max-age=60``; a request
whose ``If-None-Match`` holds the current ETag gets 304 with no body. ``If-Modified-Since`` is
not honoured: the ETag is exact, a pilot's time stamp need not be.

The CSV files use ``;`` between fields and UTF-8 with a byte-order mark, as Swedish Excel opens
them (the same writer as the finance exports). They hold every matching row, read
``CSV_CHUNK`` pilots at a time so the number of objects in memory and of queries per chunk stay
bounded however large the register grows.

The OpenAPI document at ``/api/v1/openapi.json`` (:mod:`grants.openapi`) describes all of this.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from grants import exports, openapi, threesixty
from grants.db import session
from grants.exports import DATE, MONEY, Column, Sheet
from grants.models import LedgerEntry, Pot
from grants.register import (
    PER_PAGE,
    Filters,
    PublicLearning,
    PublicPilot,
    RegisterError,
    learnings_page,
    parse_filters,
    public_pilot,
    register_page,
)
from grants.views.errors import MESSAGES
from grants.views.pagination import Pages, page_number

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PER_PAGE_LEDGER = 100
CSV_CHUNK = 500
CACHE_CONTROL = "public, max-age=60"
LEARNING_PARAMETERS = ("insatsomrade", "tema", "sida", "per_sida")
NOT_LOGGED_IN = "Logga in som ekonomi- eller administratörsanvändare för att läsa huvudboken."
NOT_ALLOWED = "Bara ekonomi och administratörer kan läsa huvudboken."
NOT_FOUND = "Det finns ingen offentlig pilot med den referensen."


# Answers -----------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> Response:
    """JSON in UTF-8 as it is (``Örebro``, not ``\\u00d6rebro``), keys in the order built."""
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json")


def _cached(response: Response, modified: datetime | None) -> Response:
    """Cache headers for a public answer; 304 with no body when ``If-None-Match`` has its
    ETag (weak comparison, as HTTP prescribes for If-None-Match)."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    response.last_modified = modified or datetime.now(UTC)
    etag, _weak = response.get_etag()
    if etag is not None and request.if_none_match.contains_weak(etag):
        not_modified = Response(status=304)
        for name in ("ETag", "Last-Modified", "Cache-Control"):
            not_modified.headers[name] = response.headers[name]
        return not_modified
    return response


def _newest(pilots: list[PublicPilot]) -> datetime | None:
    return max((p.updated for p in pilots if p.updated is not None), default=None)


@bp.errorhandler(HTTPException)
@bp.errorhandler(InternalServerError)  # by code, or the app's HTML 500 page would win
def _json_error(exc: HTTPException) -> Any:
    """Errors from these views as ``{"error": "..."}`` in Swedish (``abort(400, description=)``
    sets the message; otherwise the app's own wording for the status). A crash is logged and
    its half-done work rolled back, as the app's own 500 handler does."""
    code = exc.code or 500
    if isinstance(exc, InternalServerError):
        log.error("unhandled error", exc_info=exc.original_exception or exc)
        session.rollback()
    detail = exc.description if exc.description != type(exc).description else None
    response = _json({"error": detail or MESSAGES.get(
        code, ("", "Begäran kunde inte genomföras."))[1]}, status=code)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# Pots and ledger (finance) ----------------------------------------------------------------------


@bp.get("/pots")
def pots() -> Response:
    """Per budget year: reserved, committed (net of releases), paid and remaining, in kronor."""
    rows = session.scalars(sa.select(Pot).order_by(Pot.year))
    body = {
        "pots": [{"year": pot.year, "reserved": pot.reserved, "committed": pot.net_committed,
                  "paid": pot.paid, "remaining": pot.remaining} for pot in rows],
        "currency": "SEK",
    }
    # Every change to these figures is a ledger entry.
    newest = session.scalar(sa.select(sa.func.max(LedgerEntry.created_at)))
    return _cached(_json(body), newest)


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
    pages = Pages(page=page, total=exports.count_ledger_entries(year), per_page=PER_PAGE_LEDGER)
    if page > pages.count:
        abort(400, description=f"Sidan {page} finns inte: det finns {pages.count} "
                               f"{'sida' if pages.count == 1 else 'sidor'}.")
    rows = exports.ledger_rows(year, limit=PER_PAGE_LEDGER,
                               offset=(page - 1) * PER_PAGE_LEDGER)
    response = _json({"entries": [_entry(row) for row in rows], "page": page,
                      "pages": pages.count, "total": pages.total})
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The register ----------------------------------------------------------------------------------


def _register_filters() -> Filters:
    try:
        return parse_filters(request.args, api=True)
    except RegisterError as exc:
        abort(400, description=str(exc))


def _page_links(endpoint: str, csv_endpoint: str, params: dict[str, Any], *, page: int,
                pages: int, per_page: int) -> dict[str, str | None]:
    """Self, next, previous (the last page, from past the end) and the CSV of all pages."""
    params = {k: v for k, v in params.items() if k not in ("sida", "per_sida")}
    sized = params | ({"per_sida": per_page} if per_page != PER_PAGE else {})

    def at(number: int) -> str:
        return url_for(endpoint, _external=True, **sized, **({"sida": number}
                                                              if number > 1 else {}))

    return {
        "self": at(page),
        "next": at(page + 1) if page < pages else None,
        "prev": at(min(page - 1, pages)) if page > 1 else None,
        "csv": url_for(csv_endpoint, _external=True, **params),
    }


@bp.get("/pilots")
def pilots() -> Response:
    """One page of the register with the page's filters, as ``PublicPilot.as_dict()``."""
    filters = _register_filters()
    result = register_page(filters)
    body = {
        "pilots": [pilot.as_dict() for pilot in result.pilots],
        "total": result.total,
        "page": filters.page,
        "per_page": filters.per_page,
        "pages": result.pages,
        "links": _page_links("api.pilots", "api.pilots_csv", filters.as_params(),
                             page=filters.page, pages=result.pages, per_page=filters.per_page),
    }
    return _cached(_json(body), _newest(result.pilots))


def every_pilot(filters: Filters) -> Iterator[PublicPilot]:
    """Every pilot the filters match, in their order, read ``CSV_CHUNK`` at a time (the filters'
    own page and page size are ignored)."""
    number = 1
    while True:
        result = register_page(replace(filters, page=number, per_page=CSV_CHUNK))
        yield from result.pilots
        if number >= result.pages:
            return
        number += 1


def _page_url(reference: str) -> str:
    return url_for("public.pilot", reference=reference, _external=True)


def _api_url(reference: str) -> str:
    return url_for("api.pilot", reference=reference, _external=True)


PILOT_COLUMNS = (
    Column("Referens", "reference"),
    Column("Titel", "title"),
    Column("Organisation", "organisation"),
    Column("Organisationsnummer", "org_number"),
    Column("Organisationstyp", "kind"),
    Column("Kommuner", "municipalities"),
    Column("Insatsområden", "focus_areas"),
    Column("Status", "state"),
    Column("Beviljat totalt (kr)", "granted_total", MONEY),
    Column("Beviljat per år (kr)", "granted"),
    Column("Projektstart", "project_start", DATE),
    Column("Projektslut", "project_end", DATE),
    Column("Länk", "link"),
)


def _pilot_row(pilot: PublicPilot) -> tuple[Any, ...]:
    return (
        pilot.reference, pilot.title, pilot.organisation, pilot.organisation_number,
        pilot.organisation_kind_label, ", ".join(name for _code, name in pilot.municipalities),
        ", ".join(name for _code, name in pilot.focus_areas), pilot.state_label,
        pilot.granted_total, "; ".join(f"{year}: {amount}" for year, amount in pilot.granted),
        pilot.project_start, pilot.project_end, _page_url(pilot.reference),
    )


def _csv(sheet: Sheet, filename: str, modified: datetime | None) -> Response:
    response = Response(exports.to_csv(sheet), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return _cached(response, modified)


@bp.get("/pilots.csv")
def pilots_csv() -> Response:
    """Every pilot the filters match (not one page) as CSV."""
    filters = _register_filters()
    rows, updated = [], []
    for pilot in every_pilot(filters):
        rows.append(_pilot_row(pilot))
        updated.append(pilot.updated)
    return _csv(Sheet("Piloter", PILOT_COLUMNS, rows), "piloter.csv",
                max(filter(None, updated), default=None))


@bp.get("/pilots/<reference>")
def pilot(reference: str) -> Response:
    """One pilot's whole public record; 404 alike for unknown and not public."""
    found = public_pilot(reference)
    if found is None:
        abort(404, description=NOT_FOUND)
    return _cached(_json(found.as_dict(detail=True)), found.updated)


# Learnings -------------------------------------------------------------------------------------


def _learning_query() -> tuple[str | None, str | None, int, int]:
    """(focus area, theme, page, per page) from the query string; 400 for unknown parameters
    and bad page numbers (unknown focus areas and themes: ``learnings_page`` refuses them)."""
    unknown = sorted(set(request.args.keys()) - set(LEARNING_PARAMETERS))
    if unknown:
        abort(400, description=f"Okänd parameter: {', '.join(unknown)}. Tillåtna: "
                               f"{', '.join(LEARNING_PARAMETERS)}.")
    try:
        paging = parse_filters({name: request.args.get(name, "") for name in ("sida",
                                                                              "per_sida")},
                               api=True)
    except RegisterError as exc:
        abort(400, description=str(exc))
    focus = (request.args.get("insatsomrade") or "").strip() or None
    theme = (request.args.get("tema") or "").strip() or None
    return focus, theme, paging.page, paging.per_page


def _learning(learning: PublicLearning) -> dict[str, Any]:
    return {
        "reference": learning.reference,
        "title": learning.title,
        "organisation": learning.organisation,
        "focus_areas": learning.focus_areas,
        "report": learning.report,
        "published": learning.published.isoformat(),
        "worked": learning.worked,
        "not_worked": learning.not_worked,
        "for_others": learning.for_others,
        "themes": [code for code, _label, _text in learning.themes()],
        "links": {"pilot": _api_url(learning.reference),
                  "page": _page_url(learning.reference)},
    }


def _published(learnings: list[PublicLearning]) -> datetime | None:
    """The newest publication day (the register keeps only the day of a learning)."""
    newest = max((lrn.published for lrn in learnings), default=None)
    return datetime(newest.year, newest.month, newest.day, tzinfo=UTC) if newest else None


@bp.get("/learnings")
def learnings() -> Response:
    """Published learnings, newest first, by focus area and theme, a page at a time."""
    focus, theme, page, per_page = _learning_query()
    try:
        result = learnings_page(focus_area=focus, theme=theme, page=page, per_page=per_page)
    except RegisterError as exc:
        abort(400, description=str(exc))
    params = {"insatsomrade": focus, "tema": theme}
    body = {
        "learnings": [_learning(lrn) for lrn in result.learnings],
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": result.pages,
        "links": _page_links("api.learnings", "api.learnings_csv",
                             {k: v for k, v in params.items() if v}, page=page,
                             pages=result.pages, per_page=per_page),
    }
    return _cached(_json(body), _published(result.learnings))


LEARNING_COLUMNS = (
    Column("Referens", "reference"),
    Column("Titel", "title"),
    Column("Organisation", "organisation"),
    Column("Insatsområden", "focus_areas"),
    Column("Rapport", "report"),
    Column("Publicerad", "published", DATE),
    Column("Det här fungerade", "worked"),
    Column("Det här fungerade inte", "not_worked"),
    Column("Det här bör andra veta", "for_others"),
    Column("Länk", "link"),
)


@bp.get("/learnings.csv")
def learnings_csv() -> Response:
    """Every published learning the filters match, as CSV."""
    focus, theme, _page, _per_page = _learning_query()
    rows: list[tuple[Any, ...]] = []
    newest: list[PublicLearning] = []
    number = 1
    while True:
        try:
            result = learnings_page(focus_area=focus, theme=theme, page=number,
                                    per_page=CSV_CHUNK)
        except RegisterError as exc:
            abort(400, description=str(exc))
        rows += [(lrn.reference, lrn.title, lrn.organisation, ", ".join(lrn.focus_areas),
                  lrn.report, lrn.published, lrn.worked, lrn.not_worked, lrn.for_others,
                  _page_url(lrn.reference)) for lrn in result.learnings]
        newest = newest or result.learnings[:1]  # newest first
        if number >= result.pages:
            break
        number += 1
    return _csv(Sheet("Lärdomar", LEARNING_COLUMNS, rows), "lardomar.csv", _published(newest))


# 360Giving and the OpenAPI document ------------------------------------------------------------


@bp.get("/360giving.json")
def threesixty_giving() -> Response:
    """Every pilot that got a grant (or those the register's filters match, as for the CSV), as
    a 360Giving Data Standard package."""
    filters = _register_filters()
    pilots = list(every_pilot(filters))
    body = threesixty.package(
        pilots, page_url=_page_url, source_url=_api_url,
        download_url=url_for("api.threesixty_giving", _external=True,
                             **filters.as_params(sida=None)))
    return _cached(_json(body), _newest(pilots))


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 document that describes this API."""
    return _cached(_json(openapi.document()), None)
