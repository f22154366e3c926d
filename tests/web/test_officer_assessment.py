"""The officer's work before the decision, through HTTP: the region's Dnr, the formal check,
reviewers (assign, remove, reopen), the assessment summary and the assessment with a proposal.

Each form on the case page posts to its own address; a refusal answers with the case page, the
message at the field (or at the top of the form), every typed value kept, and nothing written.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import session
from grants.demo import review_case
from grants.models import (
    Application,
    Assessment,
    AuditEvent,
    CriterionKind,
    Review,
    Screening,
    User,
)
from grants.operations import assessment as assessment_ops
from grants.operations import decisions as decision_ops
from grants.summary import assessment_summary, one_decimal
from tests.conftest import csrf_token
from tests.web.conftest import (
    audit_event_count,
    error_summary,
    field_error,
    history,
    page,
)
from tests.web.test_query_counts import queries_for, same_count_message
from workflows import State


def case_url(application: Application) -> str:
    return f"/handlaggning/arenden/{application.id}"


def post_form(client: Any, url: str, prefix: str, **fields: Any) -> Any:
    """Post one of the case page's forms: its prefixed fields and CSRF token."""
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    data[f"{prefix}-csrf_token"] = csrf_token(client, "/")
    return client.post(url, data=data)


def post_assess(client: Any, application: Application, **fields: Any) -> Any:
    return client.post(f"{case_url(application)}/bedomning",
                       data={"csrf_token": csrf_token(client, "/"), **fields})


def events(application: Application, trigger: str) -> list[AuditEvent]:
    return list(session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == application.id,
                                    AuditEvent.trigger == trigger).order_by(AuditEvent.id)
    ))


def review_count(application: Application) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Review)
                          .where(Review.application_id == application.id)) or 0


def screen(application: Application, officer: User) -> None:
    assessment_ops.save_screening(application, actor=officer, complete=True,
                                  eligible_applicant=True, within_aims=True,
                                  state_aid_handled=True, note="")
    session.commit()


def submit_review(review: Review, reviewer: User, scores: list[int], *,
                  recommendation: str = "grant_full", amount: int | None = None,
                  comment: str = "") -> None:
    """``reviewer`` declares no jäv and hands in ``scores`` (in the rubric's order)."""
    assessment_ops.declare_jav(review, actor=reviewer, disqualified=False)
    scored = [c for c in review.rubric.criteria if c.kind == CriterionKind.SCORED]
    assessment_ops.save_review(
        review, actor=reviewer, submit=True, comment=comment,
        scores={c.id: (score, f"Motivering {c.position}.") for c, score in zip(scored, scores,
                                                                              strict=True)},
        ratings={c.id: ("active", "Syns i budgeten.") for c in review.rubric.criteria
                 if c.kind == CriterionKind.HORIZONTAL},
        recommendation=recommendation, recommended_amount=amount,
    )
    session.commit()


def reviewed(application: Application, staff: dict[str, User]) -> None:
    """Screened, with the two required reviews handed in (and a Dnr)."""
    review_case(application, officer=staff["officer"],
                reviewers=[staff["reviewer"], staff["reviewer2"]])
    session.commit()


# The Dnr -----------------------------------------------------------------------------------------


