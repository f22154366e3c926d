"""The portfolio map, read side: where the portfolio is thick and where the gaps are.

The focus area × municipality and lever × horizon matrices (pilots and net granted kronor per
cell), the relation graph laid out for drawing, participants by sex, and the portfolio reviews.
Only public pilots (:data:`grants.register.PUBLIC_STATES`) are counted; amounts are net granted
kronor from the ledger, summed as :func:`grants.register.granted_by_pilot` sums them, and the
participant totals come from :mod:`grants.register`, so the map and the register say the same
things.

The public version of the map (``public=True``) leaves out what is internal: relation notes. The
pilots' internal notes and the reviews are never part of the map's data at all.

Every function issues a fixed number of queries however many pilots there are, and the database
does the counting: one ``GROUP BY`` query sorts the public pilots into groups that stand in the
same cells (the same focus areas and municipalities; the same levers and horizon) and sums each
group's pilots and kronor — a few hundred groups at 10 000 pilots — and each group is added to
its cells and, once, to its totals. The pilot list and, when there are many, the relations are
read a page at a time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from grants.db import session
from grants.models import (
    Application,
    Horizon,
    LedgerEntry,
    LedgerKind,
    Lever,
    PilotRelation,
    PortfolioEntry,
    PortfolioReview,
    RelationKind,
    Report,
    ReportKind,
    ReportParticipants,
    pilot_lever,
)
from grants.models.content import application_focus_area, application_municipality
from grants.register import (
    PUBLIC_STATES,
    focus_area_names,
    granted_by_pilot,
    municipality_names,
    participants_by_sex,
)
from workflows import ReportState

NOT_ASSESSED = "inte-bedomd"
"""The lever × horizon matrix's column for pilots whose horizon is not assessed yet."""
GRAPH_LIMIT = 150
"""The most relations drawn in one graph (and listed on one page of the relation table): more
make the ring too large to read and the page too heavy to load."""


@dataclass(frozen=True)
class Pilot:
    """A public pilot as the map's list shows it."""

    id: int
    reference: str
    title: str
    amount: int
    """Net granted kronor (commitments − releases)."""
    levers: tuple[str, ...] = ()
    horizon: str | None = None

    @property
    def lever_labels(self) -> list[str]:
        return [Lever(code).label for code in self.levers]

    @property
    def horizon_label(self) -> str:
        return Horizon(self.horizon).short_label if self.horizon else "Inte bedömd"


@dataclass(frozen=True)
class Axis:
    """A row or column of a matrix. ``gaps``: an empty cell on it is a gap (not for the column
    of pilots not assessed yet, where empty is good)."""

    code: str
    label: str
    gaps: bool = True


@dataclass
class Cell:
    """Pilots and their net granted kronor."""

    count: int = 0
    amount: int = 0

    def add(self, count: int, amount: int) -> None:
        self.count += count
        self.amount += amount


@dataclass
class Matrix:
    """Pilots and their net granted kronor per (row, column). A pilot on several rows or columns
    (two municipalities, say) counts in each cell it belongs to, but only once in a row's, a
    column's and the grand total."""

    caption: str
    row_heading: str
    rows: list[Axis]
    columns: list[Axis]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    row_totals: dict[str, Cell] = field(default_factory=dict)
    column_totals: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)

    def cell(self, row: Axis, column: Axis) -> Cell:
        return self.cells.get((row.code, column.code)) or Cell()

    def is_gap(self, row: Axis, column: Axis) -> bool:
        return row.gaps and column.gaps and self.cell(row, column).count == 0

    @property
    def gap_count(self) -> int:
        return sum(self.is_gap(row, column) for row in self.rows for column in self.columns)


@dataclass
class PortfolioMap:
    """The map's figures; the pilots themselves are listed a page at a time
    (:func:`pilot_page`)."""

    pilot_count: int
    """Every public pilot."""
    total_amount: int
    """Their net granted kronor."""
    without_levers: int
    """Public pilots with no lever yet (they are in no row of the lever matrix)."""
    by_area: Matrix
    by_lever: Matrix
    participants: dict[str, int]
    participants_by_area: list[tuple[str, dict[str, int]]]


