"""The situation picture (lägesbild) across walks and years: filters, map clusters, hotspots, figures.

Everything is counted in the database (GROUP BY over grid cells), never by looping over findings in
Python, so it stays fast for a municipality with years of walks (bench/situation.py).

Findings counted: every visible canonical finding (not hidden, not merged into another) of every walk.
Years are the walks' years (services.walks.held_at).

Map clusters: the findings in view are grouped into square grid cells of ``CLUSTER_PX`` screen pixels at
the map's zoom level (Web Mercator: a pixel is ``360 / (256 · 2^zoom)`` degrees of longitude); each cell
is drawn as one circle with its count at the mean position of its findings. A cell holding one finding
is drawn as that finding.

Hotspots ("the same place again"): unsafe findings are put into square cells of ``HOTSPOT_CELL_M``
metres (a local metric grid: longitude scaled by the cosine of the reference latitude); a cell is a
hotspot when findings in it come from at least ``min_walks`` different walks. Cells, not circles
around each finding, so a place is counted once and the answer is the same on SQLite and PostGIS; the
cost is that two findings a few metres apart on either side of a cell edge fall into two cells.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, case, distinct, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from fieldapp import municipality
from fieldapp.extensions import db
from fieldapp.finding_rules import FELT_SAFETY_COLUMNS
from fieldapp.models import Category, Finding, Measure, ResponsibleParty, Walk
from fieldapp.services import categories
from fieldapp.services.measures import done_times
from fieldapp.services.walks import held_at_sql
from gis import nearby

Row = TypeVarTuple("Row")
CLUSTER_PX = 60
INDEX_FROM_ZOOM = 14
HOTSPOT_CELL_M = 50
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
OPEN_MEASURE_STATUSES = ("new", "assessed", "sent", "planned")
FIXED_MEASURE_STATUSES = ("done", "verified")


@dataclass(frozen=True)
class SituationFilter:
    """What staff narrow the picture to; empty values mean "all"."""

    year_from: int | None = None
    year_to: int | None = None
    area: str = ""
    category: str = ""
    polarity: str = ""
    measure_status: str = ""  # a measure status, or "none" for findings without a measure
    party_id: int | None = None

    def is_empty(self) -> bool:
        return self == SituationFilter()


@dataclass(frozen=True)
class Cluster:
    lon: float
    lat: float
    count: int
    unsafe: int
    finding_id: int | None  # set when the cell holds one finding


@dataclass(frozen=True)
class Hotspot:
    lon: float
    lat: float
    findings: int
    walks: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class PartyFigures:
    party: str
    measures: int
    fixed: int
    open: int
    overdue: int
    median_days_to_fix: float | None = None  # from the walk to the measure becoming done


def _visible() -> ColumnElement[bool]:
    return and_(Finding.hidden.is_(False), Finding.canonical_id.is_(None))


def _year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=municipality.zone())  # New Year where the municipality is


def walk_date() -> ColumnElement[datetime]:
    """When a walk took place (services.walks.held_at): the year filters count by it."""
    return held_at_sql()


def _where(f: SituationFilter) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on findings alone: the walks, categories and measures it names are
    subqueries, so a query joins nothing the filter does not need (100k findings, 500 walks)."""
    conditions: list[ColumnElement[bool]] = [_visible()]
    walk_conditions: list[ColumnElement[bool]] = []
    if f.year_from is not None:
        walk_conditions.append(walk_date() >= _year_start(f.year_from))
    if f.year_to is not None:
        walk_conditions.append(walk_date() < _year_start(f.year_to + 1))
    if f.area:
        walk_conditions.append(Walk.area_name == f.area)
    if walk_conditions:
        conditions.append(Finding.walk_id.in_(select(Walk.id).where(*walk_conditions)))
    if f.category:  # a top-level category includes its sub-choices
        conditions.append(Finding.category_id.in_(categories.ids_under(f.category)))
    if f.polarity:
        conditions.append(Finding.polarity == f.polarity)
    has_measure = select(Measure.finding_id).where(Measure.finding_id == Finding.id)
    if f.measure_status == "none":
        conditions.append(~has_measure.exists())
    elif f.measure_status:
        conditions.append(has_measure.where(Measure.status == f.measure_status).exists())
    if f.party_id is not None:
        conditions.append(has_measure.where(Measure.responsible_party_id == f.party_id).exists())
    return conditions


