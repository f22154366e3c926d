"""Asking for a password-reset link, and choosing the new password."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from grants.passwords import HINT


class PasswordResetRequestForm(FlaskForm):
    email = EmailField(
        "E-postadress",
        description="Adressen du loggar in med.",
        validators=[DataRequired("Fyll i din e-postadress."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    submit = SubmitField("Skicka länk")


class PasswordResetForm(FlaskForm):
    """The new password twice; the policy itself is checked by the operation."""

    password = PasswordField(
        "Nytt lösenord",
        description=HINT,
        validators=[DataRequired("Välj ett lösenord.")],
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        "Upprepa det nya lösenordet",
        validators=[DataRequired("Skriv lösenordet en gång till."),
                    EqualTo("password", message="Lösenorden är inte lika.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Byt lösenord")
