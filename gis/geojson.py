"""Parse and emit GeoJSON (RFC 7946): lon/lat order, no ``crs`` member, right-hand rule."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, shape
from shapely.geometry.base import BaseGeometry

from gis.errors import N_, GeometryError

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)

# Nesting depth of "coordinates" for each type: 0 = one position.
_COORD_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}

_MAX_COLLECTION_DEPTH = 8

_VALIDITY_REASONS = {
    "Self-intersection": "its edges cross each other",
    "Ring Self-intersection": "an outline touches or crosses itself",
    "Too few points": "it has too few distinct points",
    "Hole lies outside shell": "a hole lies outside the outer boundary",
    "Interior is disconnected": "a hole splits the area in two",
    "Nested shells": "one polygon lies inside another",
    "Nested holes": "one hole lies inside another",
    "Duplicate Rings": "it contains the same ring twice",
    "Invalid Coordinate": "it has an invalid coordinate",
}


# --------------------------------------------------------------------------- parsing


def load_json(obj: dict[str, Any] | str | bytes) -> Any:
    """Return ``obj`` decoded from JSON text if it is text; raise GeometryError on bad JSON."""
    if isinstance(obj, (str, bytes, bytearray)):
        try:
            return json.loads(obj, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, GeometryError):
                raise
            raise GeometryError(N_("The text is not valid JSON.")) from None
    return obj


def _reject_constant(name: str) -> float:
    raise GeometryError(N_("The JSON contains %(name)s, which is not a number GeoJSON allows."), name=name)


def geometry_from_geojson(obj: dict[str, Any] | str) -> BaseGeometry:
    """Parse a GeoJSON geometry object (dict or JSON text) into a valid, non-empty shapely geometry."""
    data = load_json(obj)
    geom = _geometry(data, depth=0)
    _check_valid(geom)
    return geom


def _geometry(data: Any, depth: int) -> BaseGeometry:
    """Validate a geometry object's structure and build the shapely geometry (validity not checked)."""
    if not isinstance(data, dict):
        raise GeometryError(N_("A GeoJSON geometry must be a JSON object."))
    gtype = data.get("type")
    if gtype not in GEOMETRY_TYPES:
        raise GeometryError(_type_message(gtype))
    if gtype == "GeometryCollection":
        return _collection(data, depth)
    if "coordinates" not in data:
        raise GeometryError(N_("The %(gtype)s has no “coordinates”."), gtype=gtype)
    coords = data["coordinates"]
    _check_coords(coords, _COORD_DEPTH[gtype], gtype)
    _check_parts(gtype, coords)
    try:
        return shape({"type": gtype, "coordinates": coords})
    except (ValueError, TypeError, shapely.errors.GEOSException):
        pass
    # Positions that mix 2D and 3D: keep longitude and latitude only.
    try:
        return shape({"type": gtype, "coordinates": _to_2d(coords, _COORD_DEPTH[gtype])})
    except (ValueError, TypeError, shapely.errors.GEOSException):
        message = N_("The coordinates of the %(gtype)s cannot form a shape.")
        raise GeometryError(message, gtype=gtype) from None


def _to_2d(coords: Any, depth: int) -> Any:
    if depth == 0:
        return list(coords[:2])
    return [_to_2d(item, depth - 1) for item in coords]


def _type_message(gtype: Any) -> str:
    if gtype is None:
        return "The geometry has no “type”."
    if gtype in ("Feature", "FeatureCollection"):
        return f"Expected a GeoJSON geometry, but got a {gtype}."
    return f"The type “{gtype}” is not a GeoJSON geometry type; use one of {', '.join(GEOMETRY_TYPES)}."


def _collection(data: dict[str, Any], depth: int) -> BaseGeometry:
    if depth >= _MAX_COLLECTION_DEPTH:
        raise GeometryError(N_("The GeometryCollection is nested too deeply."))
    members = data.get("geometries")
    if not isinstance(members, list) or not members:
        raise GeometryError(N_("The GeometryCollection must have a non-empty “geometries” list."))
    return shapely.GeometryCollection([_geometry(m, depth + 1) for m in members])


def _check_coords(coords: Any, depth: int, gtype: str) -> None:
    """Check nesting, non-emptiness, number types and lon/lat ranges of a coordinates array."""
    if depth == 0:
        _check_position(coords, gtype)
        return
    if not isinstance(coords, (list, tuple)):
        message = N_("The coordinates of the %(gtype)s are not nested arrays as GeoJSON requires.")
        raise GeometryError(message, gtype=gtype)
    if not coords:
        raise GeometryError(N_("The %(gtype)s has no coordinates."), gtype=gtype)
    for item in coords:
        _check_coords(item, depth - 1, gtype)


