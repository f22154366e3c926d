"""The public register: what anyone may see of the pilots the fund supports, and what they taught.

One module decides what is public, so that the HTML pages, the JSON and CSV API and the
360Giving export say the same things: a pilot is public from ``granted`` on; it shows its title,
summary, organisation, municipalities, focus areas, granted money per year, period, state, result
indicators with outcomes from an approved follow-up report, learnings the pilot owner marked for
publication in an approved report, participants counted by sex, and the scale-up outcome.

Never public: contact persons, reviewers and their scores, officers' notes, review notes, drafts,
anything in a report not yet approved, learnings marked internal, payment details.

Every function issues a fixed number of queries however many pilots there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, raiseload, selectinload

from grants.db import session, swedish_text_search
from grants.models import (
    Application,
    Decision,
    FocusArea,
    LedgerEntry,
    LedgerKind,
    Municipality,
    Organisation,
    OrganisationKind,
    Report,
    ReportKind,
)
from grants.models.content import application_focus_area, application_municipality
from workflows import ReportState, State

PUBLIC_STATES = (State.GRANTED.value, State.FOLLOWED_UP.value, State.SCALED.value,
                 State.CLOSED.value)
PER_PAGE = 20
MAX_PER_PAGE = 100
SEARCH_LIMIT = 200

PUBLIC_STATE_LABELS = {
    State.GRANTED.value: "Pågår",
    State.FOLLOWED_UP.value: "Genomförd och uppföljd",
    State.SCALED.value: "Införd i ordinarie verksamhet",
    State.CLOSED.value: "Avslutad",
}
"""The states in plain Swedish for the public."""
CANCELLED_LABEL = "Avslutad (stödet återkallades)"

SORTS = {
    "titel": "Titel A–Ö",
    "senaste": "Senast beviljade först",
    "belopp": "Störst belopp först",
}

THEMES = {
    "fungerade": "Det här fungerade",
    "fungerade-inte": "Det här fungerade inte",
    "tips": "Det här bör andra veta",
}
"""Learning themes: the three questions every follow-up report answers."""
_THEME_COLUMNS = {"fungerade": "learned_worked", "fungerade-inte": "learned_not_worked",
                  "tips": "learned_for_others"}


class RegisterError(ValueError):
    """A filter value, sort or page that does not exist; the message says which, in Swedish."""


# Filters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    focus_area: str | None = None
    municipality: str | None = None
    year: int | None = None
    state: str | None = None
    organisation_kind: str | None = None
    query: str = ""
    sort: str = "senaste"
    page: int = 1
    per_page: int = PER_PAGE

    def as_params(self, **changes: Any) -> dict[str, Any]:
        """The query-string parameters that give these filters (with ``changes``); the HTML
        pages and the API take the same names."""
        values = {"insatsomrade": self.focus_area, "kommun": self.municipality,
                  "ar": self.year, "status": self.state, "organisation": self.organisation_kind,
                  "q": self.query or None, "sortering": None if self.sort == "senaste"
                  else self.sort, "sida": None if self.page == 1 else self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


PARAMETERS = ("insatsomrade", "kommun", "ar", "status", "organisation", "q", "sortering", "sida",
              "per_sida")


def parse_filters(args: Any, *, api: bool = False) -> Filters:
    """Filters from query-string ``args`` (a mapping of str → str). Raises RegisterError naming
    the parameter and what it may be; empty values mean "no filter". The API (``api``) also
    takes ``per_sida`` and refuses parameters it does not know; pages ignore those."""

    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value or None

    unknown = sorted(set(args.keys()) - set(PARAMETERS))
    if unknown and api:
        raise RegisterError(f"Okänd parameter: {', '.join(unknown)}. Tillåtna: "
                            f"{', '.join(PARAMETERS)}.")
    focus = text("insatsomrade")
    if focus is not None and focus not in focus_area_names():
        raise RegisterError(f"Okänt insatsområde «{focus}». Välj bland: "
                            f"{', '.join(focus_area_names())}.")
    municipality = text("kommun")
    if municipality is not None and municipality not in municipality_names():
        raise RegisterError(f"Okänd kommun «{municipality}». Ange kommunkoden, till exempel "
                            "1881 för Kumla.")
    year = _integer(text("ar"), "ar", 2000, 2100)
    state = text("status")
    if state is not None and state not in PUBLIC_STATE_LABELS:
        raise RegisterError(f"Okänd status «{state}». Välj bland: "
                            f"{', '.join(PUBLIC_STATE_LABELS)}.")
    kind = text("organisation")
    if kind is not None and kind not in OrganisationKind.__members__.values():
        raise RegisterError(f"Okänd organisationstyp «{kind}». Välj bland: "
                            f"{', '.join(k.value for k in OrganisationKind)}.")
    sort = text("sortering") or "senaste"
    if sort not in SORTS:
        raise RegisterError(f"Okänd sortering «{sort}». Välj bland: {', '.join(SORTS)}.")
    query = (args.get("q") or "").strip()
    if len(query) > SEARCH_LIMIT:
        raise RegisterError(f"Sökningen får vara högst {SEARCH_LIMIT} tecken.")
    if "\x00" in query:
        # PostgreSQL text cannot hold NUL: the search would be a 500 there.
        raise RegisterError("Sökningen innehåller ett tecken som inte går att söka på.")
    page = _integer(text("sida"), "sida", 1, 1_000_000) or 1
    per_page = PER_PAGE
    if api:
        per_page = _integer(text("per_sida"), "per_sida", 1, MAX_PER_PAGE) or PER_PAGE
    return Filters(focus_area=focus, municipality=municipality, year=year, state=state,
                   organisation_kind=kind, query=query, sort=sort, page=page, per_page=per_page)


def _integer(value: str | None, name: str, lowest: int, highest: int) -> int | None:
    if value is None:
        return None
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (value.isascii() and value.isdigit()) or not lowest <= int(value) <= highest:
        raise RegisterError(f"Parametern {name} ska vara ett heltal från {lowest} till "
                            f"{highest}, inte «{value[:40]}».")
    return int(value)


def focus_area_names() -> dict[str, str]:
    return dict(session.execute(
        sa.select(FocusArea.code, FocusArea.name).order_by(FocusArea.position)).all())


def municipality_names() -> dict[str, str]:
    return dict(session.execute(
        sa.select(Municipality.code, Municipality.name).order_by(Municipality.name)).all())


# What a pilot shows ------------------------------------------------------------------------------


@dataclass
class PublicIndicator:
    name: str
    unit: str
    baseline: str
    target: str
    by_sex: bool
    outcome: str | None = None
    outcome_girls: str | None = None
    outcome_boys: str | None = None


@dataclass
class PublicLearning:
    reference: str
    title: str
    organisation: str
    focus_areas: list[str]
    report: str
    published: date
    worked: str
    not_worked: str
    for_others: str

    def themes(self) -> list[tuple[str, str, str]]:
        """(theme code, theme label, text) for the parts that say something."""
        texts = {"fungerade": self.worked, "fungerade-inte": self.not_worked,
                 "tips": self.for_others}
        return [(code, THEMES[code], texts[code]) for code in THEMES if texts[code].strip()]


@dataclass
class PublicPilot:
    reference: str
    title: str
    summary: str
    organisation: str
    organisation_number: str
    organisation_kind: str
    organisation_kind_label: str
    municipalities: list[tuple[str, str]]
    focus_areas: list[tuple[str, str]]
    state: str
    state_label: str
    granted: list[tuple[int, int]]
    decision_date: date | None
    project_start: date | None
    project_end: date | None
    indicators: list[PublicIndicator] = field(default_factory=list)
    participants: dict[str, int] | None = None
    learnings: list[PublicLearning] = field(default_factory=list)
    scale_up: dict[str, Any] | None = None
    updated: datetime | None = None

    @property
    def granted_total(self) -> int:
        return sum(amount for _year, amount in self.granted)

    def as_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """The pilot as the API gives it (the detail adds outcomes, learnings, scale-up)."""
        data: dict[str, Any] = {
            "reference": self.reference, "title": self.title, "summary": self.summary,
            "organisation": {"name": self.organisation, "org_number": self.organisation_number,
                             "kind": self.organisation_kind,
                             "kind_label": self.organisation_kind_label},
            "municipalities": [{"code": c, "name": n} for c, n in self.municipalities],
            "focus_areas": [{"code": c, "name": n} for c, n in self.focus_areas],
            "state": self.state, "state_label": self.state_label,
            "granted": [{"year": y, "amount": a} for y, a in self.granted],
            "granted_total": self.granted_total, "currency": "SEK",
            "decision_date": _iso(self.decision_date),
            "project_start": _iso(self.project_start), "project_end": _iso(self.project_end),
        }
        if detail:
            data |= {
                "indicators": [vars(i).copy() for i in self.indicators],
                "participants": self.participants,
                "learnings": [{"report": lrn.report, "published": _iso(lrn.published),
                               "worked": lrn.worked, "not_worked": lrn.not_worked,
                               "for_others": lrn.for_others} for lrn in self.learnings],
                "scale_up": self.scale_up,
            }
        return data


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _state_label(application: Application) -> str:
    if application.state == State.CLOSED and application.cancellation is not None:
        return CANCELLED_LABEL
    return PUBLIC_STATE_LABELS[application.state]


def _pilot(application: Application) -> PublicPilot:
    decision = application.current_decision
    organisation = application.organisation
    original = next((d for d in application.decisions if d.kind == "decision"), None)
    return PublicPilot(
        reference=application.reference or "", title=application.title,
        summary=application.summary, organisation=organisation.name,
        organisation_number=organisation.org_number, organisation_kind=organisation.kind,
        organisation_kind_label=organisation.kind_label,
        municipalities=[(m.code, m.name) for m in application.municipalities],
        focus_areas=[(f.code, f.name) for f in application.focus_areas],
        state=application.state, state_label=_state_label(application),
        granted=[(a.year, a.amount) for a in decision.amounts] if decision else [],
        decision_date=original.decision_date if original else None,
        project_start=decision.project_start if decision else None,
        project_end=decision.project_end if decision else None,
        updated=application.updated_at,
    )


_PILOT_OPTIONS = (
    selectinload(Application.municipalities), selectinload(Application.focus_areas),
    # Only the amounts: who decided and presented, and the report dues, are never public (and
    # would cost queries); raiseload makes reaching them from a public page an error.
    selectinload(Application.decisions).options(
        selectinload(Decision.amounts), raiseload(Decision.decided_by),
        raiseload(Decision.presented_by), raiseload(Decision.report_dues)),
)


def _public() -> Any:
    return sa.select(Application).where(Application.state.in_(PUBLIC_STATES))


# The list ---------------------------------------------------------------------------------------


@dataclass
class RegisterPage:
    filters: Filters
    pilots: list[PublicPilot]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filters.per_page))


def _net_granted() -> Any:
    """Per pilot: commitments minus releases, from the ledger (a correlated subquery)."""
    signed = sa.case((LedgerEntry.kind == LedgerKind.COMMITMENT.value, LedgerEntry.amount),
                     else_=-LedgerEntry.amount)
    return (sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
            .where(LedgerEntry.application_id == Application.id,
                   LedgerEntry.kind.in_([LedgerKind.COMMITMENT.value, LedgerKind.RELEASE.value]))
            .correlate(Application).scalar_subquery())


def _filtered(filters: Filters) -> Any:
    query = _public()
    if filters.focus_area:
        query = query.where(sa.exists().where(
            application_focus_area.c.application_id == Application.id,
            application_focus_area.c.focus_area_code == filters.focus_area))
    if filters.municipality:
        query = query.where(sa.exists().where(
            application_municipality.c.application_id == Application.id,
            application_municipality.c.municipality_code == filters.municipality))
    if filters.year:
        query = query.where(sa.exists().where(
            LedgerEntry.application_id == Application.id, LedgerEntry.year == filters.year,
            LedgerEntry.kind == LedgerKind.COMMITMENT.value))
    if filters.state:
        query = query.where(Application.state == filters.state)
    if filters.organisation_kind:
        query = query.where(Application.organisation_id.in_(
            sa.select(Organisation.id).where(Organisation.kind == filters.organisation_kind)))
    if filters.query:
        query = query.where(_search(filters.query))
    return query


def _published_reports() -> Any:
    return (sa.select(Report.id).where(
        Report.application_id == Application.id, Report.state == ReportState.APPROVED.value,
        Report.learnings_public.is_(True)))


def _search(text: str) -> Any:
    """Title, summary and published learnings. PostgreSQL: full-text search with Swedish
    stemming ("fritidsgårdar" finds "fritidsgård"); SQLite: every word must appear somewhere
    (case-insensitive). The text is always a bound parameter."""
    if session.get_bind().dialect.name == "postgresql":
        # The same expressions as the GIN indexes (grants.db.swedish_text_search), and a UNION
        # of ids rather than OR/EXISTS, so that each side can use its index.
        query = sa.func.plainto_tsquery(sa.literal_column("'swedish'"), text)
        pilot = aliased(Application)
        return Application.id.in_(sa.union(
            sa.select(pilot.id).where(
                swedish_text_search(pilot.title, pilot.summary).bool_op("@@")(query)),
            sa.select(Report.application_id).where(
                Report.state == ReportState.APPROVED.value, Report.learnings_public.is_(True),
                swedish_text_search(Report.learned_worked, Report.learned_not_worked,
                                    Report.learned_for_others).bool_op("@@")(query)),
        ))
    conditions = []
    for word in text.split()[:10]:
        def contains(column: Any, word: str = word) -> Any:
            # casefold() is registered on each SQLite connection (grants.db).
            return sa.func.casefold(column).contains(word.casefold(), autoescape=True)

        learned = _published_reports().where(sa.or_(
            contains(Report.learned_worked), contains(Report.learned_not_worked),
            contains(Report.learned_for_others)))
        conditions.append(sa.or_(contains(Application.title), contains(Application.summary),
                                 sa.exists(learned)))
    return sa.and_(*conditions) if conditions else sa.true()


def register_page(filters: Filters) -> RegisterPage:
    """One page of the register with these filters (4 queries whatever the data)."""
    query = _filtered(filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = {
        "titel": (sa.func.lower(Application.title), Application.id),
        "senaste": (Application.submitted_at.desc(), Application.id.desc()),
        "belopp": (_net_granted().desc(), Application.id),
    }[filters.sort]
    rows = session.scalars(
        query.options(*_PILOT_OPTIONS).order_by(*order)
        .limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
    ).all()
    return RegisterPage(filters=filters, pilots=[_pilot(a) for a in rows], total=total)


# One pilot ---------------------------------------------------------------------------------------


def public_pilot(reference: str) -> PublicPilot | None:
    """The whole public record of one pilot, or None when there is no public pilot with that
    reference (a draft, a rejected case, an unknown one: all the same answer)."""
    application = session.scalars(
        _public().where(Application.reference == reference).options(*_PILOT_OPTIONS,
                        selectinload(Application.indicators))
    ).first()
    if application is None:
        return None
    pilot = _pilot(application)
    reports = session.scalars(sa.select(Report).where(
        Report.application_id == application.id, Report.state == ReportState.APPROVED.value)
        .order_by(Report.reviewed_at, Report.id)).all()
    follow_up = next((r for r in reports if r.kind == ReportKind.FOLLOW_UP), None)
    outcomes = {o.indicator_id: o for o in follow_up.indicator_outcomes} if follow_up else {}
    for indicator in application.indicators:
        outcome = outcomes.get(indicator.id)
        pilot.indicators.append(PublicIndicator(
            name=indicator.name, unit=indicator.unit, baseline=indicator.baseline,
            target=indicator.target, by_sex=indicator.by_sex,
            outcome=outcome.outcome if outcome else None,
            outcome_girls=outcome.outcome_girls if outcome and indicator.by_sex else None,
            outcome_boys=outcome.outcome_boys if outcome and indicator.by_sex else None,
        ))
    if follow_up is not None and follow_up.participants:
        pilot.participants = {
            "girls": sum(p.girls for p in follow_up.participants),
            "boys": sum(p.boys for p in follow_up.participants),
            "other": sum(p.other for p in follow_up.participants),
        }
    pilot.learnings = [_learning(application, r) for r in reports if r.learnings_public
                       and (r.learned_worked or r.learned_not_worked or r.learned_for_others)]
    scale_up = next((r for r in reports if r.kind == ReportKind.SCALE_UP), None)
    if scale_up is not None:
        pilot.scale_up = {
            "organisation": scale_up.receiving_organisation, "unit": scale_up.receiving_unit,
            "from": _iso(scale_up.ordinary_from), "financing": scale_up.financing_after,
            "changes": scale_up.changes_in_operations,
        }
    return pilot


def _learning(application: Application, report: Report) -> PublicLearning:
    reviewed = report.reviewed_at or report.updated_at
    return PublicLearning(
        reference=application.reference or "", title=application.title,
        organisation=application.organisation.name,
        focus_areas=[f.name for f in application.focus_areas], report=report.label,
        published=reviewed.date(), worked=report.learned_worked,
        not_worked=report.learned_not_worked, for_others=report.learned_for_others,
    )


# Learnings ---------------------------------------------------------------------------------------


@dataclass
class LearningPage:
    learnings: list[PublicLearning]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _says_something(theme: str | None) -> Any:
    columns = [getattr(Report, _THEME_COLUMNS[theme])] if theme else [
        Report.learned_worked, Report.learned_not_worked, Report.learned_for_others]
    return sa.or_(*(sa.func.length(sa.func.trim(column)) > 0 for column in columns))


def learnings_page(*, focus_area: str | None = None, theme: str | None = None, page: int = 1,
                   per_page: int = PER_PAGE) -> LearningPage:
    """Published learnings of approved reports, newest first; by focus area and theme
    (a theme keeps the reports that say something under it). Raises RegisterError."""
    if focus_area is not None and focus_area not in focus_area_names():
        raise RegisterError(f"Okänt insatsområde «{focus_area}».")
    if theme is not None and theme not in THEMES:
        raise RegisterError(f"Okänt tema «{theme}». Välj bland: {', '.join(THEMES)}.")
    query = (sa.select(Report).join(Application, Report.application_id == Application.id)
             .where(Application.state.in_(PUBLIC_STATES),
                    Report.state == ReportState.APPROVED.value, Report.learnings_public.is_(True),
                    _says_something(theme)))
    if focus_area is not None:
        query = query.where(sa.exists().where(
            application_focus_area.c.application_id == Application.id,
            application_focus_area.c.focus_area_code == focus_area))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    reports = session.scalars(
        query.options(selectinload(Report.application).selectinload(Application.focus_areas))
        .order_by(Report.reviewed_at.desc(), Report.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return LearningPage(learnings=[_learning(r.application, r) for r in reports], total=total,
                        page=page, per_page=per_page)


# Totals for the start page and the portfolio ------------------------------------------------------


def granted_by_pilot(application_ids: list[int] | None = None) -> dict[int, int]:
    """Net granted money (commitments − releases) per pilot, from the ledger (one query)."""
    signed = sa.case((LedgerEntry.kind == LedgerKind.COMMITMENT.value, LedgerEntry.amount),
                     else_=-LedgerEntry.amount)
    query = (sa.select(LedgerEntry.application_id, sa.cast(sa.func.sum(signed), sa.BigInteger))
             .where(LedgerEntry.kind.in_([LedgerKind.COMMITMENT.value,
                                          LedgerKind.RELEASE.value]))
             .group_by(LedgerEntry.application_id))
    if application_ids is not None:
        query = query.where(LedgerEntry.application_id.in_(application_ids))
    return {application_id: total for application_id, total in session.execute(query)}


def participants_by_sex() -> dict[str, int]:
    """Participants counted in approved follow-up reports of public pilots, by sex."""
    from grants.models import ReportParticipants

    row = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ReportParticipants.girls), 0),
                  sa.func.coalesce(sa.func.sum(ReportParticipants.boys), 0),
                  sa.func.coalesce(sa.func.sum(ReportParticipants.other), 0))
        .join(Report, Report.id == ReportParticipants.report_id)
        .join(Application, Application.id == Report.application_id)
        .where(Report.kind == ReportKind.FOLLOW_UP.value,
               Report.state == ReportState.APPROVED.value,
               Application.state.in_(PUBLIC_STATES))
    ).one()
    return {"girls": int(row[0]), "boys": int(row[1]), "other": int(row[2])}


def counts_by_state() -> dict[str, int]:
    rows = session.execute(sa.select(Application.state, sa.func.count())
                           .where(Application.state.in_(PUBLIC_STATES))
                           .group_by(Application.state)).all()
    counts: dict[str, int] = defaultdict(int, {state: n for state, n in rows})
    return {state: counts[state] for state in PUBLIC_STATES}
