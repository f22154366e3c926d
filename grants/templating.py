"""Jinja filters and globals the templates share."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from grants.money import format_kronor
from grants.reference import AGE_BANDS
from workflows import State, transition_for

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_datetime(value: datetime | None) -> str:
    """UTC from the database → Swedish local time, ``2025-03-04 14:05``."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def state_label(value: str) -> str:
    return State(value).label


def event_text(event: Any) -> str:
    """One line of a case's history in plain Swedish, from its audit event."""
    if event.trigger == "create":
        return "Utkastet skapades"
    transition = transition_for(event.trigger)
    text = transition.done if transition else event.trigger
    if event.trigger == "submit" and event.data.get("reference"):
        text += f" och fick referensen {event.data['reference']}"
    return text


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["kronor"] = format_kronor
    app.jinja_env.filters["local_datetime"] = local_datetime
    from grants.views.sections import leaf_fields

    app.jinja_env.globals.update(
        state_label=state_label, event_text=event_text, leaf_fields=leaf_fields,
    )
    app.jinja_env.filters["age_band_label"] = lambda code: dict(AGE_BANDS).get(code, code)
