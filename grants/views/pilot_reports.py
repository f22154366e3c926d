"""The pilot owner's reports, attachments and change requests (helper fills in)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pilot_reports", __name__)
