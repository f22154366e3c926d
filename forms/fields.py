"""Fields and validators with Swedish messages: money, dates, counts, choices.

Each field keeps what the person typed (``raw``) so that a form shown again with errors shows
their own text, not a blank or a reformatted guess.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from wtforms import (
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from grants.identifiers import contains_personal_identity_number
from grants.money import InvalidAmount, parse_kronor


class _TypedTextField(StringField):
    """Text that parses into a value (``parse`` raises ValueError with the Swedish message).

    Blank is ``None``. What was typed is kept in ``raw`` and shown again as it was.
    """

    raw: str | None = None

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return str(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if str(self.raw).strip():
            self.data = self.parse(str(self.raw))

    def _value(self) -> str:
        if self.raw is not None:
            return str(self.raw)
        return "" if self.data is None else self.show(self.data)


class KronorField(_TypedTextField):
    """An amount in whole kronor: ``25 000``, ``25000 kr``."""

    def parse(self, text: str) -> int:
        try:
            return parse_kronor(text)
        except InvalidAmount as exc:
            raise ValueError(str(exc)) from exc

    def show(self, value: int) -> str:
        return f"{value:,}".replace(",", " ")


class CountField(_TypedTextField):
    """A count of people (whole number, 0 or more)."""

    def __init__(self, *args: Any, maximum: int = 1_000_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.maximum = maximum

    def parse(self, text: str) -> int:
        digits = re.sub(r"\s+", "", text)
        if not digits.isascii() or not digits.isdigit():
            raise ValueError("Ange ett antal i hela tal, till exempel 40.")
        if int(digits) > self.maximum:
            highest = f"{self.maximum:,}".replace(",", " ")
            raise ValueError(f"Antalet är orimligt stort (högst {highest}).")
        return int(digits)


class SwedishDateField(_TypedTextField):
    """A date typed as ``ÅÅÅÅ-MM-DD`` (the browser's date picker sends that too)."""

    def parse(self, text: str) -> date:
        try:
            value = date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-01.") from None
        if not 2000 <= value.year <= 2100:
            raise ValueError("Kontrollera årtalet.")
        return value

    def show(self, value: date) -> str:
        return value.isoformat()


def as_select_choices(items: Any) -> list[SelectChoice] | None:
    """``(value, label)`` pairs as WTForms' SelectChoice objects (tuples are deprecated)."""
    if items is None:
        return None
    return [item if isinstance(item, SelectChoice) else SelectChoice(item[0], item[1])
            for item in items]


class _SwedishChoice:
    """Unanswered is allowed while drafting (completeness is checked on submit); a value that is
    not one of the choices is refused in Swedish. Choices may be given as (value, label) pairs."""

    _choices: list[SelectChoice] | None = None

    def __init__(self, *args: Any, choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, choices=as_select_choices(choices), **kwargs)

    @property
    def choices(self) -> list[SelectChoice] | None:
        return self._choices

    @choices.setter
    def choices(self, items: Any) -> None:
        self._choices = as_select_choices(items)

    def pre_validate(self, form: Any) -> None:
        values = self.data if isinstance(self.data, list) else [self.data]
        allowed = {str(choice.value) for choice in self.choices or []}
        for value in values:
            if value not in (None, "") and str(value) not in allowed:
                raise ValidationError("Välj ett av alternativen i listan.")


class ChoiceField(_SwedishChoice, SelectField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] != "" else None


class RadioChoiceField(_SwedishChoice, RadioField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] != "" else None


class MultiCheckboxField(_SwedishChoice, SelectMultipleField):
    """Several checkboxes under one legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [v for v in valuelist if v]


_NOT_IN_ADDRESS = r"@\s\x00-\x1f\x7f<>()\[\]\\,;:\""
EMAIL_PATTERN = rf"^[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\.[^{_NOT_IN_ADDRESS}]+\Z"
"""An e-mail address as far as a form can tell (the mail itself is the real check): no spaces,
control characters or the characters that make an address a quoted or bracketed one."""


class NoPersonalIdentityNumber:
    """Refuses text holding a personnummer: the fund never needs one, so none is stored."""

    message = (
        "Texten innehåller något som ser ut som ett personnummer. Ta bort det: "
        "Pilotfonden ska inte innehålla personnummer."
    )

    def __call__(self, form: Any, field: Field) -> None:
        if contains_personal_identity_number(str(field.data or "")):
            raise ValidationError(self.message)


def text_field(label: str, max_length: int, *, multiline: bool = True, **kwargs: Any) -> Field:
    """A free-text field with a Swedish length message and the personnummer check."""
    cls = TextAreaField if multiline else StringField
    return cls(
        label,
        validators=[
            Length(max=max_length, message=f"Texten får vara högst {max_length} tecken."),
            NoPersonalIdentityNumber(),
        ],
        render_kw={**({} if multiline else {"maxlength": max_length}),
                   **kwargs.pop("render_kw", {})} or None,
        **kwargs,
    )


__all__ = [
    "EMAIL_PATTERN",
    "ChoiceField",
    "CountField",
    "KronorField",
    "MultiCheckboxField",
    "NoPersonalIdentityNumber",
    "RadioChoiceField",
    "SwedishDateField",
    "text_field",
]
