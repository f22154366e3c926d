"""Forms for changing a granted pilot and paying against its reports: the decider's amendment
decision (ändringsbeslut) and cancellation (återkallelse), and finance's handling of a payment
request (rekvisition).

As in :mod:`forms.decisions`, whether reasons are required, a date may lie ahead or a claim is
too large is the operation's business (its refusal comes back in its own words); these forms
check only that what was typed can be read and is not too long. The payment form carries the
one-time key of :mod:`forms.finance`: the same form sent twice pays once.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SubmitField
from wtforms.validators import InputRequired, ValidationError

from forms.fields import KronorField, RadioChoiceField, SwedishDateField, text_field
from forms.finance import OneTimeKeyForm
from grants.operations.payment_requests import NOTE_LIMIT

TEXT_LIMIT = 6000
"""What the operations keep of a decision's reasons (grants.operations.amendments.TEXT)."""

APPROVE, REFUSE = "approve", "refuse"


def _decision_date() -> SwedishDateField:
    return SwedishDateField("Beslutsdatum", description="ÅÅÅÅ-MM-DD.",
                            validators=[InputRequired("Ange beslutsdatum.")])


def _minutes_posted() -> SwedishDateField:
    return SwedishDateField(
        "Dag då justeringen av protokollet anslogs",
        description="ÅÅÅÅ-MM-DD. Tiden för att överklaga (tre veckor) räknas från den dag "
                    "tillkännagivandet anslogs på regionens anslagstavla.",
        validators=[InputRequired("Ange dagen då protokollets justering anslogs.")],
    )


def _jav() -> BooleanField:
    return BooleanField("Jag är inte jävig i ärendet (förvaltningslagen 16 §)")


class ChangeDecisionForm(FlaskForm):
    """The decider's answer to a change request."""

    outcome = RadioChoiceField(
        "Beslut", choices=[(APPROVE, "Bevilja ändringen"), (REFUSE, "Avslå ändringen")],
        validators=[InputRequired("Välj om ändringen beviljas eller avslås.")],
    )
    reasons = text_field(
        "Skäl för beslutet", TEXT_LIMIT,
        description="Obligatoriskt när ändringen avslås. Står i beslutsbrevet.",
    )
    decision_date = _decision_date()
    minutes_posted = _minutes_posted()
    jav_confirmed = _jav()
    submit = SubmitField("Fatta ändringsbeslutet")

    @property
    def approve(self) -> bool:
        return self.outcome.data == APPROVE


class _NotNegative:
    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None and field.data < 0:
            raise ValidationError("Återkravet kan inte vara mindre än 0 kr.")


class CancellationForm(FlaskForm):
    """The decider's cancellation of a grant."""

    reasons = text_field(
        "Skäl för att stödet återkallas", TEXT_LIMIT,
        description="Obligatoriskt. Står i beslutsbrevet.",
    )
    claim_amount = KronorField(
        "Återkrav (kr)", validators=[_NotNegative()],
        description="Det som ska betalas tillbaka, 0 kr om inget krävs tillbaka. Högst det som "
                    "har betalats ut.",
    )
    decision_date = _decision_date()
    minutes_posted = _minutes_posted()
    jav_confirmed = _jav()
    submit = SubmitField("Återkalla stödet")


class _Positive:
    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError("Beloppet måste vara större än 0 kr.")


class PaymentRequestPayForm(OneTimeKeyForm):
    """Finance pays a payment request, the asked amount or less (with a note)."""

    amount = KronorField("Belopp att betala ut (kr)",
                         validators=[InputRequired("Ange beloppet."), _Positive()])
    payment_date = SwedishDateField(
        "Utbetalningsdag", description="ÅÅÅÅ-MM-DD. Dagen då pengarna lämnar regionen.",
        validators=[InputRequired("Ange utbetalningsdagen.")],
    )
    note = text_field("Kommentar", NOTE_LIMIT,
                      description="Obligatoriskt när mindre betalas ut än rekvisitionen begär: "
                                  "skriv varför. Sparas med utbetalningen.")
    submit = SubmitField("Betala ut")


class PaymentRequestRefuseForm(FlaskForm):
    """Finance refuses a payment request with a reason."""

    reason = text_field("Skäl för avslaget", NOTE_LIMIT,
                        description="Obligatoriskt. Sparas med rekvisitionen.")
    submit = SubmitField("Avslå rekvisitionen")