def _joined(query: Select[*Row], f: SituationFilter) -> Select[*Row]:
    return query.select_from(Finding).where(*_where(f))


def map_clusters(f: SituationFilter, bbox: tuple[float, float, float, float], zoom: int) -> list[Cluster]:
    """The findings inside ``bbox`` (west, south, east, north; WGS 84) grouped for drawing at ``zoom``."""
    west, south, east, north = bbox
    zoom = max(0, min(int(zoom), 22))
    cell_lon = CLUSTER_PX * 360.0 / (256 * 2 ** zoom)
    cell_lat = cell_lon * math.cos(math.radians((south + north) / 2))
    x, y = func.ST_X(Finding.geom_el), func.ST_Y(Finding.geom_el)
    cell_x, cell_y = func.floor(x / cell_lon), func.floor(y / cell_lat)
    query = _joined(
        select(
            func.avg(x), func.avg(y), func.count(Finding.id),
            func.sum(case((Finding.polarity == "unsafe", 1), else_=0)), func.min(Finding.id),
        ),
        f,
    ).where(x >= west, x <= east, y >= south, y <= north).group_by(cell_x, cell_y)
    if zoom >= INDEX_FROM_ZOOM:  # a small part of the municipality: let the spatial index find the candidates
        table = Finding.__table__.c
        query = query.where(nearby.within_box(db.engine.dialect.name, table.geom, table.id, bbox))
    return [
        Cluster(float(lon), float(lat), int(n), int(unsafe or 0), int(first) if n == 1 else None)
        for lon, lat, n, unsafe, first in db.session.execute(query)
    ]


def reference_latitude() -> float:
    """The latitude the hotspot grid is scaled at: the mean of all findings, to whole degrees (stable when
    filters change, so a place stays in the same cell)."""
    mean = db.session.scalar(select(func.avg(func.ST_Y(Finding.geom_el))))
    return float(round(mean)) if mean is not None else 60.0


