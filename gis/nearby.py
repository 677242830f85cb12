""""Features within N metres of a point" — one query shape for SpatiaLite and PostGIS.

Both backends first narrow candidates with the spatial index using a bounding box that
surely contains the circle, then keep exact geodesic distances ≤ N metres:

* PostGIS: ``geom && envelope`` (GiST) and ``ST_DWithin(geography, geography, m)``.
* SpatiaLite: the R*Tree is only used when the query goes through the ``SpatialIndex``
  virtual table, so the candidates are ``rowid IN (SELECT rowid FROM SpatialIndex ...)``,
  and ``PtDistWithin(a, b, m, 1)`` does the exact geodesic test.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from geoalchemy2 import Geography
from shapely.geometry import Point
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import column
from sqlalchemy.sql import table as sa_table
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.schema import Column
from sqlalchemy.sql.selectable import Join, NamedFromClause

from gis.crs import WGS84
from gis.errors import N_, GeometryError

METRES_PER_DEGREE_LAT_MIN = 110_574.0  # at the equator; the smallest value, so the box is never too small


class _CrossJoin(Join):
    """An inner join whose order SQLite must keep (``CROSS JOIN … ON``): the planner may otherwise put
    the SpatialIndex virtual table first, without its correlated search frame."""

    inherit_cache = True


@compiles(_CrossJoin, "sqlite")
def _compile_cross_join(join: _CrossJoin, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    assert join.onclause is not None  # noqa: S101 - made with one in pairs_within_metres
    left = join.left._compiler_dispatch(compiler, **kw)
    right = join.right._compiler_dispatch(compiler, **kw)
    return f"{left} CROSS JOIN {right} ON {join.onclause._compiler_dispatch(compiler, **kw)}"


def _deltas(metres: float, abs_lat: float) -> tuple[float, float]:
    """Degrees of latitude and longitude that surely cover ``metres`` around latitude ±``abs_lat``."""
    if metres < 0 or not math.isfinite(metres):
        raise GeometryError(N_("The search radius must be a non-negative number of metres."))
    margin = 1.01
    dlat = metres * margin / METRES_PER_DEGREE_LAT_MIN
    max_lat = min(89.9, abs_lat + dlat)
    dlon = min(180.0, metres * margin / (111_319.49 * math.cos(math.radians(max_lat))))
    return dlat, dlon


def bounding_box(point: Point, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box (minx, miny, maxx, maxy) that contains every point within ``metres``."""
    dlat, dlon = _deltas(metres, abs(point.y))
    return point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat


def within_metres(
    dialect_name: str, geom_col: Column[Any], pk_col: Column[Any], point: Point, metres: float
) -> ColumnElement[bool]:
    """A WHERE clause: rows whose ``geom_col`` lies within ``metres`` of ``point`` (lon/lat).

    ``pk_col`` must be the table's INTEGER PRIMARY KEY (the SQLite rowid) — the SpatiaLite
    index is keyed by rowid.
    """
    minx, miny, maxx, maxy = bounding_box(point, metres)
    centre = func.MakePoint(point.x, point.y, WGS84)
    if dialect_name == "postgresql":
        centre = func.ST_SetSRID(func.ST_MakePoint(point.x, point.y), WGS84)
        envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, WGS84)
        return and_(
            geom_col.op("&&")(envelope),
            func.ST_DWithin(cast(geom_col, Geography), cast(centre, Geography), metres, True),
        )
    if dialect_name == "sqlite":
        return and_(_spatialite_candidates(geom_col, pk_col, (minx, miny, maxx, maxy)),
                    func.PtDistWithin(geom_col, centre, metres, 1) == 1)
    raise GeometryError(N_("Spatial queries are not supported on the '%(name)s' database."),
                        name=dialect_name)


def _spatialite_candidates(geom_col: Column[Any], pk_col: Column[Any],
                           box: tuple[float, float, float, float]) -> ColumnElement[bool]:
    """Rows whose bounding box meets ``box``, found through SpatiaLite's R*Tree (the SpatialIndex table)."""
    candidates: Select[tuple[Any]] = (
        select(literal_column("rowid"))
        .select_from(text("SpatialIndex"))
        .where(
            literal_column("f_table_name", String) == literal(geom_col.table.name, String),
            literal_column("f_geometry_column", String) == literal(geom_col.name, String),
            literal_column("search_frame") == func.BuildMbr(*box, WGS84),
        )
    )
    return pk_col.in_(candidates)


def within_box(dialect_name: str, geom_col: Column[Any], pk_col: Column[Any],
               box: tuple[float, float, float, float]) -> ColumnElement[bool]:
    """A WHERE clause: points inside ``box`` (minx, miny, maxx, maxy; lon/lat), through the spatial index."""
    if dialect_name == "postgresql":
        return geom_col.op("&&")(func.ST_MakeEnvelope(*box, WGS84))
    if dialect_name == "sqlite":
        return _spatialite_candidates(geom_col, pk_col, box)
    raise GeometryError(N_("Spatial queries are not supported on the '%(name)s' database."),
                        name=dialect_name)


def pairs_within_metres(
    dialect_name: str,
    table: Table,
    metres: float,
    max_abs_lat: float,
    *,
    same: tuple[str, ...] = (),
    where: Callable[[NamedFromClause], list[ColumnElement[bool]]] = lambda _alias: [],
) -> Select[tuple[Any, Any]]:
    """All pairs (a.id, b.id), a.id < b.id, of rows of ``table`` whose ``geom`` lie within ``metres``.

    One query instead of one per row: each row's neighbours come from the spatial index through a
    correlated bounding box. ``same`` names columns both rows must share (e.g. the category);
    ``where`` adds conditions for each side. ``max_abs_lat`` (the largest |latitude| of the rows)
    sizes the bounding box. The table's primary key must be ``id`` (the SQLite rowid).
    """
    dlat, dlon = _deltas(metres, max_abs_lat)
    a, b = table.alias("a"), table.alias("b")
    conditions = [a.c.id < b.c.id, *where(a), *where(b), *(a.c[name] == b.c[name] for name in same)]
    if dialect_name == "postgresql":
        conditions += [
            b.c.geom.op("&&")(func.ST_Expand(a.c.geom, dlon, dlat)),
            func.ST_DWithin(cast(a.c.geom, Geography), cast(b.c.geom, Geography), metres, True),
        ]
    elif dialect_name == "sqlite":
        # Drive the join from `a` through the R*Tree: SQLite hands the correlated search_frame to the
        # SpatialIndex virtual table for each row of `a`, then fetches `b` by rowid.
        x, y = func.ST_X(a.c.geom), func.ST_Y(a.c.geom)
        index = sa_table("SpatialIndex", column("f_table_name"), column("f_geometry_column"),
                         column("search_frame"), column("rowid"))
        frame = and_(
            index.c.f_table_name == literal(table.name, String),
            index.c.f_geometry_column == literal("geom", String),
            index.c.search_frame == func.BuildMbr(x - dlon, y - dlat, x + dlon, y + dlat, WGS84),
        )
        conditions += [func.PtDistWithin(a.c.geom, b.c.geom, metres, 1) == 1]
        joined = _CrossJoin(_CrossJoin(a, index, frame), b, and_(b.c.id == index.c.rowid, *conditions))
        return select(a.c.id, b.c.id).select_from(joined)
    return select(a.c.id, b.c.id).select_from(a).join(b, and_(*conditions))
