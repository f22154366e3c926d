"""The case dossier (ärendeakt): one zip per case with everything an auditor or the archive needs,
a manifest whose sha256 values prove each file, and a logged download for case staff only."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.completeness import today
from grants.db import session
from grants.demo import take_step, write_report
from grants.models import (
    Application,
    Attachment,
    AuditEvent,
    LedgerEntry,
    Letter,
    Report,
    ReportKind,
    User,
)
from grants.operations import content
from grants.operations import finance as fin
from grants.operations import payment_requests as pay_ops
from grants.operations import reports as report_ops
from tests.conftest import REASON, path_to
from workflows import State

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
URL = "/handlaggning/arenden/{id}/arendeakt.zip"


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, as Swedish Excel expects"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user("finance")


@pytest.fixture
def scaled(make_application: Callable[..., Application], make_user: Callable[..., User],
           staff: dict[str, User], finance: User) -> Application:
    """A scaled pilot: two application attachments (a third removed in the draft), reviews,
    a decision with its letter, a stage report with an attachment (and one removed) and a paid
    payment request, an advance, and the follow-up and scale-up reports."""
    applicant = make_user("applicant")
    application = make_application(State.DRAFT, applicant=applicant)
    content.add_attachment(application, actor=applicant, filename="projektplan.pdf", data=PDF)
    content.add_attachment(application, actor=applicant, filename="budget.pdf", data=PDF + b"2")
    dropped = content.add_attachment(application, actor=applicant, filename="fel.pdf",
                                     data=PDF + b"x")
    content.remove_attachment(dropped, actor=applicant)
    reviewers = [staff["reviewer"], staff["reviewer2"]]
    for trigger in path_to(State.GRANTED):
        take_step(application, trigger, applicant=applicant, staff=staff, reviewers=reviewers,
                  reason=REASON)
    fin.record_payment(application, actor=finance, payment=fin.PaymentInput(
        amount=10_000, payment_date=date(today().year, 3, 4), kind="advance",
        reference="Beslut"))
    stage = write_report(application, ReportKind.STAGE, applicant, payment_requested=2_000)
    report_ops.add_report_attachment(stage, actor=applicant, filename="kvitton.pdf",
                                     data=PDF + b"kvitton")
    gone = report_ops.add_report_attachment(stage, actor=applicant, filename="gammal.pdf",
                                            data=PDF + b"gammal")
    report_ops.remove_report_attachment(gone, actor=applicant)
    report_ops.submit_report(stage, actor=applicant)
    report_ops.approve_report(stage, actor=staff["officer"], note="Enligt plan.")
    assert stage.payment_request is not None
    pay_ops.pay_payment_request(stage.payment_request, actor=finance, amount=2_000,
                                payment_date=today())
    for trigger in ("follow_up", "scale"):
        take_step(application, trigger, applicant=applicant, staff=staff, reviewers=reviewers,
                  reason=REASON)
    session.commit()
    assert application.state == State.SCALED
    return application


def download(client: FlaskClient, application: Application) -> Any:
    return client.get(URL.format(id=application.id))


def test_officer_downloads_a_zip_named_after_the_case_and_the_download_is_logged(
    scaled: Application, staff: dict[str, User], signed_in: Callable[[User], FlaskClient],
) -> None:
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.application_id == scaled.id))

    response = download(signed_in(staff["officer"]), scaled)

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=arendeakt-{scaled.reference}.zip")
    assert "no-store" in response.headers["Cache-Control"]
    events = list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == scaled.id).order_by(AuditEvent.id)))
    assert len(events) == before + 1
    last = events[-1]
    assert (last.trigger, last.actor_id) == ("download_dossier", staff["officer"].id)
    assert last.from_state == last.to_state == State.SCALED


def test_the_dossier_holds_every_file_of_the_case_and_nothing_else(
    scaled: Application, staff: dict[str, User], signed_in: Callable[[User], FlaskClient],
) -> None:
    response = download(signed_in(staff["decider"]), scaled)
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None

    attachments = list(session.scalars(sa.select(Attachment).where(
        Attachment.application_id == scaled.id, Attachment.removed_at.is_(None))
        .order_by(Attachment.id)))
    stage = session.scalars(sa.select(Report).where(
        Report.application_id == scaled.id).order_by(Report.id)).all()
    assert [r.kind for r in stage] == ["stage", "follow_up", "scale_up"]
    folders = ["rapporter/1-stage", "rapporter/2-follow_up", "rapporter/3-scale_up"]
    expected = {
        "ansokan.pdf", "granskningar.csv", "screening.csv", "beslut/1-decision.pdf",
        "beslut.csv", "rekvisitioner.csv", "ekonomi.csv", "handelser.csv", "handelser.pdf",
        "manifest.json", *(f"{folder}.json" for folder in folders),
        *(f"bilagor/{a.id}-{a.filename}" for a in attachments if a.report_id is None),
        *(f"rapporter/1-stage/bilagor/{a.id}-{a.filename}" for a in attachments
          if a.report_id == stage[0].id),
    }
    assert len([a for a in attachments if a.report_id is None]) == 2
    assert len([a for a in attachments if a.report_id is not None]) == 1

    assert set(archive.namelist()) == expected
    assert len(archive.namelist()) == len(expected), "no file twice"
    assert not [n for n in archive.namelist() if "fel.pdf" in n or "gammal.pdf" in n]
    assert archive.read("ansokan.pdf").startswith(b"%PDF")
    assert archive.read("handelser.pdf").startswith(b"%PDF")
    for attachment in attachments:
        name = next(n for n in expected if n.endswith(f"/{attachment.id}-{attachment.filename}"))
        assert archive.read(name) == session.scalar(
            sa.select(Attachment.data).where(Attachment.id == attachment.id))


def test_the_manifest_lists_every_other_file_with_its_size_and_sha256(
    scaled: Application, staff: dict[str, User], signed_in: Callable[[User], FlaskClient],
) -> None:
    officer = staff["officer"]
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in(officer), scaled).data))
    manifest = json.loads(archive.read("manifest.json"))

    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in listed.items():
        data = archive.read(name)
        assert entry["size"] == len(data), name
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
    assert manifest["case"]["reference"] == scaled.reference
    assert manifest["case"]["dnr"] == scaled.dnr and scaled.dnr
    assert manifest["made_by"]["name"] == officer.name
    assert manifest["made_at"].startswith(today().isoformat()[:4])
    assert all(a["intact"] for a in manifest["attachments"])


def test_the_letter_is_the_stored_pdf_and_its_sha256_is_the_stored_one(
    scaled: Application, staff: dict[str, User], signed_in: Callable[[User], FlaskClient],
) -> None:
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in(staff["officer"]), scaled).data))
    manifest = json.loads(archive.read("manifest.json"))
    letter = session.scalars(sa.select(Letter).where(Letter.application_id == scaled.id)).one()
    stored = session.scalar(sa.select(Letter.pdf).where(Letter.id == letter.id))

    assert archive.read("beslut/1-decision.pdf") == stored
    entry = next(f for f in manifest["files"] if f["name"] == "beslut/1-decision.pdf")
    assert entry["sha256"] == letter.sha256
    assert manifest["letters"] == [{"file": "beslut/1-decision.pdf", "letter_id": letter.id,
                                    "stored_sha256": letter.sha256, "intact": True}]
    decisions = read_csv(archive.read("beslut.csv"))
    assert len(decisions) == 1
    decision = scaled.current_decision
    assert decision is not None
    row = decisions[0]
    assert row["Utfall"] == "Beviljas"
    assert row["Beslutsdatum"] == decision.decision_date.isoformat()
    assert row["Belopp"] == str(decision.total)
    assert row["Beslutsfattare"] == staff["decider"].name
    assert row["Föredragande"] == staff["officer"].name
    assert row["Beslutsbrev"] == "beslut/1-decision.pdf"
    assert row["Brevets sha256"] == letter.sha256


def test_the_audit_trail_csv_has_every_event_of_the_case_in_order(
    scaled: Application, staff: dict[str, User], signed_in: Callable[[User], FlaskClient],
) -> None:
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in(staff["officer"]), scaled).data))
    rows = read_csv(archive.read("handelser.csv"))
    events = list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == scaled.id).order_by(AuditEvent.id)))

    assert [int(r["Händelse"]) for r in rows] == [e.id for e in events]
    assert {e.trigger for e in events} >= {
        "create", "submit", "register_dnr", "declare_jav", "submit_review", "grant",
        "record_payment", "submit_report", "approve_report", "pay_payment_request",
        "follow_up", "scale", "download_dossier"}
    assert rows[-1]["Vad"] == "Ärendeakten laddades ned"
    assert rows[-1]["Vem"] == staff["officer"].name
    grant = next(r for r, e in zip(rows, events, strict=True) if e.trigger == "grant")
    assert (grant["Från"], grant["Till"]) == ("Bedömd", "Beviljad")
    assert grant["Motivering"]


def test_reviews_reports_and_money_are_in_their_tables(
    scaled: Application, staff: dict[str, User], finance: User,
    signed_in: Callable[[User], FlaskClient],
) -> None:
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in(staff["officer"]), scaled).data))

    reviews = read_csv(archive.read("granskningar.csv"))
    assert {r["Granskare"] for r in reviews} == {staff["reviewer"].name, staff["reviewer2"].name}
    assert all(r["Jävsstatus"] == "Inget jäv" and r["Jäv deklarerat"] for r in reviews)
    assert all(r["Kriterium"] and r["Inlämnad"] and r["Rekommendation"] for r in reviews)
    scores = sum(len(review.scores) for review in scaled.reviews)
    assert len(reviews) == scores
    assert read_csv(archive.read("screening.csv"))[0]["Godkänd"] == "Ja"

    stage = json.loads(archive.read("rapporter/1-stage.json"))
    assert (stage["kind"], stage["state"], stage["number"]) == ("stage", "approved", 1)
    assert stage["payment_request"]["paid_amount"] == 2_000
    assert [a["filename"] for a in stage["attachments"]] == ["kvitton.pdf"]
    assert stage["costs"] and stage["indicator_outcomes"]
    follow_up = json.loads(archive.read("rapporter/2-follow_up.json"))
    assert follow_up["participants"] and follow_up["learned_worked"]
    assert json.loads(archive.read("rapporter/3-scale_up.json"))["receiving_unit"]

    requests = read_csv(archive.read("rekvisitioner.csv"))
    assert [(r["Begärt"], r["Utbetalt"], r["Hanterad av"]) for r in requests] == [
        ("2000", "2000", finance.name)]
    ledger = read_csv(archive.read("ekonomi.csv"))
    entries = list(session.scalars(sa.select(LedgerEntry).where(
        LedgerEntry.application_id == scaled.id).order_by(LedgerEntry.id)))
    assert [int(r["Belopp"]) for r in ledger] == [e.amount for e in entries]
    assert {r["Typ"] for r in ledger} >= {"Beviljat", "Utbetalning (förskott)"}
    assert all(r["Ärende"] == scaled.reference for r in ledger)


def test_the_staff_case_page_links_to_the_dossier(
    scaled: Application, staff: dict[str, User], signed_in: Callable[[User], FlaskClient],
) -> None:
    html = signed_in(staff["officer"]).get(f"/handlaggning/arenden/{scaled.id}").get_data(
        as_text=True)
    assert f'href="{URL.format(id=scaled.id)}"' in html
    assert "Ladda ned ärendeakten (zip)" in html


# Who may take a copy -----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [
    ("applicant", 403), ("reviewer", 403), ("finance", 403), ("admin", 403),
    ("officer", 200), ("decider", 200),
])
def test_only_officers_and_deciders_may_download_the_dossier(
    make_application: Callable[..., Application], make_user: Callable[..., User],
    signed_in: Callable[[User], FlaskClient], role: str, expected: int,
) -> None:
    applicant = make_user("applicant")
    case = make_application(State.SUBMITTED, applicant=applicant)
    user = applicant if role == "applicant" else make_user(role)
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    response = download(signed_in(user), case)

    assert response.status_code == expected
    after = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert after == before + (1 if expected == 200 else 0)


def test_an_assigned_reviewer_may_not_download_the_dossier(
    make_application: Callable[..., Application], staff: dict[str, User],
    signed_in: Callable[[User], FlaskClient],
) -> None:
    case = make_application(State.ASSESSED)
    assert any(r.reviewer_id == staff["reviewer"].id for r in case.reviews)

    assert download(signed_in(staff["reviewer"]), case).status_code == 403


def test_anonymous_visitors_are_asked_to_log_in(
    client: FlaskClient, make_application: Callable[..., Application],
) -> None:
    case = make_application(State.SUBMITTED)

    response = download(client, case)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_a_draft_or_a_missing_case_is_not_found(
    make_application: Callable[..., Application], staff: dict[str, User],
    signed_in: Callable[[User], FlaskClient],
) -> None:
    draft = make_application(State.DRAFT)
    client = signed_in(staff["officer"])
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    assert download(client, draft).status_code == 404
    assert client.get(URL.format(id=draft.id + 1000)).status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_just_submitted_case_has_a_dossier_without_decisions_or_reports(
    make_application: Callable[..., Application], staff: dict[str, User],
    signed_in: Callable[[User], FlaskClient],
) -> None:
    case = make_application(State.SUBMITTED)
    # The submitted case has no Dnr yet: the file is named after its reference.
    response = download(signed_in(staff["officer"]), case)
    archive = zipfile.ZipFile(io.BytesIO(response.data))

    assert f"filename=arendeakt-{case.reference}.zip" in response.headers["Content-Disposition"]
    assert set(archive.namelist()) == {
        "ansokan.pdf", "granskningar.csv", "beslut.csv", "rekvisitioner.csv", "ekonomi.csv",
        "handelser.csv", "handelser.pdf", "manifest.json"}
    assert read_csv(archive.read("beslut.csv")) == []
    assert json.loads(archive.read("manifest.json"))["case"]["dnr"] is None
