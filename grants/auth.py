"""Logging in and out (Flask-Login), the CSRF protection every form relies on, and role checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from forms.auth import LoginForm, LogoutForm, RegistrationForm
from grants.db import session
from grants.models import Municipality, User
from grants.operations.errors import OperationError
from grants.operations.logins import login_blocked, record_login_attempt
from grants.operations.users import organisation_exists, register_applicant

bp = Blueprint("auth", __name__)
TOO_MANY_ATTEMPTS = (
    "För många misslyckade inloggningsförsök. Vänta en stund (högst "
    "{minutes} minuter) och försök igen, eller kontakta Pilotfondens handläggare."
)
login_manager = LoginManager()
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])



@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked when the e-mail is unknown, so that a wrong address takes as long as a wrong
    password (with the same hashing method as real accounts)."""
    return generate_password_hash("not-a-real-password", method=method)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"

    @app.context_processor
    def _logout_form() -> dict[str, Any]:
        # formdata=None: the header's form only needs its token, and must not read the request
        # body (an error page for a too-large body would otherwise raise 413 again).
        return {"logout_form": LogoutForm(formdata=None)}


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The person a session belongs to: ``"<user id>:<session version>"`` (User.get_id), valid
    only while the account is active and its version unchanged (see User.end_sessions)."""
    user_id, _, version = session_id.partition(":")
    try:
        user = session.get(User, int(user_id))
        wanted = int(version)
    except ValueError:
        return None
    if user is None or not user.active or user.session_version != wanted:
        return None
    return user


def require_roles(*roles: str) -> Callable[[F], F]:
    """Only logged-in users holding one of ``roles``; others get the login page or 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def home_for(user: User) -> str:
    if user.has_role("officer", "decider"):
        return url_for("officer.index")
    if user.has_role("applicant"):
        return url_for("applicant.index")
    if user.has_role("finance"):
        return url_for("finance.dashboard")
    if user.has_role("reviewer"):
        return url_for("review.index")
    return url_for("public.index")


@bp.route("/logga-in", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = request.remote_addr or "-"
        if login_blocked(email, address):
            # Checked before the password, and the same for every e-mail: says nothing about
            # whether the account exists or the password was right.
            minutes = current_app.config["LOGIN_WINDOW_MINUTES"]
            error, status = TOO_MANY_ATTEMPTS.format(minutes=minutes), 429
        else:
            user = session.scalar(sa.select(User).where(User.email == email))
            password = form.password.data or ""
            if user is None:
                check_password_hash(
                    _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password
                )
            ok = user is not None and user.check_password(password)
            record_login_attempt(email, address, succeeded=ok)
            session.commit()
            if not ok:
                error, status = "Fel e-postadress eller lösenord.", 422
            elif not user.active:
                error, status = (
                    "Kontot är avstängt. Kontakta Pilotfondens handläggare om du behöver det.", 422
                )
            else:
                login_user(user)
                flash(f"Du är inloggad som {user.name}.", "success")
                return redirect(safe_next(request.args.get("next")) or home_for(user))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logga-ut", methods=["POST"])
def logout() -> Any:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    flash("Du är utloggad.", "success")
    return redirect(url_for("public.index"))


@bp.route("/registrera", methods=["GET", "POST"])
def register() -> Any:
    """A new applicant account (and organisation, unless it is already registered)."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegistrationForm()
    form.municipality.choices = [("", "Välj kommun")] + [
        (m.code, m.name) for m in session.scalars(
            sa.select(Municipality).where(Municipality.active).order_by(Municipality.name))
    ]
    status = 200
    if form.validate_on_submit() and (
        organisation_exists(form.org_number.data or "") or form.require_new_organisation_details()
    ):
        try:
            user = register_applicant(
                email=form.email.data or "", name=form.name.data or "",
                password=form.password.data or "", org_number=form.org_number.data or "",
                org_name=form.org_name.data or "", org_kind=form.org_kind.data or "",
                municipality_code=form.municipality.data or None,
            )
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            login_user(user)
            if user.membership_confirmed:
                flash("Ditt konto är skapat. Starta en ansökan när du vill.", "success")
            else:
                flash(f"Ditt konto är skapat. {user.organisation.name} finns redan i Pilotfonden: "
                      "någon som redan har konto för organisationen behöver bekräfta dig innan "
                      "du ser organisationens ansökningar.", "info")
            return redirect(url_for("applicant.index"))
    if request.method == "POST":
        status = 422
    return render_template("auth/register.html", form=form), status
