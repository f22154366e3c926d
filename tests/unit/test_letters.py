"""The decision letter: every part DOMAIN.md §7 requires, in PDF and in CSP-safe accessible HTML."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pypdf
import pytest
from flask import Flask

from grants import create_app
from grants.letters import (
    EXAMPLE_SNAPSHOT,
    TEMPLATE_VERSION,
    render_letter_html,
    render_letter_pdf,
    sha256_hex,
    swedish_date,
)
from tests.conftest import app_config

SECTIONS = ["Beslut", "Skäl för beslutet", "Villkor", "Hur man överklagar"]


def reject_snapshot() -> dict[str, Any]:
    snapshot = copy.deepcopy(EXAMPLE_SNAPSHOT)
    snapshot.update(
        outcome="reject", amounts=[], total=0, support_share=None, conditions=[],
        extra_conditions="", reports=[],
        reasons="Projektet riktar sig inte till barn och unga i Örebro län.\n"
                "Därför uppfyller det inte fondens syfte.",
    )
    return snapshot


def correction_snapshot() -> dict[str, Any]:
    snapshot = copy.deepcopy(EXAMPLE_SNAPSHOT)
    snapshot["correction"] = {
        "replaces_date": "2025-11-20", "replaces_reference": "25RS1200",
        "note": "Rättelse av skrivfel i villkoren (förvaltningslagen 36 §).",
    }
    return snapshot


def flat(text: str) -> str:
    """Collapse line breaks and (no-break) spaces: PDF text wraps where the page ends."""
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app context only: letters are pure and never touch the database."""
    folder = tmp_path_factory.mktemp("letters")
    app = create_app(app_config("sqlite:///" + str(folder / "x.sqlite3"), folder))
    with app.app_context():
        yield app
    app.extensions["pilotfonden.engine"].dispose()


@pytest.fixture(scope="module")
def grant_pdf_text(app: Flask) -> str:
    return pdf_text(render_letter_pdf(EXAMPLE_SNAPSHOT))


@pytest.fixture(scope="module")
def reject_pdf_text(app: Flask) -> str:
    return pdf_text(render_letter_pdf(reject_snapshot()))


