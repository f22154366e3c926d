"""The portfolio operations and read side on each database: tagging pilots with levers and a
horizon, relations between pilots, portfolio reviews, and the matrices and graph built from them.

Every change is logged on the cases it touches; input that cannot be stored is refused with one
InvalidInput naming every problem, and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.completeness import today
from grants.db import session, utcnow
from grants.demo import write_report
from grants.models import (
    Application,
    AuditEvent,
    Municipality,
    PilotRelation,
    PortfolioDecision,
    PortfolioEntry,
    PortfolioReview,
    User,
    pilot_lever,
)
from grants.operations import portfolio as ops
from grants.operations import reports as report_ops
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.finance import change_reservation, committed_by_year, release_money
from grants.portfolio import (
    GRAPH_LIMIT,
    NOT_ASSESSED,
    Cell,
    pilot_page,
    portfolio_map,
    relation_graph,
)
from grants.templating import event_text
from workflows import State

Make = Callable[..., Application]
GRANT = 100_000
"""What the test factory's granted pilots get."""


def events(application: Application, trigger: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == application.id, AuditEvent.trigger == trigger)
        .order_by(AuditEvent.id)))


def levers_of(application: Application) -> list[str]:
    return sorted(session.scalars(sa.select(pilot_lever.c.lever).where(
        pilot_lever.c.application_id == application.id)))


def in_municipality(application: Application, code: str) -> None:
    """Test set-up: move the pilot to another municipality (content is frozen after submit,
    so this goes straight to the row)."""
    application.municipalities = [session.get(Municipality, code)]
    session.commit()


# Tagging ----------------------------------------------------------------------------------------


