"""The portfolio map, read side: where the portfolio is thick and where the gaps are.

The focus area × municipality and lever × horizon matrices (pilots and net granted kronor per
cell), the relation graph laid out for drawing, participants by sex, and the portfolio reviews.
Only public pilots (:data:`grants.register.PUBLIC_STATES`) are counted; amounts and participant
totals come from :mod:`grants.register`, so the map and the register say the same things.

The public version of the map (``public=True``) leaves out what is internal: relation notes. The
pilots' internal notes and the reviews are never part of the map's data at all.

Every function issues a fixed number of queries however many pilots there are: the pilots and
their tags are read in a few flat queries and counted here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from grants.db import session
from grants.models import (
    Application,
    Horizon,
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


@dataclass(frozen=True)
class Pilot:
    """A public pilot as the map shows it."""

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
    count: int = 0
    amount: int = 0
    pilot_ids: set[int] = field(default_factory=set)

    def add(self, pilot: Pilot) -> None:
        if pilot.id not in self.pilot_ids:
            self.pilot_ids.add(pilot.id)
            self.count += 1
            self.amount += pilot.amount


@dataclass
class Matrix:
    """Pilots and their net granted kronor per (row, column). A pilot on several rows or columns
    (two municipalities, say) counts in each cell it belongs to, but only once in a row's, a
    column's and the grand total."""

    caption: str
    row_heading: str
    rows: list[Axis]
    columns: list[Axis]
    cells: dict[tuple[str, str], Cell] = field(default_factory=lambda: defaultdict(Cell))
    row_totals: dict[str, Cell] = field(default_factory=lambda: defaultdict(Cell))
    column_totals: dict[str, Cell] = field(default_factory=lambda: defaultdict(Cell))
    total: Cell = field(default_factory=Cell)

    def add(self, row: str, column: str, pilot: Pilot) -> None:
        self.cells[(row, column)].add(pilot)
        self.row_totals[row].add(pilot)
        self.column_totals[column].add(pilot)
        self.total.add(pilot)

    def cell(self, row: Axis, column: Axis) -> Cell:
        return self.cells.get((row.code, column.code)) or Cell()

    def is_gap(self, row: Axis, column: Axis) -> bool:
        return row.gaps and column.gaps and self.cell(row, column).count == 0

    @property
    def gap_count(self) -> int:
        return sum(self.is_gap(row, column) for row in self.rows for column in self.columns)


@dataclass
class PortfolioMap:
    pilots: list[Pilot]
    by_area: Matrix
    by_lever: Matrix
    without_levers: list[Pilot]
    participants: dict[str, int]
    participants_by_area: list[tuple[str, dict[str, int]]]

    @property
    def total_amount(self) -> int:
        return sum(pilot.amount for pilot in self.pilots)


def _public_ids() -> sa.Select[tuple[int]]:
    return sa.select(Application.id).where(Application.state.in_(PUBLIC_STATES))


def public_pilots() -> list[Pilot]:
    """Every public pilot with its levers, horizon and net granted amount, by reference
    (4 queries)."""
    amounts = granted_by_pilot()
    levers: dict[int, list[str]] = defaultdict(list)
    for application_id, lever in session.execute(
            sa.select(pilot_lever.c.application_id, pilot_lever.c.lever)
            .where(pilot_lever.c.application_id.in_(_public_ids()))):
        levers[application_id].append(lever)
    horizons = dict(session.execute(
        sa.select(PortfolioEntry.application_id, PortfolioEntry.horizon)
        .where(PortfolioEntry.application_id.in_(_public_ids()))).all())
    order = {lever.value: position for position, lever in enumerate(Lever)}
    return [
        Pilot(id=id_, reference=reference or "", title=title, amount=amounts.get(id_, 0),
              levers=tuple(sorted(levers[id_], key=order.__getitem__)),
              horizon=horizons.get(id_))
        for id_, reference, title in session.execute(
            sa.select(Application.id, Application.reference, Application.title)
            .where(Application.state.in_(PUBLIC_STATES))
            .order_by(Application.reference, Application.id))
    ]


