"""Pages anyone can see without logging in: the start page, the register of pilots, one pilot's
public record, the learning hub and its Atom feed.

What is public is decided in :mod:`grants.register` alone (the open-data API asks it too); these
views only read the query string, ask it, and render the answer.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from grants.completeness import fund_settings, pot_years, today
from grants.db import session
from grants.models import OrganisationKind, Pot
from grants.register import (
    PARAMETERS,
    PUBLIC_STATE_LABELS,
    SORTS,
    THEMES,
    PublicLearning,
    RegisterError,
    counts_by_state,
    focus_area_names,
    learnings_page,
    municipality_names,
    parse_filters,
    public_pilot,
    register_page,
)

bp = Blueprint("public", __name__)

FEED_SIZE = 50
"""The Atom feed holds the newest published learnings, at most this many."""
ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
REGISTER_FIELDS = ("insatsomrade", "kommun", "ar", "status", "organisation", "q", "sortering")
"""The register's query-string parameters that are fields of its filter form (ids too)."""


@bp.get("/")
def index() -> Any:
    """What a visitor from a municipality needs first: aims, focus areas, money left this year,
    how to apply, the fund's dates, and how many pilots there are."""
    year = today().year
    pots = session.scalars(sa.select(Pot).where(Pot.year >= year).order_by(Pot.year)).all()
    return render_template(
        "public/index.html", year=year, today=today(), pots=pots,
        current=next((pot for pot in pots if pot.year == year), None),
        settings=fund_settings(), focus_areas=focus_area_names(), counts=counts_by_state(),
        state_labels=PUBLIC_STATE_LABELS,
    )


@bp.get("/healthz")
def healthz() -> Any:
    """For load balancers and monitoring: 200 when the database answers, else 503."""
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/personuppgifter")
def privacy() -> Any:
    """How Pilotfonden handles personal data (shown at registration, linked from every page)."""
    return render_template("public/privacy.html")


# The register ----------------------------------------------------------------------------------


@bp.get("/piloter")
def pilots() -> Any:
    """The register of pilots with its filter form. A filter value that does not exist is a 400
    with the reason and the form; a page past the end is an empty page."""
    values = {name: (request.args.get(name) or "").strip() for name in REGISTER_FIELDS}
    try:
        filters = parse_filters(request.args)
    except RegisterError as error:
        return render_template(
            "public/pilots.html", result=None, values=values, error=str(error),
            bad_field=_bad_parameter(request.args), **_register_choices(),
        ), 400
    result = register_page(filters)
    return render_template(
        "public/pilots.html", result=result, values=values, error=None, bad_field=None,
        page_params=filters.as_params, api_query=urlencode(filters.as_params()),
        **_register_choices(filters.year),
    )


def _register_choices(chosen_year: int | None = None) -> dict[str, Any]:
    """The options of the filter form's selects, as (value, label) pairs: the years are those
    with a pot, and a valid year without one that was asked for (so it shows as chosen)."""
    years = set(pot_years()) | ({chosen_year} if chosen_year else set())
    return {
        "focus_areas": list(focus_area_names().items()),
        "municipalities": list(municipality_names().items()),
        "years": [(str(year), str(year)) for year in sorted(years)],
        "states": list(PUBLIC_STATE_LABELS.items()),
        "kinds": [(kind.value, kind.label) for kind in OrganisationKind],
        "sorts": list(SORTS.items()),
    }


def _bad_parameter(args: Mapping[str, str]) -> str | None:
    """The first form field whose value the register refuses (to link the error to it)."""
    for name in PARAMETERS:
        if name in args and name in REGISTER_FIELDS:
            try:
                parse_filters({name: args[name]})
            except RegisterError:
                return name
    return None


@bp.get("/piloter/<reference>")
def pilot(reference: str) -> Any:
    """One pilot's public record; 404 alike for a reference that is unknown or not public."""
    found = public_pilot(reference)
    if found is None:
        abort(404)
    return render_template("public/pilot.html", pilot=found, anchor=learning_anchor)


