"""Error pages in the app's own layout, in Swedish, never with a traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from grants.db import session

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Felaktig begäran", "Det som skickades kunde inte tolkas."),
    403: ("Du har inte behörighet", "Ditt konto har inte behörighet till den här sidan."),
    404: ("Sidan finns inte", "Sidan finns inte, eller så har du inte tillgång till den. "
          "Kontrollera adressen."),
    405: ("Det går inte att göra så här", "Sidan tar inte emot den sortens anrop."),
    409: ("Det gick inte att genomföra", "Åtgärden krockar med ärendets nuvarande läge."),
    413: ("Filen är för stor", "Det du skickade är större än vad tjänsten tar emot."),
    500: ("Något gick fel hos oss", "Ett oväntat fel inträffade. Felet är loggat. "
          "Försök igen om en stund; inget av det du redan sparat har gått förlorat."),
}

CSRF_MESSAGE = (
    "Formuläret saknar en giltig säkerhetskod, till exempel för att sidan har varit öppen länge. "
    "Ladda om sidan och försök igen."
)


def _render(code: int, detail: str | None = None) -> Any:
    title, message = MESSAGES.get(code, (f"Fel {code}", "Begäran kunde inte genomföras."))
    if request_ctx.url_adapter is None:
        # The Host header is not one of TRUSTED_HOSTS: no link can be built, so no layout.
        return Response(f"{title}. Tjänsten svarar inte på den här adressen.\n",
                        mimetype="text/plain"), code
    return render_template("errors/error.html", code=code, title=title, message=message,
                           detail=detail), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return _render(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if exc.code is None or exc.code < 400:
            return exc
        # Werkzeug's own descriptions are English boilerplate; ours are set by abort(description=).
        detail = exc.description if exc.description != type(exc).description else None
        body, code = _render(exc.code, detail)
        # Keep protocol headers such as Allow (405) that Werkzeug put on its own response.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError) -> Any:
        log.error("unhandled error", exc_info=exc.original_exception or exc)
        session.rollback()
        return _render(500)
