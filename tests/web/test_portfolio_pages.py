"""The portfolio pages driven through HTTP like a browser: the officers' map with both matrices,
a pilot's place and relations, the relation graph, portfolio reviews, and the open map anyone
can read.

The open map shows the same matrices and relations but never the internal notes, the relation
notes or the reviews. Every form goes through the real operation; bad input answers 422 with
the error summary and the typed values kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session, utcnow
from grants.models import (
    Application,
    Municipality,
    PilotRelation,
    PortfolioEntry,
    PortfolioReview,
    User,
    pilot_lever,
)
from grants.operations import portfolio as ops
from grants.operations.finance import change_reservation
from grants.portfolio import GRAPH_LIMIT
from grants.views import portfolio as portfolio_views
from tests.conftest import csrf_token
from tests.web.conftest import Element, error_summary, field_error, history, page
from tests.web.test_query_counts import counting_queries
from workflows import State

Make = Callable[..., Application]
SignIn = Callable[[User], FlaskClient]

NOTE = "HEMLIG-PILOTANTECKNING-4711"
RELATION_NOTE = "HEMLIG-RELATIONSANTECKNING-0815"
REVIEW_TITLE = "HEMLIG-GENOMGANG-2718"
REVIEW_NOTES = "HEMLIGA-MOTESANTECKNINGAR-3141"
REVIEW_REASON = "HEMLIGT-SKAL-1618"
UNGRANTED = "Ej beviljad pilot ZYX"


# Helpers ----------------------------------------------------------------------------------------


def matrix(doc: Element, table_id: str) -> dict[tuple[str, str], str]:
    """The table's cells as text, by (row heading, column heading), the totals included."""
    table = doc.one("table", id=table_id)
    heads = [th.text for th in table.one("thead").find_all("th")]
    cells = {}
    for part in ("tbody", "tfoot"):
        for tr in table.one(part).find_all("tr"):
            row = tr.one("th").text
            for head, td in zip(heads[1:], tr.find_all("td"), strict=True):
                cells[(row, head)] = td.text
    return cells


def checked_levers(doc: Element) -> set[str]:
    return {i.attrs["value"] for i in doc.find_all("input", name="levers") if "checked" in i.attrs}


def in_municipality(application: Application, code: str) -> None:
    """Test set-up: content is frozen after submit, so this goes straight to the row."""
    application.municipalities = [session.get(Municipality, code)]
    session.commit()


@pytest.fixture
def seeded(make_application: Make, staff: dict[str, User]) -> dict[str, Any]:
    """Three pilots in two municipalities (Örebro, and Kumla twice), all in Meningsfull fritid
    and Tryggt närsamhälle; two tagged; one relation and one review, each with a distinctive
    internal text; and a submitted case that is not public."""
    orebro = make_application(State.GRANTED, title="Fritid i Örebro")
    kumla_1 = make_application(State.GRANTED, title="Fritid i Kumla")
    kumla_2 = make_application(State.GRANTED, title="Trygg väg hem i Kumla")
    make_application(State.SUBMITTED, title=UNGRANTED)
    in_municipality(kumla_1, "1881")
    in_municipality(kumla_2, "1881")
    officer = staff["officer"]
    ops.tag_pilot(orebro, actor=officer, levers=["culture"], horizon="near", note=NOTE)
    ops.tag_pilot(kumla_1, actor=officer, levers=["culture", "data"], horizon="next", note="")
    relation = ops.relate_pilots(kumla_1, orebro, actor=officer, kind="builds_on",
                                 note=RELATION_NOTE)
    review = ops.record_review(
        actor=officer, held_on=today(), title=REVIEW_TITLE, notes=REVIEW_NOTES,
        items=[{"choice": "continue", "application_id": orebro.id, "gap": "",
                "focus_area_code": None, "municipality_code": None, "reason": REVIEW_REASON}])
    session.commit()
    return {"orebro": orebro, "kumla_1": kumla_1, "kumla_2": kumla_2, "relation": relation,
            "review": review}


