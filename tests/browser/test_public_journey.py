"""Open by default, in real Chromium: a person who has never used Pilotfonden, without logging
in, starts at the start page, finds the register, filters it to «Meningsfull fritid» in Kumla,
sees exactly the public pilots there, opens one and reads what it taught, and downloads the same
pilots as CSV and as 360Giving JSON (issue 7, «Done when»).

The filter form is used with the keyboard only: Tab from the top of the page to the search
field, typing the start of an option in a select, an arrow key for the sort order, Enter on the
button. The seed (tests/browser/conftest.py, ``_seed_register``) has two public pilots on
Meningsfull fritid in Kumla (one followed up with published learnings, one granted), one on
Meningsfull fritid in Hallsberg, one in Kumla on another focus area and a submitted one on
Meningsfull fritid in Kumla that is not public yet; the other seeded pilots are in Örebro.

A screenshot of each step goes to test-artifacts/browser/register-NN-<step>.png. The journey
only reads, so it shares its module's live server with nothing that writes.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

from playwright.sync_api import Locator, Page, expect

from grants.threesixty import GEO_CODE_TYPE, grant_id
from tests.browser.conftest import (
    HALLSBERG_LEISURE_TITLE,
    KUMLA,
    KUMLA_FOLLOWED_UP_TITLE,
    KUMLA_GRANTED_TITLE,
    KUMLA_LEARNINGS,
    KUMLA_SCHOOL_TITLE,
    KUMLA_SUBMITTED_TITLE,
    LEISURE,
    LiveServer,
)
from tests.browser.test_applicant_journey import Steps

TAB_LIMIT = 40
"""At most this many presses of Tab from the top of the page to the search field."""


def tab_to(page: Page, target: Locator) -> int:
    """Press Tab from where the focus is until ``target`` has it; returns the number of
    presses (fails if it takes more than TAB_LIMIT: the field is not reachable by keyboard)."""
    for presses in range(1, TAB_LIMIT + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{target} not reached with {TAB_LIMIT} presses of Tab")


def tab_next(page: Page, target: Locator) -> None:
    """Press Tab once and check that ``target`` has the focus."""
    page.keyboard.press("Tab")
    expect(target).to_be_focused()


def test_a_visitor_finds_the_leisure_pilots_in_kumla_reads_what_one_taught_and_downloads_them(
    page: Page, live_server: LiveServer
) -> None:
    steps = Steps("register")
    expected = {KUMLA_FOLLOWED_UP_TITLE: live_server.kumla_followed_up,
                KUMLA_GRANTED_TITLE: live_server.kumla_granted}
    elsewhere = (HALLSBERG_LEISURE_TITLE, KUMLA_SCHOOL_TITLE, KUMLA_SUBMITTED_TITLE)

    # (a) The start page, not logged in, and the way to the register ---------------------------
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pilotfonden – små bidrag för barn och ungas uppväxt")
    expect(page.get_by_role("link", name="Logga in", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    steps.shot(page, "start")
    page.get_by_role("link", name="Se alla piloter som fått stöd").click()
    page.wait_for_url(live_server.url + "/piloter")
    expect(page.get_by_role("heading", name="Piloter som fått stöd", level=1)).to_be_visible()
    listed = page.locator("article h3 a")
    unfiltered = listed.count()
    assert unfiltered > len(expected), "the whole register lists more than the Kumla pilots"
    steps.shot(page, "register")

    # (b) The filter form with the keyboard only ---------------------------------------------------
    form = page.get_by_role("search", name="Sök och filtrera piloterna")
    search = form.get_by_label("Sök", exact=True)
    focus_area = form.get_by_label("Insatsområde", exact=True)
    municipality = form.get_by_label("Kommun", exact=True)
    sorting = form.get_by_label("Sortering", exact=True)
    tab_to(page, search)
    tab_next(page, focus_area)
    page.keyboard.type("Men")  # the start of «Meningsfull fritid», as one types in a list
    expect(focus_area).to_have_value(LEISURE)
    tab_next(page, municipality)
    page.keyboard.type("Kumla")
    expect(municipality).to_have_value(KUMLA)
    for label in ("Budgetår med beviljat stöd", "Status", "Typ av organisation"):
        tab_next(page, form.get_by_label(label, exact=True))
    tab_next(page, sorting)
    page.keyboard.press("ArrowUp")  # «Senast beviljade först» → «Titel A–Ö»
    expect(sorting).to_have_value("titel")
    show = form.get_by_role("button", name="Visa piloter")
    tab_next(page, show)
    steps.shot(page, "filters-chosen")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/piloter\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["insatsomrade"] == [LEISURE] and query["kommun"] == [KUMLA], page.url
    assert query["sortering"] == ["titel"], page.url

    # (c) Exactly the public leisure pilots in Kumla, the choices kept -----------------------------
    expect(page.get_by_role("heading", name="2 piloter", level=2)).to_be_visible()
    expect(listed).to_have_text(sorted(expected))  # by title, A–Ö
    for title, state in ((KUMLA_FOLLOWED_UP_TITLE, "Genomförd och uppföljd"),
                         (KUMLA_GRANTED_TITLE, "Pågår")):
        facts = page.get_by_role("article", name=title)
        expect(facts.get_by_role("definition").filter(has_text=re.compile("^Kumla$"))
               ).to_have_count(1)
        expect(facts).to_contain_text("Meningsfull fritid")
        expect(facts).to_contain_text(state)
    for title in elsewhere:
        expect(page.get_by_text(title)).to_have_count(0)
    expect(focus_area).to_have_value(LEISURE)
    expect(municipality).to_have_value(KUMLA)
    filtered_url = page.url
    steps.shot(page, "kumla-leisure")

    # (d) One of them, and what it taught ----------------------------------------------------------
    listed.filter(has_text=KUMLA_FOLLOWED_UP_TITLE).click()
    page.wait_for_url(f"{live_server.url}/piloter/{live_server.kumla_followed_up}")
    expect(page.get_by_role("heading", name=KUMLA_FOLLOWED_UP_TITLE, level=1)).to_be_visible()
    expect(page.get_by_text(f"Pilot {live_server.kumla_followed_up}")).to_be_visible()
    status = page.get_by_role("term").filter(has_text=re.compile("^Status$")).locator(
        "xpath=following-sibling::dd[1]")
    expect(status).to_have_text("Genomförd och uppföljd")
    expect(page.get_by_role("heading", name="Lärdomar", level=2)).to_be_visible()
    taught = page.get_by_role("region", name=re.compile("^Uppföljningsrapport"))
    expect(taught).to_have_count(1)
    for heading, text in (("Det här fungerade", KUMLA_LEARNINGS["worked"]),
                          ("Det här fungerade inte", KUMLA_LEARNINGS["not_worked"]),
                          ("Det här bör andra veta", KUMLA_LEARNINGS["for_others"])):
        expect(taught.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(taught.get_by_text(text, exact=True)).to_be_visible()
    steps.shot(page, "pilot-learnings")
    page.go_back()
    page.wait_for_url(filtered_url)
    expect(listed).to_have_text(sorted(expected))

    # (e) The same list as CSV: a download ---------------------------------------------------------
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert download.suggested_filename == "piloter.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {row["Referens"]: row["Titel"] for row in rows} == {
        reference: title for title, reference in expected.items()}
    assert {row["Kommuner"] for row in rows} == {"Kumla"}
    assert all("Meningsfull fritid" in row["Insatsområden"] for row in rows)
    steps.shot(page, "csv-downloaded")

    # (f) As 360Giving JSON: the register's link carries the same filters -----------------------
    link = page.get_by_role("link", name=re.compile("360Giving"))
    expect(link, "the register links to the 360Giving export").to_have_count(1)
    response = page.request.get(urljoin(page.url, link.get_attribute("href") or ""))
    assert response.ok, response.status
    grants = response.json()["grants"]
    assert {grant["id"] for grant in grants} == {grant_id(r) for r in expected.values()}
    for grant in grants:
        places = {(p["geoCodeType"], p["geoCode"]) for p in grant["beneficiaryLocation"]}
        assert (GEO_CODE_TYPE, KUMLA) in places
        assert LEISURE in {c["code"] for c in grant["classifications"]}
    by_id = {grant["id"]: grant for grant in grants}
    for reference in expected.values():
        grant = by_id[grant_id(reference)]
        assert grant["currency"] == "SEK" and grant["amountAwarded"] == 40_000, grant
        assert grant["url"] == f"{live_server.url}/piloter/{reference}", grant

    # ... and the list's JSON link says the same as the page and the CSV
    api = page.request.get(urljoin(page.url, page.get_by_role(
        "link", name="JSON", exact=True).get_attribute("href") or ""))
    assert api.ok, api.status
    assert {p["reference"] for p in api.json()["pilots"]} == set(expected.values())
    steps.shot(page, "open-data")
