"""The reviewer's pages, driven through the real forms: the jäv gate, the review form, access.

A reviewer sees only their own reviews; before the jäv declaration only the case's title,
organisation and summary; after declaring jäv nothing of the case (403); and the other reviewers'
reviews only once their own is handed in.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.db import session
from grants.models import (
    Application,
    Attachment,
    AuditEvent,
    CriterionKind,
    JavStatus,
    OutboxMessage,
    Review,
    ReviewScore,
    User,
)
from grants.operations import applications as app_ops
from grants.operations import assessment as ops
from grants.operations import content as content_ops
from grants.operations.errors import InvalidInput
from tests.conftest import REASON, csrf_token
from tests.web.conftest import error_summary, field_error, page
from tests.web.test_query_counts import queries_for, same_count_message, table_rows
from workflows import State

BACKGROUND = "Allt färre unga i området deltar i organiserad fritid"
"""From the application's background section (grants.demo.fill_application): not shown before
the reviewer has declared no jäv."""
PDF = b"%PDF-1.4\n%%EOF\n"


# Helpers -----------------------------------------------------------------------------------------


def screened(application: Application, officer: User) -> Application:
    ops.save_screening(application, actor=officer, complete=True, eligible_applicant=True,
                       within_aims=True, state_aid_handled=True)
    session.commit()
    return application


def assign(application: Application, officer: User, reviewer: User) -> Review:
    review = ops.assign_reviewer(application, actor=officer, reviewer=reviewer)
    session.commit()
    return review


@pytest.fixture
def assigned(make_user, make_application, staff) -> Any:
    """A received, screened case with ``reviewer`` (staff["reviewer"] by default) assigned;
    ``attachment=True`` gives the application a PDF attachment before it is submitted."""

    def make(reviewer: User | None = None, *, attachment: bool = False) -> Review:
        if attachment:
            applicant = make_user("applicant")
            application = make_application(State.DRAFT, applicant=applicant)
            content_ops.add_attachment(application, actor=applicant, filename="budget.pdf",
                                       data=PDF)
            app_ops.submit_application(application, actor=applicant, reason=REASON)
            session.commit()
        else:
            application = make_application(State.SUBMITTED)
        screened(application, staff["officer"])
        return assign(application, staff["officer"], reviewer or staff["reviewer"])

    return make


def url(review: Review, rest: str = "") -> str:
    return f"/granskning/{review.id}{rest}"


def post(client: FlaskClient, address: str, data: dict[str, Any]) -> Any:
    return client.post(address, data={"csrf_token": csrf_token(client, "/"), **data})


def declare(client: FlaskClient, review: Review, **data: str) -> Any:
    return post(client, url(review, "/jav"), data)


def criteria(review: Review, kind: CriterionKind) -> list[Any]:
    return [c for c in review.rubric.criteria if c.kind == kind]


def complete_review(review: Review, **changes: str) -> dict[str, str]:
    """Everything a handed-in review needs, as the form posts it."""
    data = {"recommendation": "grant_full", "comment": "En väl förankrad pilot."}
    for c in criteria(review, CriterionKind.SCORED):
        data[f"score_{c.id}"] = "2"
        data[f"reason_{c.id}"] = f"Motivering till kriterium {c.position}."
    for c in criteria(review, CriterionKind.HORIZONTAL):
        data[f"rating_{c.id}"] = "partial"
        data[f"reason_{c.id}"] = ""
    data.update(changes)
    return data


def save(client: FlaskClient, review: Review, data: dict[str, str], *, submit: bool) -> Any:
    button = ({"submit_review": "Lämna in granskningen"} if submit
              else {"save_draft": "Spara utkast"})
    return post(client, url(review), {**data, **button})


def stored_scores(review: Review) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ReviewScore)
                          .where(ReviewScore.review_id == review.id)) or 0


def events(application_id: int, trigger: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application_id, AuditEvent.trigger == trigger)))


def reload(review: Review) -> Review:
    session.expire_all()
    fresh = session.get(Review, review.id)
    assert fresh is not None
    return fresh


def checked(doc: Any, name: str) -> str | None:
    """The value of the checked radio button called ``name``, if any."""
    found = [i.attrs["value"] for i in doc.find_all("input", name=name) if "checked" in i.attrs]
    return found[0] if found else None


def cleared(review: Review) -> Review:
    ops.declare_jav(review, actor=review.reviewer, disqualified=False)
    session.commit()
    return review


# The jäv gate ------------------------------------------------------------------------------------


def test_before_the_jav_declaration_the_reviewer_sees_only_title_organisation_and_summary(
    assigned, signed_in, staff
) -> None:
    review = assigned()
    application = review.application
    client = signed_in(staff["reviewer"])

    doc = page(client.get(url(review)))

    assert application.title in doc.text
    assert application.organisation.name in doc.text
    assert application.organisation.kind_label in doc.text
    assert application.summary in doc.text
    assert BACKGROUND not in doc.text
    assert not doc.find("a", href=url(review, "/ansokan.pdf"))
    assert "förvaltningslagen 16 §" in doc.text
    assert {i.attrs["value"] for i in doc.find_all("input", name="disqualified")} == {"no", "yes"}

    response = declare(client, review, disqualified="no")

    assert response.status_code == 302
    doc = page(client.get(url(review)))
    assert BACKGROUND in doc.text
    assert doc.find("a", href=url(review, "/ansokan.pdf"))
    assert reload(review).jav == JavStatus.NONE
    assert [e.data["jav"] for e in events(application.id, "declare_jav")] == ["none"]


def test_declaring_jav_needs_a_ground_and_a_note_and_keeps_what_was_typed(
    assigned, signed_in, staff
) -> None:
    review = assigned()
    client = signed_in(staff["reviewer"])

    response = declare(client, review)
    assert response.status_code == 422
    assert "Välj om du är jävig eller inte." in field_error(page(response), "disqualified")

    response = declare(client, review, disqualified="yes", ground="", note="Min syster leder "
                       "föreningen.")
    doc = page(response)
    assert response.status_code == 422
    assert "Välj vilken jävsgrund som gäller." in field_error(doc, "ground")
    assert "Välj vilken jävsgrund som gäller." in error_summary(doc)
    assert doc.one("textarea", name="note").value == "Min syster leder föreningen."
    assert checked(doc, "disqualified") == "yes"

    response = declare(client, review, disqualified="yes", ground="2", note="  ")
    doc = page(response)
    assert response.status_code == 422
    assert "Beskriv kort varför du är jävig." in field_error(doc, "note")
    assert doc.one("select", name="ground").one("option", selected="").attrs["value"] == "2"

    response = declare(client, review, disqualified="yes", ground="9", note="Något.")
    assert response.status_code == 422
    assert "Välj ett av alternativen i listan." in field_error(page(response), "ground")

    assert reload(review).jav == JavStatus.PENDING
    assert events(review.application_id, "declare_jav") == []


def test_declared_jav_blocks_the_case_and_queues_an_email_to_the_officer(
    assigned, signed_in, staff
) -> None:
    review = assigned(attachment=True)
    attachment = review.application.attachments[0]
    client = signed_in(staff["reviewer"])

    response = declare(client, review, disqualified="yes", ground="1",
                       note="Min bror är ordförande i föreningen.")

    assert response.status_code == 302
    review = reload(review)
    assert (review.jav, review.jav_ground) == (JavStatus.DECLARED, 1)
    mail = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.application_id == review.application_id)).all()
    assert [(m.recipient, m.subject) for m in mail if "Jäv" in m.subject] == [
        (staff["officer"].email, f"Jäv anmält i {review.application.reference}")
    ]

    response = client.get(url(review))
    doc = page(response)
    assert response.status_code == 403
    assert "Du har anmält jäv" in doc.text
    assert "Handläggaren har fått ett meddelande" in doc.text
    assert review.application.summary not in doc.text
    assert BACKGROUND not in doc.text
    assert not doc.find("form", action=url(review))

    assert client.get(url(review, "/ansokan.pdf")).status_code == 403
    assert client.get(url(review, f"/bilagor/{attachment.id}")).status_code == 403
    response = save(client, review, complete_review(review), submit=True)
    assert response.status_code == 403
    assert stored_scores(review) == 0
    # Declaring again is refused; the first declaration stands.
    assert declare(client, review, disqualified="no").status_code == 409
    assert reload(review).jav == JavStatus.DECLARED

    listing = page(client.get("/granskning/"))
    assert "Jävig" in listing.text and "Ingen granskning (jävig)" in listing.text


def test_a_cleared_reviewer_may_download_the_pdf_and_the_attachments(
    assigned, signed_in, staff
) -> None:
    review = cleared(assigned(attachment=True))
    attachment = review.application.attachments[0]
    other = assigned(staff["reviewer2"], attachment=True).application.attachments[0]
    client = signed_in(staff["reviewer"])

    doc = page(client.get(url(review)))
    link = url(review, f"/bilagor/{attachment.id}")
    assert doc.one("a", href=link).text == "budget.pdf"

    response = client.get(link)
    assert response.status_code == 200
    assert response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    response = client.get(url(review, "/ansokan.pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    # Another case's file is not reachable through this review.
    assert client.get(url(review, f"/bilagor/{other.id}")).status_code == 404


def test_before_the_declaration_the_pdf_attachments_and_review_form_are_forbidden(
    assigned, signed_in, staff
) -> None:
    review = assigned(attachment=True)
    attachment = session.scalars(sa.select(Attachment)).one()
    client = signed_in(staff["reviewer"])

    assert client.get(url(review, "/ansokan.pdf")).status_code == 403
    assert client.get(url(review, f"/bilagor/{attachment.id}")).status_code == 403
    assert save(client, review, complete_review(review), submit=True).status_code == 403
    assert stored_scores(review) == 0


# Access ------------------------------------------------------------------------------------------


def test_someone_elses_or_a_removed_review_is_not_found(
    assigned, signed_in, staff, make_user
) -> None:
    review = cleared(assigned(attachment=True))
    attachment = review.application.attachments[0]
    stranger = signed_in(staff["reviewer2"])
    addresses = [url(review), url(review, "/ansokan.pdf"),
                 url(review, f"/bilagor/{attachment.id}"), "/granskning/999999"]

    for address in addresses:
        assert stranger.get(address).status_code == 404, address
    assert declare(stranger, review, disqualified="no").status_code == 404
    assert save(stranger, review, complete_review(review), submit=True).status_code == 404
    assert stored_scores(review) == 0
    # Nor can an unassigned reviewer open the officer's case page.
    assert stranger.get(f"/handlaggning/arenden/{review.application_id}").status_code == 403

    ops.remove_reviewer(review, actor=staff["officer"], reason="Byter granskare.")
    session.commit()
    own = signed_in(staff["reviewer"])
    for address in addresses[:3]:
        assert own.get(address).status_code == 404, address
    assert "Du har inga ansökningar att granska just nu." in page(own.get("/granskning/")).text


@pytest.mark.parametrize("role", ["applicant", "officer", "decider", "admin", "finance"])
def test_the_review_pages_need_the_reviewer_role(
    assigned, signed_in, make_user, role: str
) -> None:
    review = assigned()
    client = signed_in(make_user(role))

    assert client.get("/granskning/").status_code == 403
    assert client.get(url(review)).status_code == 403
    assert "Granskning" not in [a.text for a in page(client.get("/")).find_all("a")]


def test_anonymous_visitors_are_sent_to_the_login_page(assigned, client) -> None:
    review = assigned()

    for address in ["/granskning/", url(review), url(review, "/ansokan.pdf")]:
        response = client.get(address)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/logga-in")


def test_reviewers_reach_their_list_from_the_menu(signed_in, staff) -> None:
    doc = page(signed_in(staff["reviewer"]).get("/"))

    assert doc.one("nav").find("a", href="/granskning/").text == "Granskning"


# The list ----------------------------------------------------------------------------------------


def test_the_list_shows_each_assignment_with_its_jav_and_review_status(
    assigned, signed_in, staff, make_user
) -> None:
    staff["reviewer"].municipality_code = "1880"  # where the test pilots run
    session.commit()
    waiting, started, done = (assigned() for _ in range(3))
    cleared(started)
    ops.save_review(started, actor=staff["reviewer"], scores={}, ratings={},
                    recommendation=None, recommended_amount=None, comment="Halvvägs.",
                    submit=False)
    cleared(done)
    c = criteria(done, CriterionKind.SCORED)
    ops.save_review(done, actor=staff["reviewer"], submit=True, comment="",
                    scores={x.id: (1, "Skäl.") for x in c},
                    ratings={x.id: ("none", "") for x in criteria(done, CriterionKind.HORIZONTAL)},
                    recommendation="reject", recommended_amount=None)
    session.commit()
    client = signed_in(staff["reviewer"])

    doc = page(client.get("/granskning/"))

    rows = {tr.find("a").text: tr for tr in doc.one("table", class_="data").one("tbody")
            .find_all("tr")}
    assert set(rows) == {r.application.reference for r in (waiting, started, done)}
    cells = {ref: [td.text for td in tr.find_all("td")] for ref, tr in rows.items()}
    assert cells[waiting.application.reference][4:] == ["Inte deklarerat", "Ej påbörjad"]
    assert cells[started.application.reference][4:] == ["Inget jäv", "Påbörjad"]
    assert cells[done.application.reference][4].startswith("Inget jäv")
    assert cells[done.application.reference][5].startswith("Inlämnad")
    assert cells[waiting.application.reference][2] == waiting.application.organisation.name
    assert "Möjligt jäv" in cells[waiting.application.reference][1]
    assert "Örebro" in cells[waiting.application.reference][1]
    # The flag is on the gate too.
    assert "Möjligt jäv" in page(client.get(url(waiting))).text


def test_the_list_issues_as_many_queries_for_12_assignments_as_for_2(
    app, assigned, signed_in, staff
) -> None:
    client = signed_in(staff["reviewer"])
    for _ in range(2):
        assigned()
    assigned(staff["reviewer2"])  # someone else's: never listed
    client.get("/granskning/")

    few, few_page = queries_for(app, client, "/granskning/")
    for n in range(10):
        review = assigned()
        if n % 3 == 1:
            cleared(review)
        elif n % 3 == 2:
            ops.declare_jav(review, actor=staff["reviewer"], disqualified=True, ground=4,
                            note="Jag har hjälpt till med ansökan.")
            session.commit()
    many, many_page = queries_for(app, client, "/granskning/")

    assert (table_rows(few_page), table_rows(many_page)) == (2, 12)
    assert len(many) == len(few), same_count_message(few, many)


# The review form ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["7", "x", "-1"])
def test_a_score_outside_0_to_3_is_refused_with_a_message_and_nothing_is_stored(
    assigned, signed_in, staff, bad: str
) -> None:
    review = cleared(assigned())
    first = criteria(review, CriterionKind.SCORED)[0]
    client = signed_in(staff["reviewer"])

    for submit in (False, True):
        response = save(client, review, complete_review(review, **{f"score_{first.id}": bad}),
                        submit=submit)

        doc = page(response)
        assert response.status_code == 422
        message = f"Välj en poäng 0–3 för «{first.title}»; «{bad}» är inte en giltig poäng."
        assert message in field_error(doc, f"score_{first.id}")
        assert message in error_summary(doc)
        assert doc.one("textarea", name=f"reason_{first.id}").value == (
            f"Motivering till kriterium {first.position}.")
    assert stored_scores(review) == 0
    assert reload(review).submitted_at is None


def test_handing_in_without_a_score_or_a_reason_shows_a_message_at_each_field(
    assigned, signed_in, staff
) -> None:
    review = cleared(assigned())
    first, second = criteria(review, CriterionKind.SCORED)[:2]
    horizontal = criteria(review, CriterionKind.HORIZONTAL)[0]
    client = signed_in(staff["reviewer"])
    data = complete_review(review, **{f"reason_{second.id}": " "})
    del data[f"score_{first.id}"], data[f"rating_{horizontal.id}"], data["recommendation"]

    response = save(client, review, data, submit=True)

    doc = page(response)
    assert response.status_code == 422
    assert "Välj en poäng 0–3" in field_error(doc, f"score_{first.id}")
    assert "Skriv en motivering" in field_error(doc, f"reason_{second.id}")
    assert "Välj aktivt, delvis eller inte" in field_error(doc, f"rating_{horizontal.id}")
    assert "Välj vad du rekommenderar." in field_error(doc, "recommendation")
    summary = doc.one("div", id="error-summary")
    assert {a.attrs["href"] for a in summary.find_all("a")} == {
        f"#score_{first.id}", f"#reason_{second.id}", f"#rating_{horizontal.id}",
        "#recommendation"}
    # What was given is kept.
    assert checked(doc, f"score_{second.id}") == "2"
    assert doc.one("textarea", name=f"reason_{first.id}").value == (
        f"Motivering till kriterium {first.position}.")
    assert doc.one("textarea", name="comment").value == "En väl förankrad pilot."
    assert stored_scores(review) == 0
    assert reload(review).submitted_at is None
    assert events(review.application_id, "submit_review") == []


def test_a_draft_keeps_what_was_filled_in(assigned, signed_in, staff) -> None:
    review = cleared(assigned())
    first, second = criteria(review, CriterionKind.SCORED)[:2]
    client = signed_in(staff["reviewer"])
    data = {f"score_{first.id}": "3", f"reason_{first.id}": "Tydligt mätbart bidrag.",
            f"reason_{second.id}": "Skriver klart sen.", "recommendation": "grant_reduced",
            "recommended_amount": "50 000", "comment": "Utkast."}

    assert save(client, review, data, submit=False).status_code == 302
    # Saving the draft again replaces the stored rows.
    data[f"score_{second.id}"] = "0"
    response = save(client, review, data, submit=False)
    assert response.status_code == 302

    doc = page(client.get(response.headers["Location"]))
    assert "Utkastet är sparat." in doc.text
    assert checked(doc, f"score_{first.id}") == "3"
    assert checked(doc, f"score_{second.id}") == "0"
    assert doc.one("textarea", name=f"reason_{second.id}").value == "Skriver klart sen."
    assert checked(doc, "recommendation") == "grant_reduced"
    assert doc.one("input", name="recommended_amount").value == "50 000"
    assert "Påbörjad" in doc.text
    review = reload(review)
    assert (review.score_for(first.id).score, review.score_for(second.id).score) == (3, 0)
    assert (review.recommendation, review.recommended_amount) == ("grant_reduced", 50_000)
    assert review.submitted_at is None
    assert events(review.application_id, "submit_review") == []


def test_a_reduced_recommendation_needs_an_amount_below_the_requested_one(
    assigned, signed_in, staff
) -> None:
    review = cleared(assigned())
    client = signed_in(staff["reviewer"])

    response = save(client, review, complete_review(review, recommendation="grant_reduced"),
                    submit=True)
    assert response.status_code == 422
    assert "Ange vilket belopp du rekommenderar." in field_error(
        page(response), "recommended_amount")

    response = save(client, review, complete_review(
        review, recommendation="grant_reduced", recommended_amount="100 000"), submit=True)
    doc = page(response)
    assert response.status_code == 422
    assert "lägre än det sökta beloppet" in error_summary(doc)
    assert doc.one("input", name="recommended_amount").value == "100 000"
    assert stored_scores(review) == 0


def test_handing_in_stores_the_scores_writes_an_audit_event_and_locks_the_review(
    assigned, signed_in, staff
) -> None:
    review = cleared(assigned())
    client = signed_in(staff["reviewer"])

    response = save(client, review, complete_review(review), submit=True)

    assert response.status_code == 302
    review = reload(review)
    assert review.submitted_at is not None
    assert {s.criterion_id: s.score for s in review.scores
            if s.score is not None} == {c.id: 2 for c in review.rubric.scored}
    assert {s.rating for s in review.scores if s.rating} == {"partial"}
    assert review.recommendation == "grant_full"
    [event] = events(review.application_id, "submit_review")
    assert event.actor_id == staff["reviewer"].id
    assert event.data["total"] == review.weighted_total

    doc = page(client.get(url(review)))
    assert "Inlämnad" in doc.text
    assert "Motivering till kriterium 1." in doc.text
    assert not doc.find("input", name="submit_review")
    assert not doc.find_all("input", type="radio")
    # Posting again changes nothing.
    response = save(client, review, complete_review(review, comment="Ändrat."), submit=True)
    assert response.status_code == 422
    assert "Granskningen är redan inlämnad." in error_summary(page(response))
    assert reload(review).comment == "En väl förankrad pilot."


def test_other_reviews_are_hidden_until_the_reviewers_own_is_handed_in(
    assigned, signed_in, staff
) -> None:
    review = assigned()
    other = assign(review.application, staff["officer"], staff["reviewer2"])
    staff["reviewer2"].name = "Rut Andragranskare"
    cleared(other)
    ops.save_review(
        other, actor=staff["reviewer2"], submit=True, comment="Kommentar från Rut.",
        scores={c.id: (3, "Ruts unika motivering.") for c in criteria(other,
                                                                     CriterionKind.SCORED)},
        ratings={c.id: ("active", "") for c in criteria(other, CriterionKind.HORIZONTAL)},
        recommendation="reject", recommended_amount=None,
    )
    session.commit()
    client = signed_in(staff["reviewer"])

    def hidden(doc: Any) -> bool:
        return not any(text in doc.text for text in (
            "Rut Andragranskare", "Ruts unika motivering.", "Andra granskares"))

    assert hidden(page(client.get(url(review))))  # the gate
    declare(client, review, disqualified="no")
    assert hidden(page(client.get(url(review))))  # the form
    assert hidden(page(save(client, review, complete_review(review, **{
        f"score_{criteria(review, CriterionKind.SCORED)[0].id}": "9"}), submit=True)))
    save(client, review, complete_review(review), submit=False)
    assert hidden(page(client.get(url(review))))  # a saved draft
    assert hidden(page(client.get("/granskning/")))

    assert save(client, review, complete_review(review), submit=True).status_code == 302

    doc = page(client.get(url(review)))
    section = doc.find("section", class_="panel")
    assert section is not None and section.one("h3").text == "Rut Andragranskare"
    assert "Ruts unika motivering." in section.text
    assert "Avslå" in section.text
    assert "Kommentar från Rut." not in doc.text  # that is for the officer


def test_a_review_can_only_be_saved_while_the_case_is_received(
    assigned, signed_in, staff, app
) -> None:
    review = cleared(assigned())
    app_ops.return_application_for_completion(review.application, actor=staff["officer"],
                                              reason=REASON)
    session.commit()
    client = signed_in(staff["reviewer"])

    assert "din granskning kan inte sparas nu" in page(client.get(url(review))).text
    response = save(client, review, complete_review(review), submit=True)

    assert response.status_code == 422
    assert "Det går inte att granska ansökan när ärendet har status" in error_summary(
        page(response))
    assert stored_scores(review) == 0


def test_a_reviewer_from_the_applicants_own_organisation_cannot_be_assigned(
    make_user, make_application, signed_in, staff
) -> None:
    applicant = make_user("applicant")
    colleague = make_user("reviewer", organisation=applicant.organisation)
    application = screened(make_application(State.SUBMITTED, applicant=applicant),
                           staff["officer"])

    with pytest.raises(InvalidInput) as refused:
        ops.assign_reviewer(application, actor=staff["officer"], reviewer=colleague)
    session.rollback()

    assert "tillhör den sökande organisationen" in refused.value.reasons[0]
    assert session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    assert events(application.id, "assign_reviewer") == []
    doc = page(signed_in(colleague).get("/granskning/"))
    assert "Du har inga ansökningar att granska just nu." in doc.text
