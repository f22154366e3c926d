"""Configuration from the environment: every setting is ``PILOTFONDEN_<NAME>``.

Defaults suit a developer's machine: an SQLite file and mail written to files under ``instance/``.
Outside debug and testing the app refuses to start with a missing or default secret key.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

DEFAULT_SECRET_KEY = "dev-only-insecure-key"


class InsecureConfiguration(RuntimeError):
    """The app would run in production with settings that are not safe."""


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY=DEFAULT_SECRET_KEY,
        DATABASE_URL="sqlite:///" + os.path.join(app.instance_path, "pilotfonden.sqlite3"),
        MAIL_FROM="Pilotfonden <pilotfonden@regionorebrolan.se>",
        CONTACT_EMAIL="pilotfonden@regionorebrolan.se",  # shown to the public (/tillganglighet)
        MAIL_SERVER="",
        MAIL_PORT=25,
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
        MAIL_USE_TLS=False,
        MAIL_OUTBOX_DIR=os.path.join(app.instance_path, "outbox"),
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=None,  # None: Secure in production (HTTPS), not in debug/testing
        WTF_CSRF_TIME_LIMIT=None,
        PASSWORD_HASH_METHOD="scrypt",
        LOGIN_WINDOW_MINUTES=15,
        LOGIN_MAX_FAILURES_PER_ACCOUNT=5,
        LOGIN_MAX_FAILURES_PER_ADDRESS=20,
        PASSWORD_RESET_MINUTES=60,  # how long a reset link works
        TRUSTED_PROXIES=0,  # how many proxies in front set X-Forwarded-For/-Proto
    )
    # PILOTFONDEN_SECRET_KEY → SECRET_KEY; values that parse as JSON (numbers, true) are typed.
    app.config.from_prefixed_env("PILOTFONDEN")
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    _refuse_insecure(app)


def _refuse_insecure(app: Flask) -> None:
    if app.debug or app.testing:
        return
    key = app.config.get("SECRET_KEY")
    if not key or key == DEFAULT_SECRET_KEY:
        raise InsecureConfiguration(
            "Pilotfonden startar inte i produktion utan en egen hemlig nyckel. "
            "Sätt miljövariabeln PILOTFONDEN_SECRET_KEY till en lång slumpmässig sträng, "
            "till exempel: python -c 'import secrets; print(secrets.token_hex(32))'. "
            "(Refusing to start in production with a missing or default secret key.)"
        )
    if len(str(key)) < 32:
        raise InsecureConfiguration(
            "PILOTFONDEN_SECRET_KEY är för kort: använd minst 32 slumpmässiga tecken."
        )
