"""The pilot owner's pages after the grant: the reports page, the report form (draft, kept input,
hand-in with its reasons), report attachments, payment requests with a report, and change
requests; who may see them (another organisation: 404) and when (not before the grant, not
after closing)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage

from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    Attachment,
    ChangeRequest,
    PaymentRequest,
    Report,
    User,
)
from grants.operations import reports as report_ops
from tests.conftest import csrf_token
from tests.web.conftest import error_summary, field_error, page
from workflows import ReportState

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# Helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def pilot(make_application: Callable[..., Application]) -> Application:
    """A granted pilot of the applicant's organisation."""
    return make_application("granted")


@pytest.fixture
def owner(pilot: Application, signed_in: Callable[[User], FlaskClient]) -> FlaskClient:
    assert pilot.created_by is not None
    return signed_in(pilot.created_by)


def reports_url(application: Application) -> str:
    return f"/mina-ansokningar/{application.id}/rapporter"


def report_url(report: Report) -> str:
    return f"/mina-ansokningar/{report.application_id}/rapporter/{report.id}"


def start(client: FlaskClient, application: Application, kind: str) -> Any:
    token = csrf_token(client, reports_url(application))
    return client.post(f"{reports_url(application)}/ny", data={"csrf_token": token,
                                                               "kind": kind})


def started(client: FlaskClient, application: Application, kind: str) -> Report:
    response = start(client, application, kind)
    assert response.status_code == 302, response.get_data(as_text=True)
    report = session.scalars(sa.select(Report).where(
        Report.application_id == application.id, Report.kind == kind)
        .order_by(Report.id.desc())).first()
    assert report is not None
    assert response.headers["Location"].endswith(report_url(report))
    return report


def post_report(client: FlaskClient, report: Report, data: dict[str, str],
                button: str = "save") -> Any:
    token = csrf_token(client, report_url(report))
    return client.post(report_url(report), data={"csrf_token": token, button: "1", **data})


def post_report_without_page(client: FlaskClient, report: Report, data: dict[str, str],
                             button: str = "save") -> Any:
    """Post the report form with a token read from another page (the form may be gone)."""
    token = csrf_token(client, reports_url(report.application))
    return client.post(report_url(report), data={"csrf_token": token, button: "1", **data})


def complete_follow_up(application: Application, *, payment: str = "50 000") -> dict[str, str]:
    """What a pilot owner types into a complete follow-up report."""
    decision = application.current_decision
    assert decision is not None and decision.project_start and decision.project_end
    data = {
        "period_start": decision.project_start.isoformat(),
        "period_end": decision.project_end.isoformat(),
        "activities_done": "Träffar två kvällar i veckan med en referensgrupp av unga.",
        "activities_deviations": "Två träffar ställdes in under höstlovet.",
        "p_13_15_girls": "14", "p_13_15_boys": "11", "p_13_15_other": "1",
        "p_16_19_girls": "9", "p_16_19_boys": "8", "p_16_19_other": "0",
        "stated_cost_total": f"{application.cost_total:,}".replace(",", " "),
        "cost_comment": "",
        "learned_worked": "Unga som planerade själva kom tillbaka.",
        "learned_not_worked": "Sena kvällar passade inte de yngsta.",
        "learned_for_others": "Börja med en referensgrupp.",
        "learnings_public": "y",
        "gender_equality_outcome": "Hälften av deltagarna var flickor.",
        "sustainability_outcome": "Aktiviteterna hölls nära skolan; inga resor behövdes.",
        "payment_requested": payment,
    }
    for indicator in application.indicators:
        data |= {f"ind{indicator.id}_outcome": "42", f"ind{indicator.id}_girls": "22",
                 f"ind{indicator.id}_boys": "20", f"ind{indicator.id}_comment": ""}
    for n, line in enumerate(application.budget_lines):
        data |= {f"costs-{n}-year": str(line.year), f"costs-{n}-cost_type": line.cost_type,
                 f"costs-{n}-description": line.description,
                 f"costs-{n}-amount": str(line.amount)}
    for n, line in enumerate(application.co_financing):
        data |= {f"co_financing-{n}-year": str(line.year), f"co_financing-{n}-kind": line.kind,
                 f"co_financing-{n}-funder": line.funder,
                 f"co_financing-{n}-amount": str(line.amount)}
    for answer in application.checklist_answers:
        data[f"check{answer.question_id}"] = "Som vi lovade."
    return data