def hotspots(f: SituationFilter, *, min_walks: int = 2, cell_m: float = HOTSPOT_CELL_M,
             limit: int = 50) -> list[Hotspot]:
    """Grid cells of ``cell_m`` metres where unsafe findings come from at least ``min_walks`` walks."""
    kx = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(reference_latitude())) / cell_m
    ky = METRES_PER_DEGREE_LAT / cell_m
    x, y = func.ST_X(Finding.geom_el), func.ST_Y(Finding.geom_el)
    walks = func.count(distinct(Finding.walk_id))
    query = (
        _joined(
            select(func.avg(x), func.avg(y), func.count(Finding.id), walks,
                   func.min(Finding.created_at), func.max(Finding.created_at)),
            f,
        )
        .where(Finding.polarity == "unsafe")
        .group_by(func.floor(x * kx), func.floor(y * ky))
        .having(walks >= min_walks)
        .order_by(walks.desc(), func.count(Finding.id).desc(), func.min(Finding.id))
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    return [Hotspot(float(lon), float(lat), int(n), int(w), _aware(first), _aware(last))
            for lon, lat, n, w, first, last in rows]


def _aware(value: datetime | str) -> datetime:
    """Aggregates (min/max) skip the column type's conversion on SQLite: make them aware datetimes."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _year(column: ColumnElement[datetime]) -> ColumnElement[int]:
    return func.extract("year", column)


def categories_by_year(f: SituationFilter, locale: str = "sv") -> list[tuple[int, str, int]]:
    """(year, category name, findings) for every year and category with findings, newest year first."""
    name = Category.name_en if locale == "en" else Category.name_sv
    year = _year(walk_date())
    query = (
        _joined(select(year, name, func.count(Finding.id)), f)
        .join(Walk, Walk.id == Finding.walk_id)
        .join(Category, Category.id == Finding.category_id)
        .group_by(year, name)
        .order_by(year.desc(), func.count(Finding.id).desc(), name)
    )
    return [(int(y), str(n), int(c)) for y, n, c in db.session.execute(query)]


def party_figures(f: SituationFilter, today: date) -> list[PartyFigures]:
    """Per responsible party: measures, fixed (done or verified), still open, open past the deadline, and
    the median days from the walk to the fix."""
    fixed = func.sum(case((Measure.status.in_(FIXED_MEASURE_STATUSES), 1), else_=0))
    still_open = func.sum(case((Measure.status.in_(OPEN_MEASURE_STATUSES), 1), else_=0))
    overdue = func.sum(case((and_(Measure.status.in_(OPEN_MEASURE_STATUSES), Measure.deadline < today), 1),
                            else_=0))
    party = func.coalesce(ResponsibleParty.name, literal(""))
    query = (
        _joined(select(party, func.count(Measure.id), fixed, still_open, overdue), f)
        .join(Measure, Measure.finding_id == Finding.id)
        .outerjoin(ResponsibleParty, ResponsibleParty.id == Measure.responsible_party_id)
        .group_by(party)
        .order_by(func.count(Measure.id).desc(), party)
    )
    days = _days_to_fix(f)
    return [PartyFigures(str(p), int(n), int(fx or 0), int(op or 0), int(od or 0), days.get(str(p)))
            for p, n, fx, op, od in db.session.execute(query)]


def _days_to_fix(f: SituationFilter) -> dict[str, float]:
    """Median days from the walk to the fix, per responsible party name ('' for none), for fixed measures
    whose history says when they became done."""
    party_name = func.coalesce(ResponsibleParty.name, "")
    rows = db.session.execute(
        _joined(select(Finding.id, Finding.walk_id, held_at_sql(), party_name), f)
        .join(Measure, Measure.finding_id == Finding.id)
        .join(Walk, Walk.id == Finding.walk_id)
        .outerjoin(ResponsibleParty, ResponsibleParty.id == Measure.responsible_party_id)
        .where(Measure.status.in_(FIXED_MEASURE_STATUSES))
    ).all()
    done = done_times({walk_id for _, walk_id, _, _ in rows})
    per_party: dict[str, list[float]] = {}
    for finding_id, _, held, name in rows:
        if finding_id in done:
            days = (done[finding_id] - _aware(held)).total_seconds() / 86400
            per_party.setdefault(str(name), []).append(max(days, 0.0))
    return {party: statistics.median(values) for party, values in per_party.items()}


@dataclass(frozen=True)
class FeltSafety:
    """Felt-safety answers of one area in one year. "Very unsafe" is the first point of both scales (the
    3-point scale of older walks and today's 4-point one), so its share compares across years."""

    area: str
    year: int
    answers: int
    very_unsafe: int

    @property
    def share_very_unsafe(self) -> float:
        return self.very_unsafe / self.answers if self.answers else 0.0


def felt_safety_by_area(f: SituationFilter) -> list[FeltSafety]:
    """Per area and year (newest first): how many answered how safe the place felt, and how many "very
    unsafe"."""
    columns = [getattr(Finding, column) for column in FELT_SAFETY_COLUMNS.values()]
    answered = or_(*(column.is_not(None) for column in columns))
    very_unsafe = func.sum(case((or_(*(column == 1 for column in columns)), 1), else_=0))
    year = _year(walk_date())
    query = (
        _joined(select(Walk.area_name, year, func.count(Finding.id), very_unsafe), f)
        .join(Walk, Walk.id == Finding.walk_id)
        .where(answered)
        .group_by(Walk.area_name, year)
        .order_by(Walk.area_name, year.desc())
    )
    return [FeltSafety(str(area), int(y), int(n), int(v or 0)) for area, y, n, v in db.session.execute(query)]


def overdue_measures(f: SituationFilter, today: date,
                     limit: int = 200) -> list[tuple[Finding, Measure, Walk]]:
    """Open measures whose deadline has passed, the oldest deadline first."""
    query = (
        _joined(select(Finding, Measure, Walk), f)
        .join(Measure, Measure.finding_id == Finding.id)
        .join(Walk, Walk.id == Finding.walk_id)
        .where(Measure.status.in_(OPEN_MEASURE_STATUSES), Measure.deadline < today)
        .order_by(Measure.deadline, Measure.id)
        .limit(limit)
    )
    return [(finding, measure, walk) for finding, measure, walk in db.session.execute(query)]


def filter_choices() -> dict[str, list[Any]]:
    """What the filter form offers: years with findings, areas, categories and parties in use."""
    year = _year(walk_date())
    years = [int(y) for (y,) in db.session.execute(select(year).group_by(year).order_by(year.desc()))]
    areas = [a for (a,) in db.session.execute(
        select(Walk.area_name).where(Walk.area_name != "").group_by(Walk.area_name).order_by(Walk.area_name))]
    categories = list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))
    parties = list(db.session.scalars(select(ResponsibleParty).order_by(ResponsibleParty.name)))
    return {"years": years, "areas": areas, "categories": categories, "parties": parties}




