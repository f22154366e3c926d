"""The portfolio: officers place each pilot on the map (the levers it pulls, its horizon, an
internal note) and record how pilots relate; officers and deciders record each portfolio review
(which pilots to continue, which gaps to fill, which pilots to stop, each with a reason).

Only public pilots (:data:`grants.register.PUBLIC_STATES`) are in the portfolio. Every operation
checks who acts, refuses input it cannot store with one InvalidInput naming every problem in
Swedish, writes an audit event on each case it touches, and flushes; the request commits.

Internal notes (the pilot's note, a relation's note, a review's reasons) never go into an audit
event's reason or text: the events say what changed, the notes stay in their own rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from grants.completeness import today
from grants.db import session
from grants.models import (
    Application,
    AuditEvent,
    FocusArea,
    Horizon,
    Lever,
    Municipality,
    PilotRelation,
    PortfolioChoice,
    PortfolioDecision,
    PortfolioEntry,
    PortfolioReview,
    RelationKind,
    User,
    pilot_lever,
)
from grants.operations.common import clean_text, lock_application, log_case_event
from grants.operations.errors import InvalidInput, NotPermitted
from grants.register import PUBLIC_STATES
from workflows import Role

NOTE = 4000
"""The longest internal note on a pilot or a relation."""
TITLE = 200
REVIEW_NOTES = 10_000
TEXT = 4000
"""The longest gap description or reason on one line of a review."""
MAX_ITEMS = 50


def _require_officer(actor: User, what: str) -> None:
    if Role.OFFICER.value not in actor.roles:
        raise NotPermitted(f"Bara en handläggare kan {what}.")


def _not_public(application: Application) -> str | None:
    """Why ``application`` cannot be in the portfolio (None: it can)."""
    if application.state in PUBLIC_STATES:
        return None
    return (f"{application.display_reference} är inte en beviljad pilot (status "
            f"«{application.state_label}»). Bara beviljade piloter finns i portföljen.")


def _texts(problems: list[str], value: str | None, limit: int, what: str) -> str:
    """``value`` cleaned (see :func:`clean_text`); a problem is added to ``problems``."""
    try:
        return clean_text(value, limit, what)
    except InvalidInput as exc:
        problems.extend(exc.reasons)
        return ""


def _lever_labels(codes: list[str]) -> str:
    return ", ".join(Lever(code).label for code in codes) or "inga"


def _horizon_label(code: str | None) -> str:
    return Horizon(code).short_label if code else "inte bedömd"


# A pilot's place on the map ---------------------------------------------------------------------


def tag_pilot(application: Application, *, actor: User, levers: list[str],
              horizon: str | None, note: str) -> AuditEvent | None:
    """Set the pilot's levers (replacing the ones it had), its horizon (None: not assessed) and
    the officers' internal note. Returns the audit event, or None when nothing changed.

    Raises NotPermitted (not an officer) or InvalidInput (not a public pilot, an unknown lever or
    horizon, a note too long or holding a personnummer), naming every problem.
    """
    _require_officer(actor, "placera piloter i portföljen")
    problems = []
    if (problem := _not_public(application)) is not None:
        problems.append(problem)
    known = {lever.value for lever in Lever}
    unknown = [lever for lever in dict.fromkeys(levers) if lever not in known]
    if unknown:
        problems.append(f"Okänd hävstång: {', '.join(unknown)}. Välj bland: "
                        f"{', '.join(lever.label for lever in Lever)}.")
    if horizon is not None and horizon not in {h.value for h in Horizon}:
        problems.append(f"Okänd horisont «{horizon}». Välj bland: "
                        f"{', '.join(h.short_label for h in Horizon)}, eller inte bedömd.")
    note = _texts(problems, note, NOTE, "Den interna anteckningen")
    if problems:
        raise InvalidInput(*problems)

    # Two officers saving at once: the second waits, then sees the first one's levers.
    lock_application(application)
    wanted = [lever.value for lever in Lever if lever.value in set(levers)]
    current = set(session.scalars(sa.select(pilot_lever.c.lever).where(
        pilot_lever.c.application_id == application.id)))
    entry = session.get(PortfolioEntry, application.id, populate_existing=True)
    before = {"lever_codes": [lever.value for lever in Lever if lever.value in current],
              "horizon_code": entry.horizon if entry else None}
    note_changed = note != (entry.internal_note if entry else "")
    if before == {"lever_codes": wanted, "horizon_code": horizon} and not note_changed:
        return None

    if removed := current - set(wanted):
        session.execute(pilot_lever.delete().where(
            pilot_lever.c.application_id == application.id, pilot_lever.c.lever.in_(removed)))
    if added := [lever for lever in wanted if lever not in current]:
        session.execute(pilot_lever.insert(),
                        [{"application_id": application.id, "lever": lever} for lever in added])
    if entry is None:
        entry = PortfolioEntry(application_id=application.id)
        session.add(entry)
    entry.horizon = horizon
    entry.internal_note = note
    entry.updated_by_id = actor.id
    session.flush()
    return log_case_event(application, "tag_pilot", actor=actor, data={
        "levers": _lever_labels(wanted), "horizon": _horizon_label(horizon),
        "lever_codes": wanted, "horizon_code": horizon, "note_changed": note_changed,
        "before": before,
    })


# Relations --------------------------------------------------------------------------------------


def _relation_data(relation: PilotRelation, source: Application,
                   target: Application) -> dict[str, Any]:
    return {"relation_id": relation.id, "source": source.display_reference,
            "target": target.display_reference, "kind": relation.kind,
            "kind_label": relation.kind_label}


def relate_pilots(source: Application, target: Application, *, actor: User, kind: str,
                  note: str = "") -> PilotRelation:
    """Record that ``source`` builds on (or is related to) ``target``, with an internal note.
    Logged on both cases.

    Raises NotPermitted (not an officer) or InvalidInput, naming every problem: an unknown kind,
    a pilot related to itself, a pilot that is not public, a relation that already exists (for
    "related to" in either direction; "builds on" both ways round is refused too), a note too
    long or holding a personnummer.
    """
    _require_officer(actor, "lägga till relationer mellan piloter")
    problems = []
    if kind not in {k.value for k in RelationKind}:
        problems.append(f"Okänd relation «{kind}». Välj bland: "
                        f"{', '.join(k.label for k in RelationKind)}.")
    if source.id == target.id:
        problems.append("En pilot kan inte relateras till sig själv. Välj en annan pilot.")
    for application in dict.fromkeys((source, target)):
        if (problem := _not_public(application)) is not None:
            problems.append(problem)
    note = _texts(problems, note, NOTE, "Anteckningen om relationen")
    if problems:
        raise InvalidInput(*problems)

    # Lock both cases in a fixed order (no deadlock), so that the same relation added twice at
    # once is refused here rather than by the unique constraint.
    for application in sorted((source, target), key=lambda a: a.id):
        lock_application(application)
    existing = session.execute(
        sa.select(PilotRelation.from_id, PilotRelation.kind).where(sa.or_(
            sa.and_(PilotRelation.from_id == source.id, PilotRelation.to_id == target.id),
            sa.and_(PilotRelation.from_id == target.id, PilotRelation.to_id == source.id),
        ))).all()
    for from_id, existing_kind in existing:
        if existing_kind != kind:
            continue
        label = RelationKind(kind).label
        if from_id == source.id:
            raise InvalidInput(f"Relationen finns redan: {source.display_reference} {label} "
                               f"{target.display_reference}.")
        if kind == RelationKind.RELATED_TO:
            raise InvalidInput(f"Relationen finns redan: {target.display_reference} {label} "
                               f"{source.display_reference}.")
        raise InvalidInput(f"{target.display_reference} {label} redan "
                           f"{source.display_reference}; två piloter kan inte bygga på "
                           "varandra. Ta bort den relationen först om den är fel.")
    relation = PilotRelation(from_id=source.id, to_id=target.id, kind=kind, note=note,
                             created_by_id=actor.id)
    session.add(relation)
    session.flush()
    data = _relation_data(relation, source, target)
    log_case_event(source, "relate_pilots", actor=actor, data=data)
    log_case_event(target, "relate_pilots", actor=actor, data=data)
    return relation


def remove_relation(relation: PilotRelation, *, actor: User) -> None:
    """Remove a relation between two pilots (logged on both cases). Raises NotPermitted."""
    _require_officer(actor, "ta bort relationer mellan piloter")
    source, target = relation.source, relation.target
    data = _relation_data(relation, source, target)
    session.delete(relation)
    session.flush()
    log_case_event(source, "unrelate_pilots", actor=actor, data=data)
    log_case_event(target, "unrelate_pilots", actor=actor, data=data)


# Portfolio reviews ------------------------------------------------------------------------------


def _blank(item: dict[str, Any]) -> bool:
    return not any(str(value or "").strip() for value in item.values())


def record_review(*, actor: User, held_on: date | None, title: str, notes: str,
                  items: list[dict[str, Any]]) -> PortfolioReview:
    """Record a portfolio review meeting and what it decided, one line per item: ``choice``
    (continue, fill_gap, stop), ``application_id`` (the pilot; needed to continue or stop),
    ``gap`` (what is missing; needed to fill a gap), ``focus_area_code`` and
    ``municipality_code`` (where the gap shows, optional) and ``reason`` (always). Items left
    entirely blank are skipped. Each pilot named is logged on its case.

    Raises NotPermitted (neither officer nor decider) or InvalidInput naming every problem,
    line by line ("Rad 2: …").
    """
    if not actor.roles & {Role.OFFICER.value, Role.DECIDER.value}:
        raise NotPermitted("Bara handläggare och beslutsfattare kan föra in portföljgenomgångar.")
    problems: list[str] = []
    if held_on is None:
        problems.append("Ange datum för genomgången.")
    elif held_on > today():
        problems.append("Genomgångens datum kan inte ligga i framtiden: för in den när den "
                        "har hållits.")
    title = _texts(problems, title, TITLE, "Rubriken")
    if not title:
        problems.append("Skriv en rubrik för genomgången, till exempel «Portföljgenomgång "
                        "hösten 2025».")
    notes = _texts(problems, notes, REVIEW_NOTES, "Anteckningarna")

    numbered = [(n, item) for n, item in enumerate(items, start=1) if not _blank(item)]
    if not numbered:
        problems.append("Ange minst ett beslut: en pilot som ska fortsätta eller avslutas, "
                        "eller ett glapp som ska fyllas.")
    if len(numbered) > MAX_ITEMS:
        problems.append(f"En genomgång kan ha högst {MAX_ITEMS} beslut.")

    ids = {int(item["application_id"]) for _n, item in numbered
           if str(item.get("application_id") or "").isdigit()}
    pilots = {a.id: a for a in session.scalars(
        sa.select(Application).where(Application.id.in_(ids)))} if ids else {}
    codes = {
        "focus_area_code": set(session.scalars(sa.select(FocusArea.code))),
        "municipality_code": set(session.scalars(sa.select(Municipality.code))),
    }
    choices = {c.value for c in PortfolioChoice}
    seen: dict[int, int] = {}
    decisions = []
    for n, item in numbered:
        line: list[str] = []
        choice = str(item.get("choice") or "")
        if choice not in choices:
            line.append("välj Fortsätt, Fyll glapp eller Avsluta." if not choice
                        else f"okänt val «{choice}».")
        raw_id = item.get("application_id")
        pilot = None
        if raw_id not in (None, ""):
            pilot = pilots.get(int(raw_id)) if str(raw_id).isdigit() else None
            if pilot is None:
                line.append("piloten finns inte.")
            elif (problem := _not_public(pilot)) is not None:
                line.append(problem)
            elif pilot.id in seen:
                line.append(f"{pilot.display_reference} finns redan på rad {seen[pilot.id]}.")
            else:
                seen[pilot.id] = n
        elif choice in (PortfolioChoice.CONTINUE, PortfolioChoice.STOP):
            verb = "fortsätta" if choice == PortfolioChoice.CONTINUE else "avslutas"
            line.append(f"välj vilken pilot som ska {verb}.")
        gap = _texts(line, item.get("gap"), TEXT, "beskrivningen av glappet")
        if choice == PortfolioChoice.FILL_GAP and not gap:
            line.append("beskriv glappet som ska fyllas.")
        where = {}
        for key, what in (("focus_area_code", "insatsområde"), ("municipality_code", "kommun")):
            value = item.get(key) or None
            if value is not None and value not in codes[key]:
                line.append(f"okänt {what} «{value}».")
                value = None
            where[key] = value
        reason = _texts(line, item.get("reason"), TEXT, "skälet")
        if not reason:
            line.append("skriv ett skäl.")
        problems.extend(f"Rad {n}: {_sentence(p)}" for p in line)
        if not line:
            decisions.append(PortfolioDecision(
                choice=choice, application_id=pilot.id if pilot else None, gap=gap,
                reason=reason, **where))
    if problems:
        raise InvalidInput(*problems)

    review = PortfolioReview(held_on=held_on, title=title, notes=notes,
                             created_by_id=actor.id, decisions=decisions)
    session.add(review)
    session.flush()
    for decision in decisions:
        if decision.application_id is not None:
            log_case_event(pilots[decision.application_id], "portfolio_review", actor=actor,
                           data={"review_id": review.id, "held_on": held_on.isoformat(),
                                 "choice": decision.choice,
                                 "choice_label": decision.choice_label})
    return review


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
