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

from geoalchemy2 import Geography
from shapely.geometry import Point
from sqlalchemy import ColumnElement, String, and_, cast, func, literal, literal_column, select, text
from sqlalchemy.sql.schema import Column

from gis.crs import WGS84
from gis.errors import GeometryError

METRES_PER_DEGREE_LAT_MIN = 110_574.0  # at the equator; the smallest value, so the box is never too small


def bounding_box(point: Point, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box (minx, miny, maxx, maxy) that contains every point within ``metres``."""
    if metres < 0 or not math.isfinite(metres):
        raise GeometryError("The search radius must be a non-negative number of metres.")
    margin = 1.01
    dlat = metres * margin / METRES_PER_DEGREE_LAT_MIN
    max_lat = min(89.9, abs(point.y) + dlat)
    dlon = min(180.0, metres * margin / (111_319.49 * math.cos(math.radians(max_lat))))
    return point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat


def within_metres(
    dialect_name: str, geom_col: Column, pk_col: Column, point: Point, metres: float
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
        candidates = (
            select(literal_column("rowid"))
            .select_from(text("SpatialIndex"))
            .where(
                literal_column("f_table_name", String) == literal(geom_col.table.name, String),
                literal_column("f_geometry_column", String) == literal(geom_col.name, String),
                literal_column("search_frame") == func.BuildMbr(minx, miny, maxx, maxy, WGS84),
            )
        )
        return and_(pk_col.in_(candidates), func.PtDistWithin(geom_col, centre, metres, 1) == 1)
    raise GeometryError(f"Spatial queries are not supported on the '{dialect_name}' database.")
