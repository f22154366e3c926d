"""Administration: the fund's rules, the scoring rubric and the decision letters' texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.admin import LEVEL_NAMES, FundSettingsForm, LetterTextForm, RubricEditForm
from grants.auth import require_roles
from grants.completeness import fund_settings
from grants.db import session
from grants.models import FundSettingsChange, LetterTextKey, Rubric, User
from grants.money import format_kronor
from grants.operations.errors import OperationError
from grants.operations.rubrics import (
    newest_rubric,
    rubric_fingerprint,
    rubric_usage,
    save_rubric,
)
from grants.operations.settings import (
    change_fund_settings,
    newest_letter_texts,
    save_letter_text,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

EXTRA_ROWS, MAX_EXTRA_ROWS = 2, 20
"""Empty criterion rows offered on the rubric form (more with ``?rader=N``)."""

_SETTING_LABELS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("max_support_share_percent", "Stödandel", lambda v: f"{v} %"),
    ("max_grant_per_pilot", "Högsta stöd per pilot", format_kronor),
    ("last_project_date", "Sista dag", str),
    ("reviewers_below", "Granskare under beloppsgränsen", str),
    ("reviewer_threshold", "Beloppsgräns", format_kronor),
    ("reviewers_at_or_above", "Granskare på eller över gränsen", str),
    ("reviewer_may_decide", "Granskare får besluta", lambda v: "ja" if v else "nej"),
)


def describe_change(change: FundSettingsChange) -> list[str]:
    """What a logged change changed, one line per value, in Swedish."""
    before, after = change.before or {}, change.after or {}
    if "letter_text" in after:
        try:
            label = LetterTextKey(after["letter_text"]).label
        except ValueError:
            label = after["letter_text"]
        old = before.get("version")
        return [f"Beslutstext «{label}»: version {old} → {after['version']}" if old
                else f"Beslutstext «{label}»: version {after['version']}"]
    lines = [f"{label} {show(before[key])} → {show(after[key])}"
             for key, label, show in _SETTING_LABELS
             if key in before and key in after and before[key] != after[key]]
    return lines or ["Inga värden ändrades."]


def _recent_changes(limit: int = 20) -> list[FundSettingsChange]:
    return list(session.scalars(
        sa.select(FundSettingsChange).order_by(FundSettingsChange.id.desc()).limit(limit)
    ))


@bp.route("/installningar", methods=["GET", "POST"])
@require_roles("admin")
def settings() -> Any:
    current = fund_settings()
    form = FundSettingsForm(data=None if request.method == "POST" else {
        "max_support_share_percent": current.max_support_share_percent,
        "max_grant_per_pilot": current.max_grant_per_pilot,
        "last_project_date": current.last_project_date,
        "reviewers_below": current.reviewers_below,
        "reviewer_threshold": current.reviewer_threshold,
        "reviewers_at_or_above": current.reviewers_at_or_above,
        "reviewer_may_decide": current.reviewer_may_decide,
    })
    status = 200
    if form.validate_on_submit():
        try:
            change_fund_settings(
                actor=current_user,
                max_support_share_percent=form.max_support_share_percent.data,
                max_grant_per_pilot=form.max_grant_per_pilot.data,
                last_project_date=form.last_project_date.data,
                reviewers_below=form.reviewers_below.data,
                reviewer_threshold=form.reviewer_threshold.data,
                reviewers_at_or_above=form.reviewers_at_or_above.data,
                reviewer_may_decide=form.reviewer_may_decide.data,
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
    return render_template("admin/settings.html", form=form, changes=_recent_changes(),
                           describe=describe_change), status


# The scoring rubric ------------------------------------------------------------------------------


@bp.route("/bedomningsmallar")
@require_roles("admin")
def rubrics() -> Any:
    versions = list(session.scalars(sa.select(Rubric).order_by(Rubric.number.desc())))
    usage = rubric_usage()
    authors = {u.id: u for u in session.scalars(
        sa.select(User).where(User.id.in_({r.created_by_id for r in versions if r.created_by_id}))
    )}
    wanted = request.args.get("version", type=int)
    shown = next((r for r in versions if r.number == wanted), None) if wanted else (
        versions[0] if versions else None)
    if wanted and shown is None:
        abort(404)
    return render_template("admin/rubrics.html", versions=versions, usage=usage, authors=authors,
                           shown=shown, newest=versions[0] if versions else None)


def _rubric_form_data(rubric: Rubric | None, extra: int) -> dict[str, Any]:
    rows = [
        {"title": c.title, "description": c.description, "kind": c.kind,
         "weight": c.weight if c.kind == "scored" else None,
         **{name: (c.level_labels[i] if i < len(c.level_labels) else "")
            for i, name in enumerate(LEVEL_NAMES)}}
        for c in (rubric.criteria if rubric else [])
    ]
    return {"criteria": rows + [{} for _ in range(extra)],
            "based_on": rubric_fingerprint(rubric) if rubric else ""}


@bp.route("/bedomningsmallar/ny", methods=["GET", "POST"])
@require_roles("admin")
def edit_rubric() -> Any:
    newest = newest_rubric()
    extra = min(max(request.args.get("rader", EXTRA_ROWS, type=int), 0), MAX_EXTRA_ROWS)
    form = RubricEditForm(data=None if request.method == "POST"
                          else _rubric_form_data(newest, extra))
    uses = rubric_usage().get(newest.id, 0) if newest else 0
    if form.validate_on_submit():
        try:
            saved = save_rubric(actor=current_user, criteria=form.criteria_inputs(),
                                reason=form.reason.data or "", based_on=form.based_on.data or None)
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
            newest = newest_rubric()
            if newest is not None:  # the next save goes ahead on top of what is there now
                form.based_on.data = rubric_fingerprint(newest)
        else:
            number = saved.number
            session.commit()
            if newest is not None and number != newest.number:
                flash(f"Bedömningsmallen är sparad som version {number}. Version {newest.number} "
                      "används i granskningar och är oförändrad.", "success")
            else:
                flash(f"Version {number} av bedömningsmallen är sparad.", "success")
            return redirect(url_for("admin.rubrics"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/edit_rubric.html", form=form, newest=newest, uses=uses,
                           existing=len(newest.criteria) if newest else 0,
                           extra=extra), status


# The letters' standard texts ---------------------------------------------------------------------


@bp.route("/beslutstexter", methods=["GET", "POST"])
@require_roles("admin")
def letter_texts() -> Any:
    newest = newest_letter_texts()
    chosen = request.args.get("text", LetterTextKey.CONDITIONS.value)
    if chosen not in {k.value for k in LetterTextKey}:
        chosen = LetterTextKey.CONDITIONS.value
    current = newest.get(LetterTextKey(chosen))
    form = LetterTextForm(data=None if request.method == "POST" else {
        "key": chosen, "text": current.text if current else "",
    })
    if form.validate_on_submit():
        try:
            saved = save_letter_text(actor=current_user, key=form.key.data or "",
                                     text=form.text.data or "", reason=form.reason.data or "")
        except OperationError as exc:
            session.rollback()
            form.form_errors.extend(exc.reasons)
        else:
            label, version = LetterTextKey(saved.key).label, saved.version
            session.commit()
            flash(f"«{label}» är sparad som version {version}. Beslut som fattas från och med nu "
                  "får den nya texten; brev som redan skickats är oförändrade.", "success")
            return redirect(url_for("admin.letter_texts", text=saved.key))
    status = 422 if request.method == "POST" else 200
    authors = {u.id: u for u in session.scalars(
        sa.select(User).where(User.id.in_({t.created_by_id for t in newest.values()
                                           if t.created_by_id}))
    )}
    history = [c for c in _recent_changes(200) if "letter_text" in (c.after or {})][:20]
    return render_template("admin/letter_texts.html", form=form, texts=newest, authors=authors,
                           keys=list(LetterTextKey), history=history,
                           describe=describe_change), status
