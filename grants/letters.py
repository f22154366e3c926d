"""Decision letters (beslut): one snapshot of plain data rendered as accessible HTML and as PDF.

Pure functions, no database. The caller freezes everything a letter says into a *snapshot* when
the decision is issued and stores it with :data:`TEMPLATE_VERSION` and the hash of the PDF; the
same snapshot rendered again by the same template version gives byte-identical HTML. (The PDF
bytes are not reproducible: xhtml2pdf stamps a creation time and document id into each file, so
keep the issued PDF itself, not just its hash.)

Snapshot schema — JSON-able values only; every date is an ISO string ``"YYYY-MM-DD"``; every
amount is whole kronor as ``int``::

    {
      "template_version": "beslutsbrev-2",
      "authority": {"name": "Region Örebro län", "unit": "Regional utveckling",
                    "address": "Box 1613, 701 16 Örebro", "phone": "019-602 10 00",
                    "email": "regionorebrolan@regionorebrolan.se", "web": "www.regionorebrolan.se"},
      "outcome": "grant" | "reject",
      "decision_date": "2026-11-24",
      "correction": null | {"replaces_date": "2026-11-20", "replaces_reference": "26RS1234",
                            "note": "Rättelse av skrivfel i villkoren (förvaltningslagen 36 §)."},
      "case": {"reference": "PF-2026-0001", "dnr": "26RS1234",
               "title": "Läxhjälp på biblioteket", "received_date": "2026-11-01"},
      "recipient": {"organisation": "Kumla kommun", "org_number": "212000-1884",
                    "contact_name": "Sara Sökande", "contact_email": "sara@kumla.example"},
      "amounts": [{"year": 2026, "amount": 100000}],   # granted per budget year; [] for reject
      "total": 100000,                                   # granted total; 0 for reject
      "requested_total": 100000,
      "cost_total": 200000,                              # the project's total costs
      "support_share": "50,0 %",                         # preformatted; null for reject
      "project_start": "2026-12-01", "project_end": "2027-03-31",
      "reasons": "text; each line becomes a paragraph",
      "provisions": ["Förordning (2003:596) om ...", "Förvaltningslagen (2017:900) 32 §"],
      "conditions": ["standard condition", "..."],      # [] for reject
      "extra_conditions": "text or empty; each line becomes a paragraph",
      "reports": [{"label": "Uppföljningsrapport", "due": "2027-04-30"}],   # [] for reject
      "appeal_text": "paragraphs separated by blank lines, the deadline already filled in",
      "minutes_posted": "2026-11-25",
      "appeal_deadline": "2026-12-16",                   # grants.legal_dates.appeal_deadline
      "decided_by": {"name": "Bo Beslutsfattare", "title": "Regional utvecklingsdirektör"},
      "presented_by": {"name": "Olof Handläggare", "title": "Handläggare"}
    }

The PDF uses xhtml2pdf's built-in Helvetica (a PDF standard font, WinAnsi encoding), which
covers å, ä, ö, é, §, «», the en dash and the no-break space: no font file is needed on the host.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from flask import current_app

from grants.pdf import render_pdf

TEMPLATE_VERSION = "beslutsbrev-3"
"""Version of ``templates/letters/decision.html``. Bump it whenever the template's output
changes; it is printed in the letter's footer and stored with each issued letter."""

TEMPLATE = "letters/decision.html"
OUTCOMES = frozenset({"grant", "reject"})

MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)

_LINE_BREAKS = re.compile(r"\s*\n\s*")


def swedish_date(value: str | date | None) -> str:
    """``"2026-11-24"`` (or a :class:`~datetime.date`) → ``"24 november 2026"``; ``None`` → ``""``.

    Raises ``ValueError`` for a string that is not an ISO date.
    """
    if value is None or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def paragraphs(text: str | None) -> list[str]:
    """Split free text into paragraphs at line breaks, dropping blank ones (so ``\\n\\n`` and
    ``\\n`` both separate paragraphs, and stray whitespace never makes an empty ``<p>``)."""
    return [part for part in _LINE_BREAKS.split((text or "").strip()) if part]


def genitive(name: str) -> str:
    """Swedish genitive: ``"Region Örebro län"`` → ``"Region Örebro läns"``; names already ending
    in s, x or z take no extra s."""
    return name if name.endswith(("s", "x", "z")) else name + "s"