def officer_pages(seeded: dict[str, Any]) -> list[str]:
    return ["/portfolj", f"/portfolj/piloter/{seeded['orebro'].id}", "/portfolj/relationer",
            "/portfolj/genomgangar", "/portfolj/genomgangar/ny",
            f"/portfolj/genomgangar/{seeded['review'].id}"]


# The map ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "anonymous"])
def test_the_matrices_show_counts_amounts_and_gaps(
    app: Flask, seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn, who: str
) -> None:
    client = signed_in(staff["officer"]) if who == "officer" else app.test_client()
    response = client.get("/portfolj" if who == "officer" else "/portfoljen")
    assert response.status_code == 200
    doc = page(response)

    area = matrix(doc, "area-matrix")
    municipalities = {head for _row, head in area} - {"Alla"}
    assert len(municipalities) == 12  # every municipality: an empty one is a gap
    assert area[("Meningsfull fritid", "Kumla")] == "2 piloter 200 000 kr"
    assert area[("Meningsfull fritid", "Örebro")] == "1 pilot 100 000 kr"
    assert area[("Tryggt närsamhälle", "Kumla")] == "2 piloter 200 000 kr"
    assert area[("Meningsfull fritid", "Laxå")] == "glapp"
    assert area[("God föräldra–barn-relation", "Örebro")] == "glapp"
    assert area[("Meningsfull fritid", "Alla")] == "3 piloter 300 000 kr"
    assert area[("Alla", "Kumla")] == "2 piloter 200 000 kr"
    assert area[("Alla", "Alla")] == "3 piloter 300 000 kr"
    gaps = doc.one("table", id="area-matrix").find_all("td", class_="gap")
    assert len(gaps) == 4 * 12 - 4 and all(td.text == "glapp" for td in gaps)

    lever = matrix(doc, "lever-matrix")
    assert lever[("Kultur och förmågor", "Nära")] == "1 pilot 100 000 kr"
    assert lever[("Kultur och förmågor", "Nästa")] == "1 pilot 100 000 kr"
    assert lever[("Data och digitala tjänster", "Nästa")] == "1 pilot 100 000 kr"
    assert lever[("Regler och lagar", "Nytt")] == "glapp"
    assert lever[("Regler och lagar", "Inte bedömd")] == "0 piloter"  # empty, but no gap
    assert lever[("Alla", "Alla")] == "2 piloter 200 000 kr"
    caption = doc.one("table", id="lever-matrix").one("caption").text
    assert caption == "Piloter och beviljade belopp per hävstång och horisont"
    assert doc.one("table", id="participants")
    assert UNGRANTED not in response.get_data(as_text=True)