def reload(report: Report) -> Report:
    session.expire_all()
    fresh = session.get(Report, report.id)
    assert fresh is not None
    return fresh


def value_of(doc: Any, field_id: str) -> str:
    return doc.one(id=field_id).value


# The reports page and starting a report ---------------------------------------------------------


def test_the_reports_page_lists_the_decisions_reports_with_due_dates_and_what_can_be_started(
    pilot, owner
) -> None:
    response = owner.get(reports_url(pilot))
    assert response.status_code == 200
    doc = page(response)
    rows = [row.text for row in doc.one("table", class_="data").find_all("tr")[1:]]
    due = {d.kind: d.due_date for d in pilot.current_decision.report_dues}
    assert any(r.startswith("Uppföljningsrapport") and str(due["follow_up"]) in r
               and "Inte påbörjad" in r for r in rows)
    kinds = {b.attrs["value"] for b in doc.find_all("button", name="kind")}
    assert {"stage", "follow_up", "final_financial"} <= kinds
    assert "scale_up" not in kinds
    text = doc.text
    assert "kan lämnas först när uppföljningsrapporten är godkänd" in text
    assert "Inga rekvisitioner ännu" in text
    assert doc.find("a", href=f"/mina-ansokningar/{pilot.id}/andring") is not None


def test_an_overdue_report_is_marked_in_words(pilot, owner) -> None:
    due = next(d for d in pilot.current_decision.report_dues if d.kind == "follow_up")
    due.due_date = today() - timedelta(days=3)
    session.commit()
    row = next(r for r in page(owner.get(reports_url(pilot))).find_all("tr")
               if r.text.startswith("Uppföljningsrapport"))
    assert f"försenad, skulle ha lämnats senast {due.due_date}" in row.text


def test_the_owner_starts_saves_a_draft_and_hands_in_a_complete_follow_up_report(
    pilot, owner
) -> None:
    report = started(owner, pilot, "follow_up")
    form_page = page(owner.get(report_url(report)))
    # The form holds exactly the follow-up's parts; the planned activities stand beside.
    assert {"period", "activities", "indicators", "participants", "costs", "learnings",
            "outcomes", "payment"} <= {h.attrs["id"] for h in form_page.find_all("h2")
                                       if "id" in h.attrs}
    assert "scale_up" not in {h.attrs.get("id") for h in form_page.find_all("h2")}
    assert "Månad 1: planera med unga" in form_page.text
    assert "Bara antal." in form_page.text
    assert "offentliga register" in form_page.text

    draft = {"activities_done": "Vi har börjat med referensgruppen."}
    response = post_report(owner, report, draft)
    assert response.status_code == 302
    report = reload(report)
    assert report.state == ReportState.DRAFT
    assert report.activities_done == "Vi har börjat med referensgruppen."
    assert value_of(page(owner.get(report_url(report))), "activities_done") == \
        "Vi har börjat med referensgruppen."

    response = post_report(owner, report, complete_follow_up(pilot), button="hand_in")
    assert response.status_code == 302, error_summary(page(response))
    report = reload(report)
    assert report.state == ReportState.SUBMITTED
    assert report.submitted_by_id == pilot.created_by_id
    assert {(p.age_band, p.girls, p.boys, p.other) for p in report.participants} == {
        ("13-15", 14, 11, 1), ("16-19", 9, 8, 0)}
    assert report.cost_total == pilot.cost_total
    assert report.learnings_public is True
    # The payment request is stored with the report.
    request_ = session.scalars(sa.select(PaymentRequest).where(
        PaymentRequest.report_id == report.id)).one()
    assert (request_.amount, request_.state, request_.application_id) == (50_000, "open",
                                                                          pilot.id)

    # A second press (another tab, a double click) changes nothing.
    again = post_report_without_page(owner, report, complete_follow_up(pilot), "hand_in")
    assert again.status_code == 302
    assert reload(report).submitted_at == report.submitted_at
    assert "redan inlämnad" in page(owner.get(again.headers["Location"])).text
    # Files cannot be added to what is handed in.
    assert upload(owner, report, "sent.pdf", PDF).status_code == 409

    shown = page(owner.get(report_url(report)))
    assert shown.find("form", action=report_url(report)) is None  # read-only now
    assert "inlämnad och väntar på handläggarens granskning" in shown.text
    assert "Hälften av deltagarna var flickor." in shown.text
    assert request_.reference in shown.text
    listing = page(owner.get(reports_url(pilot)))
    assert request_.reference in listing.text and "50 000 kr" in listing.text.replace(
        "\u00a0", " ")


