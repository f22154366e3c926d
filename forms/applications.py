from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from grants.operations.applications import SUMMARY_MAX, TITLE_MAX


class ApplicationDraftForm(FlaskForm):
    """Title and summary of a draft. Empty fields are allowed while drafting; submitting checks
    completeness (the workflow guard), so nothing typed is refused just for being unfinished."""

    title = StringField(
        "Projektets titel",
        validators=[Length(max=TITLE_MAX, message=f"Titeln får vara högst {TITLE_MAX} tecken.")],
    )
    summary = TextAreaField(
        "Sammanfattning",
        description="Beskriv kort och på enkel svenska vad piloten ska göra och för vilka.",
        validators=[
            Length(
                max=SUMMARY_MAX,
                message=f"Sammanfattningen får vara högst {SUMMARY_MAX} tecken.",
            )
        ],
    )
    submit = SubmitField("Spara utkast")
