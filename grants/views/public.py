"""Pages anyone can see without logging in."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from grants.db import session
from grants.models import Pot

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> Any:
    pots = session.scalars(sa.select(Pot).order_by(Pot.year)).all()
    return render_template("public/index.html", pots=pots, total=sum(p.reserved for p in pots))


@bp.get("/healthz")
def healthz() -> Any:
    """For load balancers and monitoring: 200 when the database answers, else 503."""
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/personuppgifter")
def privacy() -> Any:
    """How Pilotfonden handles personal data (shown at registration, linked from every page)."""
    return render_template("public/privacy.html")
