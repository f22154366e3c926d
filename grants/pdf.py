"""HTML to PDF with xhtml2pdf: the print view of applications (and, later, decision letters)."""

from __future__ import annotations

import io
import logging
import warnings

from xhtml2pdf import pisa


class PdfError(RuntimeError):
    """xhtml2pdf could not render the document."""


def render_pdf(html: str) -> bytes:
    """Render ``html`` (a complete document with its own inline styles) to PDF bytes."""
    buffer = io.BytesIO()
    # xhtml2pdf and reportlab log and warn freely about CSS they ignore; none of it is ours to fix.
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pisa.CreatePDF(src=html, dest=buffer, encoding="utf-8")
    if result.err:
        raise PdfError(f"xhtml2pdf reported {result.err} error(s)")
    return buffer.getvalue()
