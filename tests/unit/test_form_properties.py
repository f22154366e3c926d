"""Property tests for the form fields and validators every form is built from (forms/fields.py):
whatever is typed, a field either gives a value of the right kind or a Swedish message, and it
always shows back exactly what was typed, so a failed submit loses nothing."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import Form

from forms.fields import (
    EMAIL_PATTERN,
    CountField,
    KronorField,
    MultiCheckboxField,
    NoPersonalIdentityNumber,
    SwedishDateField,
    text_field,
)
from grants.identifiers import contains_personal_identity_number, luhn_ok
from grants.money import MAX_KRONOR, format_kronor

# Text as people type it: any characters, including spaces, signs, letters and Unicode digits.
typed = st.text(max_size=30)


class _Fields(Form):
    amount = KronorField("Belopp")
    count = CountField("Antal", maximum=10_000)
    day = SwedishDateField("Datum")
    areas = MultiCheckboxField("Fokusområden", choices=[("a", "A"), ("b", "B")])
    note = text_field("Anteckning", 50)


def _form(**values: str | list[str]) -> _Fields:
    data = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    form = _Fields(formdata=data)
    form.validate()
    return form


def _is_swedish_message(message: str) -> bool:
    return bool(message) and message[0].isupper() and message.rstrip().endswith((".", ")"))


def _value_or_message(field: Any, text: str) -> Any:
    """What every typed field promises for ``text``: shown back exactly as typed; either a value
    (returned, None for blank) or only Swedish messages and no value."""
    assert field._value() == text
    if field.errors:
        assert field.data is None and all(_is_swedish_message(e) for e in field.errors)
        return None
    if not text.strip():
        assert field.data is None
    return field.data


@given(typed)
def test_an_amount_field_gives_whole_kronor_or_a_message_and_keeps_the_text(text: str) -> None:
    value = _value_or_message(_form(amount=text).amount, text)
    assert value is None or (isinstance(value, int) and 0 <= value <= MAX_KRONOR)


@given(st.integers(min_value=0, max_value=MAX_KRONOR))
def test_an_amount_shown_the_swedish_way_is_read_back_as_the_same_amount(amount: int) -> None:
    assert _form(amount=format_kronor(amount)).amount.data == amount
    assert _form(amount=f"{amount:,}".replace(",", " ")).amount.data == amount


@given(typed)
def test_a_count_field_gives_a_count_within_its_maximum_or_a_message(text: str) -> None:
    value = _value_or_message(_form(count=text).count, text)
    assert value is None or (isinstance(value, int) and 0 <= value <= 10_000)


@given(st.integers(min_value=0, max_value=10_000))
def test_every_count_up_to_the_maximum_is_accepted(count: int) -> None:
    assert _form(count=str(count)).count.data == count


@given(st.integers(min_value=10_001, max_value=10**12))
def test_a_count_above_the_maximum_is_refused_saying_so(count: int) -> None:
    field = _form(count=str(count)).count
    assert field.data is None and "orimligt stort" in field.errors[0]


@given(typed)
def test_a_date_field_gives_a_date_in_range_or_a_message(text: str) -> None:
    value = _value_or_message(_form(day=text).day, text)
    assert value is None or (isinstance(value, date) and 2000 <= value.year <= 2100)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_iso_date_in_range_is_read_back(day: date) -> None:
    assert _form(day=day.isoformat()).day.data == day


@given(st.lists(st.text(max_size=5), max_size=4))
def test_a_checkbox_group_accepts_only_its_own_choices(values: list[str]) -> None:
    field = _form(areas=values).areas
    chosen = [v for v in values if v]
    if set(chosen) <= {"a", "b"}:
        assert not field.errors and field.data == chosen
    else:
        assert field.errors == ["Välj ett av alternativen i listan."]


@given(st.text(max_size=80))
def test_free_text_is_refused_only_when_too_long_or_holding_a_personnummer(text: str) -> None:
    field = _form(note=text).note
    problems = []
    if len(text) > 50:
        problems.append("Texten får vara högst 50 tecken.")
    if contains_personal_identity_number(text):
        problems.append(NoPersonalIdentityNumber.message)
    if problems:
        assert field.errors and set(field.errors) <= set(problems)
    else:
        assert field.errors == [] and field.data == text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)),
       st.integers(min_value=0, max_value=999), st.sampled_from(["", "-", "+"]),
       st.booleans())
def test_any_valid_personnummer_in_free_text_is_refused(born: date, serial: int, sep: str,
                                                         century: bool) -> None:
    nine = born.strftime("%y%m%d") + f"{serial:03d}"
    check = next(d for d in "0123456789" if luhn_ok(nine + d))
    number = (born.strftime("%Y")[:2] if century else "") + nine[:6] + sep + nine[6:] + check
    field = _form(note=f"Barnet {number} deltog").note
    assert NoPersonalIdentityNumber.message in field.errors


@given(st.emails())
def test_every_real_looking_email_address_passes_the_forms_pattern(address: str) -> None:
    if "." in address.rsplit("@", 1)[1]:
        assert re.match(EMAIL_PATTERN, address)


@given(st.text(max_size=40).filter(lambda t: "@" not in t))
def test_text_without_an_at_sign_is_never_an_email_address(text: str) -> None:
    assert re.match(EMAIL_PATTERN, text) is None
