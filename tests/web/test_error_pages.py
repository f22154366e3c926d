"""Error pages: the app's own layout, in Swedish, with the protocol headers kept and never a
traceback."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.models.organisations import Municipality
from tests.conftest import csrf_token
from tests.web.conftest import page

ENGLISH_BOILERPLATE = ("Not Found", "Method Not Allowed", "Bad Request", "Internal Server Error",
                       "Request Entity Too Large", "Traceback")


def assert_own_swedish_layout(response, title: str) -> None:
    assert response.mimetype == "text/html"
    doc = page(response)
    assert doc.one("html").attrs["lang"] == "sv"
    assert doc.one("a", class_="skip-link").attrs["href"] == "#main"
    assert doc.one("main").attrs["id"] == "main"
    assert doc.one("h1").text == title
    assert doc.one("title").text == f"{title} – Pilotfonden"
    assert f"Felkod {response.status_code}." in doc.text
    html = response.get_data(as_text=True)
    for english in ENGLISH_BOILERPLATE:
        assert english not in html


NOT_FOUND = [
    ("anonymous", "/finns-inte"),
    ("anonymous", "/handlaggning/arenden/ingen-siffra"),
    ("officer", "/finns-inte"),
    ("officer", "/handlaggning/arenden/999999"),
    ("applicant", "/mina-ansokningar/999999"),
    ("applicant", "/mina-ansokningar/999999/redigera"),
]


@pytest.mark.parametrize(("who", "url"), NOT_FOUND, ids=[f"{w}-{u}" for w, u in NOT_FOUND])
def test_404_renders_the_apps_own_swedish_page(app, make_user, signed_in, who: str,
                                               url: str) -> None:
    client = app.test_client() if who == "anonymous" else signed_in(make_user(who))

    response = client.get(url)

    assert response.status_code == 404
    assert_own_swedish_layout(response, "Sidan finns inte")


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("GET", "/logga-ut", {"POST", "OPTIONS"}),
    ("POST", "/", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/logga-in", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("PUT", "/handlaggning/", {"GET", "HEAD", "OPTIONS"}),
])
def test_405_keeps_the_allow_header_and_renders_the_swedish_page(
    client, method: str, url: str, allowed: set[str]
) -> None:
    response = client.open(url, method=method)

    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
    assert_own_swedish_layout(response, "Det går inte att göra så här")


def test_400_for_an_unknown_status_filter_says_so_in_swedish(make_user, signed_in) -> None:
    client = signed_in(make_user("officer"))

    response = client.get("/handlaggning/", query_string={"status": "godkänd"})

    assert response.status_code == 400
    assert_own_swedish_layout(response, "Felaktig begäran")
    assert "Okänd status «godkänd». Välj en status i listan." in page(response).text


def test_the_unknown_status_shown_on_the_400_page_is_escaped(make_user, signed_in) -> None:
    client = signed_in(make_user("officer"))
    status = '<img src=x onerror="alert(1)">'

    response = client.get("/handlaggning/", query_string={"status": status})

    assert response.status_code == 400
    assert "<img" not in response.get_data(as_text=True)
    assert f"Okänd status «{status}»." in page(response).text


def test_draft_is_not_a_status_staff_can_filter_on(make_user, signed_in) -> None:
    client = signed_in(make_user("officer"))

    assert client.get("/handlaggning/?status=draft").status_code == 400
    assert client.get("/handlaggning/?status=submitted").status_code == 200


def test_a_crash_renders_the_swedish_500_page_without_a_traceback_and_keeps_nothing(
    app, client, caplog
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crashing_view() -> str:
        session.add(Municipality(code="9999", name="Halvfärdig kommun"))
        session.flush()
        raise RuntimeError("hemlig-detalj-4711 i /srv/pilotfonden/grants/views.py")

    app.add_url_rule("/test-krasch", "crash", crashing_view)

    with caplog.at_level(logging.ERROR):
        response = client.get("/test-krasch")

    assert response.status_code == 500
    assert_own_swedish_layout(response, "Något gick fel hos oss")
    html = response.get_data(as_text=True)
    assert "hemlig-detalj-4711" not in html and "RuntimeError" not in html
    # The error is logged for the operators, with its traceback ...
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert logged
    # ... and the half-done write is not kept.
    assert session.scalar(
        sa.select(sa.func.count()).select_from(Municipality).where(Municipality.code == "9999")
    ) == 0


@pytest.mark.parametrize("who", ["anonymous", "applicant"])
def test_413_for_a_body_over_max_content_length_renders_the_swedish_page(
    app, make_user, signed_in, who: str
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    if who == "anonymous":
        client, url = app.test_client(), "/logga-in"
    else:
        client, url = signed_in(make_user("applicant")), "/mina-ansokningar/ny"
    token = csrf_token(client, url)
    app.config["MAX_CONTENT_LENGTH"] = 1024

    response = client.post(url, data={"csrf_token": token, "title": "x" * 4096,
                                      "email": "x" * 4096, "password": "y"})

    assert response.status_code == 413
    assert_own_swedish_layout(response, "Filen är för stor")
