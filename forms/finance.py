"""Finance staff's forms: a year's reserved amount, the year-end close and carry-over, and one
pilot's payments, releases and repayments.

The forms check what can be seen next to a field (an amount in whole kronor above 0, a date, a
reason written, a year from the list); the operations in :mod:`grants.operations.finance` hold
the money rules (never below what is committed, never over the grant, advances at most half)
and refuse with the figures.

Every form that books money carries a one-time ``key`` made when the page is shown: the same
form sent twice books one movement.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from forms.fields import (
    ChoiceField,
    KronorField,
    NoPersonalIdentityNumber,
    RadioChoiceField,
    SwedishDateField,
    text_field,
)
from grants.models import PaymentKind
from grants.operations.finance import NOTE_LIMIT

REFERENCE_LIMIT = 200
OLDEST_YEAR = ""
"""The commitment-year choice that lets the operation pick the oldest year with money left."""
_KEY = re.compile(r"[0-9a-f]{32}")
STALE_FORM = ("Formuläret saknade sin engångskod, så ingenting är bokfört. Kontrollera "
              "uppgifterna och skicka formuläret igen.")


def new_key() -> str:
    """A one-time key for a form that books money (kept in the form while it is shown again)."""
    return uuid.uuid4().hex


class _Positive:
    """More than 0 kr; an amount that did not parse already has its own message."""

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError("Beloppet måste vara större än 0 kr.")


def _amount(label: str, **kwargs: Any) -> KronorField:
    return KronorField(label, validators=[InputRequired("Ange beloppet."), _Positive()],
                       **kwargs)


def _reason(label: str, missing: str, **kwargs: Any) -> TextAreaField:
    return TextAreaField(label, validators=[
        DataRequired(missing),
        Length(max=NOTE_LIMIT, message=f"Texten får vara högst {NOTE_LIMIT} tecken."),
        NoPersonalIdentityNumber(),
    ], **kwargs)


class OneTimeKeyForm(FlaskForm):
    key = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not _KEY.fullmatch(self.key.data or ""):
            # A page from before the key existed, or an edited form: nothing is booked, and the
            # form shown again carries a fresh key (the person checks it and sends it once).
            self.form_errors.append(STALE_FORM)
            self.key.data = new_key()
            ok = False
        return ok

    @classmethod
    def blank(cls, **kwargs: Any) -> Any:
        """The form as a page shows it first: empty but for ``data``, with a fresh key."""
        data = {**kwargs.pop("data", {}), "key": new_key()}
        return cls(formdata=None, data=data, **kwargs)


# A budget year ----------------------------------------------------------------------------------


class ReservationChangeForm(OneTimeKeyForm):
    reserved = KronorField(
        "Ny avsättning (kr)",
        description="Hela årets avsatta belopp, inte ändringen. Kan inte bli lägre än det som "
                    "redan är beviljat och inte återfört.",
        validators=[InputRequired("Ange den nya avsättningen.")],
    )
    reason = _reason("Varför ändras avsättningen?", "Skriv varför avsättningen ändras.",
                     description="Sparas i huvudboken med beloppet.")
    submit = SubmitField("Ändra avsättningen")


class YearCloseForm(FlaskForm):
    reason = _reason("Varför stängs året?", "Skriv varför året stängs.",
                     description="Till exempel: bokslut för året. Sparas med stängningen.")
    submit = SubmitField("Stäng budgetåret")


class CarryOverForm(OneTimeKeyForm):
    to_year = ChoiceField("Till budgetår", validators=[InputRequired("Välj budgetåret som "
                                                                     "pengarna förs till.")])
    amount = _amount("Belopp att föra över (kr)")
    reason = _reason("Varför förs pengarna över?", "Skriv varför pengarna förs över.",
                     description="Överföringen bokförs som två ändrade avsättningar med det här "
                                 "skälet.")
    submit = SubmitField("För över pengarna")

    @property
    def target_year(self) -> int:
        return int(self.to_year.data or 0)


# One pilot --------------------------------------------------------------------------------------


PAYMENT_KIND_CHOICES = [(k.value, k.label) for k in PaymentKind]


def commitment_year(value: str | None) -> int | None:
    return int(value) if value else None


class PaymentRecordForm(OneTimeKeyForm):
    amount = _amount("Belopp (kr)")
    payment_date = SwedishDateField(
        "Utbetalningsdag", description="ÅÅÅÅ-MM-DD. Dagen då pengarna lämnade regionen.",
        validators=[InputRequired("Ange utbetalningsdagen.")],
    )
    kind = RadioChoiceField(
        "Slag av utbetalning", choices=PAYMENT_KIND_CHOICES,
        description="Förskott är högst hälften av stödet och aldrig mer än 400 000 kr.",
        validators=[InputRequired("Välj om utbetalningen är ett förskott eller mot redovisade "
                                  "kostnader.")],
    )
    reference = text_field(
        "Underlag (rekvisition, rapport)", REFERENCE_LIMIT, multiline=False,
        description="Numret på rekvisitionen eller rapporten som utbetalningen grundar sig på.",
    )
    year = ChoiceField(
        "Bokförs mot beviljandet för budgetår",
        description="Normalt det äldsta året som har pengar kvar att betala ut.",
    )
    submit = SubmitField("Registrera utbetalningen")

    def validate_reference(self, field: Field) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Ange vilket underlag utbetalningen grundar sig på (till "
                                  "exempel rekvisitionens eller rapportens nummer).")


class MoneyReleaseForm(OneTimeKeyForm):
    year = ChoiceField("Budgetår som pengarna återförs till",
                       validators=[InputRequired("Välj budgetåret.")])
    amount = _amount("Belopp att återföra (kr)")
    reason = _reason("Varför återförs pengarna?", "Skriv varför pengarna återförs.",
                     description="Till exempel: sänkt stöd, avbruten pilot, pengar som inte "
                                 "användes.")
    submit = SubmitField("Återför pengarna")


class RepaymentClaimForm(FlaskForm):
    amount = _amount("Belopp som krävs tillbaka (kr)")
    reason = _reason("Varför krävs stödet tillbaka?", "Skriv varför stödet krävs tillbaka.")
    submit = SubmitField("Registrera återkravet")


class RepaymentRecordForm(OneTimeKeyForm):
    amount = _amount("Återbetalt belopp (kr)")
    payment_date = SwedishDateField(
        "Dag då pengarna kom in", description="ÅÅÅÅ-MM-DD.",
        validators=[InputRequired("Ange dagen då pengarna kom in.")],
    )
    reference = text_field("Underlag (verifikation, inbetalning)", REFERENCE_LIMIT,
                           multiline=False)
    submit = SubmitField("Registrera återbetalningen")
