"""The password policy: long enough, not too long, not a common password, not the person's own
address or name; and the bundled list ships with the package."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.demo import DEMO_PASSWORD
from grants.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PERSONAL,
    TOO_COMMON,
    TOO_LONG,
    TOO_SHORT,
    check_password,
    common_passwords,
)

PERSON = {"email": "anna.andersson@kumla.se", "name": "Anna Andersson"}
alphanumeric = st.text(alphabet=string.ascii_letters + string.digits + "åäöÅÄÖ")


@given(alphanumeric.filter(lambda p: len(p) >= MIN_LENGTH and len(p) <= MAX_LENGTH)
       .filter(lambda p: p.lower() not in common_passwords()))
def test_any_long_enough_password_not_on_the_list_passes(password: str) -> None:
    assert check_password(password, **PERSON) == []


@given(st.text(max_size=MIN_LENGTH - 1))
def test_anything_shorter_than_twelve_characters_fails(password: str) -> None:
    assert TOO_SHORT in check_password(password, **PERSON)


def test_a_password_longer_than_128_characters_fails() -> None:
    assert check_password("a-long-phrase " * 10, **PERSON) == [TOO_LONG]
    assert check_password("x" * MAX_LENGTH + "y", **PERSON) == [TOO_LONG]
    assert check_password("k" * MAX_LENGTH, **PERSON) == []


@pytest.mark.parametrize("password", [
    "1qaz2wsx3edc", "QwErTy123456", "lösenord123456", "LOSENORD1234", "Sommar2024!",
    "Välkommen2024", "1q2w3e4r5t6y", "regionörebrolän",
])
def test_a_common_password_fails_whatever_its_case(password: str) -> None:
    assert TOO_COMMON in check_password(password, **PERSON)


@pytest.mark.parametrize("password", ["sommar2024", "lösenord", "qwerty123", "password"])
def test_short_common_passwords_fail_on_both_counts(password: str) -> None:
    assert check_password(password, **PERSON) == [TOO_SHORT, TOO_COMMON]


def test_a_decomposed_swedish_letter_is_matched_like_the_composed_one() -> None:
    decomposed = "lo\u0308senord123456"  # "ö" typed as o + combining diaeresis
    assert TOO_COMMON in check_password(decomposed, **PERSON)


@pytest.mark.parametrize("password", [
    "anna.andersson@kumla.se", "ANNA.ANDERSSON@KUMLA.SE", "anna.andersson", "Anna Andersson",
    "annaandersson ",
])
def test_the_persons_own_address_name_or_local_part_fails(password: str) -> None:
    assert PERSONAL in check_password(password, **PERSON)


def test_the_demo_password_and_the_test_suites_passwords_are_accepted() -> None:
    for password in (DEMO_PASSWORD, "ett-langt-testlosenord", "en-fras-av-flera-ord",
                     "ett-tillrackligt-langt-losenord", "ett-langt-losenord-1",
                     "sommarlov-i-kumla-2026"):
        assert check_password(password, email="x@example.se", name="Person") == [], password


def test_the_list_holds_thousands_of_passwords_including_swedish_ones() -> None:
    common = common_passwords()
    assert len(common) > 5000
    assert {"sommar2024", "lösenord", "qwerty123", "123456", "password"} <= common
    assert not any(p.startswith("#") for p in common), "comment lines are not passwords"