def _check_position(pos: Any, gtype: str) -> None:
    if not isinstance(pos, (list, tuple)) or not 2 <= len(pos) <= 3:
        raise GeometryError(
            f"A position in the {gtype} must be an array of longitude, latitude and optional height."
        )
    for value in pos:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise GeometryError(N_("The coordinates of the %(gtype)s must be numbers."), gtype=gtype)
    lon, lat = pos[0], pos[1]
    if not -180 <= lon <= 180:
        raise GeometryError(N_("Longitude %(lon)s is outside the range −180 to 180 degrees."), lon=lon)
    if not -90 <= lat <= 90:
        raise GeometryError(N_("Latitude %(lat)s is outside the range −90 to 90 degrees."), lat=lat)


def _check_parts(gtype: str, coords: list[Any]) -> None:
    """RFC 7946 minimum sizes: lines need 2 positions, rings 4 and closed."""
    if gtype == "LineString":
        _check_line(coords)
    elif gtype == "MultiLineString":
        for line in coords:
            _check_line(line)
    elif gtype == "Polygon":
        _check_rings(coords)
    elif gtype == "MultiPolygon":
        for rings in coords:
            _check_rings(rings)


def _check_line(line: list[Any]) -> None:
    if len(line) < 2:
        raise GeometryError(N_("A line needs at least two positions."))


def _check_rings(rings: list[Any]) -> None:
    for ring in rings:
        if len(ring) < 4:
            raise GeometryError(N_("A polygon ring needs at least four positions."))
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise GeometryError(N_("A polygon ring must end at the position where it starts."))


def _check_valid(geom: BaseGeometry) -> None:
    if geom.is_empty:
        raise GeometryError(N_("The shape is empty."))
    if geom.is_valid:
        return
    reason = shapely.is_valid_reason(geom).split("[", 1)[0].strip()
    friendly = _VALIDITY_REASONS.get(reason, reason.lower() or "it is malformed")
    raise GeometryError(N_("The shape is not valid: %(friendly)s."), friendly=friendly)


def lines_from_geojson(obj: dict[str, Any] | str) -> list[LineString]:
    """Every LineString / MultiLineString part in a GeoJSON Geometry, Feature or FeatureCollection.

    Points and polygons are ignored; lines are returned in document order, in 2D.
    """
    data = load_json(obj)
    lines: list[LineString] = []
    for geom in _geometries(data):
        lines.extend(_line_parts(geom))
    return lines


def _geometries(data: Any) -> list[BaseGeometry]:
    if not isinstance(data, dict):
        raise GeometryError(N_("GeoJSON must be a JSON object."))
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise GeometryError(N_("The FeatureCollection has no “features” list."))
        return [g for f in features for g in _feature_geometry(f)]
    if kind == "Feature":
        return _feature_geometry(data)
    return [_geometry(data, depth=0)]


def _feature_geometry(data: Any) -> list[BaseGeometry]:
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise GeometryError(N_("Every member of “features” must be a GeoJSON Feature."))
    if "geometry" not in data:
        raise GeometryError(N_("A Feature has no “geometry” member."))
    if data["geometry"] is None:
        return []
    return [_geometry(data["geometry"], depth=0)]


def _line_parts(geom: BaseGeometry) -> list[LineString]:
    if isinstance(geom, LineString):
        return [shapely.force_2d(geom)]
    if isinstance(geom, MultiLineString):
        return [shapely.force_2d(part) for part in geom.geoms]
    if isinstance(geom, shapely.GeometryCollection):
        return [line for part in geom.geoms for line in _line_parts(part)]
    return []


# --------------------------------------------------------------------------- emitting


def geometry_to_geojson(geom: BaseGeometry, precision: int = 7) -> dict[str, Any]:
    """GeoJSON geometry dict for ``geom`` (lon/lat): 2D, rounded, polygons oriented per RFC 7946."""
    if geom is None or geom.is_empty:
        raise GeometryError(N_("An empty shape cannot be written as GeoJSON."))
    geom = shapely.force_2d(geom)
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    geom = shapely.transform(geom, lambda c: np.round(c, precision))
    result: dict[str, Any] = _to_lists(shapely.geometry.mapping(geom))
    return result


def _to_lists(value: Any) -> Any:
    """mapping() returns tuples; GeoJSON dicts built here use lists and plain floats throughout."""
    if isinstance(value, dict):
        return {k: _to_lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_lists(v) for v in value]
    if isinstance(value, np.floating):
        return float(value)
    return value


def feature(
    geom: BaseGeometry | None,
    properties: dict[str, Any],
    id: str | int | None = None,  # noqa: A002 - the GeoJSON member is called "id"
    *,
    precision: int = 7,
) -> dict[str, Any]:
    """GeoJSON Feature dict; ``geom`` None gives ``"geometry": null``; ``id`` omitted when None."""
    result: dict[str, Any] = {
        "type": "Feature",
        "geometry": None if geom is None else geometry_to_geojson(geom, precision),
        "properties": dict(properties) if properties is not None else None,
    }
    if id is not None:
        result["id"] = id
    return result


def feature_collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON FeatureCollection dict wrapping ``features``."""
    return {"type": "FeatureCollection", "features": list(features)}