def _net_granted() -> sa.Select[tuple[int, int]]:
    """Net granted kronor (commitments − releases) per application, the same sum as
    :func:`grants.register.granted_by_pilot`, as a query to join (columns ``application_id``
    and ``amount``)."""
    signed = sa.case((LedgerEntry.kind == LedgerKind.COMMITMENT.value, LedgerEntry.amount),
                     else_=-LedgerEntry.amount)
    return (sa.select(LedgerEntry.application_id.label("application_id"),
                      sa.cast(sa.func.sum(signed), sa.BigInteger).label("amount"))
            .where(LedgerEntry.kind.in_([LedgerKind.COMMITMENT.value,
                                         LedgerKind.RELEASE.value]))
            .group_by(LedgerEntry.application_id))


def _codes(table: sa.Table, column: str) -> sa.Subquery:
    """Per pilot, the codes of its rows in an association table, comma-separated (columns
    ``application_id`` and ``codes``; the codes have no commas)."""
    return (sa.select(table.c.application_id,
                      sa.func.aggregate_strings(table.c[column], ",").label("codes"))
            .group_by(table.c.application_id).subquery())


def _groups() -> sa.CompoundSelect[tuple[str, str | None, str | None, int, int]]:
    """The public pilots grouped by where they stand on each matrix — ``area`` groups by the
    pilot's set of focus areas and set of municipalities, ``lever`` by its set of levers and its
    horizon — with each group's pilots and net granted kronor. Each pilot is in exactly one
    group of each kind, so a group's pilots are counted once wherever the group is added; there
    are as many groups as combinations in use (about 400 and 130 at 10 000 pilots)."""
    # Joined, not correlated subqueries: PostgreSQL hashes the joins (40 ms at 10 000 pilots
    # against 75 ms for a subquery per pilot); SQLite is about as fast either way (45–55 ms).
    net = _net_granted().subquery()
    areas = _codes(application_focus_area, "focus_area_code")
    places = _codes(application_municipality, "municipality_code")
    levers = _codes(pilot_lever, "lever")
    pilot = (
        sa.select(sa.func.coalesce(net.c.amount, 0).label("amount"),
                  areas.c.codes.label("areas"), places.c.codes.label("places"),
                  levers.c.codes.label("levers"), PortfolioEntry.horizon)
        .select_from(Application)
        .outerjoin(net, net.c.application_id == Application.id)
        .outerjoin(areas, areas.c.application_id == Application.id)
        .outerjoin(places, places.c.application_id == Application.id)
        .outerjoin(levers, levers.c.application_id == Application.id)
        .outerjoin(PortfolioEntry, PortfolioEntry.application_id == Application.id)
        .where(Application.state.in_(PUBLIC_STATES))
        .cte("pilot_place"))

    def grouped(kind: str, rows: sa.ColumnElement[str | None],
                columns: sa.ColumnElement[str | None]) -> sa.Select[Any]:
        return (sa.select(sa.literal_column(f"'{kind}'"), rows, columns, sa.func.count(),
                          sa.cast(sa.func.sum(pilot.c.amount), sa.BigInteger))
                .group_by(rows, columns))

    return sa.union_all(grouped("area", pilot.c.areas, pilot.c.places),
                        grouped("lever", pilot.c.levers, pilot.c.horizon))


def _spread(matrix: Matrix, groups: list[tuple[list[str], list[str], int, int]]) -> Matrix:
    """Add each group of pilots (its rows, its columns, pilots, kronor) to every cell it covers
    and once to each of its rows', columns' and the grand total. A group with no row or no
    column is in no cell, so in no total either."""
    cells: dict[tuple[str, str], Cell] = defaultdict(Cell)
    rows: dict[str, Cell] = defaultdict(Cell)
    columns: dict[str, Cell] = defaultdict(Cell)
    total = Cell()
    for row_codes, column_codes, count, amount in groups:
        if not row_codes or not column_codes:
            continue
        for row in row_codes:
            rows[row].add(count, amount)
            for column in column_codes:
                cells[(row, column)].add(count, amount)
        for column in column_codes:
            columns[column].add(count, amount)
        total.add(count, amount)
    matrix.cells, matrix.row_totals, matrix.column_totals = dict(cells), dict(rows), dict(columns)
    matrix.total = total
    return matrix


