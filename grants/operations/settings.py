"""Changing the fund's rules (support share, max per pilot, last project date), logged."""

from __future__ import annotations

from datetime import date
from typing import Any

from grants.db import session
from grants.models import FundSettings, FundSettingsChange, User
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import Role


def _snapshot(settings: FundSettings) -> dict[str, Any]:
    return {
        "max_support_share_percent": settings.max_support_share_percent,
        "max_grant_per_pilot": settings.max_grant_per_pilot,
        "last_project_date": settings.last_project_date.isoformat(),
    }


def change_fund_settings(
    *, actor: User, max_support_share_percent: int, max_grant_per_pilot: int,
    last_project_date: date, reason: str,
) -> FundSettingsChange:
    """Set the rules and log the change; raises NotPermitted (not an admin) or InvalidInput.

    Applications already submitted keep the decision they will get on their own merits; the
    rules apply to what is submitted from now on.
    """
    if Role.ADMIN.value not in actor.roles:
        raise NotPermitted("Bara en administratör kan ändra fondens regler.")
    problems = []
    if not 1 <= max_support_share_percent <= 100:
        problems.append("Stödandelen ska vara mellan 1 och 100 procent.")
    if max_grant_per_pilot <= 0:
        problems.append("Högsta stöd per pilot måste vara större än 0 kr.")
    if not reason.strip():
        problems.append("Skriv varför reglerna ändras.")
    if problems:
        raise InvalidInput(*problems)
    settings = session.get(FundSettings, 1)
    if settings is None:
        settings = FundSettings(id=1)
        session.add(settings)
        session.flush()
    before = _snapshot(settings)
    settings.max_support_share_percent = max_support_share_percent
    settings.max_grant_per_pilot = max_grant_per_pilot
    settings.last_project_date = last_project_date
    settings.updated_by_id = actor.id
    change = FundSettingsChange(actor_id=actor.id, reason=reason.strip(), before=before,
                                after=_snapshot(settings))
    session.add(change)
    session.flush()
    return change