class Structure(HTMLParser):
    """Records what the CSP and the accessibility checks need from an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in {"h1", "h2", "h3"}:
            self._heading, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, flat("".join(self._text))))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)


def structure(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser


# PDF ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expected",
    [
        *SECTIONS,
        "Bestämmelser som beslutet grundas på",
        "Region Örebro län Regional utveckling Box 1613, 701 16 Örebro",
        "Dnr 25RS1234",
        "Ärende PF-2025-0001",
        "Beslutsdatum 24 november 2025",
        "Kumla kommun, organisationsnummer 212000-1884",
        "Sara Sökande, sara@kumla.example",
        "Region Örebro län beviljar Kumla kommun stöd med 186 182 kr "
        "för projektet «Läxhjälp på biblioteket».",
        "2025 86 182 kr 2026 100 000 kr Totalt 186 182 kr",
        "Stödet är 50,0 % av projektets totala kostnader på 372 364 kr.",
        "Projektperiod: 1 december 2025 – 31 december 2026.",
        "Förordning (2003:596) om bidrag för projektverksamhet inom den regionala "
        "tillväxtpolitiken",
        "Läxhjälpen ska vara öppen för alla elever i årskurs 7–9 i kommunen.",
        "Uppföljningsrapport: senast 31 januari 2027",
        "Rapport om införande i ordinarie verksamhet: senast 30 juni 2027",
        "Protokollet justerades och anslogs på Region Örebro läns anslagstavla "
        "den 25 november 2025.",
        "Sista dag att överklaga: 16 december 2025",
        "Beslutet har fattats av Bo Beslutsfattare, Regional utvecklingsdirektör.",
        "Föredragande har varit Olof Handläggare, Handläggare.",
        f"Mall: {TEMPLATE_VERSION}",
    ],
)
def test_grant_pdf_contains_every_part_of_the_letter(grant_pdf_text: str, expected: str) -> None:
    assert expected in grant_pdf_text


@pytest.mark.parametrize("word", ["Örebro", "överklagar", "Skäl", "Ärende", "Läxhjälp", "Sökande"])
def test_pdf_text_keeps_swedish_letters(grant_pdf_text: str, word: str) -> None:
    assert word in grant_pdf_text


def test_pdf_parts_come_in_the_order_of_the_letter(grant_pdf_text: str) -> None:
    markers = [
        "Region Örebro län Regional utveckling", "Dnr 25RS1234",
        "Beslut Region Örebro län beviljar",
        "Skäl för beslutet", "Bestämmelser som beslutet grundas på", "Villkor 1.",
        "Hur man överklagar", "Sista dag att överklaga", "Beslutet har fattats av",
    ]
    position = 0
    for marker in markers:
        position = grant_pdf_text.index(marker, position) + len(marker)


def test_reject_pdf_states_the_rejection_and_has_no_conditions(reject_pdf_text: str) -> None:
    assert (
        "Region Örebro län avslår ansökan från Kumla kommun om stöd med 186 182 kr "
        "för projektet «Läxhjälp på biblioteket»." in reject_pdf_text
    )
    assert "Projektet riktar sig inte till barn och unga i Örebro län." in reject_pdf_text
    for present in ["Beslut", "Skäl för beslutet", "Hur man överklagar",
                    "Sista dag att överklaga: 16 december 2025", "Olof Handläggare"]:
        assert present in reject_pdf_text
    for absent in ["Villkor", "beviljar", "Stödet är", "Projektperiod", "Uppföljningsrapport"]:
        assert absent not in reject_pdf_text


def test_pdf_starts_with_the_pdf_header(app: Flask) -> None:
    assert render_letter_pdf(EXAMPLE_SNAPSHOT).startswith(b"%PDF-")


# HTML --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("snapshot", [EXAMPLE_SNAPSHOT, reject_snapshot(), correction_snapshot()],
                         ids=["grant", "reject", "correction"])
def test_browser_html_is_csp_safe_swedish_and_has_one_h1(app: Flask, snapshot: dict) -> None:
    html = render_letter_html(snapshot)
    parsed = structure(html)
    tags = [tag for tag, _ in parsed.tags]
    assert html.startswith("<!doctype html>")
    assert parsed.tags[0] == ("html", {"lang": "sv"})
    assert "script" not in tags and "style" not in tags
    assert not [tag for tag, attrs in parsed.tags if "style" in attrs or
                any(name.startswith("on") for name in attrs)]
    assert [text for level, text in parsed.headings if level == "h1"] == [
        "Beslut: Läxhjälp på biblioteket"
    ]
    assert "link" not in tags


@pytest.mark.parametrize(
    ("snapshot", "h2s"),
    [(EXAMPLE_SNAPSHOT, SECTIONS), (reject_snapshot(), ["Beslut", "Skäl för beslutet",
                                                        "Hur man överklagar"])],
    ids=["grant", "reject"],
)
def test_html_has_one_h2_per_section(app: Flask, snapshot: dict, h2s: list[str]) -> None:
    parsed = structure(render_letter_html(snapshot))
    assert [text for level, text in parsed.headings if level == "h2"] == h2s


def test_html_amounts_table_has_caption_and_header_scopes(app: Flask) -> None:
    parsed = structure(render_letter_html(EXAMPLE_SNAPSHOT))
    tags = [tag for tag, _ in parsed.tags]
    assert "caption" in tags and "dl" in tags
    scopes = [attrs.get("scope") for tag, attrs in parsed.tags if tag == "th"]
    assert scopes == ["col", "col", "row", "row", "row"]


def test_html_amounts_use_no_break_spaces(app: Flask) -> None:
    assert "186\u00a0182\u00a0kr" in render_letter_html(EXAMPLE_SNAPSHOT)


def test_browser_html_links_the_stylesheet_when_given(app: Flask) -> None:
    parsed = structure(render_letter_html(EXAMPLE_SNAPSHOT, stylesheet_url="/static/brev.css"))
    assert ("link", {"rel": "stylesheet", "href": "/static/brev.css"}) in parsed.tags


def test_pdf_html_carries_its_own_styles(app: Flask) -> None:
    html = render_letter_html(EXAMPLE_SNAPSHOT, for_pdf=True, stylesheet_url="/static/brev.css")
    tags = [tag for tag, _ in structure(html).tags]
    assert "style" in tags and "link" not in tags


def test_correction_names_the_decision_it_replaces(app: Flask) -> None:
    text = flat(render_letter_html(correction_snapshot()))
    assert "Detta beslut ersätter beslutet den 20 november 2025 (25RS1200)." in text
    assert "Rättelse av skrivfel i villkoren (förvaltningslagen 36 §)." in text
    assert text.index("ersätter beslutet") < text.index('<h2 id="beslut">')
    assert "ersätter" not in render_letter_html(EXAMPLE_SNAPSHOT)


def test_partial_grant_states_the_amount_applied_for(app: Flask) -> None:
    snapshot = copy.deepcopy(EXAMPLE_SNAPSHOT)
    snapshot["requested_total"] = 250000
    text = flat(render_letter_html(snapshot))
    assert "stöd med 186 182 kr för projektet" in text
    assert "Ni ansökte om 250 000 kr." in text
    assert "Ni ansökte om" not in render_letter_html(EXAMPLE_SNAPSHOT)


def test_signature_leaves_out_a_missing_title(app: Flask) -> None:
    snapshot = copy.deepcopy(EXAMPLE_SNAPSHOT)
    snapshot["decided_by"]["title"] = ""
    text = flat(render_letter_html(snapshot))
    name = snapshot["decided_by"]["name"]
    assert f"Beslutet har fattats av {name}." in text and ", ." not in text


def test_snapshot_text_is_escaped(app: Flask) -> None:
    snapshot = copy.deepcopy(EXAMPLE_SNAPSHOT)
    snapshot["case"]["title"] = '<script>alert("x")</script>'
    html = render_letter_html(snapshot)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_same_snapshot_renders_byte_identical_html(app: Flask) -> None:
    first = render_letter_html(EXAMPLE_SNAPSHOT).encode()
    # A snapshot read back from its stored JSON must give the very same letter.
    stored = json.loads(json.dumps(EXAMPLE_SNAPSHOT))
    assert render_letter_html(stored).encode() == first
    assert sha256_hex(render_letter_html(EXAMPLE_SNAPSHOT).encode()) == sha256_hex(first)


def test_unknown_outcome_is_refused(app: Flask) -> None:
    snapshot = copy.deepcopy(EXAMPLE_SNAPSHOT)
    snapshot["outcome"] = "maybe"
    with pytest.raises(ValueError, match="outcome"):
        render_letter_html(snapshot)


def test_rendering_leaves_the_snapshot_unchanged(app: Flask) -> None:
    before = copy.deepcopy(EXAMPLE_SNAPSHOT)
    render_letter_pdf(EXAMPLE_SNAPSHOT)
    assert before == EXAMPLE_SNAPSHOT


def test_example_snapshot_is_plain_json() -> None:
    assert json.loads(json.dumps(EXAMPLE_SNAPSHOT)) == EXAMPLE_SNAPSHOT
    assert EXAMPLE_SNAPSHOT["template_version"] == TEMPLATE_VERSION
    assert sum(row["amount"] for row in EXAMPLE_SNAPSHOT["amounts"]) == EXAMPLE_SNAPSHOT["total"]


# Helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-11-24", "24 november 2026"), ("2027-01-01", "1 januari 2027"),
     ("2025-05-31", "31 maj 2025"), (None, ""), ("", "")],
)
def test_swedish_date_writes_the_long_swedish_form(value: str | None, expected: str) -> None:
    assert swedish_date(value) == expected


def test_swedish_date_refuses_text_that_is_not_an_iso_date() -> None:
    with pytest.raises(ValueError):
        swedish_date("24/11/2026")


@pytest.mark.parametrize(
    ("data", "digest"),
    [
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ],
)
def test_sha256_hex_matches_known_digests(data: bytes, digest: str) -> None:
    assert sha256_hex(data) == digest