def _split(codes: str | None) -> list[str]:
    return sorted(set(codes.split(","))) if codes else []


def participants_by_area(areas: dict[str, str]) -> list[tuple[str, dict[str, int]]]:
    """Participants counted in approved follow-up reports of public pilots, by sex, per focus
    area (a pilot in two focus areas counts in both); every focus area in ``areas`` listed
    (1 query)."""
    rows = session.execute(
        sa.select(application_focus_area.c.focus_area_code,
                  sa.func.coalesce(sa.func.sum(ReportParticipants.girls), 0),
                  sa.func.coalesce(sa.func.sum(ReportParticipants.boys), 0),
                  sa.func.coalesce(sa.func.sum(ReportParticipants.other), 0))
        .select_from(ReportParticipants)
        .join(Report, Report.id == ReportParticipants.report_id)
        .join(Application, Application.id == Report.application_id)
        .join(application_focus_area,
              application_focus_area.c.application_id == Application.id)
        .where(Report.kind == ReportKind.FOLLOW_UP.value,
               Report.state == ReportState.APPROVED.value,
               Application.state.in_(PUBLIC_STATES))
        .group_by(application_focus_area.c.focus_area_code)).all()
    sums = {code: {"girls": int(g), "boys": int(b), "other": int(o)} for code, g, b, o in rows}
    empty = {"girls": 0, "boys": 0, "other": 0}
    return [(name, sums.get(code, empty)) for code, name in areas.items()]


def portfolio_map() -> PortfolioMap:
    """Everything the map page shows but the pilot list (see :func:`pilot_page`), counted by
    the database (5 queries whatever the number of pilots)."""
    area_groups, lever_groups = [], []
    pilot_count = total_amount = without_levers = 0
    for kind, row_codes, column_codes, count, amount in session.execute(_groups()):
        count, amount = int(count), int(amount)
        if kind == "area":
            area_groups.append((_split(row_codes), _split(column_codes), count, amount))
            continue
        # Every public pilot is in one lever group, those with no lever too.
        pilot_count += count
        total_amount += amount
        without_levers += 0 if row_codes else count
        lever_groups.append((_split(row_codes), [column_codes or NOT_ASSESSED], count, amount))
    areas = focus_area_names()
    municipalities = municipality_names()
    by_area = _spread(Matrix(
        caption="Piloter och beviljade belopp per insatsområde och kommun",
        row_heading="Insatsområde",
        rows=[Axis(code, name) for code, name in areas.items()],
        columns=[Axis(code, name) for code, name in municipalities.items()],
    ), area_groups)
    by_lever = _spread(Matrix(
        caption="Piloter och beviljade belopp per hävstång och horisont",
        row_heading="Hävstång",
        rows=[Axis(lever.value, lever.label) for lever in Lever],
        columns=[*(Axis(h.value, h.short_label) for h in Horizon),
                 Axis(NOT_ASSESSED, "Inte bedömd", gaps=False)],
    ), lever_groups)
    return PortfolioMap(
        pilot_count=pilot_count, total_amount=total_amount, without_levers=without_levers,
        by_area=by_area, by_lever=by_lever, participants=participants_by_sex(),
        participants_by_area=participants_by_area(areas),
    )


