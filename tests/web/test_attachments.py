"""Attachments through the applicant's upload form: what is accepted (judged by content), what is
refused and why, downloads that are never shown inline, who may fetch them, removal, and the
freeze after submission."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from grants.db import session
from grants.models import Application, Attachment, User
from grants.operations import applications as app_ops
from grants.operations import content as content_ops
from tests.conftest import REASON, csrf_token
from tests.web.conftest import error_summary, field_error, page
from workflows import State

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    """A real 1×1 PNG: signature, IHDR, IDAT and IEND chunks with their CRCs."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def office(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            # An ODF file's mimetype entry comes first and is stored uncompressed.
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, text, compress_type=method)
    return buffer.getvalue()


CONTENT_TYPES = ('<?xml version="1.0"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
DOCX = office({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>",
               "word/document.xml": "<w:document/>"})
XLSX = office({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>",
               "xl/workbook.xml": "<workbook/>"})
ODT = office({"mimetype": "application/vnd.oasis.opendocument.text",
              "META-INF/manifest.xml": "<manifest/>", "content.xml": "<office:document/>"})
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

ACCEPTED = [
    ("Avsiktsförklaring.pdf", PDF, "application/pdf"),
    ("karta.png", png(), "image/png"),
    ("foto.JPG", JPEG, "image/jpeg"),
    ("budget-underlag.docx", DOCX,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("tidplan.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("protokoll.odt", ODT, "application/vnd.oasis.opendocument.text"),
]

NOT_ALLOWED = "inte en fil av tillåten typ (PDF, DOCX, XLSX, ODT, PNG eller JPEG)"
REFUSED = [
    ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, NOT_ALLOWED),
    ("brev.docx", PDF, "är en PDF, men filnamnet säger något annat"),
    ("bild.pdf", png(), "är en PNG-bild, men filnamnet säger något annat"),
    ("arkiv.docx", office({"readme.txt": "hej"}), NOT_ALLOWED),
    ("text.odt", office({"mimetype": "application/zip", "content.xml": "<x/>"}), NOT_ALLOWED),
    ("sida.pdf", b"<html><script>alert(1)</script></html>", NOT_ALLOWED),
    ("tom.pdf", b"", "Filen «tom.pdf» är tom."),
    ("stor.pdf", b"%PDF-" + b"0" * (10 * MB - 4), "En bilaga får vara högst 10 MB."),
]


def attachments_url(application: Application) -> str:
    return f"/mina-ansokningar/{application.id}/bilagor"


def post_multipart(client: Any, url: str, fields: dict[str, Any]) -> Any:
    """POST a multipart form; a file is ``(data, filename)`` or ``(data, filename, type)``.

    The body is encoded in memory: the test client would spool a large one to a temporary file
    that it never closes (a ResourceWarning, an error under ``filterwarnings = error``).
    """
    values = {
        name: FileStorage(io.BytesIO(value[0]), filename=value[1],
                          content_type=value[2] if len(value) > 2 else "application/octet-stream")
        if isinstance(value, tuple) else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client: Any, application: Application, filename: str, data: bytes,
           description: str = "") -> Any:
    token = csrf_token(client, attachments_url(application))
    return post_multipart(client, attachments_url(application), {
        "csrf_token": token, "file": (data, filename), "description": description,
        "upload": "Ladda upp bilagan",
    })


def stored(application: Application, *, removed: bool = False) -> list[Attachment]:
    session.expire_all()
    query = sa.select(Attachment).where(Attachment.application_id == application.id)
    if not removed:
        query = query.where(Attachment.removed_at.is_(None))
    return list(session.scalars(query.order_by(Attachment.id)))


def attach(application: Application, applicant: User, filename: str = "bilaga.pdf",
           data: bytes = PDF) -> Attachment:
    attachment = content_ops.add_attachment(application, actor=applicant, filename=filename,
                                            data=data)
    session.commit()
    return attachment


@pytest.fixture
def applicant(make_user) -> User:
    return make_user("applicant")


@pytest.fixture
def draft(make_application, applicant) -> Application:
    return make_application(State.DRAFT, applicant=applicant)


@pytest.fixture
def client(signed_in, applicant) -> Any:
    return signed_in(applicant)


# Accepted ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "content_type"), ACCEPTED,
                         ids=[a[0].rsplit(".", 1)[1].lower() for a in ACCEPTED])
def test_an_accepted_file_is_stored_with_its_checksum_and_the_type_found_in_its_content(
    client, draft, applicant, filename: str, data: bytes, content_type: str
) -> None:
    response = upload(client, draft, filename, data, description="Från kommunen")

    assert response.status_code == 302
    assert response.headers["Location"] == attachments_url(draft)
    [attachment] = stored(draft)
    assert (attachment.filename, attachment.content_type, attachment.size, attachment.sha256,
            attachment.description, attachment.uploaded_by_id) == (
        filename, content_type, len(data), hashlib.sha256(data).hexdigest(), "Från kommunen",
        applicant.id)
    assert attachment.data == data
    listing = page(client.get(attachments_url(draft)))
    assert filename in listing.one("table", class_="data").text


def test_the_type_the_browser_claims_is_ignored(client, draft) -> None:
    token = csrf_token(client, attachments_url(draft))
    response = post_multipart(client, attachments_url(draft), {
        "csrf_token": token, "file": (PDF, "intyg.pdf", "text/html")})

    assert response.status_code == 302
    assert stored(draft)[0].content_type == "application/pdf"


def test_a_file_name_with_folders_is_stored_without_them(client, draft) -> None:
    response = upload(client, draft, "../../etc/passwd.pdf", PDF)

    assert response.status_code == 302
    assert stored(draft)[0].filename == "passwd.pdf"


# Refused ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "message"), REFUSED,
                         ids=["exe-as-pdf", "pdf-as-docx", "png-as-pdf", "plain-zip-as-docx",
                              "odt-wrong-mimetype", "html-as-pdf", "empty", "over-10-mb"])
