"""The decider's pages: the decision on an assessed case, the meeting (letters held for a
meeting released together, and the cases waiting for a decision), corrected decisions, and the
decision letters for case staff.

Letters are served from the bytes stored when they were issued, and only while those bytes
still match the sha256 recorded then.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from forms.decisions import (
    DecisionCorrectionForm,
    DecisionForm,
    LetterReleaseForm,
    decision_form,
)
from grants.auth import require_roles
from grants.completeness import today
from grants.db import session
from grants.letters import swedish_date
from grants.models import (
    Application,
    Decision,
    Letter,
    LetterTextKey,
    Outcome,
    Pot,
)
from grants.money import format_kronor, format_permille, share_permille
from grants.operations.decisions import (
    DecisionTerms,
    PotExhausted,
    correct_decision,
    grant_application,
    held_decisions,
    letter_intact,
    newest_letter_text,
    proposed_terms,
    reject_application,
    release_letters,
)
from grants.operations.errors import InvalidInput, NotPermitted
from grants.summary import assessment_summary
from grants.views.cases import CONCURRENT_CHANGE, deliver_mail, issued_letters
from workflows import State, TransitionRefused, transition_for

bp = Blueprint("decisions", __name__, url_prefix="/beslut")
log = logging.getLogger(__name__)

LETTER_TAMPERED = (
    "Beslutsbrevet har ändrats efter att det utfärdades och kan inte visas. "
    "Kontakta Pilotfonden."
)

# Refusals that concern one field are shown next to it (and linked from the error summary);
# any other reason is shown at the top. The words are the operation's own.
FIELD_FOR_REASON = {
    "Bekräfta att du inte är jävig i ärendet.": "jav_confirmed",
    "Skriv skälen för avslaget.": "reasons",
    "Skriv skälen när stödet blir lägre än det sökta beloppet.": "reasons",
    "Ange projektperioden.": "project_start",
    "Projektperioden måste sluta efter att den börjar.": "project_end",
    "Ange när uppföljningsrapporten ska lämnas.": "follow_up_due",
    "Beslutsdatum kan inte ligga i framtiden.": "decision_date",
    "Protokollet kan inte ha anslagits före beslutsdagen.": "minutes_posted",
    "Skriv vad som rättas och varför.": "note",
}
# "2026: … är mer än det sökta beloppet", "Potten för 2026 räcker inte: …", "Det finns ingen
# pott för 2026." belong to that year's amount.
_AMOUNT_YEAR = re.compile(r"^(?:Potten för |Det finns ingen pott för )?(\d{4})\b")


def _place_reasons(form: Any, reasons: Iterable[str]) -> None:
    """Put each refusal next to its field, or at the top of the form."""
    reasons = list(reasons)
    # A rejection without reasons is refused twice (the workflow's required reason and the
    # operation's check); one message is enough.
    if "Skriv skälen för avslaget." in reasons:
        reasons = [r for r in reasons if r != transition_for("reject").reason_missing]
    for reason in reasons:
        name = FIELD_FOR_REASON.get(reason)
        if isinstance(form, DecisionForm) and form.years:
            if reason.startswith("Ange det belopp som beviljas"):
                name = f"amount_{form.years[0]}"
            elif (match := _AMOUNT_YEAR.match(reason)) and int(match[1]) in form.years:
                name = f"amount_{match[1]}"
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(reason)
        elif reason not in field.errors:
            field.errors = [*field.errors, reason]


def support_share(total: int, costs: int) -> str:
    """The grant as a share of the project's total costs, ``"50,0 %"``, as the decision will
    record it."""
    return format_permille(share_permille(total, costs)) if costs else "–"


def _load_case(application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.state == State.DRAFT:
        abort(404)
    return application


def _unavailable(application: Application, *, title: str, message: str,
                 decision: Decision | None = None) -> Any:
    """A 409 page saying why the decision (or correction) cannot be made now, with the way
    forward."""
    return render_template(
        "decisions/unavailable.html", application=application, title=title, message=message,
        decision=decision or application.current_decision, letters=issued_letters(application),
    ), 409


def _why_not_decidable(application: Application) -> str:
    decision = application.current_decision
    if decision is not None:
        return (f"Ärendet är redan beslutat den {swedish_date(decision.decision_date)}: "
                f"ansökan {decision.outcome_label.lower()}. Ett ärende beslutas bara en gång; "
                "är något fel i beslutet fattar du ett rättat beslut i stället.")
    if application.state in (State.SUBMITTED, State.RETURNED):
        return ("Ärendet är inte bedömt än. Handläggaren behöver bedöma ärendet och lämna "
                "ett förslag till beslut innan du kan besluta.")
    return f"Ärendet har status «{application.state_label}» och kan inte beslutas."


# The decision --------------------------------------------------------------------------------


def _initial_data(application: Application, years: list[int]) -> dict[str, Any]:
    terms = proposed_terms(application)
    assessment = application.assessment
    return {
        "outcome": assessment.proposal if assessment else None,
        "project_start": terms.project_start, "project_end": terms.project_end,
        "reasons": terms.reasons, "decision_date": terms.decision_date,
        "minutes_posted": terms.minutes_posted,
        **DecisionForm.report_data(terms.report_dues),
        **{f"amount_{year}": amount for year, amount in terms.amounts.items() if year in years},
    }


def _terms(form: DecisionForm) -> DecisionTerms:
    return DecisionTerms(
        decision_date=form.decision_date.data, minutes_posted=form.minutes_posted.data,
        reasons=form.reasons.data or "", jav_confirmed=bool(form.jav_confirmed.data),
        amounts=form.amounts(), project_start=form.project_start.data,
        project_end=form.project_end.data, extra_conditions=form.extra_conditions.data or "",
        report_dues=form.report_dues(), hold_letter=bool(form.hold_letter.data),
    )


def _decide_page(application: Application, form: DecisionForm, status: int = 200) -> Any:
    years = list(form.years)
    pots = {p.year: p for p in session.scalars(sa.select(Pot).where(Pot.year.in_(years)))}
    conditions = newest_letter_text(LetterTextKey.CONDITIONS)
    granted = sum(form.amounts().values())
    return render_template(
        "decisions/decide.html", application=application, form=form, years=years,
        requested={r.year: r.amount for r in application.requested_amounts}, pots=pots,
        conditions=conditions.paragraphs if conditions else [],
        assessment=application.assessment, granted_total=granted,
        share=support_share(granted, application.cost_total),
        summary=assessment_summary(application),
    ), status


@bp.route("/arenden/<int:application_id>", methods=["GET", "POST"])
@require_roles("decider")
def decide(application_id: int) -> Any:
    application = _load_case(application_id)
    if application.state != State.ASSESSED:
        return _unavailable(application, title="Ärendet kan inte beslutas",
                            message=_why_not_decidable(application))
    years = sorted(r.year for r in application.requested_amounts)
    posted = request.method == "POST"
    form = decision_form(years, data=None if posted else _initial_data(application, years))
    if not posted:
        return _decide_page(application, form)
    if not form.validate_on_submit():
        return _decide_page(application, form, 422)
    operation = grant_application if form.outcome.data == Outcome.GRANT else reject_application
    try:
        operation(application, actor=current_user, terms=_terms(form))
    except NotPermitted:
        session.rollback()
        abort(403)
    except (TransitionRefused, PotExhausted) as exc:
        # PotExhausted: another grant took the pot's room between the check and the commit.
        session.rollback()
        if application.state != State.ASSESSED:  # decided by someone else meanwhile
            return _unavailable(application, title="Ärendet kan inte beslutas",
                                message=_why_not_decidable(application))
        _place_reasons(form, exc.reasons)
        return _decide_page(application, form, 409)
    except InvalidInput as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        return _decide_page(application, form, 422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _decide_page(application, form, 409)
    session.commit()
    deliver_mail()
    decision = application.current_decision
    assert decision is not None
    flash(_decided_message(decision), "success")
    return redirect(url_for("officer.show", application_id=application.id))


def _decided_message(decision: Decision) -> str:
    what = (f"ansökan beviljas med {format_kronor(decision.total)}"
            if decision.outcome == Outcome.GRANT else "ansökan avslås")
    letter = ("Beslutsbrevet hålls till sammanträdet och skickas därifrån."
              if decision.letter is None else "Beslutsbrevet är skickat till sökanden.")
    return (f"Beslutet är fattat: {what}. Sista dag att överklaga är "
            f"{swedish_date(decision.appeal_deadline)}. {letter}")


# The meeting ---------------------------------------------------------------------------------


def _meeting_page(form: LetterReleaseForm, status: int = 200) -> Any:
    held = held_decisions()
    ids = {d.application_id for d in held}
    # The cases of all held decisions in one query, not one per decision.
    cases = {a.id: a for a in session.scalars(
        sa.select(Application).where(Application.id.in_(ids))
    )} if ids else {}
    waiting = session.scalars(
        sa.select(Application).where(Application.state == State.ASSESSED.value)
        .options(selectinload(Application.requested_amounts),
                 selectinload(Application.assessment))
        .order_by(Application.submitted_at, Application.id)
    ).all()
    selected = set(form.decisions.data or [])
    return render_template("decisions/meeting.html", form=form, held=held, cases=cases,
                           waiting=waiting, selected=selected), status


@bp.route("/sammantrade", methods=["GET", "POST"])
@require_roles("decider")
def meeting() -> Any:
    form = LetterReleaseForm()
    if request.method == "GET":
        return _meeting_page(form)
    if not form.validate_on_submit():
        return _meeting_page(form, 422)
    ids = set(form.decisions.data or [])
    chosen = list(session.scalars(
        sa.select(Decision).where(Decision.id.in_(ids)).order_by(Decision.id)
    )) if ids else []
    if len(chosen) != len(ids):
        form.decisions.errors = ["Ett av de valda besluten finns inte. Ladda om sidan."]
        return _meeting_page(form, 422)
    try:
        letters = release_letters(chosen, actor=current_user)
    except NotPermitted:
        session.rollback()
        abort(403)
    except InvalidInput as exc:
        session.rollback()
        form.form_errors.extend(exc.reasons)
        return _meeting_page(form, 422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _meeting_page(form, 409)
    session.commit()
    deliver_mail()
    count = len(letters)
    flash("Beslutsbrevet är skickat till den sökande." if count == 1
          else f"{count} beslutsbrev är skickade till de sökande.", "success")
    return redirect(url_for("decisions.meeting"))


# Correcting a decision -----------------------------------------------------------------------


def _why_not_correctable(decision: Decision) -> str | None:
    application = decision.application
    current = application.current_decision
    if current is None or current.id != decision.id:
        return ("Beslutet har redan ersatts av ett nyare beslut. Det är det senaste beslutet "
                "som kan rättas.")
    if decision.letter is None:
        return ("Beslutsbrevet är inte skickat än: det hålls till sammanträdet. Skicka det från "
                "sidan Sammanträde innan beslutet kan rättas.")
    return None


def _correction_data(decision: Decision) -> dict[str, Any]:
    on = today()
    return {
        "reasons": decision.reasons, "extra_conditions": decision.extra_conditions,
        "decision_date": on, "minutes_posted": on,
        **DecisionCorrectionForm.report_data([(d.kind, d.due_date) for d in decision.report_dues]),
    }


def _correct_page(decision: Decision, form: DecisionCorrectionForm, status: int = 200) -> Any:
    conditions = newest_letter_text(LetterTextKey.CONDITIONS)
    return render_template(
        "decisions/correct.html", decision=decision, application=decision.application,
        form=form, conditions=conditions.paragraphs if conditions else [],
        letters=issued_letters(decision.application),
    ), status


@bp.route("/<int:decision_id>/rattelse", methods=["GET", "POST"])
@require_roles("decider")
def correct(decision_id: int) -> Any:
    decision = session.get(Decision, decision_id)
    if decision is None:
        abort(404)
    why = _why_not_correctable(decision)
    if why:
        return _unavailable(decision.application, title="Beslutet kan inte rättas",
                            message=why, decision=decision)
    posted = request.method == "POST"
    form = DecisionCorrectionForm(data=None if posted else _correction_data(decision))
    if not posted:
        return _correct_page(decision, form)
    if not form.validate_on_submit():
        return _correct_page(decision, form, 422)
    try:
        corrected = correct_decision(
            decision, actor=current_user, note=form.note.data or "",
            reasons=form.reasons.data or "", extra_conditions=form.extra_conditions.data or "",
            report_dues=form.report_dues(), decision_date=form.decision_date.data,
            minutes_posted=form.minutes_posted.data, jav_confirmed=bool(form.jav_confirmed.data),
        )
    except NotPermitted:
        session.rollback()
        abort(403)
    except InvalidInput as exc:
        session.rollback()
        _place_reasons(form, exc.reasons)
        return _correct_page(decision, form, 422)
    except StaleDataError:
        session.rollback()
        form.form_errors.append(CONCURRENT_CHANGE)
        return _correct_page(decision, form, 409)
    session.commit()
    deliver_mail()
    flash(f"Det rättade beslutet är fattat och det nya beslutsbrevet är skickat; det ersätter "
          f"beslutet den {swedish_date(decision.decision_date)}. Sista dag att överklaga är "
          f"{swedish_date(corrected.appeal_deadline)}.", "success")
    return redirect(url_for("officer.show", application_id=decision.application_id))


# Letters -------------------------------------------------------------------------------------


def _intact_or_refuse(letter: Letter) -> None:
    """A stored letter whose bytes no longer match their sha256 is never served."""
    if not letter_intact(letter):
        log.error("decision letter %s (case %s) does not match its sha256 %s: not served",
                  letter.id, letter.application_id, letter.sha256)
        abort(409, description=LETTER_TAMPERED)


def send_letter_pdf(letter: Letter) -> Response:
    """The issued letter's PDF, exactly as stored, as a download."""
    _intact_or_refuse(letter)
    response = send_file(io.BytesIO(letter.pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=letter.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_letter_html(letter: Letter) -> Response:
    """The accessible HTML version stored with the letter, as it was issued (it has no inline
    style or script, so the app's CSP applies unchanged)."""
    _intact_or_refuse(letter)
    response = Response(letter.html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _letter(letter_id: int) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    return letter


@bp.get("/brev/<int:letter_id>.pdf")
@require_roles("officer", "decider")
def letter_pdf(letter_id: int) -> Any:
    return send_letter_pdf(_letter(letter_id))


@bp.get("/brev/<int:letter_id>")
@require_roles("officer", "decider")
def letter_html(letter_id: int) -> Any:
    return send_letter_html(_letter(letter_id))


__all__ = ["bp", "send_letter_html", "send_letter_pdf", "support_share"]
