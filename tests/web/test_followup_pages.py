"""The officer's follow-up pages driven through HTTP like a browser: the overview of due and
overdue reports, one report read in full and approved or returned, the report due dates, and
closing a pilot with its unspent money released.

Every form goes through the real operation. Input that cannot be used answers 422 with the
message at the field and the typed value kept; a rule that refuses answers 409 with its reasons;
either way nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session, utcnow
from grants.demo import write_report
from grants.models import (
    Application,
    AuditEvent,
    LedgerEntry,
    LedgerKind,
    PilotAccount,
    Pot,
    Report,
    ReportDue,
    ReportKind,
    User,
)
from grants.money import format_kronor
from grants.operations import finance as fin
from grants.operations import reports as report_ops
from tests.conftest import csrf_token
from tests.web.conftest import Element, error_summary, field_error, page
from tests.web.test_query_counts import counting_queries
from workflows import ReportState, State

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
GRANT = 100_000
"""What the test factory's granted pilots get, all from this year's pot."""
REASON = "Piloten är genomförd och slutredovisad."

Make = Callable[..., Application]
SignIn = Callable[[User], FlaskClient]


# Helpers ----------------------------------------------------------------------------------------


def kr(amount: int) -> str:
    """An amount as the page's text reads it (the reader makes no-break spaces plain ones)."""
    return format_kronor(amount).replace("\u00a0", " ")


def owner(application: Application) -> User:
    assert application.created_by is not None
    return application.created_by


def handed_in(application: Application, kind: str = ReportKind.FOLLOW_UP) -> Report:
    """A complete report of ``kind``, written and submitted by the pilot owner."""
    report = write_report(application, kind, owner(application))
    report_ops.submit_report(report, actor=owner(application))
    session.commit()
    return report


def due(application: Application, kind: str = ReportKind.FOLLOW_UP) -> ReportDue:
    decision = application.current_decision
    assert decision is not None
    return next(d for d in decision.report_dues if d.kind == kind)


def make_overdue(application: Application, days: int = 10) -> ReportDue:
    """Test setup: the follow-up report's due date ``days`` in the past (the operation refuses
    a date before the project starts, and the factory's projects start today)."""
    report_due = due(application)
    report_due.due_date = today() - timedelta(days=days)
    session.commit()
    return report_due


def report_url(report: Report) -> str:
    return f"/handlaggning/arenden/{report.application_id}/rapporter/{report.id}"


def dates_url(application: Application) -> str:
    return f"/handlaggning/arenden/{application.id}/rapportdatum"


def close_url(application: Application) -> str:
    return f"/handlaggning/arenden/{application.id}/avsluta"


def reload(application: Application) -> Application:
    session.expire_all()
    fresh = session.get(Application, application.id)
    assert fresh is not None
    return fresh


def events(application: Application, trigger: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == trigger)
        .order_by(AuditEvent.id)))


def table_texts(doc: Element, table_id: str) -> list[str]:
    table = doc.find("table", id=table_id)
    if table is None:
        return []
    return [row.text for row in table.one("tbody").find_all("tr")]


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    token = csrf_token(client, "/")
    prefix = next((key.split("-")[0] + "-" for key in data if "-" in key), "")
    return client.post(url, data={f"{prefix}csrf_token": token, **data})


@pytest.fixture
def officer(staff: dict[str, User], signed_in: SignIn) -> FlaskClient:
    return signed_in(staff["officer"])


# The overview -----------------------------------------------------------------------------------