def test_the_officer_registers_the_dnr_and_it_is_shown_and_logged(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(staff["officer"])

    response = post_form(client, f"{case_url(application)}/diarienummer", "dnr",
                         number=" 25rs1234 ")

    assert response.status_code == 302
    assert response.headers["Location"] == f"{case_url(application)}#diarienummer"
    session.refresh(application)
    assert application.dnr == "25RS1234"
    [event] = events(application, "register_dnr")
    assert (event.actor_id, event.data["dnr"]) == (staff["officer"].id, "25RS1234")
    doc = page(client.get(case_url(application)))
    assert "Diarienumret 25RS1234 är registrerat." in doc.text
    assert "Ärendet är diariefört som 25RS1234." in doc.text
    assert "Diarienumret 25RS1234 registrerades" in history(doc)[-1]


@pytest.mark.parametrize("typed", ["2025-12", "25XX12"])
def test_a_malformed_dnr_is_refused_at_the_field_and_the_typed_value_is_kept(
    make_application, signed_in, staff, typed: str
) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(staff["officer"])
    events_before = audit_event_count()

    response = post_form(client, f"{case_url(application)}/diarienummer", "dnr", number=typed)

    assert response.status_code == 422
    doc = page(response)
    message = "Diarienumret ska ha formen två siffror för året, RS och löpnumret"
    assert message in (field_error(doc, "dnr-number") or "")
    assert "Diarienumret kunde inte registreras" in (error_summary(doc) or "")
    assert doc.one("a", href="#dnr-number")
    assert doc.one("input", name="dnr-number").value == typed
    assert doc.one("input", name="dnr-number").attrs.get("aria-invalid") == "true"
    session.refresh(application)
    assert application.dnr is None
    assert audit_event_count() == events_before


def test_a_dnr_already_used_by_another_case_is_refused_with_that_case_named(
    make_application, signed_in, staff
) -> None:
    first = make_application(State.SUBMITTED)
    second = make_application(State.SUBMITTED)
    assessment_ops.register_dnr(first, actor=staff["officer"], dnr="25RS77")
    session.commit()
    client = signed_in(staff["officer"])

    response = post_form(client, f"{case_url(second)}/diarienummer", "dnr", number="25RS77")

    assert response.status_code == 422
    doc = page(response)
    assert (f"Diarienumret 25RS77 används redan för ärende {first.reference}."
            in (field_error(doc, "dnr-number") or ""))
    assert doc.one("input", name="dnr-number").value == "25RS77"
    session.refresh(second)
    assert second.dnr is None


# The formal check ---------------------------------------------------------------------------------


def test_the_screening_is_stored_with_who_and_when_and_logged(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(staff["officer"])
    url = f"{case_url(application)}/kontroll"

    partial = post_form(client, url, "screening", complete="y", eligible_applicant="y",
                        within_aims="y", note="De minimis behöver inte prövas.")
    assert partial.status_code == 302
    screening = session.get(Screening, application.id)
    assert (screening.complete, screening.state_aid_handled, screening.passed) == (
        True, False, False)
    assert "inte godkänd" in page(client.get(case_url(application))).text

    response = post_form(client, url, "screening", complete="y", eligible_applicant="y",
                         within_aims="y", state_aid_handled="y", note="Allt är kontrollerat.")

    assert response.status_code == 302
    assert response.headers["Location"] == f"{case_url(application)}#formell-kontroll"
    session.refresh(screening)
    assert screening.passed and screening.note == "Allt är kontrollerat."
    assert screening.screened_by_id == staff["officer"].id
    logged = events(application, "screen")
    assert [e.data["passed"] for e in logged] == [False, True]
    assert logged[-1].reason == "Allt är kontrollerat."
    doc = page(client.get(case_url(application)))
    assert f"av {staff['officer'].name}: godkänd" in doc.text
    # The form shows what is stored.
    for name in ("complete", "eligible_applicant", "within_aims", "state_aid_handled"):
        assert "checked" in doc.one("input", name=f"screening-{name}").attrs
    assert doc.one("textarea", name="screening-note").value == "Allt är kontrollerat."
    # Returning for completion stays available beside it.
    assert doc.find("button", name="trigger", value="return_for_completion")


def test_a_state_aid_case_marked_handled_without_a_note_is_refused_at_the_note(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    application.state_aid_market = True
    session.commit()
    client = signed_in(staff["officer"])
    assert "Statligt stöd ska kontrolleras" in page(client.get(case_url(application))).text

    response = post_form(client, f"{case_url(application)}/kontroll", "screening",
                         complete="y", eligible_applicant="y", within_aims="y",
                         state_aid_handled="y", note="")

    assert response.status_code == 422
    doc = page(response)
    assert "skriv i anteckningen hur frågan om statligt stöd" in (
        field_error(doc, "screening-note") or "")
    assert "checked" in doc.one("input", name="screening-complete").attrs
    assert session.get(Screening, application.id) is None


# Reviewers ---------------------------------------------------------------------------------------


def test_assigning_a_reviewer_before_a_passed_screening_is_refused(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    client = signed_in(staff["officer"])

    response = post_form(client, f"{case_url(application)}/granskare", "assign",
                         reviewer=str(staff["reviewer"].id))

    assert response.status_code == 422
    doc = page(response)
    assert "Gör den formella kontrollen och godkänn alla punkter" in (
        field_error(doc, "assign-reviewer") or "")
    assert "Granskaren kunde inte tilldelas" in (error_summary(doc) or "")
    selected = [o for o in doc.one("select", name="assign-reviewer").find_all("option")
                if "selected" in o.attrs]
    assert [o.attrs["value"] for o in selected] == [str(staff["reviewer"].id)]
    assert review_count(application) == 0


def test_the_officer_assigns_a_reviewer_who_is_then_listed_and_no_longer_offered(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    client = signed_in(staff["officer"])
    reviewer = staff["reviewer"]
    options = page(client.get(case_url(application))).one("select", name="assign-reviewer")
    assert reviewer.name in [o.text for o in options.find_all("option")]

    response = post_form(client, f"{case_url(application)}/granskare", "assign",
                         reviewer=str(reviewer.id))

    assert response.status_code == 302
    review = session.scalars(sa.select(Review).where(Review.application_id == application.id)).one()
    assert (review.reviewer_id, review.assigned_by_id) == (reviewer.id, staff["officer"].id)
    assert len(events(application, "assign_reviewer")) == 1
    doc = page(client.get(case_url(application)))
    row = doc.one("table", id="case-reviewers").one("tbody").one("tr")
    assert row.one("th").text == reviewer.name
    assert "Inte deklarerat" in row.text and "Väntar på jävsdeklarationen" in row.text
    offered = {o.attrs["value"] for o in doc.one("select", name="assign-reviewer")
               .find_all("option")}
    assert str(reviewer.id) not in offered and str(staff["reviewer2"].id) in offered
    assert "Ärendet behöver 2 inlämnade granskningar" in doc.text


def test_a_reviewer_from_the_applicants_organisation_is_flagged_and_refused(
    make_application, make_user, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    insider = make_user("reviewer", organisation=application.organisation)
    client = signed_in(staff["officer"])
    option = page(client.get(case_url(application))).one("option", value=str(insider.id))
    assert "möjlig jävssituation: Granskaren tillhör den sökande organisationen" in option.text

    response = post_form(client, f"{case_url(application)}/granskare", "assign",
                         reviewer=str(insider.id))

    assert response.status_code == 422
    assert "tillhör den sökande organisationen och kan inte granska ansökan" in (
        field_error(page(response), "assign-reviewer") or "")
    assert review_count(application) == 0
    assert events(application, "assign_reviewer") == []


def test_a_municipality_conflict_is_flagged_in_the_choice_and_on_the_assigned_reviewer(
    make_application, make_user, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    neighbour = make_user("reviewer")
    neighbour.municipality_code = application.organisation.municipality_code
    session.commit()
    municipality = application.organisation.municipality.name
    client = signed_in(staff["officer"])

    option = page(client.get(case_url(application))).one("option", value=str(neighbour.id))
    assert f"{neighbour.name} – möjlig jävssituation: Granskaren har anknytning till " \
           f"{municipality}" in option.text
    clean = page(client.get(case_url(application))).one("option", value=str(staff["reviewer"].id))
    assert clean.text == staff["reviewer"].name

    response = post_form(client, f"{case_url(application)}/granskare", "assign",
                         reviewer=str(neighbour.id))

    assert response.status_code == 302
    review = session.scalars(sa.select(Review).where(Review.application_id == application.id)).one()
    assert any(municipality in flag for flag in review.conflict_flags)
    row = page(client.get(case_url(application))).one("table", id="case-reviewers").one("tbody")
    assert f"Granskaren har anknytning till {municipality}" in row.one("p", class_="flag").text


def test_a_declared_jav_is_shown_with_its_ground_and_asks_the_officer_to_reassign(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    review = assessment_ops.assign_reviewer(application, actor=staff["officer"],
                                            reviewer=staff["reviewer"])
    assessment_ops.declare_jav(review, actor=staff["reviewer"], disqualified=True, ground=2,
                               note="Jag sitter i föreningens styrelse.")
    session.commit()

    doc = page(signed_in(staff["officer"]).get(case_url(application)))

    row = doc.one("table", id="case-reviewers").one("tbody").one("tr")
    assert "Jävig" in row.text
    assert "Granskaren är jävig. Tilldela en annan granskare." in row.text
    assert "ställföreträdare för den sökande" in row.text
    assert "Jag sitter i föreningens styrelse." in row.text
    assert not row.find("form"), "nothing to remove or reopen"


def test_removing_a_reviewer_needs_a_reason_and_is_logged_with_it(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    review = assessment_ops.assign_reviewer(application, actor=staff["officer"],
                                            reviewer=staff["reviewer"])
    session.commit()
    client = signed_in(staff["officer"])
    url = f"/handlaggning/granskningar/{review.id}/ta-bort"
    prefix = f"remove-{review.id}"

    refused = post_form(client, url, prefix, reason="   ")

    assert refused.status_code == 422
    doc = page(refused)
    assert "Skriv varför granskaren tas bort från ärendet." in (
        field_error(doc, f"{prefix}-reason") or "")
    assert "Granskaren kunde inte tas bort" in (error_summary(doc) or "")
    session.refresh(review)
    assert review.removed_at is None

    response = post_form(client, url, prefix, reason="Granskaren är sjukskriven.")

    assert response.status_code == 302
    assert response.headers["Location"] == f"{case_url(application)}#granskare"
    session.refresh(review)
    assert review.removed_at is not None
    [event] = events(application, "remove_reviewer")
    assert (event.actor_id, event.reason) == (staff["officer"].id, "Granskaren är sjukskriven.")
    doc = page(client.get(case_url(application)))
    assert "Borttagen" in doc.one("table", id="case-reviewers").text


def test_reopening_a_submitted_review_needs_a_reason_and_is_logged_as_reopen_review(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)
    review = next(r for r in application.reviews if r.reviewer_id == staff["reviewer"].id)
    client = signed_in(staff["officer"])
    url = f"/handlaggning/granskningar/{review.id}/oppna"
    prefix = f"reopen-{review.id}"
    doc = page(client.get(case_url(application)))
    assert doc.one("form", action=url)
    assert not doc.find("form", action=f"/handlaggning/granskningar/{review.id}/ta-bort"), \
        "a submitted review stays on the case"

    refused = post_form(client, url, prefix, reason="")

    assert refused.status_code == 422
    assert "Skriv varför granskningen öppnas igen." in (
        field_error(page(refused), f"{prefix}-reason") or "")
    session.refresh(review)
    assert review.submitted_at is not None
    assert events(application, "reopen_review") == []

    response = post_form(client, url, prefix, reason="Poängen för kriterium 3 saknar skäl.")

    assert response.status_code == 302
    session.refresh(review)
    assert review.submitted_at is None
    [event] = events(application, "reopen_review")
    assert (event.actor_id, event.reason, event.data["review_id"]) == (
        staff["officer"].id, "Poängen för kriterium 3 saknar skäl.", review.id)
    assert f"{staff['reviewer'].name}s granskning öppnades igen" in history(
        page(client.get(case_url(application))))[-1]


# The summary -------------------------------------------------------------------------------------

# The default rubric's weights are 2, 1, 2, 2, 1, 1, 2, 2 (13 in all: at most 39 points).
SCORES_A = [3, 2, 1, 0, 3, 2, 1, 2]  # 6 + 2 + 2 + 0 + 3 + 2 + 2 + 4 = 21
SCORES_B = [2, 2, 3, 1, 3, 0, 1, 3]  # 4 + 2 + 6 + 2 + 3 + 0 + 2 + 6 = 25


def two_known_reviews(application: Application, staff: dict[str, User]) -> None:
    screen(application, staff["officer"])
    first, second = (assessment_ops.assign_reviewer(application, actor=staff["officer"],
                                                    reviewer=staff[key])
                     for key in ("reviewer", "reviewer2"))
    submit_review(first, staff["reviewer"], SCORES_A, comment="Stark förankring.")
    submit_review(second, staff["reviewer2"], SCORES_B, recommendation="grant_reduced",
                  amount=80_000, comment="Budgeten är för hög.")


def cells(row: Any) -> list[str]:
    return [c.text for c in row.children if not isinstance(c, str) and c.tag in ("th", "td")]


def test_the_summary_shows_weighted_totals_means_and_spreads_of_the_reviews(
    make_application, make_user, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    two_known_reviews(application, staff)
    pending = assessment_ops.assign_reviewer(application, actor=staff["officer"],
                                             reviewer=make_user("reviewer"))
    session.commit()
    client = signed_in(staff["officer"])

    response = client.get(f"{case_url(application)}/bedomning")

    assert response.status_code == 200
    doc = page(response)
    table = doc.one("table", id="summary-scores")
    head = cells(table.one("thead").one("tr"))
    assert head == ["Kriterium", "Vikt", staff["reviewer"].name, staff["reviewer2"].name,
                    "Medel", "Spridning"]
    rows = [cells(r) for r in table.one("tbody").find_all("tr")]
    assert rows[0][1:] == ["2", "3", "2", "2,5", "2–3"]
    assert rows[2][1:] == ["2", "1", "3", "2,0", "1–3"]
    assert rows[3][1:] == ["2", "0", "1", "0,5", "0–1"]
    assert rows[4][1:] == ["1", "3", "3", "3,0", "3"]
    assert cells(table.one("tfoot").one("tr"))[2:] == ["21 av 39", "25 av 39", "23,0", "21–25"]

    horizontal = doc.one("table", id="summary-horizontal")
    assert "räknas inte in i poängen" in horizontal.one("caption").text
    assert [cells(r)[1:] for r in horizontal.one("tbody").find_all("tr")] == [
        ["Aktivt", "Aktivt"]] * 3
    recommendations = doc.one("table", id="summary-recommendations").text
    assert "Bevilja med lägre belopp: 80 000 kr" in recommendations
    assert "Budgeten är för hög." in recommendations
    assert "2 av 2 granskningar som ärendet behöver är inlämnade" in doc.text
    assert f"{pending.reviewer.name}: Har inte lämnat sin jävsdeklaration" in doc.text
    pots = cells(doc.one("table", id="summary-pots").one("tbody").one("tr"))
    assert pots == [str(today().year), "100 000 kr", "1 000 000 kr", "0 kr", "1 000 000 kr"]

    # The same figures, exactly, from the function the page shows.
    summary = assessment_summary(application)
    assert [r.weighted_total for r in summary.reviewers] == [21, 25]
    assert summary.mean_total == Fraction(23)
    assert [c.mean for c in summary.criteria][:4] == [Fraction(5, 2), Fraction(2),
                                                     Fraction(2), Fraction(1, 2)]
    assert (summary.required, summary.submitted, summary.complete) == (2, 2, True)


def test_one_decimal_rounds_half_up_with_a_decimal_comma() -> None:
    assert [one_decimal(Fraction(n, d)) for n, d in [(5, 2), (7, 3), (1, 20), (3, 1),
                                                    (2, 3), (1, 4)]] == [
        "2,5", "2,3", "0,1", "3,0", "0,7", "0,3"]


# Assessing ---------------------------------------------------------------------------------------


def year() -> int:
    return today().year


def test_the_assess_form_is_prefilled_with_the_requested_amounts(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)

    doc = page(signed_in(staff["officer"]).get(f"{case_url(application)}/bedomning"))

    assert doc.one("input", name=f"amount_{year()}").value == "100 000"
    assert [i.attrs["value"] for i in doc.find_all("input", name="proposal")] == [
        "grant", "reject"]
    assert doc.one("label", attrs={"for": "note"}).text == (
        "Föredragandens anteckning och förslag till beslut")


def test_assessing_without_the_required_reviews_answers_409_with_the_reason_and_keeps_the_form(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    client = signed_in(staff["officer"])
    events_before = audit_event_count()

    response = post_assess(client, application, proposal="grant",
                           **{f"amount_{year()}": "90 000"}, note="Föreslås beviljas.")

    assert response.status_code == 409
    doc = page(response)
    assert ("Ärendet behöver 2 inlämnade granskningar utan jäv; 0 är inlämnade."
            in (error_summary(doc) or ""))
    assert doc.one("input", name=f"amount_{year()}").value == "90 000"
    assert doc.one("textarea", name="note").value == "Föreslås beviljas."
    assert "checked" in doc.one("input", name="proposal", value="grant").attrs
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert session.get(Assessment, application.id) is None
    assert audit_event_count() == events_before


def test_assessing_with_an_amount_over_the_request_is_refused_with_the_figures(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)
    client = signed_in(staff["officer"])

    response = post_assess(client, application, proposal="grant",
                           **{f"amount_{year()}": "150 000"}, note="Föreslås beviljas.")

    assert response.status_code == 409
    doc = page(response)
    assert (f"{year()}: 150 000 kr är mer än det sökta beloppet för året (100 000 kr)."
            in (error_summary(doc) or ""))
    assert doc.one("input", name=f"amount_{year()}").value == "150 000"
    session.refresh(application)
    assert application.state == State.SUBMITTED
    assert session.get(Assessment, application.id) is None


def test_the_assess_form_needs_a_proposal_and_a_note_and_a_readable_amount(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)
    client = signed_in(staff["officer"])

    response = post_assess(client, application, **{f"amount_{year()}": "80 tusen"}, note=" ")

    assert response.status_code == 422
    doc = page(response)
    assert "Välj förslag till beslut: bevilja eller avslå." in (field_error(doc, "proposal") or "")
    assert "Skriv föredragandens anteckning och förslag till beslut." in (
        field_error(doc, "note") or "")
    assert "Beloppet får bara innehålla siffror" in (field_error(doc, f"amount_{year()}") or "")
    assert doc.one("input", name=f"amount_{year()}").value == "80 tusen"
    session.refresh(application)
    assert application.state == State.SUBMITTED


def test_a_successful_assessment_moves_the_case_to_assessed_with_the_proposal_stored(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)
    client = signed_in(staff["officer"])
    note = "Väl förankrad pilot. Föreslås beviljas med 80 000 kr eftersom budgeten är hög."

    response = post_assess(client, application, proposal="grant",
                           **{f"amount_{year()}": "80 000"}, note=note)

    assert response.status_code == 302
    assert response.headers["Location"] == case_url(application)
    session.refresh(application)
    assert application.state == State.ASSESSED
    assessment = session.get(Assessment, application.id)
    assert (assessment.proposal, assessment.proposed_amounts, assessment.note,
            assessment.presented_by_id) == ("grant", {str(year()): 80_000}, note,
                                            staff["officer"].id)
    [event] = events(application, "assess")
    assert (event.from_state, event.to_state, event.reason) == ("submitted", "assessed", note)
    doc = page(client.get(case_url(application)))
    assert f"Ärendet har nu status «{State.ASSESSED.label}»." in doc.text
    assert "Bevilja: 80 000 kr" in doc.text
    assert not page(client.get(f"{case_url(application)}/bedomning")).find("textarea",
                                                                             name="note")


def test_a_proposal_to_reject_stores_no_amounts(make_application, signed_in, staff) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)

    response = post_assess(signed_in(staff["officer"]), application, proposal="reject",
                           **{f"amount_{year()}": "100 000"}, note="Ligger utanför syftet.")

    assert response.status_code == 302
    assessment = session.get(Assessment, application.id)
    assert (assessment.proposal, assessment.proposed_amounts) == ("reject", {})


# Who may do what ---------------------------------------------------------------------------------


def officer_posts(
    application: Application, review: Review
) -> list[tuple[str, str, dict[str, str]]]:
    """Each officer form: (address, prefix, fields) with values that would otherwise be fine."""
    url = case_url(application)
    return [
        (f"{url}/diarienummer", "dnr", {"number": "25RS999"}),
        (f"{url}/kontroll", "screening", {"complete": "y", "note": "Klart."}),
        (f"{url}/granskare", "assign", {"reviewer": str(review.reviewer_id)}),
        (f"/handlaggning/granskningar/{review.id}/ta-bort", f"remove-{review.id}",
         {"reason": "Skäl."}),
        (f"/handlaggning/granskningar/{review.id}/oppna", f"reopen-{review.id}",
         {"reason": "Skäl."}),
    ]


def test_a_decider_sees_the_case_and_the_summary_without_officer_forms_and_may_not_post_them(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)
    review = application.reviews[0]
    client = signed_in(staff["decider"])
    events_before = audit_event_count()

    case = client.get(case_url(application))
    summary = client.get(f"{case_url(application)}/bedomning")

    assert (case.status_code, summary.status_code) == (200, 200)
    doc = page(case)
    assert "Formell kontroll" in doc.text and staff["reviewer"].name in doc.text
    assert not doc.find_all("form", method="post")[1:], "only the logout form"
    assert doc.find("table", id="summary-scores") is None
    assert page(summary).find("table", id="summary-scores")
    assert not page(summary).find("textarea", name="note")
    for url, prefix, fields in officer_posts(application, review):
        assert post_form(client, url, prefix, **fields).status_code == 403, url
    assert post_assess(client, application, proposal="reject", note="x").status_code == 403
    assert audit_event_count() == events_before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_reviewer_who_is_not_case_staff_gets_403_on_every_officer_page(
    make_application, signed_in, staff, method: str
) -> None:
    application = make_application(State.SUBMITTED)
    reviewed(application, staff)
    review = application.reviews[0]
    client = signed_in(staff["reviewer"])
    events_before = audit_event_count()

    if method == "get":
        for url in (case_url(application), f"{case_url(application)}/bedomning"):
            assert client.get(url).status_code == 403, url
    else:
        for url, prefix, fields in officer_posts(application, review):
            assert post_form(client, url, prefix, **fields).status_code == 403, url
        assert post_assess(client, application, proposal="grant", note="x").status_code == 403
    assert audit_event_count() == events_before


def test_a_draft_has_no_officer_pages(make_application, signed_in, staff) -> None:
    draft = make_application(State.DRAFT)
    client = signed_in(staff["officer"])

    assert client.get(f"{case_url(draft)}/bedomning").status_code == 404
    assert post_form(client, f"{case_url(draft)}/diarienummer", "dnr",
                     number="25RS1").status_code == 404


# The applicant's view of the history -------------------------------------------------------------


def test_the_applicants_history_hides_the_regions_internal_steps(
    make_application, make_user, signed_in, staff
) -> None:
    applicant = make_user("applicant")
    application = make_application(State.ASSESSED, applicant=applicant)
    internal = ["tilldelades som granskare", "Jävsdeklaration", "En granskning lämnades in",
                "Den formella kontrollen"]

    applicant_history = history(page(signed_in(applicant).get(
        f"/mina-ansokningar/{application.id}")))
    officer_history = history(page(signed_in(staff["officer"]).get(case_url(application))))

    for text in internal:
        assert any(text in entry for entry in officer_history), text
        assert not any(text in entry for entry in applicant_history), text
    assert any(f"Diarienumret {application.dnr} registrerades" in e for e in applicant_history)
    assert "Utkastet skapades" in applicant_history[0]
    assert "Ärendet bedömdes" in applicant_history[-1]
    assert len(applicant_history) == 4  # created, submitted, Dnr, assessed


# Queries -----------------------------------------------------------------------------------------


def test_case_page_issues_as_many_queries_for_four_reviewers_as_for_one(
    app, make_application, make_user, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    screen(application, staff["officer"])
    assessment_ops.assign_reviewer(application, actor=staff["officer"],
                                   reviewer=staff["reviewer"])
    session.commit()
    client = signed_in(staff["officer"])
    url = case_url(application)
    client.get(url)

    few, _ = queries_for(app, client, url)
    submitted, jav, removed = (assessment_ops.assign_reviewer(
        application, actor=staff["officer"], reviewer=make_user("reviewer")) for _ in range(3))
    session.commit()
    submit_review(submitted, submitted.reviewer, SCORES_A)
    assessment_ops.declare_jav(jav, actor=jav.reviewer, disqualified=True, ground=4,
                               note="Nära vän till projektledaren.")
    assessment_ops.remove_reviewer(removed, actor=staff["officer"], reason="Ledig.")
    session.commit()
    many, many_page = queries_for(app, client, url)

    assert len(page(many_page).one("table", id="case-reviewers").one("tbody").find_all("tr")) == 4
    assert len(many) == len(few), same_count_message(few, many)


def test_case_page_issues_as_many_queries_for_three_decisions_as_for_one(
    app, make_application, signed_in, staff
) -> None:
    application = make_application(State.GRANTED)
    client = signed_in(staff["decider"])
    url = case_url(application)
    client.get(url)

    few, _ = queries_for(app, client, url)
    for n in range(2):
        decision_ops.correct_decision(
            application.current_decision, actor=staff["decider"], note=f"Rättelse {n}.",
            reasons="Skäl.", extra_conditions="", jav_confirmed=True,
            report_dues=[("follow_up", today() + timedelta(days=200))],
            decision_date=today(), minutes_posted=today(),
        )
        session.commit()
    many, many_page = queries_for(app, client, url)

    assert len(page(many_page).find_all("h3")) == 3
    assert len(many) == len(few), same_count_message(few, many)


# Decisions on the case page ----------------------------------------------------------------------


def test_the_case_page_lists_each_decision_with_its_letter_or_says_it_is_held(
    app, make_application, signed_in, staff
) -> None:
    granted = make_application(State.GRANTED)
    held = make_application(State.ASSESSED)
    terms = decision_ops.proposed_terms(held)
    terms.jav_confirmed, terms.hold_letter = True, True
    decision_ops.grant_application(held, actor=staff["decider"], terms=terms)
    session.commit()
    client = signed_in(staff["officer"])

    doc = page(client.get(case_url(granted)))

    decision = granted.current_decision
    assert f"Beviljas {decision.decision_date.isoformat()}" in doc.one("h3").text
    facts = {div.one("dt").text: div.one("dd").text
             for dl in doc.find_all("dl", class_="facts") for div in dl.find_all("div")
             if div.find("dt")}
    assert facts["Beslut"] == f"Ansökan beviljas: 100 000 kr ({year()}: 100 000 kr)"
    assert (facts["Beslutat av"], facts["Föredragande"]) == (
        staff["decider"].name, staff["officer"].name)
    assert facts["Sista dag att överklaga"] == decision.appeal_deadline.isoformat()
    if "decisions.letter_pdf" in app.view_functions:
        assert doc.find("a", href=f"/beslut/brev/{decision.letter.id}.pdf")
    assert "Brevet skickas vid sammanträdet." in page(client.get(case_url(held))).text


def test_a_decider_is_led_from_an_assessed_case_to_the_decision_page(
    app, make_application, signed_in, staff
) -> None:
    application = make_application(State.ASSESSED)

    doc = page(signed_in(staff["decider"]).get(case_url(application)))

    assert "Fatta beslut" in doc.text or "Beslutet fattas på beslutssidan." in doc.text
    if "decisions.decide" in app.view_functions:
        assert doc.find("a", href=f"/beslut/arenden/{application.id}")
    assert doc.find("a", href=f"{case_url(application)}/bedomning")