def render_letter_html(
    snapshot: dict[str, Any], *, for_pdf: bool = False, stylesheet_url: str | None = None
) -> str:
    """Render the decision letter in ``snapshot`` as a complete, standalone HTML document.

    ``for_pdf=True`` embeds the print styles in a ``<style>`` element (for xhtml2pdf). Otherwise
    the document has no inline styles or scripts at all, so it can be served under the app's
    strict CSP; it links ``stylesheet_url`` if one is given. Needs a Flask app context (the
    app's Jinja environment supplies the ``kronor`` filter), but no request context.

    Raises ``ValueError`` for an unknown ``outcome`` or a date that is not ISO ``YYYY-MM-DD``.
    """
    outcome = snapshot.get("outcome")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}, not {outcome!r}")
    # The app's Jinja environment (for its loader and the ``kronor`` filter) but not
    # ``render_template``: that runs the app's context processors, which need a request (the
    # logout form's CSRF token) and would let request state leak into a letter that must
    # depend on the snapshot alone.
    template = current_app.jinja_env.get_template(TEMPLATE)
    return template.render(
        letter=snapshot,
        for_pdf=for_pdf,
        stylesheet_url=stylesheet_url,
        template_version=TEMPLATE_VERSION,
        swedish_date=swedish_date,
        paragraphs=paragraphs,
        genitive=genitive,
    )


def render_letter_pdf(snapshot: dict[str, Any]) -> bytes:
    """Render the decision letter in ``snapshot`` as PDF bytes (xhtml2pdf, A4).

    Needs a Flask app context. Raises ``ValueError`` as :func:`render_letter_html` does, and
    :class:`grants.pdf.PdfError` if xhtml2pdf fails.
    """
    return render_pdf(render_letter_html(snapshot, for_pdf=True))


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits (stored to prove a letter unchanged)."""
    return hashlib.sha256(data).hexdigest()


STANDARD_CONDITIONS = [
    "Stödet får bara användas till projektet och till de kostnader som finns i den budget som "
    "ni har fått beslut om. Kostnaderna ska vara faktiska, betalda och gå att kontrollera.",
    "Stödet betalas ut i efterhand mot redovisade kostnader. Ni ansöker om utbetalning hos "
    "Region Örebro län.",
    "Ni ska skicka de rapporter som står nedan senast de angivna dagarna. Region Örebro län kan "
    "följa upp projektet under och efter projektperioden.",
    "Region Örebro län kan kräva tillbaka stödet helt eller delvis om ni inte följer villkoren, "
    "om stödet har lämnats på grund av felaktiga uppgifter eller om projektet inte genomförs.",
    "Ni ska tala om att projektet har fått stöd från Region Örebro län, till exempel i "
    "information om projektet och när ni berättar om resultaten.",
]

EXAMPLE_SNAPSHOT: dict[str, Any] = {
    "template_version": TEMPLATE_VERSION,
    "authority": {
        "name": "Region Örebro län",
        "unit": "Regional utveckling",
        "address": "Box 1613, 701 16 Örebro",
        "phone": "019-602 10 00",
        "email": "regionorebrolan@regionorebrolan.se",
        "web": "www.regionorebrolan.se",
    },
    "outcome": "grant",
    "decision_date": "2025-11-24",
    "correction": None,
    "case": {
        "reference": "PF-2025-0001",
        "dnr": "25RS1234",
        "title": "Läxhjälp på biblioteket",
        "received_date": "2025-11-01",
    },
    "recipient": {
        "organisation": "Kumla kommun",
        "org_number": "212000-1884",
        "contact_name": "Sara Sökande",
        "contact_email": "sara@kumla.example",
    },
    "amounts": [{"year": 2025, "amount": 86182}, {"year": 2026, "amount": 100000}],
    "total": 186182,
    "requested_total": 186182,
    "cost_total": 372364,
    "support_share": "50,0 %",
    "project_start": "2025-12-01",
    "project_end": "2026-12-31",
    "reasons": (
        "Projektet stämmer väl med den regionala utvecklingsstrategins mål om att fler unga "
        "ska klara skolan.\n"
        "Kommunen har visat hur arbetet ska fortsätta i ordinarie verksamhet när projektet är slut."
    ),
    "provisions": [
        "Förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
        "tillväxtpolitiken",
        "Förvaltningslagen (2017:900) 32 §",
    ],
    "conditions": STANDARD_CONDITIONS,
    "extra_conditions": "Läxhjälpen ska vara öppen för alla elever i årskurs 7–9 i kommunen.",
    "reports": [
        {"label": "Uppföljningsrapport", "due": "2027-01-31"},
        {"label": "Rapport om införande i ordinarie verksamhet", "due": "2027-06-30"},
    ],
    "appeal_text": (
        "Alla medlemmar i Region Örebro län kan överklaga beslutet hos Förvaltningsrätten i "
        "Karlstad genom laglighetsprövning enligt 13 kap. kommunallagen (2017:725).\n\n"
        "Överklagandet ska vara skriftligt. Skriv vilket beslut ni överklagar och varför ni "
        "anser att beslutet strider mot lag. Överklagandet ska ha kommit in till "
        "förvaltningsrätten senast den 16 december 2025."
    ),
    "minutes_posted": "2025-11-25",
    "appeal_deadline": "2025-12-16",
    "decided_by": {"name": "Bo Beslutsfattare", "title": "Regional utvecklingsdirektör"},
    "presented_by": {"name": "Olof Handläggare", "title": "Handläggare"},
}
"""A realistic granted decision over two budget years (186 182 kr in all), for tests and demos."""