def pilot_page(page: int, per_page: int) -> list[Pilot]:
    """One page (from 1) of the public pilots by reference, each with its levers, horizon and
    net granted amount (3 queries)."""
    rows = session.execute(
        sa.select(Application.id, Application.reference, Application.title,
                  PortfolioEntry.horizon)
        .outerjoin(PortfolioEntry, PortfolioEntry.application_id == Application.id)
        .where(Application.state.in_(PUBLIC_STATES))
        .order_by(Application.reference, Application.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [row.id for row in rows]
    amounts = granted_by_pilot(ids)
    order = {lever.value: position for position, lever in enumerate(Lever)}
    levers: dict[int, list[str]] = {id_: [] for id_ in ids}
    for application_id, lever in session.execute(
            sa.select(pilot_lever.c.application_id, pilot_lever.c.lever)
            .where(pilot_lever.c.application_id.in_(ids))):
        levers[application_id].append(lever)
    return [Pilot(id=id_, reference=reference or "", title=title, amount=amounts.get(id_, 0),
                  levers=tuple(sorted(levers[id_], key=order.__getitem__)), horizon=horizon)
            for id_, reference, title, horizon in rows]


# The relation graph ------------------------------------------------------------------------------

RADIUS = 12
"""A node's radius in the SVG."""
SPACING = 80
"""Distance between neighbouring nodes along the circle."""
LABEL_ROOM = (130, 56)
"""Room around the circle for the labels (sideways, above and below)."""
HORIZON_ORDER = [*(h.value for h in Horizon), None]


@dataclass
class Node:
    id: int
    reference: str
    title: str
    horizon: str | None
    x: int = 0
    y: int = 0
    anchor: str = "middle"
    """Where the label stands: ``start`` (right of the node), ``end`` (left) or ``middle``."""
    label_x: int = 0
    label_y: int = 0

    @property
    def horizon_label(self) -> str:
        return Horizon(self.horizon).short_label if self.horizon else "Inte bedömd"


@dataclass
class Edge:
    id: int
    source: Node
    target: Node
    kind: str
    note: str
    path: str = ""

    @property
    def kind_label(self) -> str:
        return RelationKind(self.kind).label

    @property
    def directed(self) -> bool:
        return self.kind == RelationKind.BUILDS_ON


@dataclass
class Graph:
    """Relations between public pilots laid out for drawing: all of them, or when there are
    more than :data:`GRAPH_LIMIT`, one page of them, the newest first."""

    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    total: int = 0
    """Every relation between public pilots."""
    offset: int = 0
    """How many newer relations come before these when the relations are split into pages."""

    @property
    def partial(self) -> bool:
        return self.total > GRAPH_LIMIT

    @property
    def first(self) -> int:
        return self.offset + 1

    @property
    def last(self) -> int:
        return self.offset + len(self.edges)

    @property
    def description(self) -> str:
        if not self.partial:
            which = f"{len(self.nodes)} piloter och {len(self.edges)} relationer."
        elif self.offset == 0:
            which = (f"De {len(self.edges)} senast inlagda av {self.total} relationer, mellan "
                     f"{len(self.nodes)} piloter.")
        else:
            which = (f"Relation {self.first}–{self.last} av {self.total}, räknat från den "
                     f"senast inlagda, mellan {len(self.nodes)} piloter.")
        return (f"{which} Piloterna står i en ring, ordnade efter horisont: nära, nästa, nytt "
                "och inte bedömd. Tabellen under diagrammet har samma uppgifter.")


def relation_graph(*, public: bool = False, page: int = 1) -> Graph:
    """The relations between public pilots, laid out for an SVG (see :func:`_layout`): all of
    them by reference, or when there are more than :data:`GRAPH_LIMIT`, the given page (from 1)
    of them, the newest first. ``public`` leaves the relation notes out (2 queries)."""
    source, target = aliased(Application), aliased(Application)
    source_entry, target_entry = aliased(PortfolioEntry), aliased(PortfolioEntry)
    between_public = (
        sa.select(PilotRelation.id)
        .join(source, source.id == PilotRelation.from_id)
        .join(target, target.id == PilotRelation.to_id)
        .where(source.state.in_(PUBLIC_STATES), target.state.in_(PUBLIC_STATES)))
    total = session.scalar(sa.select(sa.func.count()).select_from(between_public.subquery()))
    order = ((source.reference, target.reference, PilotRelation.id) if total <= GRAPH_LIMIT
             else (PilotRelation.created_at.desc(), PilotRelation.id.desc()))
    offset = (page - 1) * GRAPH_LIMIT
    rows = session.execute(
        between_public.add_columns(
            PilotRelation.kind, PilotRelation.note,
            source.id, source.reference, source.title, source_entry.horizon,
            target.id, target.reference, target.title, target_entry.horizon)
        .outerjoin(source_entry, source_entry.application_id == source.id)
        .outerjoin(target_entry, target_entry.application_id == target.id)
        .order_by(*order).limit(GRAPH_LIMIT).offset(offset)).all()
    nodes: dict[int, Node] = {}
    edges = []
    for (relation_id, kind, note, s_id, s_ref, s_title, s_horizon, t_id, t_ref, t_title,
         t_horizon) in rows:
        a = nodes.setdefault(s_id, Node(s_id, s_ref or "", s_title, s_horizon))
        b = nodes.setdefault(t_id, Node(t_id, t_ref or "", t_title, t_horizon))
        edges.append(Edge(relation_id, a, b, kind, "" if public else note))
    graph = _layout(list(nodes.values()), edges)
    graph.total, graph.offset = total or 0, offset
    return graph


def _layout(nodes: list[Node], edges: list[Edge]) -> Graph:
    """Nodes on a circle, grouped by horizon (near, next, new, not assessed) and by reference
    within a group, clockwise from the top; each label outside its node. A chord of a circle
    meets the circle only at its ends, so no edge runs through a node it does not join."""
    order = {code: position for position, code in enumerate(HORIZON_ORDER)}
    nodes = sorted(nodes, key=lambda n: (order.get(n.horizon, len(order)), n.reference, n.id))
    count = len(nodes)
    ring = max(90.0, count * SPACING / (2 * math.pi))
    centre_x, centre_y = ring + LABEL_ROOM[0], ring + LABEL_ROOM[1]
    for index, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)
        cos, sin = math.cos(angle), math.sin(angle)
        node.x, node.y = round(centre_x + ring * cos), round(centre_y + ring * sin)
        node.anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
        distance = RADIUS + 8
        node.label_x = round(node.x + distance * cos)
        # Below the node at the bottom of the ring, above it at the top, level at the sides.
        node.label_y = round(node.y + (distance + 12) * sin + (4 if abs(sin) < 0.8 else 0))
    for edge in edges:
        edge.path = _path(edge.source, edge.target, arrow=edge.directed)
    return Graph(nodes=nodes, edges=edges, width=round(2 * centre_x),
                 height=round(2 * centre_y))


def _path(a: Node, b: Node, *, arrow: bool) -> str:
    """SVG path data for an edge from node ``a`` to node ``b``: a slight curve to the left of
    its direction (so that two relations of one pair, one each way, do not lie on top of each
    other), each end on the node's rim (short of ``b`` when an arrowhead is drawn there)."""
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    bend = 0.1 * length
    cx = (a.x + b.x) / 2 + dy / length * bend
    cy = (a.y + b.y) / 2 - dx / length * bend

    def rim(node: Node, distance: float) -> tuple[float, float]:
        to_x, to_y = cx - node.x, cy - node.y
        to = math.hypot(to_x, to_y) or 1.0
        return node.x + to_x / to * distance, node.y + to_y / to * distance

    (x1, y1), (x2, y2) = rim(a, RADIUS), rim(b, RADIUS + (4 if arrow else 0))
    return f"M {x1:.0f} {y1:.0f} Q {cx:.0f} {cy:.0f} {x2:.0f} {y2:.0f}"


# Reviews -----------------------------------------------------------------------------------------


def reviews() -> list[PortfolioReview]:
    """Every portfolio review, newest first, with its decisions (2 queries)."""
    return list(session.scalars(
        sa.select(PortfolioReview).order_by(PortfolioReview.held_on.desc(),
                                            PortfolioReview.id.desc())))