def test_a_returned_report_shows_the_officers_note_and_can_be_handed_in_again(
    pilot, owner, staff
) -> None:
    report = started(owner, pilot, "follow_up")
    assert post_report(owner, report, complete_follow_up(pilot), "hand_in").status_code == 302
    report_ops.return_report(reload(report), actor=staff["officer"],
                             reason="Lägg till hur många som deltog i juni.")
    session.commit()
    doc = page(owner.get(report_url(report)))
    assert "Handläggaren vill att ni kompletterar" in doc.text
    assert "Lägg till hur många som deltog i juni." in doc.text
    assert doc.find("form", action=report_url(report)) is not None
    assert post_report(owner, report, complete_follow_up(pilot), "hand_in").status_code == 302
    assert reload(report).state == ReportState.SUBMITTED


@pytest.mark.parametrize(("typed", "message"), [
    ("-3", "13–15 år, flickor: antalet kan inte vara negativt."),
    ("12,5", "13–15 år, flickor: ange ett helt antal personer, utan decimaler."),
    ("tolv", "13–15 år, flickor: ange antalet med siffror, till exempel 12."),
])
def test_a_count_that_is_not_a_whole_number_of_0_or_more_answers_422_and_is_kept_after_reload(
    pilot, owner, typed: str, message: str
) -> None:
    report = started(owner, pilot, "follow_up")
    response = post_report(owner, report, {"p_13_15_girls": typed, "p_13_15_boys": "11",
                                           "activities_done": "Det vi gjort."})
    assert response.status_code == 422
    doc = page(response)
    summary = doc.one("div", id="error-summary")
    assert message in summary.text
    assert summary.find("a", href="#p_13_15_girls") is not None
    assert message in field_error(doc, "p_13_15_girls")
    assert (value_of(doc, "p_13_15_girls"), value_of(doc, "p_13_15_boys"),
            value_of(doc, "activities_done")) == (typed, "11", "Det vi gjort.")
    # Nothing was stored as a count; what was typed is kept as typed.
    report = reload(report)
    assert report.participants == [] and report.activities_done == ""
    assert report.unsaved_input["p_13_15_girls"] == [typed]

    again = owner.get(report_url(report))
    assert again.status_code == 200
    doc = page(again)
    assert (value_of(doc, "p_13_15_girls"), value_of(doc, "activities_done")) == (
        typed, "Det vi gjort.")
    assert message in field_error(doc, "p_13_15_girls")
    assert "kunde inte sparas som det var" in doc.text

    # Handing in is refused while it is there; fixing it stores the counts.
    assert post_report(owner, report, {"p_13_15_girls": typed}, "hand_in").status_code == 422
    assert reload(report).state == ReportState.DRAFT
    assert post_report(owner, report, {"p_13_15_girls": "4"}).status_code == 302
    report = reload(report)
    assert report.unsaved_input == {}
    assert [(p.age_band, p.girls) for p in report.participants] == [("13-15", 4)]


