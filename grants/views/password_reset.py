"""Forgotten passwords: ask for a link by e-mail, then choose a new password with it.

The answer to a request is the same whether or not the address has an account (no user
enumeration). The link carries a signed token (grants.passwords) that expires and stops working
once the password has changed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from forms.password_reset import PasswordResetForm, PasswordResetRequestForm
from grants.db import session
from grants.operations.errors import InvalidInput
from grants.operations.users import request_password_reset, reset_password, user_for_reset_token

bp = Blueprint("password_reset", __name__)
log = logging.getLogger(__name__)


@bp.route("/glomt-losenord", methods=["GET", "POST"])
def request_link() -> Any:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        request_password_reset(
            form.email.data or "",
            reset_url=lambda token: url_for("password_reset.reset", token=token, _external=True),
        )
        session.commit()
        # The same page whatever happened: it must not tell whether the address has an account.
        return render_template("auth/reset_requested.html")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/aterstall-losenord/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    user = user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            reset_password(user, form.password.data or "")
        except InvalidInput as exc:
            session.rollback()
            form.password.errors = [*form.password.errors, *exc.reasons]
        else:
            session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash("Ditt lösenord är bytt. Logga in med det nya lösenordet.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, user=user), status
