"""Login throttling: per account and per address, the same answer for unknown accounts."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from grants.db import session, utcnow
from grants.models import LoginAttempt
from tests.conftest import PASSWORD, csrf_token

BLOCKED = "För många misslyckade inloggningsförsök"


def _attempt(client, email: str, password: str, address: str = "198.51.100.7"):
    token = csrf_token(client, "/logga-in")
    return client.post("/logga-in", data={"csrf_token": token, "email": email,
                                          "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _fail(client, email: str, times: int, address: str = "198.51.100.7") -> None:
    for _ in range(times):
        assert _attempt(client, email, "fel-losenord", address).status_code == 422


def test_five_failures_block_the_account_even_with_the_right_password(client, make_user) -> None:
    user = make_user("officer")
    _fail(client, user.email, 5)

    response = _attempt(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert BLOCKED in response.get_data(as_text=True)
    assert client.get("/handlaggning/").status_code == 302  # still not logged in


def test_four_failures_still_let_the_right_password_in(client, make_user) -> None:
    user = make_user("officer")
    _fail(client, user.email, 4)
    assert _attempt(client, user.email, PASSWORD).status_code == 302


def test_an_unknown_account_gets_the_same_answer_as_a_real_one(client, make_user) -> None:
    real = make_user("officer")
    _fail(client, real.email, 5)
    _fail(client, "finns-inte@example.se", 5)

    answers = [_attempt(client, email, "vad-som-helst") for email in
               (real.email, "finns-inte@example.se")]

    assert [a.status_code for a in answers] == [429, 429]
    assert answers[0].get_data(as_text=True).count(BLOCKED) == 1
    assert answers[1].get_data(as_text=True).count(BLOCKED) == 1


def test_other_accounts_are_not_blocked_by_one_accounts_failures(client, make_user) -> None:
    target, other = make_user("officer"), make_user("officer")
    _fail(client, target.email, 5)
    assert _attempt(client, other.email, PASSWORD).status_code == 302


def test_many_failures_from_one_address_block_that_address_only(client, make_user) -> None:
    user = make_user("officer")
    for n in range(20):  # spread over accounts so no single account is blocked
        _fail(client, f"gissning{n}@example.se", 1, address="203.0.113.9")

    assert _attempt(client, user.email, PASSWORD, address="203.0.113.9").status_code == 429
    assert _attempt(client, user.email, PASSWORD, address="192.0.2.44").status_code == 302


def test_a_successful_login_resets_the_account_count(app, make_user) -> None:
    user = make_user("officer")
    first = app.test_client()
    _fail(first, user.email, 4)
    assert _attempt(first, user.email, PASSWORD).status_code == 302
    second = app.test_client()
    _fail(second, user.email, 4)
    assert _attempt(second, user.email, PASSWORD).status_code == 302


def test_the_block_ends_when_the_window_has_passed(client, make_user) -> None:
    user = make_user("officer")
    _fail(client, user.email, 5)
    assert _attempt(client, user.email, PASSWORD).status_code == 429
    session.execute(sa.update(LoginAttempt).values(created_at=utcnow() - timedelta(minutes=16)))
    session.commit()
    assert _attempt(client, user.email, PASSWORD).status_code == 302


def test_attempts_keep_no_e_mail_or_address_in_clear(client, make_user) -> None:
    user = make_user("officer")
    _fail(client, user.email, 1, address="198.51.100.77")
    [row] = session.scalars(sa.select(LoginAttempt)).all()
    stored = f"{row.account_key} {row.address_key}"
    assert user.email not in stored and "198.51.100.77" not in stored
    assert len(row.account_key) == len(row.address_key) == 64


def test_attempts_older_than_a_day_are_pruned(client, make_user) -> None:
    user = make_user("officer")
    _fail(client, user.email, 2)
    session.execute(sa.update(LoginAttempt).values(created_at=utcnow() - timedelta(days=2)))
    session.commit()
    _fail(client, user.email, 1)
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1