def test_handing_in_a_report_with_missing_content_saves_the_draft_and_lists_every_reason(
    pilot, owner
) -> None:
    report = started(owner, pilot, "follow_up")
    response = post_report(owner, report, {"period_start": "2026-01-01",
                                           "period_end": "2026-03-31"}, "hand_in")
    assert response.status_code == 409
    summary = error_summary(page(response))
    assert summary is not None and summary.startswith("Utkastet är sparat, men rapporten")
    for reason in ("Beskriv vilka aktiviteter som genomförts.",
                   f"Ange utfallet för indikatorn «{pilot.indicators[0].name}».",
                   "Ange hur många som deltog, per åldersgrupp och kön.",
                   "Redovisa de faktiska kostnaderna per kostnadsslag och år."):
        assert reason in summary
    report = reload(report)
    assert report.state == ReportState.DRAFT
    assert str(report.period_start) == "2026-01-01"  # the draft is saved


def test_costs_that_do_not_add_up_are_kept_and_shown_as_things_to_check_not_errors(
    pilot, owner
) -> None:
    report = started(owner, pilot, "follow_up")
    data = complete_follow_up(pilot) | {"stated_cost_total": "250 000"}
    assert post_report(owner, report, data).status_code == 302
    assert reload(report).stated_cost_total == 250_000
    doc = page(owner.get(report_url(report)))
    notes = doc.one(id="att-kontrollera").text.replace("\u00a0", " ")
    assert "Att kontrollera" in notes and "250 000 kr" in notes
    assert error_summary(doc) is None
    assert post_report(owner, report, data, "hand_in").status_code == 302


def test_a_stage_report_has_only_its_parts_and_a_payment_request(pilot, owner) -> None:
    report = started(owner, pilot, "stage")
    doc = page(owner.get(report_url(report)))
    ids = {h.attrs.get("id") for h in doc.find_all("h2")}
    assert {"period", "activities", "indicators", "costs", "payment"} <= ids
    assert not {"participants", "outcomes", "scale_up"} & ids
    assert doc.find(id="p_13_15_girls") is None
    response = post_report(owner, report, {"payment_requested": "0"})
    assert response.status_code == 422
    assert "större än 0 kr" in field_error(page(response), "payment_requested")


def test_a_final_financial_report_with_more_cost_rows_is_handed_in_with_its_payment_request(
    pilot, owner
) -> None:
    report = started(owner, pilot, "final_financial")
    data = {key: value for key, value in complete_follow_up(pilot, payment="30 000").items()
            if key.startswith(("period_", "costs-", "co_financing-", "stated_cost_total",
                               "payment_requested"))}
    response = post_report(owner, report, data, "more_rows")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("?rader=5#rows-end")
    doc = page(owner.get(response.headers["Location"]))
    rows = len(pilot.budget_lines)
    assert doc.find(id=f"costs-{rows + 4}-amount") is not None  # the saved rows + 5 blank
    assert value_of(doc, "costs-0-amount") == f"{pilot.budget_lines[0].amount:,}".replace(
        ",", " ")
    assert post_report(owner, report, data, "hand_in").status_code == 302
    report = reload(report)
    assert report.state == ReportState.SUBMITTED
    assert report.stated_cost_total == pilot.cost_total
    assert report.payment_request is not None and report.payment_request.amount == 30_000


# Before the grant, after closing, the scale-up report ------------------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_before_the_grant_the_reports_page_says_reports_come_later_and_starting_is_refused(
    make_application, signed_in, state: str
) -> None:
    application = make_application(state)
    client = signed_in(application.created_by)
    response = client.get(reports_url(application))
    assert response.status_code == 200
    doc = page(response)
    assert "Rapporter lämnas när stödet är beviljat." in doc.text
    assert doc.find("button", name="kind") is None
    refused = start(client, application, "follow_up")
    assert refused.status_code == 409
    assert "rapporter lämnas när stödet är beviljat" in error_summary(page(refused))
    assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
    change = client.get(f"/mina-ansokningar/{application.id}/andring")
    assert change.status_code == 200 and page(change).find("textarea") is None


