"""The fund's rules an administrator sets, each change logged with who, why, before and after.

The rules: support share, max per pilot, last project date, and how many reviewers a case needs
(by the amount asked for) and whether a reviewer may also decide the case. The decision letters'
standard texts are versioned: a change is a new version, and letters already issued keep the text
they were issued with. Both kinds of change are logged in :class:`FundSettingsChange`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa

from grants.db import session
from grants.identifiers import contains_personal_identity_number
from grants.models import FundSettings, FundSettingsChange, LetterText, LetterTextKey, User
from grants.operations.errors import InvalidInput, NotPermitted
from workflows import Role

REVIEWERS_MIN, REVIEWERS_MAX = 1, 5
LETTER_TEXT_LIMIT = 10_000
REASON_LIMIT = 2000
APPEAL_PLACEHOLDERS = ("{sista_dag}", "{anslagsdag}")
"""Filled in per decision: the last day to appeal, and the day the minutes were posted."""
APPEAL_KEYS = (LetterTextKey.APPEAL_GRANT, LetterTextKey.APPEAL_REJECT)
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")


def _require_admin(actor: User, what: str) -> None:
    if Role.ADMIN.value not in actor.roles:
        raise NotPermitted(f"Bara en administratör kan {what}.")


def _snapshot(settings: FundSettings) -> dict[str, Any]:
    return {
        "max_support_share_percent": settings.max_support_share_percent,
        "max_grant_per_pilot": settings.max_grant_per_pilot,
        "last_project_date": settings.last_project_date.isoformat(),
        "reviewers_below": settings.reviewers_below,
        "reviewer_threshold": settings.reviewer_threshold,
        "reviewers_at_or_above": settings.reviewers_at_or_above,
        "reviewer_may_decide": settings.reviewer_may_decide,
    }


def _fund_settings_row() -> FundSettings:
    settings = session.get(FundSettings, 1)
    if settings is None:
        settings = FundSettings(id=1)
        session.add(settings)
        session.flush()
    return settings


def change_fund_settings(
    *, actor: User, max_support_share_percent: int, max_grant_per_pilot: int,
    last_project_date: date, reason: str, reviewers_below: int | None = None,
    reviewer_threshold: int | None = None, reviewers_at_or_above: int | None = None,
    reviewer_may_decide: bool | None = None,
) -> FundSettingsChange:
    """Set the rules and log the change; raises NotPermitted (not an admin) or InvalidInput.

    A reviewer setting left as ``None`` keeps its current value. Applications already submitted
    keep the decision they will get on their own merits; the rules apply to what is submitted
    from now on. The number of reviewers applies when the officer assigns them.
    """
    _require_admin(actor, "ändra fondens regler")
    problems = []
    if not 1 <= max_support_share_percent <= 100:
        problems.append("Stödandelen ska vara mellan 1 och 100 procent.")
    if max_grant_per_pilot <= 0:
        problems.append("Högsta stöd per pilot måste vara större än 0 kr.")
    for count in (reviewers_below, reviewers_at_or_above):
        if count is not None and not REVIEWERS_MIN <= count <= REVIEWERS_MAX:
            problems.append(f"Antalet granskare ska vara mellan {REVIEWERS_MIN} och "
                            f"{REVIEWERS_MAX}.")
            break
    if reviewer_threshold is not None and reviewer_threshold < 0:
        problems.append("Beloppsgränsen kan inte vara negativ.")
    if not reason.strip():
        problems.append("Skriv varför reglerna ändras.")
    if problems:
        raise InvalidInput(*problems)
    settings = _fund_settings_row()
    before = _snapshot(settings)
    settings.max_support_share_percent = max_support_share_percent
    settings.max_grant_per_pilot = max_grant_per_pilot
    settings.last_project_date = last_project_date
    if reviewers_below is not None:
        settings.reviewers_below = reviewers_below
    if reviewer_threshold is not None:
        settings.reviewer_threshold = reviewer_threshold
    if reviewers_at_or_above is not None:
        settings.reviewers_at_or_above = reviewers_at_or_above
    if reviewer_may_decide is not None:
        settings.reviewer_may_decide = reviewer_may_decide
    settings.updated_by_id = actor.id
    change = FundSettingsChange(actor_id=actor.id, reason=reason.strip(), before=before,
                                after=_snapshot(settings))
    session.add(change)
    session.flush()
    return change


# Letter texts ------------------------------------------------------------------------------------


def newest_letter_texts() -> dict[LetterTextKey, LetterText]:
    """The version of each standard text that letters issued from now on use."""
    newest: dict[LetterTextKey, LetterText] = {}
    for text in session.scalars(sa.select(LetterText).order_by(LetterText.version)):
        if text.key in {k.value for k in LetterTextKey}:
            newest[LetterTextKey(text.key)] = text
    return newest


def letter_text_problems(key: LetterTextKey, text: str) -> list[str]:
    """Why ``text`` cannot be the standard text ``key`` (Swedish), or nothing."""
    problems = []
    if not text.strip():
        problems.append("Skriv texten. Den kan inte vara tom.")
    if len(text) > LETTER_TEXT_LIMIT:
        problems.append(f"Texten får vara högst {LETTER_TEXT_LIMIT:,} tecken.".replace(",", " "))
    if contains_personal_identity_number(text):
        problems.append("Texten innehåller något som ser ut som ett personnummer.")
    known = APPEAL_PLACEHOLDERS if key in APPEAL_KEYS else ()
    missing = [p for p in known if p not in text]
    if missing:
        problems.append(
            "Texten om hur man överklagar måste innehålla {sista_dag} och {anslagsdag} (saknas: "
            + ", ".join(missing) + "). I varje beslutsbrev byts {sista_dag} mot sista dagen att "
            "överklaga och {anslagsdag} mot dagen då protokollet anslogs."
        )
    unknown = sorted({p for p in _PLACEHOLDER.findall(text) if p not in known})
    if unknown:
        allowed = ("Bara {sista_dag} och {anslagsdag} fylls i" if known
                   else "Den här texten fylls inte i med några uppgifter")
        problems.append(f"Texten innehåller {', '.join(unknown)}, som inte fylls i automatiskt. "
                        f"{allowed}; ta bort klamrarna eller rätta stavningen.")
    return problems


def save_letter_text(*, actor: User, key: LetterTextKey | str, text: str,
                     reason: str) -> LetterText:
    """Save a new version of the standard text ``key`` for letters issued from now on.

    Earlier versions are never changed (issued letters keep their own copy). The change is
    logged as a fund-settings change (before and after: the key and version).

    Raises NotPermitted (not an admin) or InvalidInput (unknown key, empty or unchanged text,
    appeal text without its placeholders, unknown placeholders, missing reason).
    """
    _require_admin(actor, "ändra texterna i beslutsbreven")
    try:
        key = LetterTextKey(key)
    except ValueError:
        raise InvalidInput("Välj vilken text du vill ändra.") from None
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    problems = letter_text_problems(key, text)
    reason = reason.strip()
    if not reason:
        problems.append("Skriv varför texten ändras.")
    elif len(reason) > REASON_LIMIT:
        problems.append(f"Anledningen får vara högst {REASON_LIMIT} tecken.")
    # Lock the newest version so that two admins saving at once cannot both take the next number.
    current = session.scalars(
        sa.select(LetterText).where(LetterText.key == key.value)
        .order_by(LetterText.version.desc()).limit(1).with_for_update()
    ).first()
    if current is not None and current.text == text and not problems:
        problems.append("Texten är densamma som den nuvarande versionen. Ändra texten eller "
                        "låt bli att spara.")
    if problems:
        raise InvalidInput(*problems)
    version = (current.version if current else 0) + 1
    letter_text = LetterText(key=key.value, version=version, text=text, created_by_id=actor.id)
    session.add(letter_text)
    session.add(FundSettingsChange(
        actor_id=actor.id, reason=reason,
        before={"letter_text": key.value, "version": current.version if current else None},
        after={"letter_text": key.value, "version": version},
    ))
    session.flush()
    return letter_text