def test_a_refused_file_answers_422_with_the_swedish_reason_at_the_field_and_stores_nothing(
    client, draft, filename: str, data: bytes, message: str
) -> None:
    response = upload(client, draft, filename, data, description="Kvar efter felet")

    assert response.status_code == 422
    doc = page(response)
    assert message in (field_error(doc, "file") or "")
    assert message in (error_summary(doc) or "")
    assert doc.one("input", name="description").value == "Kvar efter felet"
    assert stored(draft, removed=True) == []


def test_a_file_of_exactly_10_mb_is_accepted(client, draft) -> None:
    data = b"%PDF-" + b"0" * (10 * MB - 5)

    response = upload(client, draft, "precis.pdf", data)

    assert response.status_code == 302
    assert stored(draft)[0].size == 10 * MB


def test_no_file_chosen_answers_422_with_a_message(client, draft) -> None:
    token = csrf_token(client, attachments_url(draft))

    response = post_multipart(client, attachments_url(draft),
                              {"csrf_token": token, "description": ""})

    assert response.status_code == 422
    assert "Välj en fil att ladda upp." in (field_error(page(response), "file") or "")
    assert stored(draft) == []


def test_an_upload_without_a_csrf_token_is_refused_and_stores_nothing(client, draft) -> None:
    client.get(attachments_url(draft))

    response = post_multipart(client, attachments_url(draft), {"file": (PDF, "a.pdf")})

    assert response.status_code == 400
    assert stored(draft) == []


def test_the_eleventh_attachment_is_refused_until_one_is_removed(
    client, draft, applicant
) -> None:
    for n in range(10):
        attach(draft, applicant, f"bilaga-{n}.pdf")

    refused = upload(client, draft, "elfte.pdf", PDF)

    assert refused.status_code == 422
    assert "Ansökan har redan 10 bilagor, som är det högsta antalet." in (
        field_error(page(refused), "file") or "")
    assert len(stored(draft)) == 10

    first = stored(draft)[0]
    client.post(f"{attachments_url(draft)}/{first.id}/ta-bort",
                data={"remove-csrf_token": csrf_token(client, "/")})
    assert upload(client, draft, "elfte.pdf", PDF).status_code == 302
    assert len(stored(draft)) == 10


def test_a_body_over_max_content_length_answers_413_in_swedish_and_stores_nothing(
    app, client, draft
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * MB

    response = upload(client, draft, "jatte.pdf", b"%PDF-" + b"0" * (25 * MB))

    assert response.status_code == 413
    doc = page(response)
    assert doc.one("h1").text == "Filen är för stor"
    assert stored(draft, removed=True) == []


# Downloading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "content_type", "disposition"), [
    ("Avsiktsförklaring.pdf", PDF, "application/pdf",
     "attachment; filename=Avsiktsforklaring.pdf; filename*=UTF-8''Avsiktsf%C3%B6rklaring.pdf"),
    ("karta.png", png(), "image/png", "attachment; filename=karta.png"),
], ids=["pdf", "png"])
def test_a_download_is_always_an_attachment_with_the_stored_type_and_nosniff(
    client, draft, applicant, filename: str, data: bytes, content_type: str, disposition: str
) -> None:
    attachment = attach(draft, applicant, filename, data)

    response = client.get(f"{attachments_url(draft)}/{attachment.id}")

    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]


