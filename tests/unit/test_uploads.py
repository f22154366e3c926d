"""What an upload is, judged by its bytes: the accepted types, the refusals and their Swedish
reasons, and file names made safe to store and send back."""

from __future__ import annotations

import io
import zipfile

import pytest

from grants import uploads
from grants.uploads import (
    DOCX,
    JPEG,
    MAX_ATTACHMENT_BYTES,
    ODT,
    PDF,
    PNG,
    XLSX,
    InvalidUpload,
    check_upload,
    detect_type,
    safe_filename,
)

PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16 + b"\xff\xd9"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def zipped(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_BYTES = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX_BYTES = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
ODT_BYTES = zipped({"mimetype": ODT_MIMETYPE, "content.xml": "<office:document/>"})


# detect_type ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "kind"), [
    (PDF_BYTES, PDF), (PNG_BYTES, PNG), (JPEG_BYTES, JPEG), (DOCX_BYTES, DOCX),
    (XLSX_BYTES, XLSX), (ODT_BYTES, ODT),
    (zipped({"mimetype": ODT_MIMETYPE + "\n", "content.xml": "<x/>"}), ODT),
], ids=["pdf", "png", "jpeg", "docx", "xlsx", "odt", "odt-mimetype-with-newline"])
def test_detect_type_recognises_each_accepted_format_by_its_content(data: bytes, kind) -> None:
    assert detect_type(data) is kind


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # a Windows program
    b"\x7fELF\x02\x01\x01",  # a Linux program
    b"<html><script>alert(1)</script></html>",
    b"GIF89a\x01\x00\x01\x00",
    b"just text",
    b" %PDF-1.4",  # the signature must be at the very start
    b"PK\x03\x04 this is no zip at all",
    zipped({"readme.txt": "a plain zip"}),
    zipped({"word/document.xml": "<w:document/>"}),  # no [Content_Types].xml
    zipped({"[Content_Types].xml": "<Types/>"}),  # neither a document nor a workbook
    zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
    zipped({"mimetype": "application/zip"}),
    zipped({"content.xml": "<office:document/>"}),  # ODT-like without its mimetype entry
    b"",
], ids=["exe", "elf", "html", "gif", "text", "pdf-not-at-start", "broken-zip", "plain-zip",
        "docx-without-content-types", "ooxml-without-main-part", "ods", "zip-mimetype",
        "odt-without-mimetype", "empty"])
def test_detect_type_refuses_everything_else(data: bytes) -> None:
    assert detect_type(data) is None


# safe_filename ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\drivers.pdf", "drivers.pdf"),
    ("C:\\Users\\anna\\Skrivbord\\Budget 2025.xlsx", "Budget 2025.xlsx"),
    ("/var/www/index.pdf", "index.pdf"),
    ("rapport\x00.exe.pdf", "rapport.exe.pdf"),
    ("rad\r\nSet-Cookie: x=1.pdf", "radSet-Cookie x=1.pdf"),
    ('a"b;c<d>e|f?g*h:i.pdf', "abcdefghi.pdf"),
    ("  .dold.pdf . ", "dold.pdf"),
    ("Fo\u0308rklaring.pdf", "Förklaring.pdf"),
    ("Ålänningar och öar.docx", "Ålänningar och öar.docx"),
    ("", "bilaga"),
    ("...", "bilaga"),
    ("../", "bilaga"),
    ("\x01\x02", "bilaga"),
], ids=["dot-dot-slash", "dot-dot-backslash", "windows-path", "absolute", "nul", "newline",
        "header-and-shell-characters", "leading-and-trailing-dots", "nfc", "swedish",
        "empty", "only-dots", "only-folder", "only-control"])
def test_safe_filename_keeps_the_name_and_nothing_that_could_escape(
    name: str, expected: str
) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_shortens_a_long_name_but_keeps_its_extension() -> None:
    name = safe_filename("Avsiktsförklaring " * 20 + ".pdf")

    assert len(name) <= 150
    assert name.endswith(".pdf")
    assert name.startswith("Avsiktsförklaring Avsiktsförklaring")


