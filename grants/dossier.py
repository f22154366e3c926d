"""The case dossier (ärendeakt): everything on one case in one zip, for auditors and the archive.

The zip holds the application as submitted (PDF), every received attachment, the reviews with
their jäv declarations, the screening, every decision with its issued letter (the stored bytes,
never a new rendering), the reports and payment requests, the pilot's ledger entries and the
whole audit trail (CSV and PDF), and ``manifest.json`` naming every other file with its size and
sha256. CSV files are written the way the finance exports are (UTF-8 with BOM, ``;``, text that
a spreadsheet would run as a formula made safe).

Reviewers' names are in the dossier: it is the region's internal case file, not a public page.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import undefer

from grants.completeness import STOCKHOLM
from grants.db import session, utcnow
from grants.exports import DATE, LEDGER_COLUMNS, MONEY, NUMBER, Column, Sheet, to_csv
from grants.models import (
    JAV_GROUNDS,
    Application,
    Attachment,
    AuditEvent,
    LedgerEntry,
    Letter,
    PaymentKind,
    PaymentRequest,
    Report,
    User,
)
from grants.models.assessment import HorizontalRating, JavStatus, Recommendation
from grants.pdf import render_pdf
from grants.templating import event_text, local_datetime, state_label

MANIFEST = "manifest.json"


@dataclass
class Dossier:
    """The zip's bytes, its download name and what its manifest says."""

    filename: str
    data: bytes
    manifest: dict[str, Any] = field(default_factory=dict)


def dossier_filename(application: Application) -> str:
    name = application.reference or application.dnr or str(application.id)
    return f"arendeakt-{_safe_part(name)}.zip"


def _safe_part(name: str) -> str:
    """``name`` fit to be one part of a path inside the zip (no folders, no control characters)."""
    name = re.sub(r"[\x00-\x1f\x7f/\\\"<>:|?*;]", "_", name).strip(" .")
    return name or "fil"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _local(value: datetime | None) -> str:
    return local_datetime(value) if value is not None else ""


class _Names:
    """People's names by id, loaded once (every user the case mentions, in one query)."""

    def __init__(self, ids: set[int | None]) -> None:
        wanted = {i for i in ids if i is not None}
        self._names = dict(session.execute(
            sa.select(User.id, User.name).where(User.id.in_(wanted))).all()) if wanted else {}

    def __call__(self, user_id: int | None) -> str:
        return self._names.get(user_id, "") if user_id is not None else ""