def test_after_closing_the_reports_are_read_only_and_nothing_new_is_taken_in(
    make_application, signed_in
) -> None:
    application = make_application("closed")
    client = signed_in(application.created_by)
    doc = page(client.get(reports_url(application)))
    assert "tar inte emot fler rapporter" in doc.text
    assert doc.find("button", name="kind") is None
    refused = start(client, application, "stage")
    assert refused.status_code == 409
    assert "tar inte emot fler rapporter" in error_summary(page(refused))
    final = session.scalars(sa.select(Report).where(
        Report.application_id == application.id)).first()
    assert final is not None and final.state == ReportState.APPROVED
    shown = client.get(report_url(final))
    assert shown.status_code == 200
    assert page(shown).find("form", action=report_url(final)) is None
    token = csrf_token(client, reports_url(application))
    posted = client.post(report_url(final), data={"csrf_token": token, "save": "1",
                                                  "period_start": "2026-01-01"})
    assert posted.status_code == 409
    assert str(reload(final).period_start) != "2026-01-01"
    assert client.get(f"/mina-ansokningar/{application.id}/andring").status_code == 200
    refused_change = client.post(f"/mina-ansokningar/{application.id}/andring", data={
        "csrf_token": token, "reason": "Vi behöver mer tid.",
        "new_project_end": "2030-01-01"})
    assert refused_change.status_code == 422
    assert "bara beviljade piloter som pågår kan ändras" in error_summary(page(refused_change))
    assert session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 0


def test_the_scale_up_report_is_refused_before_the_follow_up_is_approved_with_its_reason(
    pilot, owner, make_application, signed_in
) -> None:
    unknown = start(owner, pilot, "annual")
    assert unknown.status_code == 422
    assert "Välj vilken rapport du vill påbörja." in error_summary(page(unknown))
    response = start(owner, pilot, "scale_up")
    assert response.status_code == 409
    assert ("Rapporten om införande i ordinarie verksamhet kan lämnas först när "
            "uppföljningsrapporten är godkänd.") in error_summary(page(response))
    assert session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.kind == "scale_up")) == 0

    followed_up = make_application("followed_up")
    client = signed_in(followed_up.created_by)
    doc = page(client.get(reports_url(followed_up)))
    assert "scale_up" in {b.attrs["value"] for b in doc.find_all("button", name="kind")}
    report = started(client, followed_up, "scale_up")
    form_page = page(client.get(report_url(report)))
    assert form_page.find(id="receiving_organisation") is not None
    assert form_page.find(id="payment_requested") is None


# Attachments -------------------------------------------------------------------------------------


def upload(client: FlaskClient, report: Report, name: str, data: bytes) -> Any:
    token = csrf_token(client, report_url(report))
    return client.post(f"{report_url(report)}/bilagor", content_type="multipart/form-data",
                       data={"csrf_token": token, "description": "Utdrag ur bokföringen",
                             "file": FileStorage(stream=io.BytesIO(data), filename=name)})


def test_a_report_attachment_is_uploaded_downloaded_as_an_attachment_and_removed(
    pilot, owner
) -> None:
    report = started(owner, pilot, "stage")
    response = upload(owner, report, "bokforing.pdf", PDF)
    assert response.status_code == 302
    attachment = session.scalars(sa.select(Attachment).where(
        Attachment.report_id == report.id)).one()
    url = f"{report_url(report)}/bilagor/{attachment.id}"
    assert page(owner.get(report_url(report))).find("a", href=url) is not None
    download = owner.get(url)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "bokforing.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Report files are not the application's own attachments.
    session.expire_all()
    assert session.get(Application, pilot.id).attachments == []

    token = csrf_token(owner, report_url(report))
    assert owner.post(f"{url}/ta-bort", data={"csrf_token": token}).status_code == 302
    assert owner.get(url).status_code == 404
    assert reload(report).attachments == []