def test_the_officers_map_lists_the_pilots_with_links_to_their_place(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    doc = page(signed_in(staff["decider"]).get("/portfolj"))
    rows = doc.one("table", id="pilot-list").one("tbody").find_all("tr")
    orebro = seeded["orebro"]
    row = next(r for r in rows if orebro.reference in r.text)
    assert row.one("a").attrs["href"] == f"/portfolj/piloter/{orebro.id}"
    assert "Kultur och förmågor" in row.text and "Nära" in row.text
    assert any("Ingen angiven" in r.text and "Inte bedömd" in r.text for r in rows)
    links = {a.attrs.get("href") for a in doc.find_all("a")}
    assert {"/portfolj/relationer", "/portfolj/genomgangar", "/portfoljen"} <= links


def test_the_open_map_has_no_internal_notes_relation_notes_or_reviews(
    app: Flask, seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    secrets = (NOTE, RELATION_NOTE, REVIEW_TITLE, REVIEW_NOTES, REVIEW_REASON)
    public = app.test_client().get("/portfoljen")
    text = public.get_data(as_text=True)
    for secret in secrets:
        assert secret not in text
    assert "/portfolj/" not in text  # no way into the internal pages either
    # The relation itself is public: in the graph and in its text alternative.
    doc = page(public)
    assert doc.one("svg", class_="graph")
    relations = doc.one("table", id="relation-list").one("tbody").find_all("tr")
    assert [r.text for r in relations] == [
        f"{seeded['kumla_1'].reference} Fritid i Kumla bygger på "
        f"{seeded['orebro'].reference} Fritid i Örebro"]

    # The same texts are on the internal pages (so the test above looks for the right things).
    client = signed_in(staff["officer"])
    internal = "".join(client.get(url).get_data(as_text=True) for url in officer_pages(seeded))
    for secret in secrets:
        assert secret in internal


def test_the_relation_page_draws_the_graph_with_an_arrow_and_lists_every_relation(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    doc = page(signed_in(staff["decider"]).get("/portfolj/relationer"))
    svg = doc.one("svg", class_="graph")
    assert svg.attrs["role"] == "img" and svg.one("title").text == "Relationer mellan piloter"
    edge = svg.one("path", class_="graph-edge")
    assert edge.attrs["marker-end"] == "url(#graph-arrow)"
    assert len(svg.find_all("circle")) == 2
    row = doc.one("table", id="relation-list").one("tbody").one("tr")
    assert RELATION_NOTE in row.text
    assert row.find("a").attrs["href"] == f"/portfolj/piloter/{seeded['kumla_1'].id}"


def test_the_officers_pilot_list_is_paged_and_the_matrices_still_count_every_pilot(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portfolio_views, "PER_PAGE", 2)  # three pilots: two pages
    client = signed_in(staff["officer"])
    by_reference = sorted(seeded[k].reference for k in ("orebro", "kumla_1", "kumla_2"))

    def listed(doc: Element) -> list[str]:
        rows = doc.one("table", id="pilot-list").one("tbody").find_all("tr")
        return [r.one("a").text.removesuffix(": plats i portföljen") for r in rows]

    first = page(client.get("/portfolj"))
    assert listed(first) == by_reference[:2]
    assert first.one("table", id="pilot-list").one("caption").text == (
        "Beviljade piloter, sida 1 av 2")
    assert first.one("a", rel="next").attrs["href"] == "/portfolj?sida=2#piloter"
    assert "3 piloter med 300 000 kr beviljat." in first.one("p", class_="lead").text
    second = page(client.get("/portfolj?sida=2"))
    assert listed(second) == by_reference[2:]
    assert second.one("a", rel="prev").attrs["href"] == "/portfolj?sida=1#piloter"
    assert matrix(second, "area-matrix")[("Alla", "Alla")] == "3 piloter 300 000 kr"
    assert "1 pilot har ingen hävstång angiven än" in second.text
    past = page(client.get("/portfolj?sida=3"))
    assert past.find("table", id="pilot-list") is None
    assert "Sidan 3 finns inte; listan har 2 sidor." in past.text
    for bad in ("0", "x", "-1", "²"):
        assert client.get(f"/portfolj?sida={bad}").status_code == 400, bad


def _many_relations(make_application: Make, make_user: Callable[..., User],
                    officer: User, count: int) -> list[PilotRelation]:
    """Test set-up: 13 pilots (the year's pot raised to hold them) and ``count`` relations
    between them, one a minute, straight to the rows."""
    change_reservation(actor=make_user("finance"), year=today().year, reserved=13 * 100_000,
                       reason="Fler piloter i testet.")
    session.commit()
    pilots = [make_application(State.GRANTED, title=f"Pilot {n}") for n in range(13)]
    start = utcnow() - timedelta(days=1)
    pairs = [(a, b, kind) for i, a in enumerate(pilots) for b in pilots[i + 1:]
             for kind in ("builds_on", "related_to")][:count]
    relations = [PilotRelation(from_id=a.id, to_id=b.id, kind=kind, note=f"{RELATION_NOTE}-{n}",
                               created_at=start + timedelta(minutes=n), created_by_id=officer.id)
                 for n, (a, b, kind) in enumerate(pairs)]
    session.add_all(relations)
    session.commit()
    return relations


def test_more_relations_than_one_graph_shows_are_drawn_and_listed_a_page_at_a_time(
    app: Flask, make_application: Make, make_user: Callable[..., User],
    staff: dict[str, User], signed_in: SignIn
) -> None:
    relations = _many_relations(make_application, make_user, staff["officer"], GRAPH_LIMIT + 3)
    newest = relations[-1]
    total = GRAPH_LIMIT + 3
    for client, url, anchor in ((signed_in(staff["decider"]), "/portfolj/relationer", ""),
                                (app.test_client(), "/portfoljen", "#relationer")):
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.get_data()) < 200_000, url  # not the whole graph at once
        doc = page(response)
        svg = doc.one("svg", class_="graph")
        rows = doc.one("table", id="relation-list").one("tbody").find_all("tr")
        # The graph and its text alternative show the same, newest, relations.
        assert len(svg.find_all("path", class_="graph-edge")) == len(rows) == GRAPH_LIMIT
        assert newest.source.reference in rows[0].text and newest.target.reference in rows[0].text
        assert (f"Diagrammet visar de {GRAPH_LIMIT} senast inlagda av {total} relationer "
                "mellan piloterna") in doc.text
        assert svg.one("desc").text.startswith(
            f"De {GRAPH_LIMIT} senast inlagda av {total} relationer")
        assert doc.one("table", id="relation-list").one("caption").text == (
            f"Relationer mellan piloter, 1–{GRAPH_LIMIT} av {total}, den senast inlagda först")
        assert doc.one("a", rel="next").attrs["href"] == f"{url}?sida=2{anchor}"

        rest = page(client.get(f"{url}?sida=2"))
        rows = rest.one("table", id="relation-list").one("tbody").find_all("tr")
        assert len(rest.one("svg", class_="graph").find_all("path", class_="graph-edge")) == 3
        assert len(rows) == 3 and relations[0].source.reference in rows[-1].text
        assert (f"Diagrammet visar relation {GRAPH_LIMIT + 1}–{total} av {total}, räknat från "
                "den senast inlagda") in rest.text
        assert rest.one("a", rel="prev").attrs["href"] == f"{url}?sida=1{anchor}"

        past = page(client.get(f"{url}?sida=3"))
        assert past.find("svg", class_="graph") is None
        assert "Sidan 3 finns inte; relationerna ryms på 2 sidor." in past.text
        assert client.get(f"{url}?sida=x").status_code == 400

        text = response.get_data(as_text=True)
        if url == "/portfoljen":
            assert RELATION_NOTE not in text and "/portfolj/" not in text
        else:
            assert f"{RELATION_NOTE}-{total - 1}" in text


# Query counts -----------------------------------------------------------------------------------


def _pilots(make_application: Make, staff: dict[str, User], n: int) -> list[Application]:
    pilots = [make_application(State.GRANTED) for _ in range(n)]
    for i, pilot in enumerate(pilots):
        ops.tag_pilot(pilot, actor=staff["officer"], levers=["culture", "data"][: i % 3],
                      horizon=[None, "near", "new"][i % 3], note=f"Anteckning {i}")
        if i:
            ops.relate_pilots(pilot, pilots[i - 1], actor=staff["officer"],
                              kind=["builds_on", "related_to"][i % 2], note="")
    session.commit()
    return pilots


@pytest.mark.parametrize("url", ["/portfolj", "/portfoljen", "/portfolj/relationer"])
def test_the_map_issues_as_many_queries_for_8_pilots_as_for_2(
    app: Flask, make_application: Make, staff: dict[str, User], signed_in: SignIn, url: str
) -> None:
    client = signed_in(staff["officer"])
    _pilots(make_application, staff, 2)
    client.get(url)  # warm-up
    with counting_queries(app) as few:
        assert client.get(url).status_code == 200
    _pilots(make_application, staff, 6)
    with counting_queries(app) as many:
        response = client.get(url)
    assert response.status_code == 200
    if url != "/portfolj/relationer":
        assert matrix(page(response), "area-matrix")[("Alla", "Alla")] == "8 piloter 800 000 kr"
    assert len(many) == len(few), "\n".join(["2 pilots:", *few, "", "8 pilots:", *many])


# Who may see what -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["applicant", "reviewer", "finance", "admin"])
def test_other_roles_may_not_open_the_officers_pages(
    seeded: dict[str, Any], make_user: Callable[..., User], signed_in: SignIn, role: str
) -> None:
    client = signed_in(make_user(role))
    for url in officer_pages(seeded):
        assert client.get(url).status_code == 403, url
    assert client.get("/portfoljen").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in_but_read_the_open_map(
    app: Flask, seeded: dict[str, Any]
) -> None:
    client = app.test_client()
    for url in officer_pages(seeded):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/logga-in?next=")
    assert client.get("/portfoljen").status_code == 200


@pytest.mark.parametrize("role", ["officer", "decider"])
def test_officers_and_deciders_open_every_portfolio_page(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn, role: str
) -> None:
    client = signed_in(staff[role])
    for url in officer_pages(seeded):
        assert client.get(url).status_code == 200, url
    nav = page(client.get("/portfolj")).one("nav", attrs={"aria-label": "Huvudmeny"})
    assert "Portfölj" in [a.text for a in nav.find_all("a")]


def test_a_pilot_that_is_not_public_has_no_place_in_the_portfolio(
    make_application: Make, staff: dict[str, User], signed_in: SignIn
) -> None:
    submitted = make_application(State.SUBMITTED)
    client = signed_in(staff["officer"])
    assert client.get(f"/portfolj/piloter/{submitted.id}").status_code == 404
    assert client.get("/portfolj/piloter/999999").status_code == 404
    assert client.get("/portfolj/genomgangar/999999").status_code == 404


# A pilot's place --------------------------------------------------------------------------------


def test_the_officer_tags_a_pilot_and_the_case_history_says_so(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["officer"])
    pilot = seeded["kumla_2"]
    url = f"/portfolj/piloter/{pilot.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "levers": ["rules", "governance"], "horizon": "new",
                                      "note": "Kolla med kommunen."})
    assert response.status_code == 302 and response.headers["Location"] == url
    entry = session.get(PortfolioEntry, pilot.id)
    assert (entry.horizon, entry.internal_note) == ("new", "Kolla med kommunen.")
    assert sorted(session.scalars(sa.select(pilot_lever.c.lever).where(
        pilot_lever.c.application_id == pilot.id))) == ["governance", "rules"]

    doc = page(client.get(url))
    assert "Pilotens plats i portföljen är sparad." in doc.text
    checked = checked_levers(doc)
    assert checked == {"rules", "governance"}
    case = page(client.get(f"/handlaggning/arenden/{pilot.id}"))
    assert ("Pilotens plats i portföljen sparades: hävstänger Policy, styrning och ledarskap, "
            "Regler och lagar; horisont Nytt") in " ".join(history(case))


