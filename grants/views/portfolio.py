"""The portfolio map: officers' levers, horizons, relations and portfolio reviews; a public
read-only version without internal notes (helper fills in)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portfolio", __name__)