def test_tagging_stores_levers_horizon_and_note_and_logs_one_event(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot = make_application(State.GRANTED)
    event = ops.tag_pilot(pilot, actor=staff["officer"], levers=["data", "culture"],
                          horizon="next", note="Följ upp med skolan.")
    session.commit()

    entry = session.get(PortfolioEntry, pilot.id)
    assert entry is not None
    assert (entry.horizon, entry.internal_note, entry.updated_by_id) == (
        "next", "Följ upp med skolan.", staff["officer"].id)
    assert levers_of(pilot) == ["culture", "data"]
    assert event is not None and events(pilot, "tag_pilot") == [event]
    assert event.data["lever_codes"] == ["culture", "data"]
    assert event_text(event) == ("Pilotens plats i portföljen sparades: hävstänger Kultur och "
                                 "förmågor, Data och digitala tjänster; horisont Nästa")
    # The internal note stays out of the audit trail (the case history reaches other readers).
    assert "skolan" not in event.reason + str(event.data)


def test_tagging_again_replaces_the_levers_and_an_unchanged_save_logs_nothing(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot = make_application(State.GRANTED)
    ops.tag_pilot(pilot, actor=staff["officer"], levers=["culture", "data"], horizon="near",
                  note="")
    second = ops.tag_pilot(pilot, actor=staff["officer"], levers=["rules"], horizon=None,
                           note="")
    session.commit()
    assert levers_of(pilot) == ["rules"]
    assert session.get(PortfolioEntry, pilot.id).horizon is None
    assert second is not None and second.data["before"] == {
        "lever_codes": ["culture", "data"], "horizon_code": "near"}

    assert ops.tag_pilot(pilot, actor=staff["officer"], levers=["rules"], horizon=None,
                         note="") is None
    session.commit()
    assert len(events(pilot, "tag_pilot")) == 2


def test_an_unknown_lever_and_horizon_are_refused_together_and_nothing_is_stored(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot = make_application(State.GRANTED)
    with pytest.raises(InvalidInput) as refused:
        ops.tag_pilot(pilot, actor=staff["officer"], levers=["culture", "magic"],
                      horizon="someday", note="x" * (ops.NOTE + 1))
    session.rollback()
    reasons = refused.value.reasons
    assert len(reasons) == 3, reasons
    assert "Okänd hävstång: magic" in reasons[0]
    assert "Okänd horisont «someday»" in reasons[1]
    assert "högst 4000 tecken" in reasons[2]
    assert levers_of(pilot) == [] and session.get(PortfolioEntry, pilot.id) is None
    assert events(pilot, "tag_pilot") == []


def test_only_an_officer_tags_and_only_public_pilots(
    make_application: Make, staff: dict[str, User]
) -> None:
    granted = make_application(State.GRANTED)
    with pytest.raises(NotPermitted):
        ops.tag_pilot(granted, actor=staff["decider"], levers=["culture"], horizon=None,
                      note="")
    submitted = make_application(State.SUBMITTED)
    with pytest.raises(InvalidInput) as refused:
        ops.tag_pilot(submitted, actor=staff["officer"], levers=["culture"], horizon=None,
                      note="")
    assert "Bara beviljade piloter finns i portföljen" in refused.value.reasons[0]


@pytest.mark.parametrize("state", [State.FOLLOWED_UP, State.CLOSED])
def test_pilots_followed_up_or_closed_stay_in_the_portfolio(
    make_application: Make, staff: dict[str, User], state: State
) -> None:
    pilot = make_application(state)
    assert ops.tag_pilot(pilot, actor=staff["officer"], levers=["money"], horizon="new",
                         note="") is not None


# Relations --------------------------------------------------------------------------------------


def test_relating_two_pilots_logs_on_both_cases_and_removing_too(
    make_application: Make, staff: dict[str, User]
) -> None:
    a, b = make_application(State.GRANTED), make_application(State.GRANTED)
    relation = ops.relate_pilots(a, b, actor=staff["officer"], kind="builds_on",
                                 note="Tar över metoden.")
    session.commit()
    assert (relation.from_id, relation.to_id, relation.note) == (a.id, b.id, "Tar över metoden.")
    text = f"Relationen {a.reference} bygger på {b.reference} lades till i portföljen"
    assert [event_text(e) for e in events(a, "relate_pilots")] == [text]
    assert [event_text(e) for e in events(b, "relate_pilots")] == [text]

    ops.remove_relation(relation, actor=staff["officer"])
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(PilotRelation)) == 0
    assert len(events(a, "unrelate_pilots")) == len(events(b, "unrelate_pilots")) == 1


def test_a_pilot_cannot_be_related_to_itself(
    make_application: Make, staff: dict[str, User]
) -> None:
    a = make_application(State.GRANTED)
    with pytest.raises(InvalidInput) as refused:
        ops.relate_pilots(a, a, actor=staff["officer"], kind="related_to")
    assert refused.value.reasons == [
        "En pilot kan inte relateras till sig själv. Välj en annan pilot."]


@pytest.mark.parametrize(("first", "second", "reversed_"), [
    ("builds_on", "builds_on", False),
    ("related_to", "related_to", False),
    ("related_to", "related_to", True),   # "related to" has no direction
    ("builds_on", "builds_on", True),     # two pilots cannot build on each other
])
def test_a_duplicate_relation_is_refused(
    make_application: Make, staff: dict[str, User], first: str, second: str, reversed_: bool
) -> None:
    a, b = make_application(State.GRANTED), make_application(State.GRANTED)
    ops.relate_pilots(a, b, actor=staff["officer"], kind=first)
    session.commit()
    source, target = (b, a) if reversed_ else (a, b)
    with pytest.raises(InvalidInput) as refused:
        ops.relate_pilots(source, target, actor=staff["officer"], kind=second)
    session.rollback()
    assert "redan" in refused.value.reasons[0]
    assert session.scalar(sa.select(sa.func.count()).select_from(PilotRelation)) == 1


def test_two_kinds_of_relation_between_the_same_pilots_are_allowed(
    make_application: Make, staff: dict[str, User]
) -> None:
    a, b = make_application(State.GRANTED), make_application(State.GRANTED)
    ops.relate_pilots(a, b, actor=staff["officer"], kind="builds_on")
    ops.relate_pilots(b, a, actor=staff["officer"], kind="related_to")
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(PilotRelation)) == 2


def test_relations_need_public_pilots_and_an_officer(
    make_application: Make, staff: dict[str, User]
) -> None:
    a, draft = make_application(State.GRANTED), make_application(State.SUBMITTED)
    with pytest.raises(InvalidInput) as refused:
        ops.relate_pilots(a, draft, actor=staff["officer"], kind="unknown")
    assert len(refused.value.reasons) == 2  # the kind and the pilot that is not public
    with pytest.raises(NotPermitted):
        ops.relate_pilots(a, make_application(State.GRANTED), actor=staff["decider"],
                          kind="related_to")


# Reviews ----------------------------------------------------------------------------------------


def test_a_review_records_every_decision_and_logs_on_each_pilot(
    make_application: Make, staff: dict[str, User]
) -> None:
    keep, stop = make_application(State.GRANTED), make_application(State.GRANTED)
    review = ops.record_review(
        actor=staff["decider"], held_on=today(), title="Genomgång hösten",
        notes="Alla var med.", items=[
            {"choice": "continue", "application_id": str(keep.id), "gap": "",
             "focus_area_code": None, "municipality_code": None, "reason": "Når många."},
            {"choice": "", "application_id": "", "gap": "", "focus_area_code": "",
             "municipality_code": "", "reason": ""},  # a blank row is no decision
            {"choice": "fill_gap", "application_id": None, "gap": "Inget i Laxå.",
             "focus_area_code": "leisure", "municipality_code": "1860",
             "reason": "Kommunen har frågat."},
            {"choice": "stop", "application_id": stop.id, "gap": "",
             "focus_area_code": None, "municipality_code": None, "reason": "Målet är nått."},
        ])
    session.commit()

    stored = session.get(PortfolioReview, review.id)
    assert [(d.choice, d.application_id, d.gap, d.municipality_code, d.reason)
            for d in stored.decisions] == [
        ("continue", keep.id, "", None, "Når många."),
        ("fill_gap", None, "Inget i Laxå.", "1860", "Kommunen har frågat."),
        ("stop", stop.id, "", None, "Målet är nått."),
    ]
    assert [event_text(e) for e in events(keep, "portfolio_review")] == [
        f"Portföljgenomgången {today().isoformat()} beslutade: Fortsätt"]
    assert [event_text(e) for e in events(stop, "portfolio_review")] == [
        f"Portföljgenomgången {today().isoformat()} beslutade: Avsluta"]


def test_a_review_without_reasons_is_refused_naming_every_problem(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot = make_application(State.GRANTED)
    blank = {"gap": "", "focus_area_code": None, "municipality_code": None, "reason": ""}
    with pytest.raises(InvalidInput) as refused:
        ops.record_review(actor=staff["officer"], held_on=today() + timedelta(days=1),
                          title=" ", notes="", items=[
                              {**blank, "choice": "continue", "application_id": pilot.id},
                              {**blank, "choice": "fill_gap", "application_id": None},
                              {**blank, "choice": "stop", "application_id": None},
                              {**blank, "choice": "", "application_id": None,
                               "reason": "Ett skäl utan val."},
                          ])
    session.rollback()
    assert refused.value.reasons == [
        "Genomgångens datum kan inte ligga i framtiden: för in den när den har hållits.",
        "Skriv en rubrik för genomgången, till exempel «Portföljgenomgång hösten 2025».",
        "Rad 1: Skriv ett skäl.",
        "Rad 2: Beskriv glappet som ska fyllas.",
        "Rad 2: Skriv ett skäl.",
        "Rad 3: Välj vilken pilot som ska avslutas.",
        "Rad 3: Skriv ett skäl.",
        "Rad 4: Välj Fortsätt, Fyll glapp eller Avsluta.",
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(PortfolioReview)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(PortfolioDecision)) == 0


def test_a_review_refuses_no_decisions_unknown_places_and_the_same_pilot_twice(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot, submitted = make_application(State.GRANTED), make_application(State.SUBMITTED)
    with pytest.raises(InvalidInput) as refused:
        ops.record_review(actor=staff["officer"], held_on=today(), title="T", notes="",
                          items=[])
    assert refused.value.reasons == [
        "Ange minst ett beslut: en pilot som ska fortsätta eller avslutas, eller ett glapp som "
        "ska fyllas."]
    row = {"gap": "", "focus_area_code": None, "municipality_code": None, "reason": "Skäl."}
    with pytest.raises(InvalidInput) as refused:
        ops.record_review(actor=staff["officer"], held_on=today(), title="T", notes="", items=[
            {**row, "choice": "continue", "application_id": pilot.id},
            {**row, "choice": "stop", "application_id": pilot.id},
            {**row, "choice": "stop", "application_id": submitted.id},
            {**row, "choice": "fill_gap", "application_id": None, "gap": "G",
             "focus_area_code": "sport", "municipality_code": "9999"},
        ])
    reasons = refused.value.reasons
    assert reasons[0] == f"Rad 2: {pilot.reference} finns redan på rad 1."
    assert reasons[1].startswith(f"Rad 3: {submitted.reference} är inte en beviljad pilot")
    assert reasons[2:] == ["Rad 4: Okänt insatsområde «sport».", "Rad 4: Okänt kommun «9999»."]


def test_only_officers_and_deciders_record_reviews(
    make_user: Callable[..., User]
) -> None:
    for role in ("finance", "reviewer", "applicant", "admin"):
        with pytest.raises(NotPermitted):
            ops.record_review(actor=make_user(role), held_on=today(), title="T", notes="",
                              items=[])


# The read side ----------------------------------------------------------------------------------


def test_the_matrices_count_pilots_and_net_granted_amounts_per_cell(
    make_application: Make, staff: dict[str, User]
) -> None:
    orebro, kumla_1, kumla_2 = (make_application(State.GRANTED) for _ in range(3))
    make_application(State.SUBMITTED)  # not public: never counted
    in_municipality(kumla_1, "1881")
    in_municipality(kumla_2, "1881")
    ops.tag_pilot(orebro, actor=staff["officer"], levers=["culture"], horizon="near", note="")
    ops.tag_pilot(kumla_1, actor=staff["officer"], levers=["culture", "data"], horizon=None,
                  note="")
    session.commit()

    found = portfolio_map()
    assert (found.pilot_count, found.total_amount) == (3, 3 * GRANT)
    listed = pilot_page(1, 50)
    assert [p.id for p in listed] == sorted(
        [orebro.id, kumla_1.id, kumla_2.id], key=lambda i: session.get(Application, i).reference)
    area = found.by_area
    assert len(area.columns) == 12  # every municipality, so that an empty one shows as a gap
    leisure = next(r for r in area.rows if r.code == "leisure")
    school = next(r for r in area.rows if r.code == "school")
    kumla = next(c for c in area.columns if c.code == "1881")
    orebro_column = next(c for c in area.columns if c.code == "1880")
    laxa = next(c for c in area.columns if c.code == "1860")
    assert (area.cell(leisure, kumla).count, area.cell(leisure, kumla).amount) == (2, 2 * GRANT)
    assert (area.cell(leisure, orebro_column).count,
            area.cell(leisure, orebro_column).amount) == (1, GRANT)
    assert area.is_gap(leisure, laxa) and area.is_gap(school, kumla)
    # Each pilot is in two focus areas: in two cells, but once in the totals.
    assert (area.total.count, area.total.amount) == (3, 3 * GRANT)
    assert area.gap_count == 4 * 12 - 4

    lever = found.by_lever
    row = {r.code: r for r in lever.rows}
    column = {c.code: c for c in lever.columns}
    assert lever.cell(row["culture"], column["near"]).count == 1
    assert lever.cell(row["culture"], column[NOT_ASSESSED]).count == 1
    assert lever.cell(row["data"], column[NOT_ASSESSED]).amount == GRANT
    assert lever.is_gap(row["rules"], column["new"])
    assert not lever.is_gap(row["rules"], column[NOT_ASSESSED])  # empty there is no gap
    assert found.without_levers == 1
    assert [p.id for p in listed if not p.levers] == [kumla_2.id]
    assert (lever.total.count, lever.total.amount) == (2, 2 * GRANT)


def test_a_pilot_counts_in_each_of_its_cells_once_in_the_totals_and_net_of_releases(
    make_application: Make, staff: dict[str, User]
) -> None:
    two_places, orebro = make_application(State.GRANTED), make_application(State.GRANTED)
    two_places.municipalities = [session.get(Municipality, "1880"),
                                 session.get(Municipality, "1881")]
    year = next(iter(committed_by_year(two_places)))
    release_money(two_places, actor=staff["officer"], year=year, amount=30_000,
                  reason="Lägre kostnader än budgeterat.")
    ops.tag_pilot(two_places, actor=staff["officer"], levers=["culture", "data"],
                  horizon="new", note="")
    session.commit()
    net = GRANT - 30_000

    found = portfolio_map()
    assert (found.pilot_count, found.total_amount, found.without_levers) == (2, GRANT + net, 1)
    area = found.by_area
    row = {r.code: r for r in area.rows}
    column = {c.code: c for c in area.columns}
    leisure = row["leisure"]
    assert area.cell(leisure, column["1880"]) == Cell(2, GRANT + net)
    assert area.cell(leisure, column["1881"]) == Cell(1, net)
    # In two municipalities and two focus areas: once in its row, column and grand totals.
    assert area.row_totals["leisure"] == Cell(2, GRANT + net)
    assert area.column_totals["1880"] == Cell(2, GRANT + net)
    assert area.column_totals["1881"] == Cell(1, net)
    assert area.total == Cell(2, GRANT + net)

    lever = found.by_lever
    culture = next(r for r in lever.rows if r.code == "culture")
    new = next(c for c in lever.columns if c.code == "new")
    assert lever.cell(culture, new) == Cell(1, net)
    assert lever.column_totals["new"] == Cell(1, net)  # two levers, counted once
    assert lever.total == Cell(1, net)
    assert {p.id: p.amount for p in pilot_page(1, 50)} == {two_places.id: net, orebro.id: GRANT}


def test_the_pilot_list_is_read_a_page_at_a_time_by_reference(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilots = [make_application(State.GRANTED) for _ in range(3)]
    make_application(State.SUBMITTED)  # not public: never listed
    ops.tag_pilot(pilots[1], actor=staff["officer"], levers=["rules", "culture"],
                  horizon="next", note="")
    session.commit()
    by_reference = sorted(pilots, key=lambda p: p.reference)
    first, second = pilot_page(1, 2), pilot_page(2, 2)
    assert [p.id for p in first + second] == [p.id for p in by_reference]
    assert pilot_page(3, 2) == []
    tagged = next(p for p in first + second if p.id == pilots[1].id)
    assert (tagged.levers, tagged.horizon, tagged.amount) == (("culture", "rules"), "next", GRANT)


def test_participants_are_totalled_by_sex_overall_and_per_focus_area(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot = make_application(State.FOLLOWED_UP)
    found = portfolio_map()
    counted = found.participants
    assert sum(counted.values()) > 0
    by_area = dict(found.participants_by_area)
    assert by_area["Meningsfull fritid"] == counted  # the pilot's two focus areas
    assert by_area["God föräldra–barn-relation"] == {"girls": 0, "boys": 0, "other": 0}
    assert pilot.state == State.FOLLOWED_UP


def test_participants_of_a_report_not_approved_are_not_counted(
    make_application: Make, staff: dict[str, User]
) -> None:
    pilot = make_application(State.GRANTED)
    owner = session.scalar(sa.select(User).where(User.organisation_id == pilot.organisation_id))
    report = write_report(pilot, "follow_up", owner)
    report_ops.submit_report(report, actor=owner)
    session.commit()
    assert portfolio_map().participants == {"girls": 0, "boys": 0, "other": 0}


def test_the_relation_graph_lays_out_public_relations_and_hides_notes_publicly(
    make_application: Make, staff: dict[str, User]
) -> None:
    a, b, c = (make_application(State.GRANTED) for _ in range(3))
    ops.tag_pilot(a, actor=staff["officer"], levers=[], horizon="near", note="")
    ops.tag_pilot(b, actor=staff["officer"], levers=[], horizon="near", note="")
    ops.relate_pilots(a, b, actor=staff["officer"], kind="builds_on", note="Hemlig orsak")
    ops.relate_pilots(c, a, actor=staff["officer"], kind="related_to", note="")
    session.commit()

    graph = relation_graph()
    assert {(e.source.id, e.kind, e.target.id) for e in graph.edges} == {
        (a.id, "builds_on", b.id), (c.id, "related_to", a.id)}
    assert "Hemlig orsak" in [e.note for e in graph.edges]
    # On a ring, grouped by horizon (the two "near" pilots first), clockwise from the top.
    assert [n.id for n in graph.nodes] == [a.id, b.id, c.id]
    centre = (graph.width / 2, graph.height / 2)
    distances = {round(math.dist((n.x, n.y), centre)) for n in graph.nodes}
    assert max(distances) - min(distances) <= 1
    assert graph.nodes[0].x == round(centre[0]) and graph.nodes[0].y < centre[1]
    assert all(e.path.startswith("M ") and " Q " in e.path for e in graph.edges)
    assert [e.note for e in relation_graph(public=True).edges] == ["", ""]


def _many_pilots(make_application: Make, make_user: Callable[..., User],
                 n: int) -> list[Application]:
    """``n`` granted pilots; the year's pot is raised first so that it holds them all."""
    change_reservation(actor=make_user("finance"), year=today().year, reserved=n * GRANT,
                       reason="Fler piloter i testet.")
    session.commit()
    return [make_application(State.GRANTED) for _ in range(n)]


def _relations(pilots: list[Application], officer: User, count: int) -> list[PilotRelation]:
    """Test set-up: ``count`` relations between the pilots (each pair builds on and relates to
    each other), one a minute, straight to the rows (the operation's audit events are not what
    these tests are about)."""
    start = utcnow() - timedelta(days=1)
    pairs = [(a, b, kind) for i, a in enumerate(pilots) for b in pilots[i + 1:]
             for kind in ("builds_on", "related_to")]
    assert len(pairs) >= count
    relations = [PilotRelation(from_id=a.id, to_id=b.id, kind=kind, note=f"Not {n}",
                               created_at=start + timedelta(minutes=n), created_by_id=officer.id)
                 for n, (a, b, kind) in enumerate(pairs[:count])]
    session.add_all(relations)
    session.commit()
    return relations


def test_more_relations_than_one_graph_shows_are_drawn_a_page_at_a_time_newest_first(
    make_application: Make, make_user: Callable[..., User], staff: dict[str, User]
) -> None:
    pilots = _many_pilots(make_application, make_user, 13)  # 78 pairs, two relations each
    relations = _relations(pilots, staff["officer"], GRAPH_LIMIT + 3)
    newest_first = [r.id for r in reversed(relations)]

    graph = relation_graph()
    assert (graph.total, graph.offset, graph.partial) == (GRAPH_LIMIT + 3, 0, True)
    assert [e.id for e in graph.edges] == newest_first[:GRAPH_LIMIT]
    assert {n.id for n in graph.nodes} == {
        i for e in graph.edges for i in (e.source.id, e.target.id)}
    assert graph.description.startswith(
        f"De {GRAPH_LIMIT} senast inlagda av {GRAPH_LIMIT + 3} relationer, mellan "
        f"{len(graph.nodes)} piloter.")

    rest = relation_graph(page=2)
    assert [e.id for e in rest.edges] == newest_first[GRAPH_LIMIT:]
    assert (rest.first, rest.last) == (GRAPH_LIMIT + 1, GRAPH_LIMIT + 3)
    assert rest.description.startswith(
        f"Relation {GRAPH_LIMIT + 1}–{GRAPH_LIMIT + 3} av {GRAPH_LIMIT + 3}, räknat från den "
        "senast inlagda")
    assert relation_graph(page=3).edges == []
    assert {e.note for e in relation_graph(public=True).edges} == {""}

    # Up to the limit, every relation is drawn, by reference as before.
    for relation in relations[-3:]:
        session.delete(relation)
    session.commit()
    graph = relation_graph()
    assert (graph.total, len(graph.edges), graph.partial) == (GRAPH_LIMIT, GRAPH_LIMIT, False)
    assert [(e.source.reference, e.target.reference) for e in graph.edges] == sorted(
        (e.source.reference, e.target.reference) for e in graph.edges)
    assert graph.description.startswith(
        f"{len(graph.nodes)} piloter och {GRAPH_LIMIT} relationer.")