def test_bad_tagging_input_answers_422_with_the_typed_values_kept(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["officer"])
    pilot = seeded["kumla_2"]
    url = f"/portfolj/piloter/{pilot.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "levers": ["culture", "magic"],
                                      "note": "Min anteckning som ska finnas kvar"})
    assert response.status_code == 422
    doc = page(response)
    summary = error_summary(doc)
    assert summary is not None and "Platsen i portföljen kunde inte sparas" in summary
    assert "Välj en horisont, eller «Inte bedömd än»." in summary
    assert field_error(doc, "levers") == "Fel: Välj ett av alternativen i listan."
    assert doc.one("textarea", id="note").value == "Min anteckning som ska finnas kvar"
    checked = checked_levers(doc)
    assert checked == {"culture"}
    assert session.get(PortfolioEntry, pilot.id) is None


def test_the_decider_reads_a_pilots_place_but_may_not_change_it(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["decider"])
    pilot = seeded["orebro"]
    url = f"/portfolj/piloter/{pilot.id}"
    doc = page(client.get(url))
    assert doc.find("form", attrs={"action": url}) is None
    assert NOTE in doc.text and "Kultur och förmågor" in doc.text
    token = csrf_token(client, "/portfolj/genomgangar/ny")
    assert client.post(url, data={"csrf_token": token, "horizon": "new"}).status_code == 403
    assert client.post(f"{url}/relationer", data={
        "relation-csrf_token": token, "relation-kind": "related_to",
        "relation-target": str(seeded["kumla_2"].id)}).status_code == 403
    assert session.get(PortfolioEntry, pilot.id).horizon == "near"


