"""Response headers, request ids, structured logs and the health check."""

from __future__ import annotations

import json
import logging
import re

import pytest
import sqlalchemy as sa

from grants import create_app
from grants.db import session
from grants.models import AccessibilityFeedback
from grants.security import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_token
from workflows import State

PAGES = ["/", "/logga-in", "/finns-inte", "/static/style.css", "/healthz"]


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(client, url: str) -> None:
    with client.get(url) as response:  # closes the static file's stream
        headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # testing is not production


def test_pages_have_no_inline_scripts_styles_or_handlers(
    client, make_user, make_application, signed_in
) -> None:
    """The CSP forbids inline code, so the templates must not rely on any."""
    officer = signed_in(make_user("officer", "decider"))
    case = make_application(State.SUBMITTED)
    applicant = signed_in(case.created_by)
    pages = [
        client.get("/"), client.get("/logga-in"),
        officer.get("/handlaggning/"), officer.get(f"/handlaggning/arenden/{case.id}"),
        applicant.get("/mina-ansokningar/"), applicant.get("/mina-ansokningar/ny"),
        applicant.get(f"/mina-ansokningar/{case.id}"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), response.request.path
        assert not re.search(r"\sstyle=", html), response.request.path
        assert not re.search(r"\son[a-z]+=", html), response.request.path


def test_production_sends_hsts_and_secure_cookies(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    for name in ("PILOTFONDEN_HSTS", "PILOTFONDEN_SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"SECRET_KEY": "p" * 64, "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})
    try:
        response = app.test_client().get("/logga-in")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        app.extensions["pilotfonden.engine"].dispose()
        logging.getLogger("grants").handlers.clear()
        logging.getLogger("grants").propagate = True


def test_a_request_id_is_made_up_or_taken_from_a_sane_header(client) -> None:
    made_up = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made_up)
    echoed = client.get("/", headers={"X-Request-ID": "proxy-1234abcd"})
    assert echoed.headers["X-Request-ID"] == "proxy-1234abcd"
    hostile = client.get("/", headers={"X-Request-ID": "a b<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])


def test_each_request_is_logged_as_one_json_line_with_its_request_id(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SECRET_KEY": "p" * 64, "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})
    try:
        app.test_client().get("/logga-in", headers={"X-Request-ID": "req-abcdef12"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        app.extensions["pilotfonden.engine"].dispose()
        logging.getLogger("grants").handlers.clear()
        logging.getLogger("grants").propagate = True
    [line] = [entry for entry in lines if entry["logger"] == "grants.requests"]
    assert line["request_id"] == "req-abcdef12"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/logga-in", 200)
    assert line["user_id"] is None and line["duration_ms"] >= 0


def test_healthz_says_ok_when_the_database_answers(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_says_503_when_the_database_is_unreachable(tmp_path) -> None:
    app = create_app({"TESTING": True,
                      "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/folder/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
    app.extensions["pilotfonden.engine"].dispose()


def test_nul_characters_are_dropped_from_form_fields_and_refused_in_searches(
    client, make_user, signed_in
) -> None:
    """PostgreSQL refuses NUL in text: a search or a form with one must get its own answer,
    not a 500 (this test runs on both databases)."""
    admin = signed_in(make_user("admin"))
    for searcher, url in ((admin, "/admin/anvandare?q=a%00b"), (client, "/piloter?q=fritid%00s")):
        refused = searcher.get(url)
        assert refused.status_code == 400
        assert "Sökningen innehåller ett tecken som inte går att söka på." in (
            refused.get_data(as_text=True))

    token = csrf_token(client, "/tillganglighet")
    response = client.post("/tillganglighet", data={
        "csrf_token": token, "description": "Knappen\x00 syns inte.", "page": "Start\x00sidan"})

    assert response.status_code == 302
    feedback = session.scalars(sa.select(AccessibilityFeedback)).one()
    assert (feedback.description, feedback.page) == ("Knappen syns inte.", "Startsidan")
