"""Downloads for finance staff: the ledger and the per-pilot summary as CSV or XLSX, for all
years or one (``?ar=2025``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, request, send_file

from grants import exports
from grants.auth import require_roles

bp = Blueprint("finance_export", __name__, url_prefix="/ekonomi/export")

FORMATS: dict[str, tuple[Callable[[exports.Sheet], bytes], str]] = {
    "csv": (exports.to_csv, "text/csv"),
    "xlsx": (exports.to_xlsx, exports.XLSX_MIMETYPE),
}


def _year() -> int | None:
    try:
        return exports.parse_year(request.args.get("ar"))
    except exports.BadFilter as exc:
        abort(400, description=str(exc))


def _download(build: Callable[[int | None], exports.Sheet], name: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    year = _year()
    write, mimetype = FORMATS[fmt]
    filename = f"pilotfonden-{name}{f'-{year}' if year else ''}.{fmt}"
    response = send_file(io.BytesIO(write(build(year))), mimetype=mimetype, as_attachment=True,
                         download_name=filename, max_age=0)
    # Names and amounts of people's grants: not for shared caches or the browser's disk cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/huvudbok.<fmt>")
@require_roles("finance", "admin")
def ledger(fmt: str) -> Any:
    """Every ledger entry (of the year), one row each."""
    return _download(exports.ledger_sheet, "huvudbok", fmt)


@bp.get("/piloter.<fmt>")
@require_roles("finance", "admin")
def pilots(fmt: str) -> Any:
    """One row per pilot with money: granted, released, paid, unpaid, claimed, repaid."""
    return _download(exports.pilot_sheet, "piloter", fmt)
