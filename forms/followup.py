"""The officer's follow-up forms: approving or returning a report, moving report due dates, and
closing a pilot.

The forms check what can be seen next to a field (a date that can be read, a reason written, a
text not too long and without a personnummer); the operations in
:mod:`grants.operations.reports` hold the rules (a report in the right state, a date not before
the project starts, the final report approved before closing) and refuse in their own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from forms.fields import NoPersonalIdentityNumber, SwedishDateField, text_field
from grants.models import ReportDue

TEXT_LIMIT = 6000
"""As :data:`grants.operations.reports.TEXT` (the operation checks it again)."""


def _reason(label: str, missing: str, **kwargs: Any) -> TextAreaField:
    return TextAreaField(label, validators=[
        DataRequired(missing),
        Length(max=TEXT_LIMIT, message=f"Texten får vara högst {TEXT_LIMIT} tecken."),
        NoPersonalIdentityNumber(),
    ], **kwargs)


class ReportApproveForm(FlaskForm):
    note = text_field(
        "Kommentar till piloten (frivillig)", TEXT_LIMIT,
        description="Skickas till piloten med beskedet att rapporten är godkänd och sparas i "
                    "ärendets historik.",
    )
    submit = SubmitField("Godkänn rapporten")


class ReportReturnForm(FlaskForm):
    reason = _reason(
        "Vad behöver kompletteras eller rättas?", "Skriv vad som behöver kompletteras.",
        description="Obligatoriskt. Skickas till piloten, som rättar rapporten och lämnar in "
                    "den igen.",
    )
    submit = SubmitField("Återsänd rapporten för komplettering")


class PilotCloseForm(FlaskForm):
    reason = _reason(
        "Skäl för avslut", "Skriv varför piloten avslutas.",
        description="Obligatoriskt. Till exempel: piloten är genomförd och slutredovisad, men "
                    "förs inte in i ordinarie verksamhet. Sparas i ärendets historik.",
    )
    submit = SubmitField("Avsluta piloten och återför pengarna")


class ReportDatesForm(FlaskForm):
    """One date per report the decision in force asks for (see :func:`report_dates_form`), and
    the reason for moving them."""

    reason: TextAreaField
    submit: SubmitField

    due_names: dict[str, ReportDue]

    def due_fields(self) -> list[tuple[ReportDue, SwedishDateField]]:
        return [(due, self[name]) for name, due in self.due_names.items()]


def due_field_name(due: ReportDue) -> str:
    return f"due_{due.kind}_{due.number}"


def report_dates_form(dues: Iterable[ReportDue], **kwargs: Any) -> ReportDatesForm:
    """The form for moving ``dues``: a date field each (in the given order), then the reason.

    Fields are made here rather than on the class because the decision decides which reports
    there are; made in this order, they are shown and listed in the error summary in it."""
    dues = list(dues)
    fields: dict[str, Any] = {}
    for due in dues:
        fields[due_field_name(due)] = SwedishDateField(
            f"{due.label} ska lämnas senast",
            description=f"ÅÅÅÅ-MM-DD. Gäller nu: {due.due_date.isoformat()}.",
            validators=[InputRequired(f"Ange ett datum för {due.label.lower()}.")],
        )
    fields["reason"] = _reason(
        "Varför flyttas datumet?", "Skriv varför datumet flyttas.",
        description="Obligatoriskt. Sparas i ärendets historik med datumen före och efter. "
                    "Påminnelserna följer det nya datumet.",
    )
    fields["submit"] = SubmitField("Spara de nya datumen")
    form_class = type("BoundReportDatesForm", (ReportDatesForm,), fields)
    form = form_class(**kwargs)
    form.due_names = {due_field_name(due): due for due in dues}
    return form