def learning_anchor(report_label: str) -> str:
    """The fragment of a report's learnings on its pilot's page (``lardom-delrapport-2``): the
    feed's entries point there and take it as part of their id."""
    ascii_only = unicodedata.normalize("NFKD", report_label).encode("ascii", "ignore").decode()
    return "lardom-" + (re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-") or "rapport")


# The learning hub ----------------------------------------------------------------------------


@bp.get("/larande")
def learnings() -> Any:
    """Published learnings across pilots, newest first, by focus area and theme."""
    values = {name: (request.args.get(name) or "").strip()
              for name in ("insatsomrade", "tema", "sida")}
    focus, theme = values["insatsomrade"] or None, values["tema"] or None
    focus_areas = focus_area_names()
    try:
        page = parse_filters({"sida": values["sida"]}).page
        result = learnings_page(focus_area=focus, theme=theme, page=page)
    except RegisterError as error:
        bad = ("insatsomrade" if focus is not None and focus not in focus_areas
               else "tema" if theme is not None and theme not in THEMES else None)
        return render_template(
            "public/learnings.html", result=None, values=values, error=str(error),
            bad_field=bad, focus_areas=list(focus_areas.items()), themes=list(THEMES.items()),
        ), 400
    return render_template(
        "public/learnings.html", result=result, values=values, error=None, bad_field=None,
        focus=focus, theme=theme, focus_areas=list(focus_areas.items()),
        themes=list(THEMES.items()), anchor=learning_anchor,
    )


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text that XML 1.0 can carry: control characters a form let through are dropped (the
    serialiser escapes <, & and quotes itself)."""
    return _NOT_XML.sub("", text)


def _timestamp(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(feed: ET.Element, learning: PublicLearning) -> None:
    pilot_url = url_for("public.pilot", reference=learning.reference, _external=True)
    link = f"{pilot_url}#{learning_anchor(learning.report)}"
    entry = ET.SubElement(feed, "entry")
    ET.SubElement(entry, "id").text = _xml_text(link)
    ET.SubElement(entry, "title").text = _xml_text(f"{learning.title}: {learning.report}")
    ET.SubElement(entry, "updated").text = _timestamp(learning.published)
    ET.SubElement(entry, "published").text = _timestamp(learning.published)
    ET.SubElement(ET.SubElement(entry, "author"), "name").text = _xml_text(learning.organisation)
    ET.SubElement(entry, "link", rel="alternate", type="text/html", href=link)
    for name in learning.focus_areas:
        ET.SubElement(entry, "category", term=_xml_text(name))
    content = ET.SubElement(entry, "content", type="text")
    content.text = _xml_text("\n\n".join(f"{label}:\n{text.strip()}"
                                         for _code, label, text in learning.themes()))


@bp.get("/larande.atom")
def learnings_feed() -> Response:
    """An Atom 1.0 feed of the newest published learnings (one entry per report)."""
    newest = learnings_page(page=1, per_page=FEED_SIZE).learnings
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "sv"})
    hub = url_for("public.learnings", _external=True)
    ET.SubElement(feed, "id").text = hub
    ET.SubElement(feed, "title").text = "Pilotfonden: lärdomar från piloterna"
    ET.SubElement(feed, "subtitle").text = (
        "Vad piloterna som fått stöd ur Pilotfonden har lärt sig: vad som fungerade, vad som "
        "inte fungerade och vad andra bör veta.")
    ET.SubElement(feed, "updated").text = (
        _timestamp(max(learning.published for learning in newest)) if newest
        else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml",
                  href=url_for("public.learnings_feed", _external=True))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=hub)
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = "Region Örebro län"
    for learning in newest:
        _entry(feed, learning)
    response = Response(ET.tostring(feed, encoding="utf-8", xml_declaration=True),
                        content_type=ATOM_TYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
