"""Money in whole kronor: one parser and one formatter for the whole app.

Amounts are ``int`` kronor everywhere (``BigInteger`` in the database); never float.
"""

from __future__ import annotations

import re

MAX_KRONOR = 9_999_999_999
"""Ten billion kronor less one: far above any amount the fund handles, far inside BigInteger."""

NBSP = "\u00a0"
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_WHOLE = re.compile(r"^[0-9]{1,3}(?: [0-9]{3})*$|^[0-9]+$")  # ASCII digits only


class InvalidAmount(ValueError):
    """The text is not an amount in whole kronor; the message says why, in Swedish."""


def parse_kronor(text: str) -> int:
    """Parse ``"186 182"``, ``"186 182 kr"``, ``"186182"`` or ``"186 182,00 kr"`` into 186182.

    Raises :class:`InvalidAmount` for empty text, letters, negatives, öre and absurd amounts.
    """
    cleaned = _SPACES.sub(" ", (text or "").strip())
    cleaned = re.sub(r"\s*(?:kr|kronor|sek)\.?$", "", cleaned, flags=re.IGNORECASE).strip()
    cleaned = re.sub(r"(?:,00|:-)$", "", cleaned)
    if not cleaned:
        raise InvalidAmount("Ange ett belopp i hela kronor.")
    if cleaned.startswith(("-", "−")):
        raise InvalidAmount("Beloppet kan inte vara negativt.")
    if re.search(r"[0-9][.,][0-9]", cleaned):
        raise InvalidAmount("Ange beloppet i hela kronor, utan ören (till exempel 25 000).")
    if not _WHOLE.match(cleaned):
        raise InvalidAmount("Beloppet får bara innehålla siffror, till exempel 25 000.")
    value = int(cleaned.replace(" ", ""))
    if value > MAX_KRONOR:
        raise InvalidAmount("Beloppet är orimligt stort. Kontrollera antalet siffror.")
    return value


def share_permille(part: int, whole: int) -> int:
    """``part`` as tenths of a percent of ``whole``, rounded half up in integers (500 = 50,0 %);
    0 when ``whole`` is 0."""
    if whole <= 0:
        return 0
    return (2000 * part + whole) // (2 * whole)


def format_permille(permille: int) -> str:
    """``500`` → ``"50,0 %"`` (decimal comma, no-break space)."""
    whole, tenth = divmod(permille, 10)
    return f"{whole},{tenth}{NBSP}%"


def format_kronor(amount: int) -> str:
    """``186182`` → ``"186 182 kr"`` with no-break spaces, the Swedish way."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amounts are whole kronor as int, not {type(amount).__name__}")
    sign = "−" if amount < 0 else ""
    digits = f"{abs(amount):,}".replace(",", NBSP)
    return f"{sign}{digits}{NBSP}kr"