# check_upload -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "kind"), [
    ("Intyg.pdf", PDF_BYTES, PDF), ("SKANNAD.PDF", PDF_BYTES, PDF),
    ("karta.png", PNG_BYTES, PNG), ("foto.jpg", JPEG_BYTES, JPEG),
    ("foto.jpeg", JPEG_BYTES, JPEG), ("budget.docx", DOCX_BYTES, DOCX),
    ("tidplan.xlsx", XLSX_BYTES, XLSX), ("protokoll.odt", ODT_BYTES, ODT),
])
def test_check_upload_accepts_a_file_whose_name_matches_its_content(
    filename: str, data: bytes, kind
) -> None:
    assert check_upload(filename, data) == (filename, kind)


def test_check_upload_returns_the_safe_name_for_a_path_traversal_name() -> None:
    assert check_upload("../../etc/passwd.pdf", PDF_BYTES) == ("passwd.pdf", PDF)


def test_check_upload_accepts_a_long_name() -> None:
    name, kind = check_upload("Underlag " * 30 + ".pdf", PDF_BYTES)

    assert (kind, name[-4:]) == (PDF, ".pdf")


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("program.pdf", b"MZ\x90\x00" + b"\x00" * 60,
     "Filen «program.pdf» är inte en fil av tillåten typ (PDF, DOCX, XLSX, ODT, PNG eller "
     "JPEG), oavsett vad filnamnet säger."),
    ("brev.docx", PDF_BYTES,
     "Filen «brev.docx» är en PDF, men filnamnet säger något annat. Ge den rätt filändelse "
     "(.pdf) och försök igen."),
    ("bild.png", JPEG_BYTES, "är en JPEG-bild, men filnamnet säger något annat"),
    ("bild.jpg", PNG_BYTES, "är en PNG-bild, men filnamnet säger något annat"),
    ("tabell.docx", XLSX_BYTES, "är en Excel-fil (XLSX), men filnamnet säger något annat"),
    ("intyg", PDF_BYTES, "Filen «intyg» är en PDF, men filnamnet säger något annat"),
    ("arkiv.zip", zipped({"a.txt": "x"}), "inte en fil av tillåten typ"),
    ("arkiv.docx", zipped({"a.txt": "x"}), "inte en fil av tillåten typ"),
    ("text.odt", zipped({"mimetype": "application/x-fake", "content.xml": "<x/>"}),
     "inte en fil av tillåten typ"),
    ("tom.pdf", b"", "Filen «tom.pdf» är tom."),
    ("../../tom.pdf", b"", "Filen «tom.pdf» är tom."),
], ids=["exe-as-pdf", "pdf-as-docx", "jpeg-as-png", "png-as-jpg", "xlsx-as-docx",
        "no-extension", "zip", "zip-as-docx", "odt-wrong-mimetype", "empty",
        "empty-with-path"])
def test_check_upload_refuses_with_a_swedish_reason(
    filename: str, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidUpload) as refused:
        check_upload(filename, data)
    assert message in str(refused.value)


def test_check_upload_accepts_exactly_10_mb_and_refuses_one_byte_more() -> None:
    limit = b"%PDF-" + b"0" * (MAX_ATTACHMENT_BYTES - 5)

    assert check_upload("stor.pdf", limit)[1] is PDF
    with pytest.raises(InvalidUpload) as refused:
        check_upload("stor.pdf", limit + b"0")
    assert str(refused.value) == (
        "Filen «stor.pdf» är 10,0 MB. En bilaga får vara högst 10 MB.")


def test_the_size_is_checked_before_the_content_is_opened(monkeypatch) -> None:
    """A huge upload is refused on its length alone, without unpacking a ZIP of it."""
    monkeypatch.setattr(uploads, "detect_type", lambda data: pytest.fail("content was read"))

    with pytest.raises(InvalidUpload, match="högst 10 MB"):
        check_upload("stor.docx", b"PK\x03\x04" + b"0" * MAX_ATTACHMENT_BYTES)