def test_overview_lists_an_overdue_report_first_and_says_so(
        make_application: Make, officer: FlaskClient) -> None:
    late = make_application(State.GRANTED, title="Sen pilot")
    on_time = make_application(State.GRANTED, title="Pilot i tid")
    make_overdue(late, days=10)

    response = officer.get("/handlaggning/rapporter")
    assert response.status_code == 200
    doc = page(response)
    overdue = table_texts(doc, "overdue-reports")
    assert len(overdue) == 1
    assert late.reference in overdue[0] and "Sen pilot" in overdue[0]
    assert "Testföreningen" in overdue[0] and "Uppföljningsrapport" in overdue[0]
    assert "Försenad: 10 dagar sedan sista dagen" in overdue[0]
    assert (today() - timedelta(days=10)).isoformat() in overdue[0]
    upcoming = " ".join(table_texts(doc, "upcoming-reports"))
    assert on_time.reference in upcoming and late.reference not in upcoming
    # Overdue comes first on the page.
    text = doc.text
    assert text.index("Försenade rapporter") < text.index("Rapporter som ska lämnas")


def test_overview_shows_a_submitted_report_with_a_link_to_read_it(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    report = handed_in(application)
    make_overdue(application, days=3)  # handed in after the day: waiting, not overdue

    doc = page(officer.get("/handlaggning/rapporter"))
    waiting = doc.one("table", id="waiting-reports")
    assert application.reference in waiting.text
    assert "Inlämnad, väntar på granskning" in waiting.text
    assert f"Lämnades in {today().isoformat()} (efter sista dagen)" in waiting.text
    assert "Försenad" not in waiting.text
    assert waiting.find("a", href=report_url(report)) is not None
    assert application.reference not in " ".join(table_texts(doc, "overdue-reports"))


def test_overview_issues_the_same_number_of_queries_for_two_and_six_pilots(
        app: Any, make_application: Make, officer: FlaskClient) -> None:
    def pilots(count: int) -> None:
        for _ in range(count):
            application = make_application(State.GRANTED)
            make_overdue(application)
        handed_in(make_application(State.GRANTED))

    pilots(1)  # two pilots: one overdue, one handed in
    with counting_queries(app) as few:
        response = officer.get("/handlaggning/rapporter")
    assert response.status_code == 200
    assert len(table_texts(page(response), "overdue-reports")) == 1

    pilots(3)  # six pilots
    with counting_queries(app) as many:
        response = officer.get("/handlaggning/rapporter")
    assert response.status_code == 200
    assert len(table_texts(page(response), "overdue-reports")) == 4
    assert len(table_texts(page(response), "waiting-reports")) == 2
    assert len(few) == len(many), "\n".join(["2 pilots:", *few, "", "6 pilots:", *many])


# One report: approve, return -------------------------------------------------------------------


def test_approving_the_follow_up_report_makes_the_case_followed_up(
        make_application: Make, officer: FlaskClient, staff: dict[str, User]) -> None:
    application = make_application(State.GRANTED)
    report = handed_in(application)

    doc = page(officer.get(report_url(report)))
    button = doc.one("form", id="godkann").one("input", type="submit")
    assert button.attrs["value"] == "Godkänn – ärendet blir uppföljt"
    totals = doc.one("table", id="participants").one("tfoot")
    assert [cell.text for cell in totals.iter() if cell.tag in ("th", "td")] == [
        "Totalt", "23", "19", "1", "43"]
    assert "Inget i redovisningen av pengarna sticker ut." in doc.one(id="att-kontrollera").text

    response = post(officer, report_url(report) + "/godkann",
                    {"approve-note": "Bra genomfört."})
    assert response.status_code == 302
    application = reload(application)
    assert application.state == State.FOLLOWED_UP
    assert session.get(Report, report.id).state == ReportState.APPROVED
    approved, = events(application, "approve_report")
    followed, = events(application, "follow_up")
    assert approved.actor_id == followed.actor_id == staff["officer"].id
    assert approved.reason == followed.reason == "Bra genomfört."
    assert (followed.from_state, followed.to_state) == (State.GRANTED, State.FOLLOWED_UP)
    doc = page(officer.get(response.headers["Location"]))
    assert "Ärendet har nu status «Uppföljd»" in doc.text
    assert doc.find("form", id="godkann") is None


def test_returning_a_report_needs_a_reason(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    report = handed_in(application)

    response = post(officer, report_url(report) + "/atersand", {"return-reason": "  "})
    assert response.status_code == 422
    doc = page(response)
    assert "Skriv vad som behöver kompletteras." in (error_summary(doc) or "")
    assert field_error(doc, "return-reason")
    assert session.get(Report, report.id).state == ReportState.SUBMITTED

    typed = "Komplettera med kvitton. Kontakt 19121212-1212."
    response = post(officer, report_url(report) + "/atersand", {"return-reason": typed})
    assert response.status_code == 422  # a personnummer is never stored
    assert page(response).one("textarea", id="return-reason").value == typed

    reason = "Kostnaderna för externa tjänster saknar underlag."
    response = post(officer, report_url(report) + "/atersand", {"return-reason": reason})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Report, report.id).state == ReportState.RETURNED
    returned, = events(application, "return_report")
    assert returned.reason == reason
    assert reload(application).state == State.GRANTED


def test_approving_the_scale_up_report_makes_the_case_scaled(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.FOLLOWED_UP)
    report = handed_in(application, ReportKind.SCALE_UP)

    doc = page(officer.get(report_url(report)))
    button = doc.one("form", id="godkann").one("input", type="submit")
    assert button.attrs["value"] == "Godkänn – ärendet blir infört i ordinarie verksamhet"
    assert "Fritidsförvaltningen" in doc.one("section", attrs={"aria-labelledby": "del-scale_up"}
                                             ).text
    response = post(officer, report_url(report) + "/godkann", {"approve-note": ""})
    assert response.status_code == 302
    application = reload(application)
    assert application.state == State.SCALED
    scaled, = events(application, "scale")
    assert scaled.data == {"report_id": report.id}


def test_a_scale_up_report_is_not_approved_before_the_follow_up(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    # Test setup: a scale-up report handed in on a case not yet followed up (the pilot owner's
    # pages refuse to start one, so it is put in directly) — the approval must refuse it too.
    report = Report(application_id=application.id, kind=ReportKind.SCALE_UP.value, number=1,
                    state=ReportState.SUBMITTED.value, submitted_at=utcnow(),
                    submitted_by_id=owner(application).id, receiving_organisation="Kommunen",
                    unsaved_input={}, checklist_outcomes={})
    session.add(report)
    session.commit()
    before = len(application.events)

    response = post(officer, report_url(report) + "/godkann",
                    {"approve-note": "Godkänns."})
    assert response.status_code == 409
    doc = page(response)
    assert ("Rapporten om införande kan godkännas först när uppföljningsrapporten är godkänd."
            in (error_summary(doc) or ""))
    assert doc.one("textarea", id="approve-note").value == "Godkänns."
    application = reload(application)
    assert application.state == State.GRANTED
    assert session.get(Report, report.id).state == ReportState.SUBMITTED
    assert len(application.events) == before


def test_the_report_page_flags_costs_that_do_not_add_up(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    report = write_report(application, ReportKind.FOLLOW_UP, owner(application))
    report.stated_cost_total = report.cost_total + 5_000  # what the pilot owner typed
    session.commit()
    report_ops.submit_report(report, actor=owner(application))
    session.commit()

    doc = page(officer.get(report_url(report)))
    check = doc.one("section", id="att-kontrollera").text
    assert "Att kontrollera" in check
    assert f"totalen enligt bokföringen anges till {kr(report.cost_total + 5_000)}" in check
    assert "ingenting är rättat" in check
    # Shown as typed, never corrected.
    assert session.get(Report, report.id).stated_cost_total == report.cost_total + 5_000


def test_a_report_not_handed_in_is_not_found(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    draft = write_report(application, ReportKind.FOLLOW_UP, owner(application))
    session.commit()
    assert officer.get(report_url(draft)).status_code == 404
    other = make_application(State.GRANTED)
    assert officer.get(f"/handlaggning/arenden/{other.id}/rapporter/{draft.id}"
                       ).status_code == 404


def test_a_report_attachment_is_always_a_download(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    report = write_report(application, ReportKind.FOLLOW_UP, owner(application))
    kept = report_ops.add_report_attachment(report, actor=owner(application),
                                            filename="kvitton.pdf", data=PDF)
    removed = report_ops.add_report_attachment(report, actor=owner(application),
                                               filename="fel.pdf", data=PDF)
    report_ops.remove_report_attachment(removed, actor=owner(application))
    report_ops.submit_report(report, actor=owner(application))
    session.commit()

    doc = page(officer.get(report_url(report)))
    link = doc.one("a", href=f"{report_url(report)}/bilagor/{kept.id}")
    assert "kvitton.pdf" in link.text
    assert "fel.pdf" not in doc.text
    response = officer.get(f"{report_url(report)}/bilagor/{kept.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert officer.get(f"{report_url(report)}/bilagor/{removed.id}").status_code == 404


# Report due dates -------------------------------------------------------------------------------


def test_moving_a_due_date_is_logged_and_the_overview_shows_it(
        make_application: Make, officer: FlaskClient, staff: dict[str, User]) -> None:
    application = make_application(State.GRANTED)
    old = due(application).due_date
    new = old + timedelta(days=30)

    doc = page(officer.get(dates_url(application)))
    assert doc.one("input", id="due_follow_up_1").value == old.isoformat()
    scale_up = due(application, ReportKind.SCALE_UP).due_date.isoformat()
    response = post(officer, dates_url(application), {
        "due_follow_up_1": new.isoformat(), "due_scale_up_1": scale_up,
        "reason": "Piloten har begärt mer tid för utvärderingen."})
    assert response.status_code == 302
    application = reload(application)
    assert due(application).due_date == new
    moved, = events(application, "change_report_due")
    assert moved.actor_id == staff["officer"].id
    assert moved.data["before"] == old.isoformat() and moved.data["after"] == new.isoformat()
    assert moved.reason == "Piloten har begärt mer tid för utvärderingen."

    upcoming = " ".join(table_texts(page(officer.get("/handlaggning/rapporter")),
                                    "upcoming-reports"))
    assert new.isoformat() in upcoming and old.isoformat() not in upcoming
    history = page(officer.get(f"/handlaggning/arenden/{application.id}")).text
    assert f"från {old.isoformat()} till {new.isoformat()}" in history


@pytest.mark.parametrize(("typed", "reason", "where", "message"), [
    ("31/12", "Mer tid.", "due_follow_up_1", "Ange datumet som ÅÅÅÅ-MM-DD"),
    ("", "Mer tid.", "due_follow_up_1", "Ange ett datum för uppföljningsrapport."),
    ("+30", "", "reason", "Skriv varför datumet flyttas."),
    ("-400", "Mer tid.", "due_follow_up_1", "Datumet kan inte ligga före projektets start."),
    ("same", "Mer tid.", None, "Inget datum är ändrat."),
])
def test_a_due_date_that_cannot_be_used_is_shown_again_with_its_error(
        make_application: Make, officer: FlaskClient, typed: str, reason: str,
        where: str | None, message: str) -> None:
    application = make_application(State.GRANTED)
    old = due(application).due_date
    value = {"+30": (old + timedelta(days=30)).isoformat(),
             "-400": (old - timedelta(days=400)).isoformat(),
             "same": old.isoformat()}.get(typed, typed)
    response = post(officer, dates_url(application), {
        "due_follow_up_1": value,
        "due_scale_up_1": due(application, ReportKind.SCALE_UP).due_date.isoformat(),
        "reason": reason})
    assert response.status_code == 422
    doc = page(response)
    assert message in (error_summary(doc) or "")
    if where:
        assert message in (field_error(doc, where) or "")
    assert doc.one("input", id="due_follow_up_1").value == value
    assert doc.one("textarea", id="reason").value == reason
    application = reload(application)
    assert due(application).due_date == old
    assert not events(application, "change_report_due")


def test_moving_two_dates_is_all_or_nothing(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    follow_up, scale_up = due(application).due_date, due(application,
                                                          ReportKind.SCALE_UP).due_date
    later = (follow_up + timedelta(days=30)).isoformat()
    too_early = (follow_up - timedelta(days=400)).isoformat()

    response = post(officer, dates_url(application), {
        "due_follow_up_1": later, "due_scale_up_1": too_early, "reason": "Mer tid."})
    assert response.status_code == 422
    doc = page(response)
    assert "Datumet kan inte ligga före projektets start." in (
        field_error(doc, "due_scale_up_1") or "")
    assert field_error(doc, "due_follow_up_1") is None
    assert doc.one("input", id="due_follow_up_1").value == later
    application = reload(application)
    assert (due(application).due_date, due(application, ReportKind.SCALE_UP).due_date) == (
        follow_up, scale_up)
    assert not events(application, "change_report_due")

    response = post(officer, dates_url(application), {
        "due_follow_up_1": later, "due_scale_up_1": (scale_up + timedelta(days=30)).isoformat(),
        "reason": "Mer tid."})
    assert response.status_code == 302
    assert [e.data["report"] for e in events(reload(application), "change_report_due")] == [
        "Uppföljningsrapport", "Rapport om införande i ordinarie verksamhet"]


# Closing ----------------------------------------------------------------------------------------


def test_closing_releases_exactly_the_unspent_amount(
        make_application: Make, make_user: Callable[..., User], officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    year = today().year
    fin.record_payment(application, actor=make_user("finance"), payment=fin.PaymentInput(
        amount=30_000, payment_date=today(), kind="advance", reference="Förskott 1"))
    report = handed_in(application)
    report_ops.approve_report(report, actor=application.current_decision.presented_by)
    session.commit()
    pot = session.get(Pot, year)
    released_before, remaining_before = pot.released, pot.remaining

    doc = page(officer.get(close_url(application)))
    assert "Inget hindrar att piloten avslutas" in doc.text
    row, = table_texts(doc, "release-by-year")
    assert row.startswith(f"{year} {kr(70_000)}")
    assert kr(remaining_before + 70_000) in row

    response = post(officer, close_url(application), {"reason": REASON})
    assert response.status_code == 302
    application = reload(application)
    assert application.state == State.CLOSED
    pot = session.get(Pot, year)
    assert pot.released == released_before + 70_000
    assert pot.remaining == remaining_before + 70_000
    release, = session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.application_id == application.id,
        LedgerEntry.kind == LedgerKind.RELEASE.value))
    assert (release.year, release.amount) == (year, 70_000)
    account = session.get(PilotAccount, application.id)
    assert (account.granted, account.released, account.paid) == (GRANT, 70_000, 30_000)
    assert account.paid <= account.granted - account.released
    closed, = events(application, "close")
    assert closed.data == {"released": {str(year): 70_000}}
    assert closed.reason == REASON
    assert kr(70_000) in page(officer.get(response.headers["Location"])).text


def test_closing_is_refused_without_an_approved_final_report(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.GRANTED)
    pot_before = session.get(Pot, today().year).released

    doc = page(officer.get(close_url(application)))
    assert "Ett ärende avslutas när slutrapporten är godkänd" in doc.one(
        id="closing-blockers").text

    response = post(officer, close_url(application), {"reason": ""})
    assert response.status_code == 422
    assert "Skriv varför piloten avslutas." in (field_error(page(response), "reason") or "")

    response = post(officer, close_url(application), {"reason": REASON})
    assert response.status_code == 409
    doc = page(response)
    assert "Ett ärende avslutas när slutrapporten är godkänd" in (error_summary(doc) or "")
    assert doc.one("textarea", id="reason").value == REASON
    application = reload(application)
    assert application.state == State.GRANTED
    assert session.get(Pot, today().year).released == pot_before
    assert not events(application, "close")


def test_a_case_not_granted_cannot_be_closed_or_have_its_dates_moved(
        make_application: Make, officer: FlaskClient) -> None:
    application = make_application(State.SUBMITTED)
    for url in (close_url(application), dates_url(application)):
        response = officer.get(url)
        assert response.status_code == 409
        assert "först när stödet är beviljat" in (error_summary(page(response)) or "")


# The case page ----------------------------------------------------------------------------------


def test_the_case_page_lists_the_reports_and_links_to_the_follow_up_pages(
        make_application: Make, officer: FlaskClient, staff: dict[str, User],
        signed_in: SignIn) -> None:
    application = make_application(State.GRANTED)
    report = handed_in(application)
    make_overdue(application)

    doc = page(officer.get(f"/handlaggning/arenden/{application.id}"))
    rows = table_texts(doc, "case-reports")
    assert any("Uppföljningsrapport" in r and "Inlämnad" in r for r in rows)
    assert doc.find("a", href=report_url(report)) is not None
    assert doc.find("a", href=dates_url(application)) is not None
    assert doc.find("a", href=close_url(application)) is not None
    # The decider reads the same list, without the officer's links.
    doc = page(signed_in(staff["decider"]).get(f"/handlaggning/arenden/{application.id}"))
    assert doc.find("a", href=report_url(report)) is not None
    assert doc.find("a", href=close_url(application)) is None


# Who may -----------------------------------------------------------------------------------------


@pytest.fixture
def pages(make_application: Make) -> dict[str, Any]:
    application = make_application(State.GRANTED)
    report = write_report(application, ReportKind.FOLLOW_UP, owner(application))
    attachment = report_ops.add_report_attachment(report, actor=owner(application),
                                                  filename="kvitton.pdf", data=PDF)
    report_ops.submit_report(report, actor=owner(application))
    session.commit()
    return {"application": application, "report": report, "urls": [
        "/handlaggning/rapporter", report_url(report),
        f"{report_url(report)}/bilagor/{attachment.id}", dates_url(application),
        close_url(application)]}


@pytest.mark.parametrize("role", ["applicant", "reviewer", "finance"])
def test_others_than_staff_may_not_open_the_follow_up_pages(
        pages: dict[str, Any], make_user: Callable[..., User], signed_in: SignIn,
        role: str) -> None:
    application = pages["application"]
    # The applicant is of the pilot's own organisation: still not the officer's pages.
    user = owner(application) if role == "applicant" else make_user(role)
    client = signed_in(user)
    for url in pages["urls"]:
        assert client.get(url).status_code == 403, url
    for url in (report_url(pages["report"]) + "/godkann", dates_url(application),
                close_url(application)):
        assert post(client, url, {"reason": REASON}).status_code == 403, url
    assert reload(application).state == State.GRANTED


def test_the_decider_reads_reports_but_does_not_act(
        pages: dict[str, Any], staff: dict[str, User], signed_in: SignIn) -> None:
    client = signed_in(staff["decider"])
    report, application = pages["report"], pages["application"]
    expected = [200, 200, 200, 403, 403]
    assert [client.get(url).status_code for url in pages["urls"]] == expected
    assert page(client.get(report_url(report))).find("form", id="godkann") is None
    assert post(client, report_url(report) + "/godkann",
                {"approve-note": ""}).status_code == 403
    assert session.get(Report, report.id).state == ReportState.SUBMITTED
    assert reload(application).state == State.GRANTED


def test_anonymous_visitors_are_sent_to_log_in(pages: dict[str, Any], client: FlaskClient
                                               ) -> None:
    for url in pages["urls"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/logga-in")
