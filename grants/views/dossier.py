"""The case dossier (ärendeakt) download for case staff: one zip with everything on the case.

Taking a copy is logged on the case (``download_dossier``), so the archive knows who has one;
the event is written before the zip is built, so the copy's own audit trail shows it.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, send_file
from flask_login import current_user

from grants.auth import require_roles
from grants.db import session
from grants.dossier import build_dossier
from grants.models import Application
from grants.operations.common import log_case_event
from grants.permissions import CASE_STAFF, is_case_staff
from workflows import State

bp = Blueprint("dossier", __name__, url_prefix="/handlaggning")


@bp.get("/arenden/<int:application_id>/arendeakt.zip")
@require_roles(*sorted(CASE_STAFF))
def download(application_id: int) -> Any:
    application = session.get(Application, application_id)
    # A draft has not reached the region: to staff it does not exist yet (as on the case page).
    if application is None or application.state == State.DRAFT:
        abort(404)
    if not is_case_staff(current_user):
        abort(403)
    event = log_case_event(application, "download_dossier", actor=current_user)
    dossier = build_dossier(application, made_by=current_user, made_at=event.created_at)
    session.commit()
    response = send_file(io.BytesIO(dossier.data), mimetype="application/zip",
                         as_attachment=True, download_name=dossier.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
