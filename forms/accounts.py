"""Forms for accounts: the administrator's changes to a person's roles and status, and logging
out of every browser."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length

from forms.fields import MultiCheckboxField
from workflows import Role

REASON_LIMIT = 1000


class AccountForm(FlaskForm):
    roles = MultiCheckboxField(
        "Roller", choices=[(r.value, r.label.capitalize()) for r in Role],
        description="Den som har flera roller ser allt som varje roll får se.",
    )
    active = BooleanField(
        "Kontot är aktivt",
        description="Ett avstängt konto kan inte logga in, och personen loggas ut direkt.",
    )
    reason = TextAreaField(
        "Varför ändras kontot?",
        validators=[Length(max=REASON_LIMIT,
                           message=f"Texten får vara högst {REASON_LIMIT} tecken.")],
        description="Sparas i kontots historik tillsammans med vem som ändrade och när. "
                    "Personen ser historiken på sin sida Mitt konto.",
    )
    submit = SubmitField("Spara ändringarna")


class EndSessionsForm(FlaskForm):
    reason = TextAreaField(
        "Varför loggas personen ut överallt?",
        validators=[Length(max=REASON_LIMIT,
                           message=f"Texten får vara högst {REASON_LIMIT} tecken.")],
    )
    submit = SubmitField("Logga ut på alla enheter")