def test_another_organisations_attachment_is_not_found(
    client, draft, make_user, make_application
) -> None:
    other_applicant = make_user("applicant")
    other = make_application(State.DRAFT, applicant=other_applicant)
    theirs = attach(other, other_applicant)

    for url in (f"{attachments_url(other)}/{theirs.id}",  # their application
                f"{attachments_url(draft)}/{theirs.id}",  # their file under my application
                attachments_url(other)):
        assert client.get(url).status_code == 404, url
    response = client.post(f"{attachments_url(other)}/{theirs.id}/ta-bort",
                           data={"remove-csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404
    assert stored(other) != []


def test_staff_download_a_submitted_applications_attachment_but_not_a_drafts(
    draft, applicant, make_application, signed_in, staff
) -> None:
    submitted = make_application(State.DRAFT, applicant=applicant)
    sent = attach(submitted, applicant, "skickad.pdf")
    app_ops.submit_application(submitted, actor=applicant, reason=REASON)
    session.commit()
    unsent = attach(draft, applicant, "utkast.pdf")
    officer = signed_in(staff["officer"])

    response = officer.get(f"/handlaggning/arenden/{submitted.id}/bilagor/{sent.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "skickad.pdf" in page(officer.get(f"/handlaggning/arenden/{submitted.id}")).text

    assert officer.get(f"/handlaggning/arenden/{draft.id}/bilagor/{unsent.id}").status_code == 404
    # Nor can a draft's file be reached through a submitted application's address.
    assert officer.get(
        f"/handlaggning/arenden/{submitted.id}/bilagor/{unsent.id}").status_code == 404


# Removing and the freeze ------------------------------------------------------------------------


def test_removing_an_attachment_hides_it_but_keeps_the_row(client, draft, applicant) -> None:
    attachment = attach(draft, applicant, "fel-fil.pdf")

    response = client.post(f"{attachments_url(draft)}/{attachment.id}/ta-bort",
                           data={"remove-csrf_token": csrf_token(client, "/")})

    assert response.status_code == 302
    [row] = stored(draft, removed=True)
    assert row.removed_at is not None
    assert row.data == PDF
    assert stored(draft) == []
    assert page(client.get(attachments_url(draft))).find("table", class_="data") is None
    assert client.get(f"{attachments_url(draft)}/{attachment.id}").status_code == 404


def test_removing_without_a_csrf_token_is_refused_and_keeps_the_attachment(
    client, draft, applicant
) -> None:
    attachment = attach(draft, applicant)

    response = client.post(f"{attachments_url(draft)}/{attachment.id}/ta-bort")

    assert response.status_code == 400
    assert [a.id for a in stored(draft)] == [attachment.id]


def test_after_submission_upload_and_removal_answer_409_and_change_nothing(
    client, draft, applicant
) -> None:
    attachment = attach(draft, applicant, "inskickad.pdf")
    app_ops.submit_application(draft, actor=applicant, reason=REASON)
    session.commit()
    token = csrf_token(client, "/")

    refused_upload = post_multipart(client, attachments_url(draft),
                                    {"csrf_token": token, "file": (PDF, "ny.pdf")})
    refused_removal = client.post(f"{attachments_url(draft)}/{attachment.id}/ta-bort",
                                  data={"remove-csrf_token": token})

    assert (refused_upload.status_code, refused_removal.status_code) == (409, 409)
    assert "kan inte ändras" in page(refused_upload).text
    assert [(a.id, a.removed_at) for a in stored(draft, removed=True)] == [(attachment.id, None)]
    # The submitted file can still be downloaded by the applicant.
    assert client.get(f"{attachments_url(draft)}/{attachment.id}").status_code == 200


def test_officer_cannot_fetch_a_file_removed_while_the_application_was_a_draft(
    make_user, make_application, signed_in
) -> None:
    from grants.operations import applications as app_ops
    from grants.operations import content as content_ops

    applicant = make_user("applicant")
    draft = make_application(applicant=applicant)
    kept = content_ops.add_attachment(draft, actor=applicant, filename="kvar.pdf",
                                      data=b"%PDF-1.4 kvar")
    removed = content_ops.add_attachment(draft, actor=applicant, filename="bort.pdf",
                                         data=b"%PDF-1.4 bort")
    content_ops.remove_attachment(removed, actor=applicant)
    app_ops.submit_application(draft, actor=applicant)
    session.commit()
    officer = signed_in(make_user("officer"))

    base = f"/handlaggning/arenden/{draft.id}/bilagor"
    assert officer.get(f"{base}/{kept.id}").status_code == 200
    assert officer.get(f"{base}/{removed.id}").status_code == 404
