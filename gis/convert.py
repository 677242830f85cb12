"""The one boundary between shapely geometries and GeoAlchemy2 elements."""
from __future__ import annotations

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from gis.crs import WGS84
from gis.errors import GeometryError


def to_element(geom: BaseGeometry, srid: int = WGS84) -> WKBElement:
    """Shapely geometry → GeoAlchemy2 element for writing to a Geometry column."""
    return from_shape(geom, srid=srid)


def to_geom(geom_el: WKBElement | WKTElement | None) -> BaseGeometry | None:
    """GeoAlchemy2 element (as loaded from a Geometry column) → shapely geometry, or None."""
    if geom_el is None:
        return None
    return to_shape(geom_el)


def to_point(geom_el: WKBElement | WKTElement) -> Point:
    """A Point column's element → shapely Point."""
    geom = to_shape(geom_el)
    if not isinstance(geom, Point):
        raise GeometryError(f"Expected a point, found {geom.geom_type}.")
    return geom


def to_line(geom_el: WKBElement | WKTElement) -> LineString | MultiLineString:
    """A route column's element → shapely LineString or MultiLineString."""
    geom = to_shape(geom_el)
    if not isinstance(geom, (LineString, MultiLineString)):
        raise GeometryError(f"Expected a line, found {geom.geom_type}.")
    return geom
