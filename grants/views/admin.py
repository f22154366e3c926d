"""Administration: the fund's rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.admin import FundSettingsForm
from grants.auth import require_roles
from grants.completeness import fund_settings
from grants.db import session
from grants.models import FundSettingsChange
from grants.operations.errors import OperationError
from grants.operations.settings import change_fund_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/installningar", methods=["GET", "POST"])
@require_roles("admin")
def settings() -> Any:
    current = fund_settings()
    form = FundSettingsForm(data=None if request.method == "POST" else {
        "max_support_share_percent": current.max_support_share_percent,
        "max_grant_per_pilot": current.max_grant_per_pilot,
        "last_project_date": current.last_project_date,
    })
    status = 200
    if form.validate_on_submit():
        try:
            change_fund_settings(
                actor=current_user,
                max_support_share_percent=form.max_support_share_percent.data,
                max_grant_per_pilot=form.max_grant_per_pilot.data,
                last_project_date=form.last_project_date.data,
                reason=form.reason.data or "",
            )
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            flash("Fondens regler är sparade.", "success")
            return redirect(url_for("admin.settings"))
    if request.method == "POST":
        status = 422
    changes = session.scalars(
        sa.select(FundSettingsChange).order_by(FundSettingsChange.id.desc()).limit(20)
    ).all()
    return render_template("admin/settings.html", form=form, changes=changes), status
