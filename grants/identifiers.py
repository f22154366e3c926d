"""Swedish identifiers: organisationsnummer with its Luhn check digit.

Pure functions, used by the models, the forms and the CLI alike.
"""

from __future__ import annotations

import re


class InvalidOrganisationNumber(ValueError):
    """The text is not a valid organisationsnummer; the message says why, in Swedish."""


_SHAPE = re.compile(r"^(?:16)?([0-9]{6})-?([0-9]{4})$")


def luhn_ok(digits: str) -> bool:
    """True if the last digit of ``digits`` is the Luhn check digit of the others."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalise_organisation_number(text: str) -> str:
    """Return ``text`` as ``NNNNNN-NNNN`` or raise :class:`InvalidOrganisationNumber`.

    Accepts ``5565475489``, ``556547-5489`` and the 12-digit form ``16556547-5489``. Refuses
    personal identity numbers: only legal persons apply to the fund, and their numbers have a
    third digit of 2 or more (a personnummer has a month there).
    """
    compact = re.sub(r"\s+", "", text or "")
    match = _SHAPE.match(compact)
    if not match:
        raise InvalidOrganisationNumber(
            "Ange organisationsnumret med tio siffror, till exempel 556547-5489."
        )
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2:
        raise InvalidOrganisationNumber(
            "Numret ser ut som ett personnummer. Bara juridiska personer kan söka, "
            "ange organisationens organisationsnummer."
        )
    if not luhn_ok(digits):
        raise InvalidOrganisationNumber(
            "Organisationsnumret är inte giltigt: kontrollsiffran stämmer inte. "
            "Kontrollera att du har skrivit rätt."
        )
    return f"{digits[:6]}-{digits[6:]}"


_PERSONAL_NUMBER = re.compile(
    r"(?<![0-9])(?:19|20)?([0-9]{2})([0-9]{2})([0-9]{2})[-+ ]?([0-9]{4})(?![0-9])"
)


def contains_personal_identity_number(text: str) -> bool:
    """True if ``text`` holds something that is a valid personnummer or samordningsnummer.

    Used to keep them out of free text: the fund never needs one (DOMAIN.md §8). A number with a
    valid date and check digit counts; organisation numbers (month 20 or more) do not.
    """
    for match in _PERSONAL_NUMBER.finditer(text or ""):
        year, month, day, rest = match.groups()
        day_number = int(day) - 60 if int(day) > 60 else int(day)  # samordningsnummer: day + 60
        if 1 <= int(month) <= 12 and 1 <= day_number <= 31 and luhn_ok(year + month + day + rest):
            return True
    return False
