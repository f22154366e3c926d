"""Pages anyone can see without logging in."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template

from grants.db import session
from grants.models import Pot

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> Any:
    pots = session.scalars(sa.select(Pot).order_by(Pot.year)).all()
    return render_template("public/index.html", pots=pots, total=sum(p.reserved for p in pots))
