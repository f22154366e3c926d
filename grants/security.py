"""HTTP response headers that every page carries (CSP without inline scripts, framing, sniffing,
referrers, HSTS in production), and submitted text cleaned of NUL characters."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=31536000; includeSubDomains"


def is_production(app: Flask) -> bool:
    return not (app.debug or app.testing)


def init_app(app: Flask) -> None:
    # HSTS only where the site is served over HTTPS for real; a developer's http://127.0.0.1
    # would otherwise be pinned to HTTPS by the browser.
    hsts = app.config.get("HSTS", is_production(app))

    @app.before_request
    def _drop_nul_characters() -> None:
        # Nobody types a NUL, no text in the fund may hold one, and PostgreSQL refuses them in
        # text (a 500 instead of the form's own answer): they are dropped from form fields
        # before any view reads them. (Uploaded files are left as they are; a search that holds
        # one is refused with a reason by the page that searches.)
        if request.method in ("POST", "PUT", "PATCH") and request.content_length:
            form = request.form
            if any("\x00" in value for _key, value in form.items(multi=True)):
                request.__dict__["form"] = _without_nul(form)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _without_nul(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict([(key, value.replace("\x00", ""))
                               for key, value in values.items(multi=True)])