def build_dossier(application: Application, *, made_by: User,
                  made_at: datetime | None = None) -> Dossier:
    """The case's dossier as a zip in memory. ``application`` must be a received case (not a
    draft). Raises grants.pdf.PdfError if a PDF cannot be rendered."""
    made_at = made_at or utcnow()
    files: dict[str, bytes] = {}
    app_id = application.id

    events = list(session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == app_id).order_by(AuditEvent.id)))
    reports = list(session.scalars(
        sa.select(Report).where(Report.application_id == app_id).order_by(Report.id)))
    attachments = list(session.scalars(
        sa.select(Attachment).options(undefer(Attachment.data))
        .where(Attachment.application_id == app_id, Attachment.removed_at.is_(None))
        .order_by(Attachment.id)))
    letters = {letter.decision_id: letter for letter in session.scalars(
        sa.select(Letter).options(undefer(Letter.pdf))
        .where(Letter.application_id == app_id).order_by(Letter.id))}
    requests = list(session.scalars(
        sa.select(PaymentRequest).where(PaymentRequest.application_id == app_id)
        .order_by(PaymentRequest.id)))
    ledger = list(session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == app_id)
        .order_by(LedgerEntry.id)))
    decisions = list(application.decisions)
    names = _Names(
        {e.actor_id for e in events} | {made_by.id}
        | {r.submitted_by_id for r in reports} | {r.reviewed_by_id for r in reports}
        | {p.handled_by_id for p in requests} | {e.actor_id for e in ledger}
        | {d.decided_by_id for d in decisions} | {d.presented_by_id for d in decisions}
        | {letter.issued_by_id for letter in letters.values()}
        | {a.uploaded_by_id for a in attachments}
    )

    # The application as submitted: content is editable only before submission (or while
    # returned for completion, when the resubmitted content is what the region has).
    files["ansokan.pdf"] = render_pdf(
        render_template("applications/print.html", application=application))

    report_folders = {
        report.id: f"rapporter/{n}-{report.kind}" for n, report in enumerate(reports, start=1)}
    attachment_rows = []
    for attachment in attachments:
        leaf = f"{attachment.id}-{_safe_part(attachment.filename)}"
        name = (f"{report_folders[attachment.report_id]}/bilagor/{leaf}"
                if attachment.report_id in report_folders else f"bilagor/{leaf}")
        files[name] = attachment.data
        attachment_rows.append((name, attachment))

    files["granskningar.csv"] = to_csv(_reviews_sheet(application))
    if application.screening is not None:
        files["screening.csv"] = to_csv(_screening_sheet(application))

    letter_files: dict[int, str] = {}
    for n, decision in enumerate(decisions, start=1):
        letter = letters.get(decision.id)
        if letter is not None:
            letter_files[decision.id] = f"beslut/{n}-{decision.kind}.pdf"
            files[letter_files[decision.id]] = letter.pdf
    files["beslut.csv"] = to_csv(_decisions_sheet(decisions, letters, letter_files, names))

    for report in reports:
        own = [(name, a) for name, a in attachment_rows if a.report_id == report.id]
        files[f"{report_folders[report.id]}.json"] = _report_json(report, own, names)
    files["rekvisitioner.csv"] = to_csv(_requests_sheet(requests, reports, names))
    files["ekonomi.csv"] = to_csv(_ledger_sheet(application, ledger, names))
    files["handelser.csv"] = to_csv(_events_sheet(events, names))
    files["handelser.pdf"] = render_pdf(render_template(
        "dossier/events.html", application=application, events=events, names=names,
        made_at=made_at, made_by=made_by))

    manifest = {
        "case": {
            "application_id": application.id, "reference": application.reference,
            "dnr": application.dnr, "title": application.title,
            "organisation": application.organisation.name,
            "organisation_number": application.organisation.org_number,
            "state": application.state, "state_label": application.state_label,
            "submitted_at": _iso(application.submitted_at),
        },
        "made_at": made_at.isoformat(),
        "made_by": {"id": made_by.id, "name": made_by.name, "email": made_by.email},
        "files": [{"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in files.items()],
        "letters": [{"file": letter_files[d.id], "letter_id": letters[d.id].id,
                     "stored_sha256": letters[d.id].sha256,
                     "intact": hashlib.sha256(letters[d.id].pdf).hexdigest()
                     == letters[d.id].sha256}
                    for d in decisions if d.id in letters],
        "attachments": [{"file": name, "attachment_id": a.id,
                         "stored_sha256": a.sha256,
                         "intact": hashlib.sha256(a.data).hexdigest() == a.sha256}
                        for name, a in attachment_rows],
        "note": "manifest.json lists every other file in the zip; it does not list itself.",
    }
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")

    buffer = io.BytesIO()
    stamp = made_at.astimezone(STOCKHOLM).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return Dossier(filename=dossier_filename(application), data=buffer.getvalue(),
                   manifest=manifest)


# The tables ------------------------------------------------------------------------------------


def _reviews_sheet(application: Application) -> Sheet:
    """One row per review and criterion (a review without scores: one row without one)."""
    columns = (
        Column("Granskning", "review_id", NUMBER), Column("Granskare", "reviewer"),
        Column("Tilldelad", "assigned_at"), Column("Borttagen", "removed_at"),
        Column("Jävsstatus", "jav"), Column("Jävsgrund", "jav_ground"),
        Column("Jävsanteckning", "jav_note"), Column("Jäv deklarerat", "jav_declared_at"),
        Column("Möjliga jävsflaggor", "conflict_flags"),
        Column("Bedömningsmall", "rubric", NUMBER), Column("Kriterium", "criterion"),
        Column("Vikt", "weight", NUMBER), Column("Poäng", "score", NUMBER),
        Column("Horisontellt", "rating"), Column("Motivering", "reason"),
        Column("Viktad summa", "weighted_total", NUMBER),
        Column("Rekommendation", "recommendation"),
        Column("Rekommenderat belopp", "recommended_amount", MONEY),
        Column("Kommentar", "comment"), Column("Inlämnad", "submitted_at"),
    )
    rows = []
    for review in application.reviews:
        ground = (f"{review.jav_ground}: {JAV_GROUNDS[review.jav_ground]}"
                  if review.jav_ground else "")
        head = (review.id, review.reviewer.name, _local(review.assigned_at),
                _local(review.removed_at), JavStatus(review.jav).label, ground, review.jav_note,
                _local(review.jav_declared_at), "; ".join(review.conflict_flags or []),
                review.rubric.number)
        tail = (review.weighted_total if review.submitted else None,
                Recommendation(review.recommendation).label if review.recommendation else "",
                review.recommended_amount, review.comment, _local(review.submitted_at))
        criteria = {c.id: c for c in review.rubric.criteria}
        if not review.scores:
            rows.append((*head, "", None, None, "", "", *tail))
        for score in review.scores:
            criterion = criteria.get(score.criterion_id)
            rows.append((
                *head, criterion.title if criterion else str(score.criterion_id),
                criterion.weight if criterion else None, score.score,
                HorizontalRating(score.rating).label if score.rating else "", score.reason,
                *tail,
            ))
    return Sheet("Granskningar", columns, rows)


def _screening_sheet(application: Application) -> Sheet:
    screening = application.screening
    assert screening is not None
    columns = (
        Column("Komplett", "complete"), Column("Behörig sökande", "eligible_applicant"),
        Column("Inom fondens syfte", "within_aims"),
        Column("Statsstöd hanterat", "state_aid_handled"), Column("Godkänd", "passed"),
        Column("Anteckning", "note"), Column("Kontrollerad av", "screened_by"),
        Column("Kontrollerad", "screened_at"),
    )

    def yes(value: bool) -> str:
        return "Ja" if value else "Nej"

    row = (yes(screening.complete), yes(screening.eligible_applicant),
           yes(screening.within_aims), yes(screening.state_aid_handled), yes(screening.passed),
           screening.note, screening.screened_by.name, _local(screening.screened_at))
    return Sheet("Formell kontroll", columns, [row])


def _decisions_sheet(decisions: list[Any], letters: dict[int, Letter],
                     letter_files: dict[int, str], names: _Names) -> Sheet:
    columns = (
        Column("Nr", "n", NUMBER), Column("Beslut", "decision_id", NUMBER),
        Column("Typ", "kind"), Column("Utfall", "outcome"),
        Column("Beslutsdatum", "decision_date", DATE),
        Column("Protokollet anslaget", "minutes_posted", DATE),
        Column("Sista dag att överklaga", "appeal_deadline", DATE),
        Column("Projektstart", "project_start", DATE), Column("Projektslut", "project_end", DATE),
        Column("Belopp", "total", MONEY), Column("Belopp per år", "amounts"),
        Column("Stödandel", "support_share"), Column("Återkrav", "claimed_back", MONEY),
        Column("Beslutsfattare", "decided_by"), Column("Föredragande", "presented_by"),
        Column("Beslutsfattarens jäv prövat", "jav_confirmed"),
        Column("Rättar beslut", "supersedes", NUMBER), Column("Rättelse", "correction_note"),
        Column("Skäl", "reasons"), Column("Särskilda villkor", "extra_conditions"),
        Column("Beslutsbrev", "letter_file"), Column("Brevet skickat", "letter_issued_at"),
        Column("Brevet skickat av", "letter_issued_by"), Column("Brevets sha256", "sha256"),
    )
    rows = []
    for n, decision in enumerate(decisions, start=1):
        letter = letters.get(decision.id)
        rows.append((
            n, decision.id, decision.kind_label, decision.outcome_label, decision.decision_date,
            decision.minutes_posted, decision.appeal_deadline, decision.project_start,
            decision.project_end, decision.total,
            "; ".join(f"{a.year}: {a.amount}" for a in decision.amounts),
            decision.support_share, decision.claimed_back, names(decision.decided_by_id),
            names(decision.presented_by_id), "Ja" if decision.decider_jav_confirmed else "Nej",
            decision.supersedes_id, decision.correction_note, decision.reasons,
            decision.extra_conditions, letter_files.get(decision.id, ""),
            _local(letter.issued_at) if letter else "",
            names(letter.issued_by_id) if letter else "", letter.sha256 if letter else "",
        ))
    return Sheet("Beslut", columns, rows)


_REPORT_FIELDS = (
    "id", "kind", "number", "state", "created_at", "updated_at", "submitted_at", "reviewed_at",
    "review_note", "period_start", "period_end", "activities_done", "activities_deviations",
    "learned_worked", "learned_not_worked", "learned_for_others", "learnings_public",
    "gender_equality_outcome", "sustainability_outcome", "checklist_outcomes",
    "stated_cost_total", "cost_comment", "receiving_organisation", "receiving_unit",
    "financing_after", "ordinary_from", "changes_in_operations", "support_needed",
)


def _report_json(report: Report, attachments: list[tuple[str, Attachment]],
                 names: _Names) -> bytes:
    """The report's content and state, as JSON (dates ISO 8601, times UTC)."""
    content: dict[str, Any] = {}
    for name in _REPORT_FIELDS:
        value = getattr(report, name)
        content[name] = _iso(value) if isinstance(value, date | datetime) else value
    content |= {
        "label": report.label, "state_label": report.state_label,
        "submitted_by": names(report.submitted_by_id),
        "reviewed_by": names(report.reviewed_by_id),
        "indicator_outcomes": [
            {"indicator": o.indicator.name, "unit": o.indicator.unit,
             "baseline": o.indicator.baseline, "target": o.indicator.target,
             "outcome": o.outcome, "outcome_girls": o.outcome_girls,
             "outcome_boys": o.outcome_boys, "comment": o.comment}
            for o in report.indicator_outcomes],
        "participants": [{"age_band": p.age_band, "girls": p.girls, "boys": p.boys,
                          "other": p.other} for p in report.participants],
        "costs": [{"year": c.year, "cost_type": c.cost_type, "description": c.description,
                   "amount": c.amount} for c in report.costs],
        "cost_total": report.cost_total,
        "co_financing": [{"year": c.year, "kind": c.kind, "funder": c.funder,
                          "amount": c.amount} for c in report.co_financing],
        "payment_request": None if report.payment_request is None else {
            "id": report.payment_request.id, "amount": report.payment_request.amount,
            "state": report.payment_request.state,
            "paid_amount": report.payment_request.paid_amount},
        "attachments": [{"file": name, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "sha256": a.sha256, "description": a.description,
                         "uploaded_by": names(a.uploaded_by_id),
                         "uploaded_at": _iso(a.created_at)} for name, a in attachments],
    }
    return json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8")


def _requests_sheet(requests: list[PaymentRequest], reports: list[Report],
                    names: _Names) -> Sheet:
    labels = {r.id: r.label for r in reports}
    columns = (
        Column("Rekvisition", "id", NUMBER), Column("Rapport", "report"),
        Column("Begärt", "amount", MONEY), Column("Status", "state"),
        Column("Begärd", "created_at"), Column("Utbetalt", "paid_amount", MONEY),
        Column("Hanterad av", "handled_by"), Column("Hanterad", "handled_at"),
        Column("Anteckning", "note"),
    )
    rows = [(p.id, labels.get(p.report_id, ""), p.amount, p.state_label, _local(p.created_at),
             p.paid_amount, names(p.handled_by_id), _local(p.handled_at), p.note)
            for p in requests]
    return Sheet("Rekvisitioner", columns, rows)


def _ledger_sheet(application: Application, ledger: list[LedgerEntry], names: _Names) -> Sheet:
    """The pilot's ledger entries, with the finance export's columns."""
    values = []
    for entry in ledger:
        row = {
            "date": entry.created_at.astimezone(STOCKHOLM).date(), "year": entry.year,
            "kind_label": entry.kind_label, "amount": entry.amount,
            "case_reference": application.reference,
            "organisation": application.organisation.name,
            "payment_date": entry.payment_date,
            "payment_kind_label": PaymentKind(entry.payment_kind).label
            if entry.payment_kind else None,
            "payment_reference": entry.reference, "note": entry.note,
            "recorded_by": names(entry.actor_id),
        }
        values.append(tuple(row[c.key] for c in LEDGER_COLUMNS))
    return Sheet("Ekonomi", LEDGER_COLUMNS, values)


def _events_sheet(events: list[AuditEvent], names: _Names) -> Sheet:
    columns = (
        Column("Händelse", "id", NUMBER), Column("Tid", "time"), Column("Vem", "who"),
        Column("Vad", "what"), Column("Från", "from"), Column("Till", "to"),
        Column("Motivering", "reason"), Column("Utlösare", "trigger"), Column("Data", "data"),
    )
    rows = [(e.id, _local(e.created_at), names(e.actor_id) or "Systemet", event_text(e),
             state_label(e.from_state) if e.from_state else "", state_label(e.to_state),
             e.reason, e.trigger,
             json.dumps(e.data, ensure_ascii=False, sort_keys=True) if e.data else "")
            for e in events]
    return Sheet("Händelser", columns, rows)
