from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from forms.fields import EMAIL_PATTERN, ChoiceField
from grants.identifiers import InvalidOrganisationNumber, normalise_organisation_number
from grants.models import OrganisationKind
from grants.operations.users import MIN_PASSWORD_LENGTH
from grants.passwords import HINT as PASSWORD_HINT


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


class RegistrationForm(FlaskForm):
    """A new applicant account and the organisation it applies for."""

    name = StringField(
        "Ditt namn", validators=[DataRequired("Fyll i ditt namn."), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "E-postadress",
        validators=[DataRequired("Fyll i din e-postadress."), Length(max=254),
                    Regexp(EMAIL_PATTERN, message="Ange en giltig e-postadress.")],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Välj lösenord",
        description=PASSWORD_HINT,
        validators=[
            DataRequired("Välj ett lösenord."),
            Length(min=MIN_PASSWORD_LENGTH,
                   message=f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        "Upprepa lösenordet",
        validators=[DataRequired("Skriv lösenordet en gång till."),
                    EqualTo("password", message="Lösenorden är inte lika.")],
        render_kw={"autocomplete": "new-password"},
    )
    org_number = StringField(
        "Organisationsnummer",
        description="Tio siffror, till exempel 212000-1884. Bara organisationer kan söka.",
        validators=[DataRequired("Fyll i organisationsnumret.")],
    )
    org_name = StringField(
        "Organisationens namn",
        description="Behövs bara om organisationen inte redan finns i Pilotfonden.",
        validators=[Length(max=200)],
    )
    org_kind = ChoiceField(
        "Sorts organisation",
        choices=[("", "Välj")] + [(k.value, k.label) for k in OrganisationKind],
    )
    municipality = ChoiceField("Kommun där organisationen finns")
    submit = SubmitField("Skapa konto")

    def validate_org_number(self, field: StringField) -> None:
        if field.data:
            try:
                normalise_organisation_number(field.data)
            except InvalidOrganisationNumber as exc:
                raise ValidationError(str(exc)) from exc

    def require_new_organisation_details(self) -> bool:
        """For an organisation not yet registered, its name and kind are needed too (shown at
        their fields); returns False if something is missing."""
        ok = True
        if not (self.org_name.data or "").strip():
            self.org_name.errors = [*self.org_name.errors, "Ange organisationens namn."]
            ok = False
        if not self.org_kind.data:
            self.org_kind.errors = [*self.org_kind.errors,
                                    "Välj vilken sorts organisation det är."]
            ok = False
        return ok