def _memberships(table: sa.Table, column: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for application_id, code in session.execute(
            sa.select(table.c.application_id, table.c[column])
            .where(table.c.application_id.in_(_public_ids()))):
        found[application_id].append(code)
    return found


def area_matrix(pilots: list[Pilot]) -> Matrix:
    """Focus area × municipality: every focus area and every municipality of the county, so
    that an empty cell shows as a gap (4 queries)."""
    areas = focus_area_names()
    municipalities = municipality_names()
    matrix = Matrix(
        caption="Piloter och beviljade belopp per insatsområde och kommun",
        row_heading="Insatsområde",
        rows=[Axis(code, name) for code, name in areas.items()],
        columns=[Axis(code, name) for code, name in municipalities.items()],
    )
    by_area = _memberships(application_focus_area, "focus_area_code")
    by_municipality = _memberships(application_municipality, "municipality_code")
    for pilot in pilots:
        for area in by_area.get(pilot.id, []):
            for municipality in by_municipality.get(pilot.id, []):
                matrix.add(area, municipality, pilot)
    return matrix


def lever_matrix(pilots: list[Pilot]) -> Matrix:
    """Lever × horizon, with a column for pilots whose horizon is not assessed yet (no
    queries: the levers and horizons come with ``pilots``)."""
    matrix = Matrix(
        caption="Piloter och beviljade belopp per hävstång och horisont",
        row_heading="Hävstång",
        rows=[Axis(lever.value, lever.label) for lever in Lever],
        columns=[*(Axis(h.value, h.short_label) for h in Horizon),
                 Axis(NOT_ASSESSED, "Inte bedömd", gaps=False)],
    )
    for pilot in pilots:
        for lever in pilot.levers:
            matrix.add(lever, pilot.horizon or NOT_ASSESSED, pilot)
    return matrix


def participants_by_area() -> list[tuple[str, dict[str, int]]]:
    """Participants counted in approved follow-up reports of public pilots, by sex, per focus
    area (a pilot in two focus areas counts in both); every focus area listed (2 queries)."""
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
    return [(name, sums.get(code, empty)) for code, name in focus_area_names().items()]


def portfolio_map() -> PortfolioMap:
    """Everything the map page shows (11 queries whatever the number of pilots)."""
    pilots = public_pilots()
    return PortfolioMap(
        pilots=pilots, by_area=area_matrix(pilots), by_lever=lever_matrix(pilots),
        without_levers=[pilot for pilot in pilots if not pilot.levers],
        participants=participants_by_sex(), participants_by_area=participants_by_area(),
    )


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
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int

    @property
    def description(self) -> str:
        return (f"{len(self.nodes)} piloter och {len(self.edges)} relationer. Piloterna står i "
                "en ring, ordnade efter horisont: nära, nästa, nytt och inte bedömd. Tabellen "
                "under diagrammet har samma uppgifter.")


def relation_graph(*, public: bool = False) -> Graph:
    """The relations between public pilots, laid out for an SVG (see :func:`_layout`).
    ``public`` leaves the relation notes out (1 query)."""
    source, target = aliased(Application), aliased(Application)
    source_entry, target_entry = aliased(PortfolioEntry), aliased(PortfolioEntry)
    rows = session.execute(
        sa.select(PilotRelation.id, PilotRelation.kind, PilotRelation.note,
                  source.id, source.reference, source.title, source_entry.horizon,
                  target.id, target.reference, target.title, target_entry.horizon)
        .join(source, source.id == PilotRelation.from_id)
        .join(target, target.id == PilotRelation.to_id)
        .outerjoin(source_entry, source_entry.application_id == source.id)
        .outerjoin(target_entry, target_entry.application_id == target.id)
        .where(source.state.in_(PUBLIC_STATES), target.state.in_(PUBLIC_STATES))
        .order_by(source.reference, target.reference, PilotRelation.id)).all()
    nodes: dict[int, Node] = {}
    edges = []
    for (relation_id, kind, note, s_id, s_ref, s_title, s_horizon, t_id, t_ref, t_title,
         t_horizon) in rows:
        a = nodes.setdefault(s_id, Node(s_id, s_ref or "", s_title, s_horizon))
        b = nodes.setdefault(t_id, Node(t_id, t_ref or "", t_title, t_horizon))
        edges.append(Edge(relation_id, a, b, kind, "" if public else note))
    return _layout(list(nodes.values()), edges)


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
