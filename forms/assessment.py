"""Forms for the officer's work before the decision: the Dnr, the formal check, reviewers, and
the assessment with its proposal.

Each form on the case page has its own prefix (``dnr``, ``screening``, ``assign``,
``remove-<review id>``, ``reopen-<review id>``) so that several can share one page with unique
field ids. The rules the operations enforce (Dnr format, screening before review, ...) are not
repeated here: the operation's own words are shown when it refuses.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from forms.fields import ChoiceField, KronorField, NoPersonalIdentityNumber, RadioChoiceField
from grants.models import Outcome

NOTE_MAX = 5000
ASSESSMENT_NOTE_MAX = 10_000


def _text(label: str, max_length: int, required: str | None = None, **kwargs: Any) -> TextAreaField:
    validators: list[Any] = [DataRequired(required)] if required else []
    validators += [Length(max=max_length, message=f"Texten får vara högst {max_length} tecken."),
                   NoPersonalIdentityNumber()]
    return TextAreaField(label, validators=validators, **kwargs)


class DnrRegisterForm(FlaskForm):
    number = StringField(
        "Diarienummer",
        description="Till exempel 25RS1234. Numret kommer från regionens diarium.",
        validators=[InputRequired("Ange diarienumret."), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ScreeningSaveForm(FlaskForm):
    complete = BooleanField("Ansökan är komplett")
    eligible_applicant = BooleanField("Sökanden får söka (juridisk person av rätt slag)")
    within_aims = BooleanField("Inom fondens syfte och insatsområden")
    state_aid_handled = BooleanField("Frågan om statligt stöd är hanterad")
    note = _text("Anteckning", NOTE_MAX,
                 description="Till exempel vad som saknas, eller hur frågan om statligt stöd "
                             "är kontrollerad.")


class ReviewerAssignForm(FlaskForm):
    reviewer = ChoiceField("Granskare", validators=[InputRequired("Välj en granskare.")])


class ReviewerRemoveForm(FlaskForm):
    reason = _text("Varför tas granskaren bort?", NOTE_MAX,
                   required="Skriv varför granskaren tas bort från ärendet.")


class ReviewReopenForm(FlaskForm):
    reason = _text("Varför öppnas granskningen igen?", NOTE_MAX,
                   required="Skriv varför granskningen öppnas igen.")


PROPOSALS = [(Outcome.GRANT.value, "Bevilja"), (Outcome.REJECT.value, "Avslå")]


class ApplicationAssessForm(FlaskForm):
    """The officer's assessment: the proposal, an amount per requested budget year and the
    föredragande's note. Build it with :func:`assess_form`, which adds the year fields."""

    proposal = RadioChoiceField(
        "Förslag till beslut", choices=PROPOSALS,
        validators=[InputRequired("Välj förslag till beslut: bevilja eller avslå.")],
    )
    years: list[int]

    def amount_field(self, year: int) -> KronorField:
        return self[f"amount_{year}"]

    def proposed_amounts(self) -> dict[int, int]:
        """The amounts typed, per year (blank counts as nothing from that year)."""
        return {year: self.amount_field(year).data or 0 for year in self.years}


def assess_form(years: list[int], **kwargs: Any) -> ApplicationAssessForm:
    """An assessment form with one amount field per budget year the application asks money
    from (``amount_<year>``), then the note."""

    class Form(ApplicationAssessForm):
        pass

    for year in years:
        setattr(Form, f"amount_{year}", KronorField(
            f"Föreslaget belopp {year} (kr)", validators=[Optional()],
            render_kw={"inputmode": "numeric"},
        ))
    Form.note = _text(
        "Föredragandens anteckning och förslag till beslut", ASSESSMENT_NOTE_MAX,
        required="Skriv föredragandens anteckning och förslag till beslut.",
        description="Sammanfatta ärendet och granskningarna och motivera förslaget. "
                    "Beslutsfattaren ser anteckningen.",
    )
    form = Form(**kwargs)
    form.years = list(years)
    return form