def test_a_bad_upload_is_refused_with_its_reason_and_nothing_is_stored(pilot, owner) -> None:
    report = started(owner, pilot, "stage")
    response = upload(owner, report, "program.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert response.status_code == 422
    doc = page(response)
    assert "inte en fil av tillåten typ" in error_summary(doc)
    assert "inte en fil av tillåten typ" in field_error(doc, "file")
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


# Change requests --------------------------------------------------------------------------------


def test_a_change_request_moving_money_between_years_is_stored_shown_and_can_be_withdrawn(
    pilot, owner
) -> None:
    year = today().year
    url = f"/mina-ansokningar/{pilot.id}/andring"
    form_page = page(owner.get(url))
    assert form_page.find(id="due_follow_up_1") is not None
    token = csrf_token(owner, url)
    response = owner.post(url, data={
        "csrf_token": token, "reason": "Aktiviteterna i december flyttas till januari.",
        "move_from_year": str(year), "move_to_year": str(year + 1), "move_amount": "20 000",
    })
    assert response.status_code == 302, error_summary(page(response))
    request_ = session.scalars(sa.select(ChangeRequest)).one()
    assert (request_.move_from_year, request_.move_to_year, request_.move_amount,
            request_.state) == (year, year + 1, 20_000, "pending")
    listing = page(owner.get(reports_url(pilot))).text.replace("\u00a0", " ")
    assert f"Flytta 20 000 kr från {year} till {year + 1}." in listing
    assert "Väntar på beslut" in listing
    # One request at a time: the form gives way to the pending one.
    assert page(owner.get(url)).find("textarea") is None

    token = csrf_token(owner, reports_url(pilot))
    withdrawn = owner.post(f"{url}/{request_.id}/aterkalla", data={"csrf_token": token})
    assert withdrawn.status_code == 302
    session.expire_all()
    assert session.get(ChangeRequest, request_.id).state == "withdrawn"
    assert "Återkallad" in page(owner.get(reports_url(pilot))).text


def test_a_refused_change_request_shows_each_reason_at_its_field_with_the_typed_values_kept(
    pilot, owner
) -> None:
    year = today().year
    url = f"/mina-ansokningar/{pilot.id}/andring"
    token = csrf_token(owner, url)
    response = owner.post(url, data={
        "csrf_token": token, "reason": "  ", "new_project_end": "2000-01-01",
        "due_follow_up_1": "31/12", "move_from_year": str(year),
        "move_to_year": str(year + 1), "move_amount": "9 999 999",
    })
    assert response.status_code == 422
    doc = page(response)
    assert "Skriv varför ändringen behövs." in field_error(doc, "reason")
    assert "ÅÅÅÅ-MM-DD" in field_error(doc, "due_follow_up_1")
    assert value_of(doc, "due_follow_up_1") == "31/12"

    response = owner.post(url, data={
        "csrf_token": token, "reason": "Vi behöver mer tid.", "new_project_end": "2000-01-01",
        "move_from_year": str(year), "move_to_year": str(year + 1), "move_amount": "9 999 999",
    })
    assert response.status_code == 422
    doc = page(response)
    assert "Projektet kan inte sluta innan det börjar." in field_error(doc, "new_project_end")
    assert "att flytta" in field_error(doc, "move_amount")
    assert (value_of(doc, "reason"), value_of(doc, "new_project_end"),
            value_of(doc, "move_amount")) == ("Vi behöver mer tid.", "2000-01-01", "9 999 999")
    assert session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 0


def test_a_change_request_moving_a_report_date_is_stored(pilot, owner) -> None:
    url = f"/mina-ansokningar/{pilot.id}/andring"
    due = next(d for d in pilot.current_decision.report_dues if d.kind == "follow_up")
    new = due.due_date.replace(year=due.due_date.year + 1)
    token = csrf_token(owner, url)
    response = owner.post(url, data={"csrf_token": token, "reason": "Sjukdom i personalen.",
                                     "due_follow_up_1": new.isoformat()})
    assert response.status_code == 302
    request_ = session.scalars(sa.select(ChangeRequest)).one()
    assert request_.new_report_dates == [{"kind": "follow_up", "number": 1,
                                          "due": new.isoformat()}]


# Who may see it ---------------------------------------------------------------------------------


@pytest.fixture
def everything(pilot: Application, owner: FlaskClient) -> dict[str, Any]:
    """A pilot with a report, a report attachment and a change request."""
    report = started(owner, pilot, "stage")
    assert upload(owner, report, "bokforing.pdf", PDF).status_code == 302
    url = f"/mina-ansokningar/{pilot.id}/andring"
    token = csrf_token(owner, url)
    assert owner.post(url, data={"csrf_token": token, "reason": "Mer tid.",
                                 "new_project_end": "2031-06-30"}).status_code == 302
    attachment = session.scalars(sa.select(Attachment)).one()
    change = session.scalars(sa.select(ChangeRequest)).one()
    base = f"/mina-ansokningar/{pilot.id}"
    return {
        "get": [f"{base}/rapporter", report_url(report),
                f"{report_url(report)}/bilagor/{attachment.id}", f"{base}/andring"],
        "post": [f"{base}/rapporter/ny", report_url(report), f"{report_url(report)}/bilagor",
                 f"{report_url(report)}/bilagor/{attachment.id}/ta-bort", f"{base}/andring",
                 f"{base}/andring/{change.id}/aterkalla"],
        "report": report, "attachment": attachment, "change": change,
    }


def test_another_organisations_applicant_gets_404_on_every_report_address(
    everything, make_user, signed_in
) -> None:
    stranger = signed_in(make_user("applicant"))
    for url in everything["get"]:
        assert stranger.get(url).status_code == 404, url
    token = csrf_token(stranger, "/mina-ansokningar/")
    for url in everything["post"]:
        response = stranger.post(url, data={"csrf_token": token, "kind": "stage",
                                            "save": "1", "reason": "x"})
        assert response.status_code == 404, url
    session.expire_all()
    assert session.get(Attachment, everything["attachment"].id).removed_at is None
    assert session.get(ChangeRequest, everything["change"].id).state == "pending"
    assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_a_report_of_another_pilot_is_not_found_under_this_pilots_address(
    everything, make_application, owner, pilot
) -> None:
    other = make_application("granted", applicant=pilot.created_by)
    report = everything["report"]
    assert owner.get(f"/mina-ansokningar/{other.id}/rapporter/{report.id}").status_code == 404
    assert owner.get(f"/mina-ansokningar/{other.id}/rapporter/{report.id}/bilagor/"
                     f"{everything['attachment'].id}").status_code == 404


def test_staff_are_refused_and_anonymous_visitors_are_sent_to_log_in(
    everything, staff, signed_in, client
) -> None:
    for url in everything["get"]:
        assert client.get(url).status_code == 302, url
        assert "/logga-in" in client.get(url).headers["Location"]
    officer = signed_in(staff["officer"])
    for url in everything["get"]:
        assert officer.get(url).status_code == 403, url


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(everything, owner) -> None:
    for url in everything["post"]:
        response = owner.post(url, data={"kind": "stage", "save": "1", "reason": "x",
                                         "activities_done": "Ändrat"})
        assert response.status_code == 400, url
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
    assert reload(everything["report"]).activities_done == ""
    assert session.get(Attachment, everything["attachment"].id).removed_at is None
    assert session.get(ChangeRequest, everything["change"].id).state == "pending"


def test_the_report_pages_carry_no_inline_script_style_or_handler(everything, owner) -> None:
    report = everything["report"]
    pages = [owner.get(url) for url in everything["get"] if "/bilagor/" not in url]
    pages.append(post_report(owner, report, {"p_13_15_girls": "-1",
                                             "payment_requested": "tusen"}))
    assert pages[-1].status_code == 422
    for response in pages:
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), response.request.path
        assert not re.search(r"\sstyle=", html), response.request.path
        assert not re.search(r"\son[a-z]+=", html), response.request.path
