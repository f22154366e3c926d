"""The learning hub (``/larande``) and its Atom feed (``/larande.atom``): the learnings pilot
owners chose to publish, in reports the officer approved, across all public pilots."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.models import Report
from grants.register import RegisterError, parse_filters
from tests.web.conftest import page
from tests.web.test_public_register import add_stage_report, pilot_factory
from tests.web.test_query_counts import counting_queries, same_count_message
from workflows import State


@pytest.fixture
def make_pilot(app, make_user, make_organisation, staff):
    return pilot_factory(make_user, make_organisation, staff)

A = "{http://www.w3.org/2005/Atom}"
INTERNAL = "INTERNLARDOM-HUB"
WAITING = "VANTANDELARDOM-HUB"


def hub_titles(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [h3.text for h3 in page(response).one("main").find_all("h3")]


@pytest.fixture
def learnings(make_pilot, staff) -> dict[str, object]:
    """Three pilots with published learnings (two on leisure, one on school), and two learnings
    that are not public: one kept internal, one not approved yet."""
    fritid = make_pilot(State.FOLLOWED_UP, title="Kvällsöppet", focus_areas=("leisure",))
    skola = make_pilot(title="Läxhjälp", focus_areas=("school",))
    add_stage_report(skola, staff["officer"], public=True,
                     worked="Att läsa högt tillsammans <b>& sedan</b> samtala.")
    idrott = make_pilot(title="Idrott för alla", focus_areas=("leisure",))
    add_stage_report(idrott, staff["officer"], public=False, worked=INTERNAL)
    add_stage_report(idrott, staff["officer"], public=True, approve=False, worked=WAITING)
    make_pilot(State.SUBMITTED, title="Inte beviljad")
    # Approved at known times, so that "newest first" has one answer.
    for minutes, pilot in enumerate((fritid, skola)):
        for report in session.scalars(sa.select(Report).where(
                Report.application_id == pilot.id, Report.state == "approved")):
            report.reviewed_at = datetime(2026, 3, 1 + minutes, 12, 0, tzinfo=UTC)
    session.commit()
    return {"fritid": fritid, "skola": skola, "idrott": idrott}


def test_the_hub_lists_published_learnings_newest_first_with_a_link_to_the_pilot(
    learnings, client
):
    response = client.get("/larande")

    assert hub_titles(response) == ["Läxhjälp", "Kvällsöppet"]
    main = page(response).one("main")
    assert main.one("h2", id="traffar").text == "2 rapporter med lärdomar"
    first = main.find_all("article")[0]
    link = first.one("h3").one("a")
    assert link.attrs["href"] == f"/piloter/{learnings['skola'].reference}#lardom-delrapport-1"
    assert "Måluppfyllelse i skolan" in first.text and "Delrapport 1" in first.text
    assert [h4.text for h4 in first.find_all("h4")] == [
        "Det här fungerade", "Det här fungerade inte", "Det här bör andra veta"]
    assert "Att läsa högt tillsammans <b>& sedan</b> samtala." in first.text  # escaped text
    assert "<b>&" not in response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert INTERNAL not in body and WAITING not in body


def test_the_link_leads_to_the_same_learning_on_the_pilot_page(learnings, client):
    href = page(client.get("/larande")).one("main").find_all("article")[0].one("a").attrs["href"]
    path, fragment = href.split("#")

    section = page(client.get(path)).one("section", id=fragment)

    assert "Att läsa högt tillsammans" in section.text


@pytest.mark.parametrize(("query", "expected"), [
    ("?insatsomrade=leisure", ["Kvällsöppet"]),
    ("?insatsomrade=school", ["Läxhjälp"]),
    ("?insatsomrade=parent_child", []),
    ("?tema=fungerade", ["Läxhjälp", "Kvällsöppet"]),
    ("?insatsomrade=&tema=", ["Läxhjälp", "Kvällsöppet"]),
])
def test_filters_by_focus_area_and_theme(learnings, client, query, expected):
    assert hub_titles(client.get(f"/larande{query}")) == expected


def test_a_theme_shows_only_what_was_said_under_it(learnings, client):
    main = page(client.get("/larande?tema=fungerade-inte")).one("main")

    for article in main.find_all("article"):
        assert [h4.text for h4 in article.find_all("h4")] == ["Det här fungerade inte"]
    chosen = main.one("select", name="tema").find("option", selected="")
    assert chosen is not None and chosen.attrs["value"] == "fungerade-inte"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("insatsomrade", "okant", "Okänt insatsområde «okant»."),
    ("tema", "roligt", "Okänt tema «roligt». Välj bland: fungerade, fungerade-inte, tips."),
    ("sida", "0", None), ("sida", "tre", None), ("sida", "-2", None), ("sida", "²", None),
])
def test_unknown_choices_and_page_numbers_are_a_400_that_says_why(
    app, client, name, value, message
):
    if message is None:
        with pytest.raises(RegisterError) as refused:
            parse_filters({name: value})
        message = str(refused.value)

    response = client.get("/larande", query_string={name: value})

    assert response.status_code == 400
    doc = page(response)
    summary = doc.one("div", id="error-summary")
    assert message in summary.text
    if name != "sida":
        assert summary.one("a").attrs["href"] == f"#{name}"
        assert doc.one(id=name).attrs["aria-invalid"] == "true"
    assert doc.one("main").find("form") is not None


def test_a_page_past_the_end_is_empty_and_leads_back(learnings, client):
    response = client.get("/larande?sida=999&insatsomrade=leisure")

    assert response.status_code == 200
    main = page(response).one("main")
    assert main.find_all("article") == []
    assert "Inga lärdomar på den här sidan" in main.text
    assert main.one("a", href="/larande?insatsomrade=leisure").text == "Till första sidan"


def test_the_hub_announces_its_atom_feed(client):
    doc = page(client.get("/larande"))

    alternate = doc.one("head").one("link", rel="alternate")
    assert alternate.attrs["type"] == "application/atom+xml"
    assert alternate.attrs["href"] == "/larande.atom"
    assert doc.one("main").find("a", href="/larande.atom") is not None


def test_the_hub_issues_as_many_queries_for_8_learnings_as_for_2(app, make_pilot, client):
    for _ in range(2):
        make_pilot(State.FOLLOWED_UP, focus_areas=("leisure", "school"))
    client.get("/larande")

    with counting_queries(app) as few:
        assert len(hub_titles(client.get("/larande?insatsomrade=leisure"))) == 2
    for n in range(6):
        make_pilot([State.FOLLOWED_UP, State.SCALED][n % 2], focus_areas=("leisure", "school"),
                   municipalities=("1880", "1881"))
    with counting_queries(app) as many:
        assert len(hub_titles(client.get("/larande?insatsomrade=leisure"))) == 8

    assert len(many) == len(few), same_count_message(few, many)


# The Atom feed ----------------------------------------------------------------------------------


def test_the_feed_is_valid_atom_with_one_entry_per_published_report(learnings, client):
    response = client.get("/larande.atom")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    body = response.get_data(as_text=True)
    assert body.startswith("<?xml version='1.0' encoding='utf-8'?>")
    feed = ET.fromstring(response.get_data())
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}id") == "http://localhost/larande"
    assert feed.findtext(f"{A}title") == "Pilotfonden: lärdomar från piloterna"
    assert feed.findtext(f"{A}updated") == "2026-03-02T00:00:00Z"
    self_link = feed.find(f"{A}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == "http://localhost/larande.atom"
    assert feed.findtext(f"{A}author/{A}name") == "Region Örebro län"

    entries = feed.findall(f"{A}entry")
    skola, fritid = learnings["skola"].reference, learnings["fritid"].reference
    assert [e.findtext(f"{A}title") for e in entries] == [
        "Läxhjälp: Delrapport 1", "Kvällsöppet: Uppföljningsrapport"]  # newest first
    first = entries[0]
    url = f"http://localhost/piloter/{skola}#lardom-delrapport-1"
    assert first.findtext(f"{A}id") == url
    assert first.find(f"{A}link").get("href") == url
    assert first.findtext(f"{A}updated") == "2026-03-02T00:00:00Z"
    assert first.findtext(f"{A}author/{A}name") == "Testföreningen"
    content = first.find(f"{A}content")
    assert content.get("type") == "text"
    assert content.text.startswith(
        "Det här fungerade:\nAtt läsa högt tillsammans <b>& sedan</b> samtala.")
    assert "Det här bör andra veta:" in content.text
    assert entries[1].findtext(f"{A}id") == (f"http://localhost/piloter/{fritid}"
                                            "#lardom-uppfoljningsrapport")
    assert len({e.findtext(f"{A}id") for e in entries}) == len(entries)
    assert INTERNAL not in body and WAITING not in body


def test_the_feed_drops_characters_xml_cannot_carry(make_pilot, client, staff):
    pilot = make_pilot()
    report = add_stage_report(pilot, staff["officer"], public=True, worked="Tips")
    report.learned_for_others = "Ring\x0b oss \x01först & fråga <hur>."
    session.commit()

    feed = ET.fromstring(client.get("/larande.atom").get_data())

    content = feed.find(f"{A}entry/{A}content").text
    assert content.endswith("Det här bör andra veta:\nRing oss först & fråga <hur>.")


def test_an_empty_feed_is_still_valid(client):
    feed = ET.fromstring(client.get("/larande.atom").get_data())

    assert feed.findall(f"{A}entry") == []
    for name in ("id", "title", "updated"):
        assert feed.findtext(f"{A}{name}")
    updated = feed.findtext(f"{A}updated")
    assert datetime.strptime(updated, "%Y-%m-%dT%H:%M:%SZ")
    assert urlsplit(feed.find(f"{A}link[@rel='self']").get("href")).path == "/larande.atom"
