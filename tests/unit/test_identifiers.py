from __future__ import annotations

import pytest

from grants.identifiers import InvalidOrganisationNumber, luhn_ok, normalise_organisation_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("232100-0164", "232100-0164"),  # Region Örebro län
        ("2321000164", "232100-0164"),
        ("16232100-0164", "232100-0164"),
        (" 556547-5489 ", "556547-5489"),
    ],
)
def test_valid_organisation_numbers_are_normalised(text: str, expected: str) -> None:
    assert normalise_organisation_number(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("232100-0165", "kontrollsiffran stämmer inte"),
        ("556547-5488", "kontrollsiffran stämmer inte"),
        ("12345", "tio siffror"),
        ("abcdef-ghij", "tio siffror"),
        ("", "tio siffror"),
        ("19811218-9876", "tio siffror"),
        ("811218-9876", "personnummer"),
        ("٢٣٢١٠٠-٠١٦٤", "tio siffror"),
    ],
)
def test_invalid_organisation_numbers_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidOrganisationNumber, match=message):
        normalise_organisation_number(text)


def test_luhn_check_digit() -> None:
    assert luhn_ok("2321000164")
    assert not luhn_ok("2321000163")
    # Every single-digit change of a valid number breaks the check.
    for position in range(10):
        for digit in "0123456789":
            changed = "2321000164"[:position] + digit + "2321000164"[position + 1:]
            assert luhn_ok(changed) == (changed == "2321000164")
