"""Jinja filters and globals the templates share."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from grants.letters import swedish_date
from grants.money import format_kronor
from grants.reference import AGE_BANDS
from workflows import FeedbackState, Role, State, transition_for

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_datetime(value: datetime | None) -> str:
    """UTC from the database → Swedish local time, ``2025-03-04 14:05``."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def state_label(value: str) -> str:
    return State(value).label


CASE_EVENTS: dict[str, str] = {
    "create": "Utkastet skapades",
    "register_dnr": "Diarienumret {dnr} registrerades",
    "screen": "Den formella kontrollen sparades",
    "assign_reviewer": "{reviewer} tilldelades som granskare",
    "remove_reviewer": "{reviewer} togs bort som granskare",
    "declare_jav": "Jävsdeklaration lämnades",
    "submit_review": "En granskning lämnades in",
    "reopen_review": "{reviewer}s granskning öppnades igen",
    "issue_letter": "Beslutsbrevet skickades",
    "correct_decision": "Beslutet rättades genom ett nytt beslut",
    "record_payment": "En utbetalning registrerades",
    "release_money": "Pengar återfördes till budgetåret",
    "claim_repayment": "Ett återkrav registrerades",
    "start_report": "{report} påbörjades",
    "submit_report": "{report} lämnades in",
    "approve_report": "{report} godkändes",
    "return_report": "{report} återsändes för komplettering",
    "change_report_due": "Sista dag för {report} flyttades från {before} till {after}",
    "request_change": "En ändringsansökan lämnades in",
    "withdraw_change": "Ändringsansökan återkallades",
    "decide_change": "Ändringsansökan avgjordes genom ändringsbeslut",
    "pay_payment_request": "Rekvisitionen betalades ut",
    "refuse_payment_request": "Rekvisitionen avslogs",
    "tag_pilot": "Pilotens plats i portföljen sparades: hävstänger {levers}; horisont {horizon}",
    "relate_pilots": "Relationen {source} {kind_label} {target} lades till i portföljen",
    "unrelate_pilots": "Relationen {source} {kind_label} {target} togs bort ur portföljen",
    "portfolio_review": "Portföljgenomgången {held_on} beslutade: {choice_label}",
    "download_dossier": "Ärendeakten laddades ned",
}
"""What the audit events that do not change the state say in the case history."""


def event_text(event: Any) -> str:
    """One line of a case's history in plain Swedish, from its audit event."""
    if event.trigger in CASE_EVENTS:
        text = CASE_EVENTS[event.trigger]
        if event.trigger == "declare_jav":
            text += ": jäv anmält" if event.data.get("jav") == "declared" else ": inget jäv"
        if event.trigger == "screen":
            text += ": godkänd" if event.data.get("passed") else ": inte godkänd än"
        try:
            return text.format(**event.data)
        except (KeyError, IndexError):
            return text.split(" {")[0]
    transition = transition_for(event.trigger)
    text = transition.done if transition else event.trigger
    if event.trigger == "submit" and event.data.get("reference"):
        text += f" och fick referensen {event.data['reference']}"
    return text


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["kronor"] = format_kronor
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["role_label"] = lambda role: Role(role).label
    app.jinja_env.filters["swedish_date"] = swedish_date
    app.jinja_env.filters["feedback_state"] = lambda state: FeedbackState(state).label
    from grants.views.sections import leaf_fields

    app.jinja_env.globals.update(
        state_label=state_label, event_text=event_text, leaf_fields=leaf_fields,
    )
    app.jinja_env.filters["age_band_label"] = lambda code: dict(AGE_BANDS).get(code, code)
