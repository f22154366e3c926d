"""Officers' follow-up: report overview, review, due dates, closing (helper fills in)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("followup", __name__)
