"""The feedback form of the accessibility statement, and the officer's answer to it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from forms.fields import EMAIL_PATTERN, NoPersonalIdentityNumber

DESCRIPTION_LIMIT = 5000


class FeedbackForm(FlaskForm):
    page = StringField(
        "Var på webbplatsen finns problemet?",
        validators=[Length(max=500, message="Texten får vara högst 500 tecken.")],
        description="Sidans adress eller namn, till exempel «ansökningsformuläret, budgeten».",
        render_kw={"maxlength": 500},
    )
    description = TextAreaField(
        "Beskriv problemet",
        validators=[
            DataRequired("Beskriv vad som inte fungerar, så att vi kan rätta det."),
            Length(max=DESCRIPTION_LIMIT,
                   message=f"Texten får vara högst {DESCRIPTION_LIMIT} tecken."),
            NoPersonalIdentityNumber(),
        ],
        description="Vad försökte du göra, vad hände, och vilket hjälpmedel använde du "
                    "(till exempel skärmläsare, förstoring eller bara tangentbord)?",
    )
    name = StringField(
        "Ditt namn (frivilligt)",
        validators=[Length(max=200, message="Namnet får vara högst 200 tecken.")],
        render_kw={"autocomplete": "name", "maxlength": 200},
    )
    email = EmailField(
        "Din e-postadress (frivilligt)",
        validators=[
            Optional(),
            Length(max=254, message="E-postadressen får vara högst 254 tecken."),
            Regexp(EMAIL_PATTERN,
                   message="Ange en giltig e-postadress, till exempel namn@exempel.se."),
        ],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    wants_reply = BooleanField("Jag vill ha svar")
    submit = SubmitField("Skicka synpunkten")

    def validate_wants_reply(self, field: BooleanField) -> None:
        if field.data and not (self.email.data or "").strip():
            raise ValidationError("Skriv din e-postadress om du vill ha svar.")


class FeedbackActionForm(FlaskForm):
    reason = TextAreaField(
        "Vad gjordes eller svarades?",
        validators=[Length(max=DESCRIPTION_LIMIT,
                           message=f"Texten får vara högst {DESCRIPTION_LIMIT} tecken.")],
    )
    submit = SubmitField("Spara")
