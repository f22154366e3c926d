"""Deciders' amendment and cancellation decisions; finance's payment requests (helper fills in)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("amendments", __name__)
