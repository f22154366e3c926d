"""Forms for administrators."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from forms.fields import CountField, KronorField, SwedishDateField


class FundSettingsForm(FlaskForm):
    max_support_share_percent = CountField(
        "Högsta stödandel (procent av projektets totala kostnader)", maximum=100,
        validators=[InputRequired("Ange stödandelen."), Optional(),
                    NumberRange(min=1, max=100, message="Ange en procentsats mellan 1 och 100.")],
    )
    max_grant_per_pilot = KronorField(
        "Högsta stöd per pilot (kr)", validators=[InputRequired("Ange högsta stöd per pilot.")],
    )
    last_project_date = SwedishDateField(
        "Sista dag en pilot får pågå", description="ÅÅÅÅ-MM-DD.",
        validators=[InputRequired("Ange sista dagen.")],
    )
    reason = TextAreaField(
        "Varför ändras reglerna?",
        validators=[InputRequired("Skriv varför reglerna ändras."), Length(max=2000)],
    )
    submit = SubmitField("Spara reglerna")

    def validate_max_grant_per_pilot(self, field: KronorField) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError("Högsta stöd per pilot måste vara större än 0 kr.")
