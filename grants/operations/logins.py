"""Login throttling: too many failed attempts for one account, or from one address, within a
window stop further attempts for a while, with the same answer whether the account exists or not
(no user enumeration).

Counts live in the database, so every app process behind a load balancer sees the same numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from grants.db import session, utcnow
from grants.models import LoginAttempt

KEEP = timedelta(days=1)


def keyed_hash(kind: str, value: str) -> str:
    """An HMAC of ``value`` under the secret key: counts the same person without keeping who."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def login_blocked(email: str, address: str) -> bool:
    """True if ``email`` or ``address`` has had too many failures within the window.

    For the account, only failures since its last successful login count.
    """
    since = utcnow() - _window()
    account = keyed_hash("account", email)
    last_success = session.scalar(
        sa.select(sa.func.max(LoginAttempt.created_at)).where(
            LoginAttempt.account_key == account, LoginAttempt.succeeded.is_(True)
        )
    )
    account_since = max(since, last_success) if last_success else since
    failures = sa.select(sa.func.count()).where(LoginAttempt.succeeded.is_(False))
    by_account = session.scalar(
        failures.where(LoginAttempt.account_key == account, LoginAttempt.created_at > account_since)
    )
    by_address = session.scalar(
        failures.where(LoginAttempt.address_key == keyed_hash("address", address),
                       LoginAttempt.created_at > since)
    )
    config = current_app.config
    return bool(
        by_account >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def record_login_attempt(email: str, address: str, *, succeeded: bool) -> None:
    """Store one attempt (and prune attempts too old to matter)."""
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - KEEP))
    session.add(
        LoginAttempt(
            account_key=keyed_hash("account", email),
            address_key=keyed_hash("address", address),
            succeeded=succeeded,
        )
    )
    session.flush()
