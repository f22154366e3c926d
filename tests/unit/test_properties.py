"""Property tests: the money parser and formatter, and the organisationsnummer check, for any
input hypothesis can think of."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grants.identifiers import InvalidOrganisationNumber, luhn_ok, normalise_organisation_number
from grants.money import MAX_KRONOR, InvalidAmount, format_kronor, parse_kronor

amounts = st.integers(min_value=0, max_value=MAX_KRONOR)


@given(amounts)
def test_formatting_then_parsing_gives_the_amount_back(amount: int) -> None:
    assert parse_kronor(format_kronor(amount)) == amount


@given(amounts)
def test_plain_digits_parse_to_the_same_amount(amount: int) -> None:
    assert parse_kronor(str(amount)) == amount
    assert parse_kronor(f"{amount} kr") == amount


@given(st.text(max_size=40))
def test_the_parser_either_gives_a_whole_non_negative_amount_or_a_swedish_reason(text: str) -> None:
    try:
        value = parse_kronor(text)
    except InvalidAmount as exc:
        assert str(exc)  # always a message for the person
    else:
        assert isinstance(value, int) and 0 <= value <= MAX_KRONOR


@given(st.integers(min_value=-MAX_KRONOR, max_value=-1))
def test_negative_amounts_are_refused(amount: int) -> None:
    try:
        parse_kronor(str(amount))
    except InvalidAmount as exc:
        assert "negativt" in str(exc)
    else:  # pragma: no cover - the assertion documents the failure
        raise AssertionError(f"{amount} was accepted")


@given(st.integers(min_value=0, max_value=MAX_KRONOR))
def test_formatted_amounts_group_digits_by_three_with_no_break_spaces(amount: int) -> None:
    text = format_kronor(amount)
    assert text.endswith("\u00a0kr")
    groups = text.removesuffix("\u00a0kr").split("\u00a0")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda d: d[2] >= "2")


@given(nine_digits)
def test_exactly_one_check_digit_completes_a_number(prefix: str) -> None:
    valid = [d for d in "0123456789" if luhn_ok(prefix + d)]
    assert len(valid) == 1
    number = prefix + valid[0]
    assert normalise_organisation_number(number) == f"{number[:6]}-{number[6:]}"


@given(st.text(max_size=20))
def test_any_text_is_either_a_normalised_number_or_refused_with_a_reason(text: str) -> None:
    try:
        normalised = normalise_organisation_number(text)
    except InvalidOrganisationNumber as exc:
        assert str(exc)
    else:
        assert len(normalised) == 11 and normalised[6] == "-"
        assert luhn_ok(normalised.replace("-", ""))
