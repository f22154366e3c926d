"""Logging in and out through the real forms: CSRF, wrong credentials, deactivated accounts, the
``next`` parameter (no open redirects), and how passwords are stored."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.views.errors import CSRF_MESSAGE
from tests.conftest import PASSWORD, csrf_token, login
from tests.web.conftest import error_summary, page

WRONG_CREDENTIALS = "Fel e-postadress eller lösenord."


def is_logged_in(client) -> bool:
    """Whether ``client`` gets past the login wall of a page every logged-in person may see."""
    response = client.get("/handlaggning/")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/logga-in"
        return False
    assert response.status_code in (200, 403)
    return True


def post_login(client, email: str, password: str, *, next_: str | None = None):
    token = csrf_token(client, "/logga-in")
    return client.post("/logga-in", query_string={"next": next_} if next_ is not None else None,
                       data={"csrf_token": token, "email": email, "password": password})


# Logging in -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("roles", "home"), [
    (("officer",), "/handlaggning/"),
    (("decider",), "/handlaggning/"),
    (("applicant",), "/mina-ansokningar/"),
    (("applicant", "officer"), "/handlaggning/"),
    (("reviewer",), "/granskning/"),
    (("finance",), "/ekonomi/"),
    (("admin",), "/"),
])
def test_login_with_the_form_and_its_token_redirects_to_the_roles_home(
    client, make_user, roles, home: str
) -> None:
    user = make_user(*roles)

    response = login(client, user)

    assert response.status_code == 302
    assert response.headers["Location"] == home
    landing = client.get(home)
    assert landing.status_code == 200
    assert f"Inloggad: {user.name}" in landing.get_data(as_text=True)


def test_email_is_matched_whatever_its_case_and_surrounding_spaces(client, make_user) -> None:
    make_user("officer", email="stina.handlaggare@example.se")

    response = post_login(client, "  Stina.Handlaggare@EXAMPLE.se ", PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "forged"])
def test_login_post_without_a_valid_csrf_token_is_rejected_with_400(
    client, make_user, token: str | None
) -> None:
    user = make_user("officer")
    csrf_token(client, "/logga-in")  # the session has a token; the post does not carry it
    data = {"email": user.email, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token

    response = client.post("/logga-in", data=data)

    assert response.status_code == 400
    assert CSRF_MESSAGE in page(response).text
    assert not is_logged_in(client)


def test_wrong_password_answers_422_with_the_message_and_keeps_the_email(
    client, make_user
) -> None:
    user = make_user("officer")

    response = post_login(client, user.email, "fel-losenord-123")

    assert response.status_code == 422
    doc = page(response)
    assert WRONG_CREDENTIALS in (error_summary(doc) or "")
    assert doc.one("input", name="email").value == user.email
    assert doc.one("input", name="password").value == ""
    assert "fel-losenord-123" not in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_unknown_email_gets_exactly_the_answer_a_wrong_password_gets(
    app, make_user
) -> None:
    """No user enumeration: the page does not tell whether the address has an account."""
    user = make_user("officer", email="finns@example.se")

    wrong_password = post_login(app.test_client(), user.email, "fel-losenord-123")
    unknown_email = post_login(app.test_client(), "finns-inte@example.se", "fel-losenord-123")

    assert unknown_email.status_code == wrong_password.status_code == 422
    assert error_summary(page(unknown_email)) == error_summary(page(wrong_password))
    assert WRONG_CREDENTIALS in (error_summary(page(unknown_email)) or "")
    assert page(unknown_email).one("input", name="email").value == "finns-inte@example.se"


def test_empty_fields_answer_422_with_a_message_at_each_field(client) -> None:
    response = post_login(client, "", "")

    assert response.status_code == 422
    doc = page(response)
    assert "Fyll i din e-postadress." in doc.one(id="email-error").text
    assert "Fyll i ditt lösenord." in doc.one(id="password-error").text


def test_a_deactivated_user_cannot_log_in(client, make_user) -> None:
    user = make_user("officer", active=False)

    response = login(client, user)

    assert response.status_code == 422
    assert "Kontot är avstängt" in (error_summary(page(response)) or "")
    assert not is_logged_in(client)


def test_deactivating_a_logged_in_user_ends_their_session(client, make_user) -> None:
    user = make_user("officer")
    login(client, user)
    assert is_logged_in(client)

    user.active = False
    session.commit()

    assert not is_logged_in(client)


# next -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/mina-ansokningar/ny",
    "/mina-ansokningar/?sida=2",
    "/",
])
def test_a_local_next_path_is_followed_after_login(client, make_user, target: str) -> None:
    user = make_user("applicant")

    response = post_login(client, user.email, PASSWORD, next_=target)

    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "http://localhost.evil.example/handlaggning/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    " //evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example/handlaggning/",
    "/\t/evil.example",
])
def test_an_off_site_next_is_ignored_and_login_goes_home(client, make_user, target: str) -> None:
    user = make_user("officer")

    response = post_login(client, user.email, PASSWORD, next_=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/handlaggning/"


def test_a_protected_page_sends_you_to_login_and_back_again(client, make_user) -> None:
    user = make_user("officer")

    wall = client.get("/handlaggning/?status=submitted")
    assert wall.status_code == 302
    location = urlsplit(wall.headers["Location"])
    assert location.path == "/logga-in"
    next_ = parse_qs(location.query)["next"][0]
    assert next_ == "/handlaggning/?status=submitted"

    response = post_login(client, user.email, PASSWORD, next_=next_)

    assert response.status_code == 302
    assert response.headers["Location"] == "/handlaggning/?status=submitted"
    assert client.get(response.headers["Location"]).status_code == 200


# Logging out ------------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed_and_keeps_the_session(client, make_user) -> None:
    login(client, make_user("officer"))

    response = client.get("/logga-ut")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert is_logged_in(client)


def test_logout_post_without_csrf_token_is_rejected_and_keeps_the_session(
    client, make_user
) -> None:
    login(client, make_user("officer"))

    response = client.post("/logga-ut")

    assert response.status_code == 400
    assert CSRF_MESSAGE in page(response).text
    assert is_logged_in(client)


def test_logout_with_csrf_token_ends_the_session_and_protected_pages_redirect_to_login(
    client, make_user
) -> None:
    login(client, make_user("officer"))
    token = csrf_token(client, "/")

    response = client.post("/logga-ut", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Du är utloggad." in client.get("/").get_data(as_text=True)
    for protected in ("/handlaggning/", "/mina-ansokningar/"):
        wall = client.get(protected)
        assert wall.status_code == 302
        assert parse_qs(urlsplit(wall.headers["Location"]).query) == {"next": [protected]}


# Stored passwords -------------------------------------------------------------------------------


def test_passwords_are_stored_salted_and_hashed_never_as_plain_text(app, make_user) -> None:
    first, second = make_user("officer"), make_user("officer")

    stored = dict(session.execute(
        sa.text("SELECT id, password_hash FROM app_user WHERE id IN (:a, :b)"),
        {"a": first.id, "b": second.id},
    ).all())

    for password_hash in stored.values():
        assert PASSWORD not in password_hash
        assert password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert stored[first.id] != stored[second.id], "the same password must hash differently (salt)"
    assert first.check_password(PASSWORD)
    assert not first.check_password(PASSWORD.upper())
