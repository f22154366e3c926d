"""What an uploaded file really is, judged by its content (never by its name or the browser).

Accepted: PDF, DOCX, XLSX, ODT, PNG and JPEG. Office files are ZIP containers, so the ZIP is
opened and the part that makes each format what it is must be there.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10


class InvalidUpload(ValueError):
    """The file is refused; the message says why, in Swedish."""


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG-bild", "image/png", (".png",))
JPEG = FileType("JPEG-bild", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileType(
    "Word-dokument (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",),
)
XLSX = FileType(
    "Excel-fil (XLSX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",),
)
ODT = FileType("OpenDocument-text (ODT)", "application/vnd.oasis.opendocument.text", (".odt",))
ALLOWED_TEXT = "PDF, DOCX, XLSX, ODT, PNG eller JPEG"


def _zip_type(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            odt = ODT.content_type.encode()
            if "mimetype" in names and archive.read("mimetype").strip() == odt:
                return ODT
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def detect_type(data: bytes) -> FileType | None:
    """The accepted type ``data`` is, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return None


def safe_filename(name: str) -> str:
    """A file name fit to store and to send back: no folders, no control characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*;]", "", name).strip(" .")
    stem, dot, extension = name.rpartition(".")  # shortened, a long name keeps its extension
    return (stem[:149 - len(extension)] + dot + extension if dot and len(extension) <= 10
            else name[:150]) or "bilaga"


def check_upload(filename: str, data: bytes) -> tuple[str, FileType]:
    """Return the cleaned name and the real type of an upload; raise InvalidUpload if refused."""
    name = safe_filename(filename)
    if not data:
        raise InvalidUpload(f"Filen «{name}» är tom.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}".replace(".", ",")
        raise InvalidUpload(
            f"Filen «{name}» är {size} MB. En bilaga får vara högst "
            f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB."
        )
    kind = detect_type(data)
    if kind is None:
        raise InvalidUpload(
            f"Filen «{name}» är inte en fil av tillåten typ ({ALLOWED_TEXT}), oavsett vad "
            "filnamnet säger. Spara den i något av de formaten och försök igen."
        )
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in kind.extensions:
        raise InvalidUpload(
            f"Filen «{name}» är en {kind.name}, men filnamnet säger något annat. Ge den rätt "
            f"filändelse ({', '.join(kind.extensions)}) och försök igen."
        )
    return name, kind
