from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "E-postadress",
        validators=[DataRequired("Fyll i din e-postadress."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Lösenord",
        validators=[DataRequired("Fyll i ditt lösenord.")],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Logga in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Logga ut")
