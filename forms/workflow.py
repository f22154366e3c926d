from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

REASON_MAX = 5000


class TransitionForm(FlaskForm):
    """One workflow action on a case, with the reason the actor gives for it.

    Whether a reason is required is the workflow table's business (a guard), not the form's, so
    the refusal comes back with the engine's own words.
    """

    reason = TextAreaField(
        "Kommentar",
        validators=[
            Length(max=REASON_MAX, message=f"Texten får vara högst {REASON_MAX} tecken.")
        ],
    )
