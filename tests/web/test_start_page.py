"""The start page: what a visitor from a municipality needs first, with the fund's own figures."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from grants.completeness import fund_settings, today
from grants.db import session
from grants.models import FocusArea, Pot
from tests.web.conftest import page
from tests.web.test_public_register import kr, pilot_factory
from workflows import State


@pytest.fixture
def make_pilot(app, make_user, make_organisation, staff):
    return pilot_factory(make_user, make_organisation, staff)


def test_the_money_left_this_year_is_the_pots_remaining(make_pilot, client):
    make_pilot(requested=100_000)
    make_pilot(requested=40_000)
    pot = session.get(Pot, today().year)
    assert pot is not None and pot.remaining == 1_000_000 - 140_000

    main = page(client.get("/")).one("main")

    assert main.one("strong", id="kvar-i-ar").text == kr(pot.remaining)
    assert f"Kvar att söka för {today().year}: {kr(860_000)} av {kr(1_000_000)}" in main.text
    rows = {row.one("th").text: [td.text for td in row.find_all("td")]
            for row in main.one("table", class_="data").one("tbody").find_all("tr")}
    assert rows[str(today().year)] == [kr(1_000_000), kr(860_000), "Ja"]
    assert rows[str(today().year + 1)] == [kr(1_000_000), kr(1_000_000), "Ja"]


def test_without_a_pot_this_year_the_page_says_one_cannot_apply_for_this_year(app, client):
    session.delete(session.get(Pot, today().year))
    session.commit()

    main = page(client.get("/")).one("main")

    assert main.find("strong", id="kvar-i-ar") is None
    assert (f"Det finns inga pengar avsatta för piloter {today().year} än, så det går inte att "
            "söka stöd för i år just nu.") in main.text


def test_a_closed_pot_is_said_to_be_closed(app, client):
    session.get(Pot, today().year).is_open = False
    session.commit()

    main = page(client.get("/")).one("main")

    assert "Årets pengar går inte längre att söka." in main.text


def test_the_focus_areas_come_from_the_reference_data_and_lead_to_the_register(app, client):
    session.get(FocusArea, "leisure").name = "Meningsfull fritid för alla"
    session.commit()
    areas = session.execute(sa.select(FocusArea.code, FocusArea.name)
                            .order_by(FocusArea.position)).all()

    main = page(client.get("/")).one("main")

    assert main.one("h2", id="insatsomraden").text == "4 insatsområden"
    for code, name in areas:
        item = main.one("a", href=f"/piloter?insatsomrade={code}").parent
        assert item.tag == "li" and item.text == f"{name} – se piloterna inom {name}"


def test_the_page_explains_the_aims_how_to_apply_and_what_happens_next(app, client):
    text = page(client.get("/")).one("main").text

    for words in ("Kraftsamling barn och unga", "goda uppväxtvillkor",
                  "Skapa ett konto", "Fyll i ansökan", "mottagningsbevis",
                  "regionala utvecklingsstrategi (RUS)", "beslutsbrev", "rapporter"):
        assert words in text, words
    settings = fund_settings()
    assert f"högst {settings.max_support_share_percent} procent" in text
    assert f"högst {kr(settings.max_grant_per_pilot)} per pilot" in text


def test_the_funds_last_project_date_is_the_admin_setting(app, client):
    fund_settings().last_project_date = date(today().year + 1, 6, 30)
    session.commit()

    text = page(client.get("/")).one("main").text

    assert f"senast {date(today().year + 1, 6, 30)}, fondens sista projektdag" in text


def test_a_passed_last_project_date_says_no_new_pilots(app, client):
    fund_settings().last_project_date = date(2020, 1, 31)
    session.commit()

    text = page(client.get("/")).one("main").text

    assert "Fondens sista projektdag, 2020-01-31, har passerat." in text


def test_pilots_are_counted_by_state_with_links_to_the_register(make_pilot, client):
    make_pilot()
    make_pilot()
    make_pilot(State.FOLLOWED_UP)
    make_pilot(State.SUBMITTED)  # not a pilot (yet)

    main = page(client.get("/")).one("main")

    assert "3 piloter har fått stöd:" in main.text
    assert main.one("a", href="/piloter?status=granted").text == "Pågår: 2"
    assert main.one("a", href="/piloter?status=followed_up").text == "Genomförd och uppföljd: 1"
    assert main.one("a", href="/piloter?status=closed").text == "Avslutad: 0"
    assert main.find("a", href="/piloter") is not None
    assert main.find("a", href="/larande") is not None


def test_no_pilots_yet(app, client):
    assert "Inga piloter har fått stöd än." in page(client.get("/")).one("main").text


def test_visitors_are_invited_to_register_and_the_menu_leads_to_the_register(app, client):
    doc = page(client.get("/"))

    assert doc.one("main").find("a", href="/registrera") is not None
    nav = doc.one("nav", attrs={"aria-label": "Huvudmeny"})
    assert [a.text for a in nav.find_all("a")][:2] == ["Piloter", "Lärdomar"]
