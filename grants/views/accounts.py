"""Accounts: one's own account (log out everywhere) and the administrator's list of people with
their roles, status and history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy.orm import selectinload

from forms.accounts import AccountForm, EndSessionsForm
from grants.auth import require_roles
from grants.db import session
from grants.models import AccountChange, AccountChangeKind, User, UserRole
from grants.operations import accounts as account_ops
from grants.operations.errors import InvalidInput, NotPermitted
from grants.views.pagination import Pages, page_number
from workflows import Role

bp = Blueprint("accounts", __name__)

PER_PAGE = 50
STATUSES = {"aktiva": True, "avstangda": False}


def _history(person: User, limit: int = 50) -> list[AccountChange]:
    return list(session.scalars(
        sa.select(AccountChange).where(AccountChange.user_id == person.id)
        .order_by(AccountChange.id.desc()).limit(limit)
    ))


def describe(change: AccountChange) -> str:
    """What a logged change did, in Swedish."""
    kind = AccountChangeKind(change.kind)
    if kind is AccountChangeKind.ROLES:
        def names(roles: list[str]) -> str:
            return ", ".join(Role(r).label for r in roles) or "inga"
        return (f"{kind.label}: {names(change.before.get('roles', []))} → "
                f"{names(change.after.get('roles', []))}")
    return kind.label


# One's own account ---------------------------------------------------------------------------


@bp.get("/konto")
@login_required
def own() -> Any:
    return render_template("accounts/own.html", form=EndSessionsForm(formdata=None),
                           history=_history(current_user), describe=describe)


@bp.post("/konto/logga-ut-overallt")
@login_required
def end_own_sessions() -> Any:
    form = EndSessionsForm()
    if not form.validate_on_submit():
        abort(400)
    account_ops.end_sessions(current_user, actor=current_user)
    session.commit()
    logout_user()
    flash("Du är utloggad på alla enheter, också i den här webbläsaren. Logga in igen för "
          "att fortsätta.", "success")
    return redirect(url_for("auth.login"))


# The administrator's pages -------------------------------------------------------------------


@bp.get("/admin/anvandare")
@require_roles(Role.ADMIN.value)
def index() -> Any:
    text = request.args.get("q", "").strip()
    role = request.args.get("roll", "")
    status = request.args.get("status", "")
    problems = []
    if role and role not in {r.value for r in Role}:
        problems.append(f"Okänd roll «{role}». Välj en roll i listan.")
    if status and status not in STATUSES:
        problems.append(f"Okänd status «{status}». Välj aktiva eller avstängda.")
    if len(text) > 200:
        problems.append("Sökningen får vara högst 200 tecken.")
    if "\x00" in text:  # PostgreSQL text cannot hold NUL: the search would be a 500 there
        problems.append("Sökningen innehåller ett tecken som inte går att söka på.")
    if problems:
        return render_template("accounts/index.html", people=[], problems=problems,
                               pages=Pages(1, 0, PER_PAGE), text=text, role=role,
                               status=status, roles=list(Role)), 400
    page = page_number(request.args.get("sida"))
    where = []
    if text:
        pattern = f"%{text.lower()}%"
        where.append(sa.or_(sa.func.lower(User.name).like(pattern),
                            User.email.like(pattern)))
    if role:
        where.append(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role)))
    if status:
        where.append(User.active.is_(STATUSES[status]))
    total = session.scalar(sa.select(sa.func.count()).select_from(User).where(*where)) or 0
    people = session.scalars(
        sa.select(User).where(*where).options(selectinload(User.role_rows))
        .order_by(User.name, User.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).unique().all()
    return render_template("accounts/index.html", people=people, problems=[],
                           pages=Pages(page, total, PER_PAGE), text=text, role=role,
                           status=status, roles=list(Role))


def _person(user_id: int) -> User:
    person = session.get(User, user_id)
    if person is None:
        abort(404)
    return person


def _person_page(person: User, form: AccountForm, end_form: EndSessionsForm,
                 status: int = 200) -> Any:
    return render_template("accounts/person.html", person=person, form=form,
                           end_form=end_form, history=_history(person),
                           describe=describe), status


@bp.route("/admin/anvandare/<int:user_id>", methods=["GET", "POST"])
@require_roles(Role.ADMIN.value)
def person(user_id: int) -> Any:
    person = _person(user_id)
    if request.method == "GET":
        form = AccountForm(formdata=None, roles=sorted(person.roles), active=person.active)
        return _person_page(person, form, EndSessionsForm(formdata=None, prefix="end"))
    form = AccountForm()
    if form.validate_on_submit():
        try:
            changes = account_ops.change_account(
                person, roles=form.roles.data or [], active=bool(form.active.data),
                reason=form.reason.data or "", actor=current_user)
        except NotPermitted:
            session.rollback()
            abort(403)
        except InvalidInput as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            session.commit()
            flash(f"{person.name}: " + ", ".join(c.label.lower() for c in changes) + ".",
                  "success")
            return redirect(url_for("accounts.person", user_id=person.id))
    return _person_page(person, form, EndSessionsForm(formdata=None, prefix="end"), 422)


@bp.post("/admin/anvandare/<int:user_id>/logga-ut")
@require_roles(Role.ADMIN.value)
def end_sessions(user_id: int) -> Any:
    person = _person(user_id)
    end_form = EndSessionsForm(prefix="end")
    if end_form.validate_on_submit():
        try:
            account_ops.end_sessions(person, actor=current_user,
                                     reason=end_form.reason.data or "")
        except InvalidInput as exc:
            session.rollback()
            end_form.reason.errors = [*end_form.reason.errors, *exc.reasons]
        else:
            session.commit()
            if person.id == current_user.id:
                logout_user()
                flash("Du är utloggad på alla enheter.", "success")
                return redirect(url_for("auth.login"))
            flash(f"{person.name} är utloggad på alla enheter.", "success")
            return redirect(url_for("accounts.person", user_id=person.id))
    form = AccountForm(formdata=None, roles=sorted(person.roles), active=person.active)
    return _person_page(person, form, end_form, 422)
