"""The password policy, and the signed tokens in password-reset links.

The policy follows NIST SP 800-63B rather than composition rules: long enough (12), not absurdly
long (128: hashing a megabyte is a cheap denial of service), not one of the passwords attackers
try first (a bundled list, ``grants/data/common_passwords.txt``), and not the person's own e-mail
address or name. Checks are case-insensitive and on NFC-normalised text, so "Sommar2024!" and a
"lösenord" typed with a combining ring are caught like their plain forms.

A reset token is signed with the app's secret key and carries the user id and a fingerprint of the
current password hash: once the password changes the fingerprint no longer matches, so a token
works once, and every older token dies with it. No table is needed.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from importlib.resources import files

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

MIN_LENGTH = 12
MAX_LENGTH = 128
RESET_SALT = "pilotfonden.password-reset"

TOO_SHORT = f"Lösenordet måste ha minst {MIN_LENGTH} tecken."
TOO_LONG = f"Lösenordet får ha högst {MAX_LENGTH} tecken."
TOO_COMMON = ("Lösenordet är för vanligt: det finns på listor över lösenord som angripare "
              "provar först. Välj ett annat, gärna en fras av flera ord.")
PERSONAL = "Lösenordet får inte vara din e-postadress eller ditt namn."
HINT = (f"Minst {MIN_LENGTH} tecken och inte ett vanligt lösenord. "
        "En fras av flera ord är lätt att minnas.")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, normalised (read once per process)."""
    text = files("grants").joinpath("data", "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        _normal(line) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password(password: str, *, email: str, name: str) -> list[str]:
    """Why ``password`` may not be used by the person with ``email`` and ``name`` (Swedish
    reasons; empty if it may)."""
    reasons = []
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        reasons.append(TOO_SHORT)
    if length > MAX_LENGTH:
        reasons.append(TOO_LONG)
    candidate = _normal(password)
    if candidate in common_passwords():
        reasons.append(TOO_COMMON)
    email = _normal(email)
    personal = {email, email.partition("@")[0], _normal(name), "".join(_normal(name).split())}
    if candidate in personal - {""}:
        reasons.append(PERSONAL)
    return reasons


# Reset tokens ----------------------------------------------------------------------------------


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def make_reset_token(user_id: int, password_hash: str) -> str:
    """A URL-safe token for the reset link of the user with ``user_id``."""
    return _serializer().dumps([user_id, password_fingerprint(password_hash)])


def read_reset_token(token: str) -> tuple[int, str]:
    """The (user id, password fingerprint) in ``token``; raises itsdangerous.BadData if it is
    tampered with, malformed or older than ``PASSWORD_RESET_MINUTES``."""
    max_age = int(current_app.config["PASSWORD_RESET_MINUTES"]) * 60
    payload = _serializer().loads(token, max_age=max_age)
    if (not isinstance(payload, list) or len(payload) != 2 or type(payload[0]) is not int
            or not isinstance(payload[1], str)):
        raise BadData("unexpected payload")
    return payload[0], payload[1]