def test_the_officer_adds_and_removes_a_relation(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["officer"])
    pilot, other = seeded["kumla_2"], seeded["kumla_1"]
    url = f"/portfolj/piloter/{pilot.id}"
    response = client.post(f"{url}/relationer", data={
        "relation-csrf_token": csrf_token(client, url), "relation-kind": "related_to",
        "relation-target": str(other.id), "relation-note": "Samma kommun."})
    assert response.status_code == 302
    relation = session.scalars(sa.select(PilotRelation).where(
        PilotRelation.from_id == pilot.id)).one()
    assert (relation.to_id, relation.kind, relation.note) == (other.id, "related_to",
                                                              "Samma kommun.")
    doc = page(client.get(url))
    assert "Relationen är tillagd" in doc.text
    assert other.reference in doc.one("table", id="pilot-relations").text

    relation_id = relation.id
    remove = f"{url}/relationer/{relation_id}/ta-bort"
    response = client.post(remove, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(PilotRelation, relation_id) is None
    assert client.post(remove, data={"csrf_token": csrf_token(client, url)}).status_code == 404


@pytest.mark.parametrize(("target", "message"), [
    ("self", "En pilot kan inte relateras till sig själv. Välj en annan pilot."),
    ("duplicate", "Relationen finns redan"),
])
def test_a_relation_to_itself_or_a_duplicate_answers_422_with_the_typed_values_kept(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn, target: str,
    message: str
) -> None:
    client = signed_in(staff["officer"])
    pilot = seeded["kumla_1"]
    other = pilot if target == "self" else seeded["orebro"]
    url = f"/portfolj/piloter/{pilot.id}"
    response = client.post(f"{url}/relationer", data={
        "relation-csrf_token": csrf_token(client, url), "relation-kind": "builds_on",
        "relation-target": str(other.id), "relation-note": "Skrivet för hand"})
    assert response.status_code == 422
    doc = page(response)
    summary = error_summary(doc)
    assert summary is not None and message in summary
    assert "Relationen kunde inte läggas till" in summary
    assert doc.one("textarea", id="relation-note").value == "Skrivet för hand"
    selected = doc.one("select", id="relation-target").find("option", selected="")
    if target == "self":  # the list never offers the pilot itself (the request was crafted)
        assert selected is None
    else:
        assert selected is not None and selected.attrs["value"] == str(other.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(PilotRelation)) == 1


def test_every_portfolio_form_needs_its_csrf_token(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["officer"])
    pilot, relation = seeded["orebro"], seeded["relation"]
    for url in (f"/portfolj/piloter/{pilot.id}", f"/portfolj/piloter/{pilot.id}/relationer",
                f"/portfolj/piloter/{pilot.id}/relationer/{relation.id}/ta-bort",
                "/portfolj/genomgangar/ny"):
        assert client.post(url, data={"horizon": "new"}).status_code == 400, url
    assert session.get(PilotRelation, relation.id) is not None


# Reviews ----------------------------------------------------------------------------------------


def _blank_rows() -> dict[str, str]:
    return {f"items-{i}-{name}": "" for i in range(6)
            for name in ("choice", "application_id", "gap", "focus_area_code",
                         "municipality_code", "reason")}


def test_a_review_is_recorded_through_the_form_and_listed(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["decider"])
    url = "/portfolj/genomgangar/ny"
    stop = seeded["kumla_2"]
    response = client.post(url, data={
        **_blank_rows(), "csrf_token": csrf_token(client, url),
        "held_on": today().isoformat(), "title": "Våren", "notes": "",
        "items-0-choice": "stop", "items-0-application_id": str(stop.id),
        "items-0-reason": "Målet är nått.",
        "items-3-choice": "fill_gap", "items-3-gap": "Inget för föräldrar i Laxå.",
        "items-3-focus_area_code": "parent_child", "items-3-municipality_code": "1860",
        "items-3-reason": "Stort behov.",
    })
    assert response.status_code == 302
    review = session.scalars(sa.select(PortfolioReview).where(
        PortfolioReview.title == "Våren")).one()
    assert response.headers["Location"] == f"/portfolj/genomgangar/{review.id}"
    assert [(d.choice, d.application_id) for d in review.decisions] == [
        ("stop", stop.id), ("fill_gap", None)]

    doc = page(client.get(response.headers["Location"]))
    rows = doc.one("table", id="review-decisions").one("tbody").find_all("tr")
    assert rows[0].text == f"Avsluta {stop.reference} Trygg väg hem i Kumla – Målet är nått."
    assert rows[1].text == ("Fyll glapp Inget för föräldrar i Laxå. God föräldra–barn-relation, "
                            "Laxå Stort behov.")
    listed = page(client.get("/portfolj/genomgangar")).one("table", id="review-list")
    assert "Våren" in listed.text and REVIEW_TITLE in listed.text


def test_a_review_with_missing_reasons_answers_422_with_the_typed_values_kept(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["officer"])
    url = "/portfolj/genomgangar/ny"
    response = client.post(url, data={
        **_blank_rows(), "csrf_token": csrf_token(client, url),
        "held_on": "2025-13-01", "title": "Mitt möte", "notes": "Mina anteckningar",
        "items-0-choice": "continue", "items-0-reason": "Ett skäl jag skrev",
        "items-1-choice": "fill_gap", "items-1-gap": "Saknas i Nora",
        "items-1-municipality_code": "1884",
    })
    assert response.status_code == 422
    doc = page(response)
    summary = error_summary(doc)
    assert summary is not None and "Genomgången kunde inte sparas" in summary
    for message in ("Ange datumet som ÅÅÅÅ-MM-DD", "Välj vilken pilot som ska fortsätta.",
                    "Skriv ett skäl för beslutet."):
        assert message in summary
    assert field_error(doc, "items-1-reason") == "Fel: Skriv ett skäl för beslutet."
    assert doc.one("input", id="held_on").value == "2025-13-01"
    assert doc.one("input", id="title").value == "Mitt möte"
    assert doc.one("textarea", id="notes").value == "Mina anteckningar"
    assert doc.one("textarea", id="items-0-reason").value == "Ett skäl jag skrev"
    assert doc.one("textarea", id="items-1-gap").value == "Saknas i Nora"
    for select_id, value in (("items-0-choice", "continue"), ("items-1-choice", "fill_gap"),
                             ("items-1-municipality_code", "1884")):
        option = doc.one("select", id=select_id).find("option", selected="")
        assert option is not None and option.attrs["value"] == value, select_id
    assert session.scalar(sa.select(sa.func.count()).select_from(PortfolioReview)) == 1


def test_a_review_with_no_decisions_answers_422(
    seeded: dict[str, Any], staff: dict[str, User], signed_in: SignIn
) -> None:
    client = signed_in(staff["officer"])
    url = "/portfolj/genomgangar/ny"
    response = client.post(url, data={**_blank_rows(), "csrf_token": csrf_token(client, url),
                                      "held_on": today().isoformat(), "title": "Tom"})
    assert response.status_code == 422
    assert "Fyll i minst ett beslut" in (error_summary(page(response)) or "")
    assert len(page(response).find_all("fieldset", class_="row-group")) == 6
