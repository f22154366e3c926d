from __future__ import annotations

import pytest

from grants.money import (
    MAX_KRONOR,
    InvalidAmount,
    format_kronor,
    format_permille,
    parse_kronor,
    share_permille,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("186 182", 186_182), ("186 182 kr", 186_182), ("186182", 186_182),
        ("186\u00a0182\u00a0kr", 186_182), (" 381 300 kronor ", 381_300), ("0", 0),
        ("233 126,00 kr", 233_126), ("1000:-", 1000), ("50 000 SEK", 50_000),
    ],
)
def test_parse_kronor_accepts_the_ways_swedes_write_amounts(text: str, expected: int) -> None:
    assert parse_kronor(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Ange ett belopp"), ("   ", "Ange ett belopp"),
        ("tio tusen", "bara innehålla siffror"),
        ("12a", "bara innehålla siffror"), ("-500", "negativt"), ("−500", "negativt"),
        ("100,50", "utan ören"), ("100.5", "utan ören"), ("1 00 000", "bara innehålla siffror"),
        ("99999999999", "orimligt stort"), ("1e6", "bara innehålla siffror"),
        ("١٢٣", "bara innehålla siffror"), ("²", "bara innehålla siffror"),
    ],
)
def test_parse_kronor_refuses_bad_input_with_a_swedish_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidAmount, match=message):
        parse_kronor(text)


def test_format_kronor_uses_no_break_spaces_the_swedish_way() -> None:
    assert format_kronor(186_182) == "186\u00a0182\u00a0kr"
    assert format_kronor(800_608).replace("\u00a0", " ") == "800 608 kr"
    assert format_kronor(0) == "0\u00a0kr"
    assert format_kronor(-1500) == "−1\u00a0500\u00a0kr"


@pytest.mark.parametrize("amount", [0, 7, 999, 1000, 186_182, 1_234_567, MAX_KRONOR])
def test_format_and_parse_round_trip(amount: int) -> None:
    assert parse_kronor(format_kronor(amount)) == amount


@pytest.mark.parametrize("amount", [1.5, "100", True, None])
def test_format_kronor_refuses_anything_but_int(amount: object) -> None:
    with pytest.raises(TypeError):
        format_kronor(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize(("part", "whole", "permille", "text"), [
    (100_000, 200_000, 500, "50,0\u00a0%"),
    (1, 3, 333, "33,3\u00a0%"),
    (2, 3, 667, "66,7\u00a0%"),
    (1, 2000, 1, "0,1\u00a0%"),       # 0,05 % rounds half up
    (1, 2001, 0, "0,0\u00a0%"),
    (5, 0, 0, "0,0\u00a0%"),
])
def test_a_share_is_tenths_of_a_percent_rounded_half_up_in_integers(
    part: int, whole: int, permille: int, text: str
) -> None:
    assert share_permille(part, whole) == permille
    assert format_permille(permille) == text
