"""Decision letters on the web: the applicant's organisation and the case staff download the PDF
and read the accessible HTML version, both exactly as stored when the letter was issued; a
stored letter that no longer matches its sha256 is never served.
"""

from __future__ import annotations

import io
import logging

import pypdf
import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import append_only_ddl, session
from grants.legal_dates import appeal_deadline
from grants.letters import swedish_date
from grants.models import Application, Letter
from grants.security import CONTENT_SECURITY_POLICY
from tests.web.conftest import page
from tests.web.test_decision_pages import decide
from workflows import State

TAMPERED = ("Beslutsbrevet har ändrats efter att det utfärdades och kan inte visas. "
            "Kontakta Pilotfonden.")


def only_letter(application: Application) -> Letter:
    return session.scalars(
        sa.select(Letter).where(Letter.application_id == application.id)
    ).one()


def applicant_urls(letter: Letter) -> list[str]:
    base = f"/mina-ansokningar/{letter.application_id}/beslut/{letter.id}"
    return [base + ".pdf", base]


def staff_urls(letter: Letter) -> list[str]:
    return [f"/beslut/brev/{letter.id}.pdf", f"/beslut/brev/{letter.id}"]


def pdf_text(data: bytes) -> str:
    """The PDF's text with every run of whitespace (line ends, no-break spaces) one space."""
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
                    .split())


def corrupt_pdf(letter: Letter) -> None:
    """Change the stored PDF behind the application's back, as a tampered database would: the
    append-only trigger is dropped for the UPDATE and put back afterwards."""
    dialect = session.get_bind().dialect.name
    session.execute(sa.text("DROP TRIGGER letter_no_update" if dialect == "sqlite"
                            else "DROP TRIGGER letter_append_only ON letter"))
    session.execute(sa.text("UPDATE letter SET pdf = :pdf WHERE id = :id"),
                    {"pdf": letter.pdf[:-16] + b"%tampered-bytes\n", "id": letter.id})
    statements = append_only_ddl("letter", dialect)
    session.execute(sa.text(statements[0] if dialect == "sqlite" else statements[1]))
    session.commit()


def test_the_applicant_downloads_the_letter_of_a_decision_made_through_the_form(
    make_application, signed_in, staff
) -> None:
    application = make_application(State.ASSESSED)
    response = decide(signed_in(staff["decider"]), application, reasons="Väl förankrad i RUS.")
    assert response.status_code == 302
    letter = only_letter(application)

    download = signed_in(application.created_by).get(applicant_urls(letter)[0])

    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data == letter.pdf
    text = pdf_text(download.data)
    for expected in ("Beslut", "Skäl för beslutet", "Väl förankrad i RUS.", "Villkor",
                     "Hur man överklagar", application.dnr, "100 000 kr", "Örebro",
                     swedish_date(appeal_deadline(today()))):
        assert expected in text, expected


def test_the_pdf_is_a_private_download_of_the_stored_bytes(make_application, signed_in) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)

    response = signed_in(application.created_by).get(applicant_urls(letter)[0])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and letter.filename in disposition
    assert letter.filename == f"beslut-{application.dnr}-{letter.id}.pdf"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_accessible_version_is_the_stored_html_under_the_apps_csp(
    make_application, signed_in
) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)

    response = signed_in(application.created_by).get(applicant_urls(letter)[1])

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == letter.html
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "private, no-store"
    html = letter.html.lower()
    assert "<script" not in html and "<style" not in html and "style=" not in html
    assert page(response).one("h1").text == f"Beslut: {application.title}"


def test_the_dashboard_links_each_issued_letter(make_application, signed_in) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)

    doc = page(signed_in(application.created_by).get("/mina-ansokningar/"))

    pdf_link = doc.one("a", href=applicant_urls(letter)[0])
    assert pdf_link.text.startswith(f"Beslut {letter.snapshot['decision_date']} (PDF)")
    assert doc.one("a", href=applicant_urls(letter)[1]).text.startswith("(tillgänglig version")


def test_the_applicants_case_page_links_the_letter(make_application, signed_in) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)

    doc = page(signed_in(application.created_by).get(f"/mina-ansokningar/{application.id}"))

    assert doc.one("h2", id="beslut").text == "Beslut"
    assert doc.one("a", href=applicant_urls(letter)[0])


@pytest.mark.parametrize("role", ["officer", "decider"])
def test_case_staff_read_every_letter(make_application, make_user, signed_in, role: str) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)
    client = signed_in(make_user(role))

    pdf, html = (client.get(url) for url in staff_urls(letter))

    assert (pdf.status_code, html.status_code) == (200, 200)
    assert pdf.data == letter.pdf and html.get_data(as_text=True) == letter.html


@pytest.mark.parametrize("role", ["reviewer", "finance", "admin", "applicant"])
def test_other_roles_may_not_use_the_staff_letter_urls(make_application, make_user, signed_in,
                                                        role: str) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)
    client = signed_in(make_user(role))

    for url in staff_urls(letter):
        assert client.get(url).status_code == 403, url


def test_the_applicants_own_organisation_uses_the_staff_urls_in_vain(make_application,
                                                                      signed_in) -> None:
    application = make_application(State.GRANTED)

    client = signed_in(application.created_by)

    for url in staff_urls(only_letter(application)):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(make_application, client) -> None:
    letter = only_letter(make_application(State.GRANTED))

    for url in [*staff_urls(letter), *applicant_urls(letter)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/logga-in" in response.headers["Location"]


def test_an_applicant_of_another_organisation_finds_no_letter(make_application, make_user,
                                                              signed_in) -> None:
    letter = only_letter(make_application(State.GRANTED))
    stranger = signed_in(make_user("applicant"))

    for url in applicant_urls(letter):
        assert stranger.get(url).status_code == 404, url


def test_a_letter_is_found_only_under_its_own_application(make_application, make_user,
                                                          signed_in) -> None:
    applicant = make_user("applicant")
    granted = make_application(State.GRANTED, applicant=applicant)
    other = make_application(State.SUBMITTED, applicant=applicant)
    letter = only_letter(granted)
    client = signed_in(applicant)

    assert client.get(f"/mina-ansokningar/{other.id}/beslut/{letter.id}.pdf").status_code == 404
    assert client.get(f"/mina-ansokningar/{granted.id}/beslut/{letter.id + 1}.pdf"
                      ).status_code == 404


def test_a_tampered_letter_is_not_served(make_application, signed_in, staff, caplog) -> None:
    application = make_application(State.GRANTED)
    letter = only_letter(application)
    corrupt_pdf(letter)
    applicant = signed_in(application.created_by)
    decider = signed_in(staff["decider"])

    with caplog.at_level(logging.ERROR, logger="grants.views.decisions"):
        responses = [applicant.get(url) for url in applicant_urls(letter)] + [
            decider.get(url) for url in staff_urls(letter)]

    for response in responses:
        assert response.status_code == 409
        assert response.mimetype == "text/html"
        assert TAMPERED in page(response).text
        assert b"%PDF" not in response.data
    assert any(f"decision letter {letter.id}" in r.getMessage() and r.levelno == logging.ERROR
               for r in caplog.records)
