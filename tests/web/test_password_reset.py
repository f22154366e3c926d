"""Forgotten passwords: the request answers the same for every address, a known active account
gets one e-mailed link (at most three an hour), the link works once and for a limited time, a
tampered link is refused, the new password meets the policy, and CSRF is enforced. Registration
applies the same policy."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from grants.db import session
from grants.models import OutboxMessage, User
from grants.passwords import (
    PERSONAL,
    RESET_SALT,
    TOO_COMMON,
    TOO_SHORT,
    make_reset_token,
    password_fingerprint,
)
from tests.conftest import PASSWORD, csrf_token, login
from tests.web.conftest import error_summary, field_error, page

NEW_PASSWORD = "tre-nya-ord-i-kumla"
SAME_ANSWER = "Om adressen finns skickar vi en länk"
_LINK = re.compile(r"http://localhost(/aterstall-losenord/[A-Za-z0-9_.\-]+)")


def ask_for_link(client: Any, email: str) -> Any:
    token = csrf_token(client, "/glomt-losenord")
    return client.post("/glomt-losenord", data={"csrf_token": token, "email": email})


def reset_mails() -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.key.startswith("password-reset:"))
        .order_by(OutboxMessage.id)
    ))


def link_in(message: OutboxMessage) -> str:
    match = _LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def choose(client: Any, link: str, password: str, again: str | None = None) -> Any:
    # The token from another form: the link's own page has none when the link is refused.
    token = csrf_token(client, "/glomt-losenord")
    return client.post(link, data={"csrf_token": token, "password": password,
                                   "password_again": password if again is None else again})


def reloaded(user: User) -> User:
    session.expire_all()
    fresh = session.get(User, user.id)
    assert fresh is not None
    return fresh


@pytest.fixture
def person(make_user: Any) -> User:
    return make_user("applicant", email="anna@kumlaungdom.se")


# Asking for a link -----------------------------------------------------------------------------


def test_the_login_page_links_to_the_forgotten_password_page(client) -> None:
    link = page(client.get("/logga-in")).one("a", href="/glomt-losenord")
    assert link.text == "Glömt lösenordet?"
    doc = page(client.get("/glomt-losenord"))
    assert doc.one("label", attrs={"for": "email"}).text == "E-postadress"


def test_an_unknown_and_a_known_address_get_identical_answers(app, person) -> None:
    known = ask_for_link(app.test_client(), person.email)
    unknown = ask_for_link(app.test_client(), "ingen-alls@kumlaungdom.se")

    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert SAME_ANSWER in known.get_data(as_text=True)
    assert [m.recipient for m in reset_mails()] == [person.email]


def test_a_deactivated_account_gets_the_same_answer_and_no_mail(client, make_user) -> None:
    inactive = make_user("officer", active=False)
    response = ask_for_link(client, inactive.email)
    assert response.status_code == 200 and SAME_ANSWER in response.get_data(as_text=True)
    assert reset_mails() == []


def test_the_address_is_matched_whatever_its_case_and_the_mail_has_the_link(
    client, person
) -> None:
    ask_for_link(client, "  Anna@KumlaUngdom.se ")
    [mail] = reset_mails()
    assert mail.recipient == person.email and mail.subject == "Byt lösenord i Pilotfonden"
    assert "60 minuter" in mail.body and link_in(mail).startswith("/aterstall-losenord/")


def test_no_more_than_three_links_an_hour_for_one_account_with_the_same_answer(
    client, person
) -> None:
    answers = [ask_for_link(client, person.email) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data() for a in answers}) == 1
    mails = reset_mails()
    assert len(mails) == 3 and len({m.key for m in mails}) == 3


def test_an_empty_address_answers_422_with_the_message(client) -> None:
    response = ask_for_link(client, "")
    assert response.status_code == 422
    assert "Fyll i din e-postadress." in (field_error(page(response), "email") or "")


def test_asking_for_a_link_without_a_csrf_token_is_refused(client, person) -> None:
    response = client.post("/glomt-losenord", data={"email": person.email})
    assert response.status_code == 400
    assert reset_mails() == []


# Using the link --------------------------------------------------------------------------------


def test_the_link_sets_a_new_password_once_and_then_stops_working(app, client, person) -> None:
    ask_for_link(client, person.email)
    link = link_in(reset_mails()[0])

    form = page(client.get(link))
    assert form.one("input", name="password").attrs["autocomplete"] == "new-password"
    response = choose(client, link, NEW_PASSWORD)

    assert response.status_code == 302 and response.headers["Location"] == "/logga-in"
    assert "Ditt lösenord är bytt" in client.get("/logga-in").get_data(as_text=True)
    person = reloaded(person)
    assert person.check_password(NEW_PASSWORD) and not person.check_password(PASSWORD)
    assert login(app.test_client(), person, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), person, PASSWORD).status_code == 422

    again = client.get(link)
    assert again.status_code == 400
    doc = page(again)
    assert "Länken fungerar inte längre" in doc.one("h1").text
    assert doc.one("a", href="/glomt-losenord").text == "Be om en ny länk"
    assert choose(app.test_client(), link, "ett-annat-langt-losenord").status_code == 400
    assert reloaded(person).check_password(NEW_PASSWORD)


def test_using_one_link_ends_every_other_link_sent_before(client, person) -> None:
    ask_for_link(client, person.email)
    ask_for_link(client, person.email)
    first, second = (link_in(m) for m in reset_mails())
    assert choose(client, second, NEW_PASSWORD).status_code == 302
    assert client.get(first).status_code == 400


def test_a_link_works_for_sixty_minutes_and_not_after(
    client, person, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_link(client, person.email)
    link = link_in(reset_mails()[0])
    made = int(time.time())

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made + 59 * 60)
    assert client.get(link).status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made + 61 * 60)
    assert client.get(link).status_code == 400
    assert choose(client, link, NEW_PASSWORD).status_code == 400
    assert reloaded(person).check_password(PASSWORD)


def test_the_lifetime_follows_the_setting(app, client, person, monkeypatch) -> None:
    app.config["PASSWORD_RESET_MINUTES"] = 5
    made = int(time.time())
    link = f"/aterstall-losenord/{make_reset_token(person.id, person.password_hash)}"
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made + 6 * 60)
    assert client.get(link).status_code == 400


@pytest.mark.parametrize("tamper", ["signature", "payload", "other-salt", "other-key", "junk"])
def test_a_tampered_link_is_refused(app, client, person, make_user, tamper: str) -> None:
    token = make_reset_token(person.id, person.password_hash)
    other = make_user("officer")
    if tamper == "signature":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif tamper == "payload":
        # Someone else's id under this token's signature.
        theirs = make_reset_token(other.id, other.password_hash)
        token = theirs.split(".")[0] + "." + ".".join(token.split(".")[1:])
    elif tamper == "other-salt":
        token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="x").dumps(
            [person.id, password_fingerprint(person.password_hash)])
    elif tamper == "other-key":
        token = URLSafeTimedSerializer("another-secret-key-0123456789abcdef",
                                       salt=RESET_SALT).dumps(
            [person.id, password_fingerprint(person.password_hash)])
    else:
        token = "inte-en-token"
    assert client.get(f"/aterstall-losenord/{token}").status_code == 400
    assert choose(client, f"/aterstall-losenord/{token}", NEW_PASSWORD).status_code == 400
    assert reloaded(person).check_password(PASSWORD)


def test_a_link_for_an_account_deactivated_since_is_refused(client, person) -> None:
    link = f"/aterstall-losenord/{make_reset_token(person.id, person.password_hash)}"
    person.active = False
    session.commit()
    assert client.get(link).status_code == 400


@pytest.mark.parametrize(("password", "again", "field", "message"), [
    ("kort-ord", None, "password", TOO_SHORT),
    ("qwerty123456", None, "password", TOO_COMMON),
    ("anna@kumlaungdom.se", None, "password", PERSONAL),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "password_again", "Lösenorden är inte lika."),
    ("", "", "password", "Välj ett lösenord."),
], ids=["short", "common", "own-address", "differ", "empty"])
def test_a_new_password_against_the_policy_answers_422_and_changes_nothing(
    client, person, password: str, again: str | None, field: str, message: str
) -> None:
    link = f"/aterstall-losenord/{make_reset_token(person.id, person.password_hash)}"
    response = choose(client, link, password, again)

    assert response.status_code == 422
    doc = page(response)
    assert message in (field_error(doc, field) or "")
    assert message in (error_summary(doc) or "")
    for name in ("password", "password_again"):
        assert doc.one("input", name=name).value == "", "a password is never sent back"
    assert reloaded(person).check_password(PASSWORD)
    assert client.get(link).status_code == 200, "a refused attempt does not use up the link"


def test_choosing_a_password_without_a_csrf_token_is_refused(client, person) -> None:
    link = f"/aterstall-losenord/{make_reset_token(person.id, person.password_hash)}"
    response = client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 400
    assert reloaded(person).check_password(PASSWORD)


def test_a_logged_in_browser_that_resets_is_logged_out(app, person, signed_in) -> None:
    browser = signed_in(person)
    assert browser.get("/mina-ansokningar/").status_code == 200
    link = f"/aterstall-losenord/{make_reset_token(person.id, person.password_hash)}"
    assert choose(browser, link, NEW_PASSWORD).status_code == 302
    assert browser.get("/mina-ansokningar/").status_code == 302


# Registration applies the policy ----------------------------------------------------------------


def test_registration_refuses_a_common_password_and_keeps_the_address(client) -> None:
    token = csrf_token(client, "/registrera")
    response = client.post("/registrera", data={
        "csrf_token": token, "name": "Anna Andersson", "email": "anna@kumlaungdom.se",
        "password": "Qwerty123456", "password_again": "Qwerty123456",
        "org_number": "802400-1235", "org_name": "Kumla ungdomsförening",
        "org_kind": "association", "municipality": "1881",
    })
    assert response.status_code == 422
    doc = page(response)
    assert TOO_COMMON in (error_summary(doc) or "")
    assert doc.one("input", name="email").value == "anna@kumlaungdom.se"
    assert doc.one("input", name="password").value == ""
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_access_log_never_holds_a_reset_link(client, person, caplog) -> None:
    ask_for_link(client, person.email)
    link = link_in(reset_mails()[-1])
    token = link.rsplit("/", 1)[1]

    with caplog.at_level(logging.INFO, logger="grants.requests"):
        assert client.get(link).status_code == 200

    logged = [r for r in caplog.records if r.name == "grants.requests"]
    assert logged and all(token not in r.getMessage() and token not in str(r.__dict__)
                          for r in logged)
    assert any("/aterstall-losenord/<token>" in r.getMessage() for r in logged)
