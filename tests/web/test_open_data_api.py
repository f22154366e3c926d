"""The open-data API: the public register as JSON, CSV and a 360Giving package, the learnings,
cache headers, and the OpenAPI document — saying what ``grants.register`` (and so the pages)
says, refusing bad input with a Swedish 400, and never showing a person.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from grants import threesixty
from grants.models import Application, User
from grants.openapi import document
from grants.register import (
    PUBLIC_STATE_LABELS,
    Filters,
    parse_filters,
    public_pilot,
    register_page,
)
from grants.views import api
from tests.web.conftest import page
from tests.web.test_query_counts import counting_queries, same_count_message
from workflows import State

PUBLIC = [State.GRANTED, State.FOLLOWED_UP, State.CLOSED]
NOT_PUBLIC = [State.DRAFT, State.SUBMITTED, State.REJECTED]


@pytest.fixture
def pilots(make_application: Callable[..., Application]) -> dict[str, Application]:
    """Three public pilots (one with published learnings) and three cases that are not public."""
    made = {
        "granted": make_application(State.GRANTED, title="Fritidsbanken på hjul",
                                    summary="Lån av utrustning vid skolor i Örebro."),
        "followed_up": make_application(State.FOLLOWED_UP, title="Kvällsöppet med unga",
                                        summary="Unga planerar fritidsgårdens kvällar."),
        "closed": make_application(State.CLOSED, title="Läxhjälp i biblioteket",
                                   summary="Läxhjälp två eftermiddagar i veckan."),
    }
    for state in NOT_PUBLIC:
        made[state.value] = make_application(state, title=f"Hemligt {state.value}",
                                             summary="Inte offentligt ännu.")
    return made


def json_of(response: Any) -> Any:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    return response.get_json()


def csv_rows(response: Any) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def expected_page(query: dict[str, str]) -> Any:
    return register_page(parse_filters(MultiDict(query), api=True))


def private_values(pilots: dict[str, Application], users: list[User]) -> list[str]:
    """What must never appear publicly: people (names, e-mail), contact details, secret cases."""
    values = [u.name for u in users] + [u.email for u in users]
    for application in pilots.values():
        values += [application.contact_name, application.contact_email,
                   application.contact_phone]
    values += [a.title for key, a in pilots.items() if key in {s.value for s in NOT_PUBLIC}]
    return sorted({v for v in values if v})


# The list ---------------------------------------------------------------------------------------


def test_pilot_list_is_the_registers_page_as_json(client: FlaskClient, pilots) -> None:
    response = client.get("/api/v1/pilots")

    assert response.status_code == 200
    body = json_of(response)
    expected = register_page(Filters())
    assert body["pilots"] == [p.as_dict() for p in expected.pilots]
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (3, 1, 20, 1)
    assert {p["reference"] for p in body["pilots"]} == {
        pilots[s.value].reference for s in PUBLIC}
    assert body["links"] == {"self": "http://localhost/api/v1/pilots", "next": None,
                             "prev": None, "csv": "http://localhost/api/v1/pilots.csv"}


def test_pilot_list_is_utf8_json_that_says_orebro_as_it_is(client: FlaskClient, pilots) -> None:
    response = client.get("/api/v1/pilots")

    text = response.get_data().decode("utf-8")
    assert "Örebro" in text and "\\u00d6" not in text


SAME_FILTERS = [
    {},
    {"status": "followed_up"},
    {"status": "granted", "sortering": "titel"},
    {"sortering": "belopp"},
    {"sortering": "titel", "per_sida": "2"},
    {"sortering": "titel", "per_sida": "2", "sida": "2"},
    {"kommun": "1880", "insatsomrade": "leisure"},
    {"kommun": "1881"},
    {"organisation": "association", "ar": str(datetime.now(UTC).year)},
    {"q": "fritidsgårdens"},
    {"q": "'; DROP TABLE application; --"},
]


def test_pilot_list_says_what_the_register_says_for_the_same_filters(
    client: FlaskClient, pilots
) -> None:
    for query in SAME_FILTERS:
        body = json_of(client.get("/api/v1/pilots", query_string=query))

        expected = expected_page(query)
        assert [(p["reference"], p["state_label"], p["granted_total"], p["granted"])
                for p in body["pilots"]] == [
            (p.reference, p.state_label, p.granted_total,
             [{"year": y, "amount": a} for y, a in p.granted]) for p in expected.pilots], query
        assert body["total"] == expected.total, query


def test_pilot_list_filters_by_state_and_search(client: FlaskClient, pilots) -> None:
    followed = json_of(client.get("/api/v1/pilots?status=followed_up"))
    found = json_of(client.get("/api/v1/pilots", query_string={"q": "Fritidsbanken"}))
    nowhere = json_of(client.get("/api/v1/pilots?kommun=1881"))

    assert [p["reference"] for p in followed["pilots"]] == [pilots["followed_up"].reference]
    assert followed["pilots"][0]["state_label"] == PUBLIC_STATE_LABELS["followed_up"]
    assert [p["reference"] for p in found["pilots"]] == [pilots["granted"].reference]
    assert (nowhere["pilots"], nowhere["total"]) == ([], 0)


def test_pilot_list_comes_in_pages_with_links(client: FlaskClient, pilots) -> None:
    first = json_of(client.get("/api/v1/pilots?sortering=titel&per_sida=2"))
    second = json_of(client.get(first["links"]["next"]))

    titles = sorted(pilots[s.value].title for s in PUBLIC)
    assert [p["title"] for p in first["pilots"]] == titles[:2]
    assert [p["title"] for p in second["pilots"]] == titles[2:]
    assert (first["pages"], second["page"], second["per_page"]) == (2, 2, 2)
    assert first["links"] == {
        "self": "http://localhost/api/v1/pilots?sortering=titel&per_sida=2",
        "next": "http://localhost/api/v1/pilots?sortering=titel&per_sida=2&sida=2",
        "prev": None,
        "csv": "http://localhost/api/v1/pilots.csv?sortering=titel",
    }
    assert second["links"]["next"] is None
    assert second["links"]["prev"] == first["links"]["self"]


def test_a_page_past_the_end_is_an_empty_list_not_an_error(client: FlaskClient, pilots) -> None:
    response = client.get("/api/v1/pilots?sida=7")

    assert response.status_code == 200
    body = json_of(response)
    assert (body["pilots"], body["total"], body["page"], body["pages"]) == ([], 3, 7, 1)
    assert body["links"]["prev"] == "http://localhost/api/v1/pilots"


BAD_PILOT_QUERIES = [
    ("status=approved", "Okänd status «approved»"),
    ("status=draft", "Okänd status «draft»"),
    ("sortering=pris", "Okänd sortering «pris»"),
    ("organisation=kyrka", "Okänd organisationstyp «kyrka»"),
    ("insatsomrade=rymden", "Okänt insatsområde «rymden»"),
    ("kommun=0180", "Okänd kommun «0180»"),
    ("ar=abc", "Parametern ar ska vara ett heltal"),
    ("ar=1999", "Parametern ar ska vara ett heltal från 2000 till 2100"),
    ("sida=0", "Parametern sida ska vara ett heltal"),
    ("sida=-1", "Parametern sida ska vara ett heltal"),
    ("sida=två", "Parametern sida ska vara ett heltal"),
    ("sida=²", "Parametern sida ska vara ett heltal"),
    ("sida=99999999999999999999", "Parametern sida ska vara ett heltal"),
    ("per_sida=101", "Parametern per_sida ska vara ett heltal från 1 till 100"),
    ("per_sida=0", "Parametern per_sida ska vara ett heltal"),
    ("tema=tips", "Okänd parameter: tema"),
    ("page=2", "Okänd parameter: page"),
    ("q=" + "a" * 201, "Sökningen får vara högst 200 tecken"),
    ("q=fritid%00", "Sökningen innehåller ett tecken som inte går att söka på"),
]


@pytest.mark.parametrize("path", ["/api/v1/pilots", "/api/v1/pilots.csv"])
@pytest.mark.parametrize(("query", "message"), BAD_PILOT_QUERIES)
def test_bad_pilot_filters_are_a_400_in_swedish(
    client: FlaskClient, path: str, query: str, message: str
) -> None:
    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert message in json_of(response)["error"]


@pytest.mark.parametrize(("query", "message"), [
    ("tema=allt", "Okänt tema «allt»"),
    ("insatsomrade=rymden", "Okänt insatsområde «rymden»"),
    ("sida=0", "Parametern sida ska vara ett heltal"),
    ("sida=x", "Parametern sida ska vara ett heltal"),
    ("per_sida=500", "Parametern per_sida ska vara ett heltal från 1 till 100"),
    ("status=granted", "Okänd parameter: status"),
])
@pytest.mark.parametrize("path", ["/api/v1/learnings", "/api/v1/learnings.csv"])
def test_bad_learning_filters_are_a_400_in_swedish(
    client: FlaskClient, path: str, query: str, message: str
) -> None:
    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert message in json_of(response)["error"]


def test_empty_filter_values_mean_no_filter(client: FlaskClient, pilots) -> None:
    body = json_of(client.get("/api/v1/pilots?status=&kommun=&q=&sortering="))

    assert body["total"] == 3


# One pilot --------------------------------------------------------------------------------------


def test_one_pilot_is_its_whole_public_record(client: FlaskClient, pilots) -> None:
    reference = pilots["followed_up"].reference
    response = client.get(f"/api/v1/pilots/{reference}")

    assert response.status_code == 200
    body = json_of(response)
    expected = public_pilot(reference)
    assert expected is not None
    assert body == expected.as_dict(detail=True)
    assert body["learnings"] and body["learnings"][0]["worked"].startswith("Att unga själva")
    assert body["participants"] == {"girls": 23, "boys": 19, "other": 1}
    assert all(i["outcome"] == "42" for i in body["indicators"])


def test_a_reference_not_public_is_the_same_404_as_one_that_does_not_exist(
    client: FlaskClient, pilots
) -> None:
    unknown = client.get("/api/v1/pilots/PF-2099-9999")
    assert pilots["draft"].reference is None  # a draft has no reference to ask for
    references = [pilots["submitted"].reference, pilots["rejected"].reference, "PF-1999-0001",
                  "x", pilots["granted"].reference.lower(), "%27%20OR%201%3D1"]

    for reference in references:
        response = client.get(f"/api/v1/pilots/{reference}")

        assert response.status_code == unknown.status_code == 404, reference
        assert response.get_data() == unknown.get_data(), reference
    assert json_of(unknown) == {"error": "Det finns ingen offentlig pilot med den referensen."}


# CSV --------------------------------------------------------------------------------------------


def test_the_csv_has_every_pilot_of_the_json_list_with_the_same_totals(
    client: FlaskClient, pilots
) -> None:
    listed = json_of(client.get("/api/v1/pilots?per_sida=100"))["pilots"]
    response = client.get("/api/v1/pilots.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=piloter.csv"
    header, *rows = csv_rows(response)
    assert header == ["Referens", "Titel", "Organisation", "Organisationsnummer",
                      "Organisationstyp", "Kommuner", "Insatsområden", "Status",
                      "Beviljat totalt (kr)", "Beviljat per år (kr)", "Projektstart",
                      "Projektslut", "Länk"]
    assert [(r[0], r[7], int(r[8])) for r in rows] == [
        (p["reference"], p["state_label"], p["granted_total"]) for p in listed]
    for row, pilot in zip(rows, listed, strict=True):
        assert row[9] == "; ".join(f"{g['year']}: {g['amount']}" for g in pilot["granted"])
        assert (row[3], row[5], row[10], row[11]) == (
            pilot["organisation"]["org_number"], "Örebro", pilot["project_start"],
            pilot["project_end"])
        assert row[12] == f"http://localhost/piloter/{pilot['reference']}"


def test_the_csv_takes_the_lists_filters_but_not_its_pages(client: FlaskClient, pilots) -> None:
    rows = csv_rows(client.get("/api/v1/pilots.csv?status=closed&sida=2&per_sida=1"))

    assert [r[0] for r in rows[1:]] == [pilots["closed"].reference]


def test_the_csv_reads_the_register_in_chunks_and_keeps_their_order(
    client: FlaskClient, pilots, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = json_of(client.get("/api/v1/pilots?sortering=titel"))["pilots"]
    monkeypatch.setattr(api, "CSV_CHUNK", 2)

    rows = csv_rows(client.get("/api/v1/pilots.csv?sortering=titel"))

    assert [r[0] for r in rows[1:]] == [p["reference"] for p in listed]


COUNTED = ["/api/v1/pilots", "/api/v1/pilots.csv", "/api/v1/360giving.json",
           "/api/v1/learnings", "/api/v1/learnings.csv"]


def test_lists_issue_as_many_queries_for_5_pilots_as_for_2(
    app: Flask, client: FlaskClient, make_application
) -> None:
    for _ in range(2):
        make_application(State.GRANTED)
    few: dict[str, list[str]] = {}
    for url in COUNTED:
        client.get(url)  # warm-up
        with counting_queries(app) as few[url]:
            assert client.get(url).status_code == 200
    for _ in range(3):
        make_application(State.GRANTED)

    for url in COUNTED:
        with counting_queries(app) as many:
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(many) == len(few[url]), f"{url}\n" + same_count_message(few[url], many)
    assert len(csv_rows(client.get("/api/v1/pilots.csv"))) == 6
    assert len(json_of(client.get("/api/v1/360giving.json"))["grants"]) == 5


def test_the_csv_writes_a_title_that_looks_like_a_formula_as_text(
    client: FlaskClient, make_application
) -> None:
    make_application(State.GRANTED, title="=HYPERLINK(\"http://example.com\")")

    rows = csv_rows(client.get("/api/v1/pilots.csv"))

    assert rows[1][1] == "'=HYPERLINK(\"http://example.com\")"


# Learnings --------------------------------------------------------------------------------------


def test_learnings_are_the_published_ones_with_links_to_their_pilot(
    client: FlaskClient, pilots
) -> None:
    body = json_of(client.get("/api/v1/learnings"))

    reference = pilots["followed_up"].reference
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
    (learning,) = body["learnings"]
    assert learning["reference"] == reference
    assert learning["themes"] == ["fungerade", "fungerade-inte", "tips"]
    assert learning["worked"].startswith("Att unga själva planerade")
    assert learning["links"] == {"pilot": f"http://localhost/api/v1/pilots/{reference}",
                                 "page": f"http://localhost/piloter/{reference}"}
    assert body["links"]["csv"] == "http://localhost/api/v1/learnings.csv"


def test_learnings_filter_by_focus_area_and_theme(client: FlaskClient, pilots) -> None:
    leisure = json_of(client.get("/api/v1/learnings?insatsomrade=leisure&tema=tips"))
    school = json_of(client.get("/api/v1/learnings?insatsomrade=school"))
    past_the_end = client.get("/api/v1/learnings?sida=3")

    assert leisure["total"] == 1
    assert (school["learnings"], school["total"]) == ([], 0)
    assert past_the_end.status_code == 200 and json_of(past_the_end)["learnings"] == []


def test_learnings_csv_has_the_same_learnings(client: FlaskClient, pilots) -> None:
    listed = json_of(client.get("/api/v1/learnings"))["learnings"]
    response = client.get("/api/v1/learnings.csv?tema=fungerade")

    assert response.headers["Content-Disposition"] == "attachment; filename=lardomar.csv"
    header, *rows = csv_rows(response)
    assert header[:6] == ["Referens", "Titel", "Organisation", "Insatsområden", "Rapport",
                          "Publicerad"]
    assert [(r[0], r[5], r[6], r[7], r[8]) for r in rows] == [
        (lrn["reference"], lrn["published"], lrn["worked"], lrn["not_worked"],
         lrn["for_others"]) for lrn in listed]


# 360Giving --------------------------------------------------------------------------------------


def test_360giving_package_has_every_granted_pilot(client: FlaskClient, pilots) -> None:
    listed = {p["reference"]: p for p in json_of(client.get("/api/v1/pilots"))["pilots"]}
    response = client.get("/api/v1/360giving.json")

    assert response.status_code == 200
    package = json_of(response)
    assert package["version"] == "1.4"
    assert package["publisher"] == {"identifier": "SE-ON-232100-0164",
                                    "name": "Region Örebro län"}
    grants = {g["id"]: g for g in package["grants"]}
    assert set(grants) == {f"360G-regionorebrolan-{ref}" for ref in listed}
    for reference, pilot in listed.items():
        grant = grants[threesixty.grant_id(reference)]
        assert grant["title"] == pilot["title"]
        assert grant["description"] == pilot["summary"]
        assert (grant["currency"], grant["amountAwarded"]) == ("SEK", pilot["granted_total"])
        assert isinstance(grant["amountAwarded"], int)
        assert grant["awardDate"] == pilot["decision_date"]
        assert grant["plannedDates"] == [{"startDate": pilot["project_start"],
                                          "endDate": pilot["project_end"]}]
        assert grant["recipientOrganization"] == [{
            "id": "SE-ON-" + pilot["organisation"]["org_number"],
            "name": pilot["organisation"]["name"]}]
        assert grant["fundingOrganization"] == [{"id": "SE-ON-232100-0164",
                                                 "name": "Region Örebro län"}]
        assert grant["beneficiaryLocation"] == [{"name": "Örebro", "countryCode": "SE",
                                                 "geoCode": "1880",
                                                 "geoCodeType": "SE-SCB-KOMMUNKOD"}]
        assert grant["dataSource"] == f"http://localhost/api/v1/pilots/{reference}"
        assert grant["url"] == f"http://localhost/piloter/{reference}"
        assert datetime.fromisoformat(grant["dateModified"]).tzinfo is not None
    assert package["modified"] == max(g["dateModified"] for g in grants.values())


def test_organisation_ids_follow_org_id_guide() -> None:
    assert threesixty.org_id("802400-1235") == "SE-ON-802400-1235"
    assert threesixty.FUNDER_ID == "SE-ON-232100-0164"


def test_an_empty_fund_is_an_empty_360giving_package(client: FlaskClient) -> None:
    package = json_of(client.get("/api/v1/360giving.json"))

    assert package["grants"] == [] and "modified" not in package


# No personal data -------------------------------------------------------------------------------


PUBLIC_URLS = ["/api/v1/pilots", "/api/v1/pilots.csv", "/api/v1/learnings",
               "/api/v1/learnings.csv", "/api/v1/360giving.json", "/api/v1/pots",
               "/api/v1/openapi.json"]


def test_no_public_answer_names_a_person_or_a_secret_case(
    client: FlaskClient, pilots, staff: dict[str, User]
) -> None:
    users = [*staff.values(), *(a.created_by for a in pilots.values() if a.created_by)]
    private = private_values(pilots, users)
    assert len(private) > 10
    urls = PUBLIC_URLS + [f"/api/v1/pilots/{pilots[s.value].reference}" for s in PUBLIC]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data().decode("utf-8-sig")
        assert not [v for v in private if v in text], url
        assert "@" not in text.replace("@example", ""), url


# Cache headers ----------------------------------------------------------------------------------


CACHED = ["/api/v1/pilots", "/api/v1/learnings", "/api/v1/360giving.json", "/api/v1/pots",
          "/api/v1/pilots.csv", "/api/v1/learnings.csv", "/api/v1/openapi.json"]


def test_same_etag_gets_a_304_without_a_body(client: FlaskClient, pilots) -> None:
    for url in CACHED:
        first = client.get(url)
        etag = first.headers["ETag"]

        again = client.get(url, headers={"If-None-Match": etag})
        weak = client.get(url, headers={"If-None-Match": f"W/{etag}, \"other\""})
        other = client.get(url, headers={"If-None-Match": '"something-else"'})

        assert first.status_code == 200, url
        assert first.headers["Cache-Control"] == "public, max-age=60", url
        assert first.headers["Last-Modified"], url
        assert (again.status_code, again.get_data()) == (304, b""), url
        assert weak.status_code == 304, url
        assert again.headers["ETag"] == etag, url
        assert again.headers["Cache-Control"] == "public, max-age=60", url
        assert (other.status_code, other.get_data()) == (200, first.get_data()), url


def test_one_pilot_has_an_etag_too(client: FlaskClient, pilots) -> None:
    url = f"/api/v1/pilots/{pilots['granted'].reference}"
    etag = client.get(url).headers["ETag"]

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_the_etag_changes_when_the_content_does(client: FlaskClient, pilots,
                                               make_application) -> None:
    before = client.get("/api/v1/pilots").headers["ETag"]
    make_application(State.GRANTED, title="En ny pilot")

    response = client.get("/api/v1/pilots", headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response.headers["ETag"] != before


def test_last_modified_is_the_newest_change_among_the_pilots(client: FlaskClient,
                                                             pilots) -> None:
    response = client.get("/api/v1/pilots")

    newest = max(a.updated_at for key, a in pilots.items()
                 if key in {s.value for s in PUBLIC})
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == newest.replace(
        microsecond=0)
    one = client.get(f"/api/v1/pilots/{pilots['closed'].reference}")
    assert parsedate_to_datetime(one.headers["Last-Modified"]) == (
        pilots["closed"].updated_at.replace(microsecond=0))


def test_an_empty_answer_was_last_modified_now(client: FlaskClient) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.get("/api/v1/pilots")

    assert before <= parsedate_to_datetime(response.headers["Last-Modified"]) <= datetime.now(UTC)


def test_the_ledger_is_still_never_cached(signed_in, make_user) -> None:
    response = signed_in(make_user("finance")).get("/api/v1/ledger")

    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


# The same as the pages --------------------------------------------------------------------------


def test_the_api_lists_the_pilots_the_register_page_links_to(
    app: Flask, client: FlaskClient, pilots
) -> None:
    if "public.pilots" not in app.view_functions:
        pytest.skip("the register page /piloter is not built yet")
    for query in ["", "?status=followed_up", "?sortering=titel&kommun=1880", "?q=unga"]:
        html = page(client.get(f"/piloter{query}"))
        body = json_of(client.get(f"/api/v1/pilots{query}"))

        linked = []
        for link in html.find_all("a"):
            href = link.attrs.get("href", "")
            reference = href.removeprefix("/piloter/")
            if href.startswith("/piloter/") and reference not in linked:
                linked.append(reference)
        assert linked == [p["reference"] for p in body["pilots"]], query


# OpenAPI ----------------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_openapi(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")

    assert json_of(response) == document()
    schema = schemathesis.openapi.from_dict(document())
    schema.validate()  # against the OpenAPI 3.1 meta-schema; raises when invalid
    # That meta-schema leaves the JSON Schemas inside alone: each is checked on its own.
    for name, component in document()["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(component), name
    for path, operations in document()["paths"].items():
        for parameter in operations["get"]["parameters"]:
            assert jsonschema_rs.meta.is_valid(parameter["schema"]), (path, parameter["name"])


def test_every_api_route_is_documented_and_nothing_else(app: Flask) -> None:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            assert rule.methods is not None and rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
            routes.add(rule.rule.replace("<", "{").replace(">", "}"))
    documented = document()["paths"]

    assert routes == set(documented)
    assert all(set(operations) == {"get"} for operations in documented.values())


def test_the_documented_enums_are_the_values_the_api_takes(client: FlaskClient) -> None:
    parameters = {p["name"]: p for p in document()["paths"]["/api/v1/pilots"]["get"]["parameters"]}

    for name in ("status", "sortering", "organisation"):
        for value in parameters[name]["schema"]["enum"]:
            assert client.get(f"/api/v1/pilots?{name}={value}").status_code == 200, value


# A crash ----------------------------------------------------------------------------------------


def test_a_crash_in_the_api_is_a_logged_json_500_without_details(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    def crash(_filters: Filters) -> Any:
        raise RuntimeError("hemlig-detalj-4711")

    monkeypatch.setattr(api, "register_page", crash)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/pilots")

    assert response.status_code == 500
    assert json_of(response)["error"].startswith("Ett oväntat fel inträffade.")
    assert "hemlig-detalj-4711" not in response.get_data(as_text=True)
    assert [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]


def test_the_360giving_package_takes_the_registers_filters_like_the_csv(
    client: FlaskClient, pilots
) -> None:
    followed = json_of(client.get("/api/v1/360giving.json?status=followed_up"))
    refused = client.get("/api/v1/360giving.json?kommun=9999")

    assert [grant["id"].endswith(pilots["followed_up"].reference)
            for grant in followed["grants"]] == [True]
    assert refused.status_code == 400 and "Okänd kommun" in json_of(refused)["error"]