def overview(f: SituationFilter) -> tuple[int, tuple[float, float, float, float] | None]:
    """How many findings the filter leaves and their extent (west, south, east, north), in one scan."""
    x, y = func.ST_X(Finding.geom_el), func.ST_Y(Finding.geom_el)
    n, west, south, east, north = db.session.execute(
        _joined(select(func.count(Finding.id), func.min(x), func.min(y), func.max(x), func.max(y)), f)).one()
    if not n:
        return 0, None
    return int(n), (float(west), float(south), float(east), float(north))


@dataclass(frozen=True)
class FindingSummary:
    """What a single finding on the situation map shows and links to."""

    id: int
    uuid: str
    walk_slug: str
    walk_title: str
    category: str
    polarity: str
    measure_status: str | None
    created_at: datetime


def finding_summaries(ids: list[int], locale: str = "sv") -> dict[int, FindingSummary]:
    if not ids:
        return {}
    name = Category.name_en if locale == "en" else Category.name_sv
    query = (
        select(Finding.id, Finding.uuid, Walk.slug, Walk.title, name, Finding.polarity, Measure.status,
               Finding.created_at)
        .select_from(Finding)
        .join(Walk, Walk.id == Finding.walk_id)
        .join(Category, Category.id == Finding.category_id)
        .outerjoin(Measure, Measure.finding_id == Finding.id)
        .where(Finding.id.in_(ids))
    )
    return {row[0]: FindingSummary(*row) for row in db.session.execute(query)}


@dataclass(frozen=True)
class YearTable:
    """Findings per category (rows, most first) and year (columns, newest first)."""

    years: list[int]
    rows: list[tuple[str, list[int], int]]  # category, count per year, total


def year_table(rows: list[tuple[int, str, int]]) -> YearTable:
    years = sorted({year for year, _, _ in rows}, reverse=True)
    counts: dict[str, dict[int, int]] = {}
    for year, category, n in rows:
        counts.setdefault(category, {})[year] = n
    table = [(category, [per_year.get(y, 0) for y in years], sum(per_year.values()))
             for category, per_year in counts.items()]
    table.sort(key=lambda row: (-row[2], row[0]))
    return YearTable(years, table)


@dataclass(frozen=True)
class PlanRow:
    finding: Finding
    measure: Measure
    walk: Walk
    age_days: int  # since the measure was decided
    overdue: bool


@dataclass(frozen=True)
class PartyPlan:
    party: ResponsibleParty | None
    rows: list[PlanRow]

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


def action_plan(f: SituationFilter, today: date) -> list[PartyPlan]:
    """The åtgärdsplan: every open measure across walks, grouped by responsible party (the most overdue
    party first, measures without a party last), each party's measures by deadline."""
    query = (
        _joined(select(Finding, Measure, Walk), f)
        .join(Measure, Measure.finding_id == Finding.id)
        .join(Walk, Walk.id == Finding.walk_id)
        .where(Measure.status.in_(OPEN_MEASURE_STATUSES))
        .order_by(Measure.deadline.is_(None), Measure.deadline, Measure.created_at, Measure.id)
    )
    by_party: dict[int | None, list[PlanRow]] = {}
    for finding, measure, walk in db.session.execute(query):
        age = (today - measure.created_at.date()).days
        overdue = measure.deadline is not None and measure.deadline < today
        by_party.setdefault(measure.responsible_party_id, []).append(
            PlanRow(finding, measure, walk, max(age, 0), overdue))
    parties = {p.id: p for p in db.session.scalars(
        select(ResponsibleParty).where(ResponsibleParty.id.in_([k for k in by_party if k is not None])))}
    plans = [PartyPlan(parties.get(k) if k is not None else None, rows) for k, rows in by_party.items()]
    plans.sort(key=lambda p: (p.party is None, -p.overdue, p.party.name if p.party else ""))
    return plans
