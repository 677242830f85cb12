"""Walk routes: import from GPX / KML / GeoJSON, geodesic length, simplification.

Progress along the route is computed on the phone (``static/js/field/progress.js``), the nearest stop of a
finding in ``services/exports.py``: one place each.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
import gpxpy
import gpxpy.gpx
import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from gis.crs import apply_transformer, local_metric_transformer
from gis.errors import N_, GeometryError, RouteImportError, TooManyPoints
from gis.geojson import lines_from_geojson, load_json

MAX_ROUTE_BYTES = 10 * 1024 * 1024
# A walk of a few kilometres needs a few hundred points; a GPS track at 1 Hz for a whole day has ~90 000.
# Beyond MAX_ROUTE_POINTS a file is refused before the slow parsing; above MAX_STORED_POINTS a route is
# simplified (simplify_route) so that storing it and sending it to every phone stays cheap.
MAX_ROUTE_POINTS = 100_000
MAX_STORED_POINTS = 5_000
SIMPLIFY_START_M = 1.0  # first tolerance; doubled until the route fits
SIMPLIFY_MAX_M = 64.0

_GEOD = pyproj.Geod(ellps="WGS84")
_NOT_A_ROUTE = N_("This file is not GPX, KML or GeoJSON.")
_NO_GPX_LINE = N_("The GPX file has no track or route with at least two points.")
_NO_KML_LINE = N_("The KML file has no path (LineString) with at least two points.")
_NO_GEOJSON_LINE = N_("The GeoJSON file has no line with at least two points.")
_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

Coords = list[tuple[float, float]]


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class Waypoint:
    """A named point in a route file (GPX ``wpt``, a KML point placemark): a candidate stop."""

    name: str
    point: Point


@dataclass(frozen=True)
class RouteFile:
    """What a route file holds: the line (None for a file of waypoints only), its waypoints, and which
    kind of GPX line was used (``track`` or ``route``; ``line`` for KML/GeoJSON) and how many of the
    other kind were left out."""

    route: LineString | MultiLineString | None
    waypoints: tuple[Waypoint, ...] = ()
    used: str = "line"
    left_out: int = 0
    no_line: str = _NO_GEOJSON_LINE  # what parse_route says when ``route`` is None


def parse_route(data: bytes, filename: str | None = None) -> LineString | MultiLineString:
    """Parse a GPX, KML or GeoJSON route into a 2D lon/lat (Multi)LineString.

    The format is detected from the content; ``filename`` only improves error messages.
    Raises RouteImportError with a message meant for the user (TooManyPoints above MAX_ROUTE_POINTS).
    """
    found = read_route_file(data, filename)
    if found.route is None:
        raise RouteImportError(found.no_line)
    return found.route


def read_route_file(data: bytes, filename: str | None = None) -> RouteFile:
    """A route file's line and waypoints; a file with waypoints and no line is accepted (route None).

    GPX: the tracks when the file has any (a track follows the streets walked or drawn point by point),
    else its routes (a GPX route is often a few via points a device would route between). Both kinds in
    one line would draw the same way twice.
    """
    if len(data) > MAX_ROUTE_BYTES:
        raise RouteImportError(N_("The file is larger than 10 MB."))
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = data.removeprefix(codecs.BOM_UTF8).lstrip()
    head = _content_head(data)
    if not head:
        raise RouteImportError(N_("The file is empty."))
    if head.startswith(b"{"):
        return RouteFile(_build_route(_geojson_parts(data), _NO_GEOJSON_LINE))
    if head.startswith(b"<"):
        return _parse_xml_route(data)
    if head.startswith(b"PK") or (filename or "").lower().endswith(".kmz"):
        raise RouteImportError(
            N_("Compressed files (KMZ or ZIP) are not supported. Unzip it and upload the KML file inside.")
        )
    raise RouteImportError(_NOT_A_ROUTE)


def _content_head(data: bytes) -> bytes:
    """First bytes of the content without BOM and leading whitespace (UTF-16 is re-encoded)."""
    start = data[:64]
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        start = start.decode("utf-16", errors="ignore").encode("utf-8")
    return start.removeprefix(codecs.BOM_UTF8).lstrip()


def _parse_xml_route(data: bytes) -> RouteFile:
    root = _safe_xml_root(data)
    kind = _local_name(root.tag)
    if kind == "gpx":
        # gpxpy needs ~20 µs a point: count first, so a huge track is refused in a fraction of that.
        _check_point_count(sum(1 for el in root.iter() if _local_name(el.tag) in ("trkpt", "rtept", "wpt")))
        return _gpx_file(data)
    if kind == "kml":
        waypoints = _kml_waypoints(root)
        route = _build_route(_kml_parts(root), _NO_KML_LINE, allow_empty=bool(waypoints))
        return RouteFile(route, waypoints, no_line=_NO_KML_LINE)
    raise RouteImportError(_NOT_A_ROUTE)


def _safe_xml_root(data: bytes) -> Element:
    """Parse XML refusing DTDs, entity declarations and external references (no XXE, no entity bombs)."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise RouteImportError(
            N_("The file contains a document type declaration (DOCTYPE), which is not allowed for "
               "security reasons.")
        ) from None
    except defusedxml.DefusedXmlException:
        raise RouteImportError(
            N_("The file declares XML entities or external references, which are not allowed for "
               "security reasons.")
        ) from None
    except ParseError as exc:
        raise RouteImportError(N_("The file is not well-formed XML (%(detail)s)."), detail=str(exc)) from None
    except (ValueError, LookupError):
        raise RouteImportError(N_("The file's XML text encoding is not supported.")) from None


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _decode_xml(data: bytes) -> str:
    """Decode XML bytes using the BOM or the encoding in the XML declaration (default UTF-8)."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    match = _XML_DECL_ENCODING.match(data.lstrip())
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise RouteImportError(N_("The file's text encoding could not be read.")) from None


def _gpx_file(data: bytes) -> RouteFile:
    """Tracks (else routes) and waypoints of an already safety-checked GPX document."""
    try:
        gpx = gpxpy.parse(_decode_xml(data))
    except (gpxpy.gpx.GPXException, ValueError, TypeError):
        message = N_("The GPX file could not be read; it may be damaged or incomplete.")
        raise RouteImportError(message) from None
    tracks: list[Coords] = [
        [(p.longitude, p.latitude) for p in segment.points] for t in gpx.tracks for segment in t.segments
    ]
    routes: list[Coords] = [[(p.longitude, p.latitude) for p in r.points] for r in gpx.routes]
    use_tracks = any(len(_dedup(part)) >= 2 for part in tracks)
    parts, used, left_out = (tracks, "track", len(routes)) if use_tracks else (routes, "route", 0)
    waypoints: list[Waypoint] = []
    for n, w in enumerate(gpx.waypoints, start=1):
        _check_lonlat([(w.longitude, w.latitude)])
        waypoints.append(Waypoint((w.name or "").strip()[:200] or f"{n}", Point(w.longitude, w.latitude)))
    route = _build_route(parts, _NO_GPX_LINE, allow_empty=bool(waypoints))
    return RouteFile(route, tuple(waypoints), used, left_out if route is not None else 0, _NO_GPX_LINE)


def _kml_parts(root: Element) -> list[Coords]:
    """Coordinates of every LineString and gx:Track in a KML document, in document order."""
    parts: list[Coords] = []
    for el in root.iter():
        name = _local_name(el.tag)
        if name == "LineString":
            coords = next((c for c in el if _local_name(c.tag) == "coordinates"), None)
            parts.append(_kml_coordinates(coords.text if coords is not None else ""))
        elif name == "Track":
            parts.append([_kml_track_coord(c.text) for c in el if _local_name(c.tag) == "coord"])
    return parts


def _kml_waypoints(root: Element) -> tuple[Waypoint, ...]:
    """Placemarks that are a single point, with their names."""
    waypoints: list[Waypoint] = []
    for placemark in (el for el in root.iter() if _local_name(el.tag) == "Placemark"):
        children = {_local_name(c.tag): c for c in placemark}
        point = children.get("Point")
        if point is None:
            continue
        coords = next((c for c in point if _local_name(c.tag) == "coordinates"), None)
        parsed = _kml_coordinates(coords.text if coords is not None else "")
        if len(parsed) != 1:
            continue
        _check_lonlat(parsed)
        name_el = children.get("name")
        name = (name_el.text or "").strip()[:200] if name_el is not None else ""
        waypoints.append(Waypoint(name or f"{len(waypoints) + 1}", Point(parsed[0])))
    return tuple(waypoints)


def _kml_coordinates(text: str | None) -> Coords:
    """KML ``lon,lat[,alt]`` tuples separated by whitespace (tolerating spaces after commas)."""
    cleaned = re.sub(r"\s*,\s*", ",", (text or "").strip())
    return [_kml_tuple(token.split(",")) for token in cleaned.split()]


def _kml_track_coord(text: str | None) -> tuple[float, float]:
    """A gx:coord: ``lon lat alt`` separated by spaces."""
    return _kml_tuple((text or "").split())


def _kml_tuple(values: Sequence[str]) -> tuple[float, float]:
    if len(values) < 2:
        raise RouteImportError(N_("The KML file has a coordinate without both longitude and latitude."))
    try:
        return float(values[0]), float(values[1])
    except ValueError:
        raise RouteImportError(N_("The KML file has a coordinate that is not a number.")) from None


def _geojson_parts(data: bytes) -> list[Coords]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RouteImportError(N_("The GeoJSON file is not UTF-8 text.")) from None
    try:
        lines = lines_from_geojson(load_json(text))
    except GeometryError as exc:
        raise RouteImportError(N_("The GeoJSON file could not be used. %(reason)s"), reason=exc) from None
    return [[(x, y) for x, y, *_ in line.coords] for line in lines]


def _build_route(parts: Iterable[Coords], empty_message: str,
                 allow_empty: bool = False) -> LineString | MultiLineString | None:
    """Validate and clean parts; one part gives a LineString, several a MultiLineString (None: no line,
    allowed when ``allow_empty``, e.g. a file of waypoints)."""
    parts = list(parts)
    _check_point_count(sum(len(part) for part in parts))
    lines = []
    for part in parts:
        cleaned = _dedup(part)
        _check_lonlat(cleaned)
        if len(cleaned) >= 2:
            lines.append(LineString(cleaned))
    if not lines:
        if allow_empty:
            return None
        raise RouteImportError(empty_message)
    return lines[0] if len(lines) == 1 else MultiLineString(lines)


def _check_point_count(count: int) -> None:
    if count > MAX_ROUTE_POINTS:
        raise TooManyPoints(count, MAX_ROUTE_POINTS)


def _dedup(part: Coords) -> Coords:
    """2D points with consecutive duplicates removed."""
    out: Coords = []
    for lon, lat, *_ in part:
        point = (float(lon), float(lat))
        if not out or out[-1] != point:
            out.append(point)
    return out


def _check_lonlat(part: Coords) -> None:
    for lon, lat in part:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise RouteImportError(
                N_("The file has a point outside the valid range (longitude %(lon)s, latitude %(lat)s)."),
                lon=lon, lat=lat)


# --------------------------------------------------------------------------- simplifying


@dataclass(frozen=True)
class SimplifiedRoute:
    """A route after :func:`simplify_route`: the line, its point counts before/after, the tolerance used."""

    route: LineString | MultiLineString
    points_before: int
    points_after: int
    tolerance_m: float  # 0 when the route was kept as it was

    @property
    def simplified(self) -> bool:
        return self.points_after < self.points_before


def point_count(route: LineString | MultiLineString) -> int:
    return int(shapely.get_num_coordinates(route))


def simplify_route(route: LineString | MultiLineString,
                   max_points: int = MAX_STORED_POINTS) -> SimplifiedRoute:
    """Keep a route at most ``max_points`` points: Douglas-Peucker preserving topology, in metres.

    A route within the limit is returned unchanged. Otherwise it is simplified in a local metric
    projection with a tolerance of 1 m, doubled until it fits (a route drawn or tracked on foot loses no
    visible detail at a few metres). RouteImportError when even SIMPLIFY_MAX_M does not make it fit.
    """
    before = point_count(route)
    if before <= max_points:
        return SimplifiedRoute(route, before, before, 0.0)
    centre = route.centroid
    tr = local_metric_transformer(round(centre.x, 4), round(centre.y, 4))
    metric = apply_transformer(route, tr)
    tolerance = SIMPLIFY_START_M
    while True:
        simplified = _as_route(metric.simplify(tolerance, preserve_topology=True))
        after = point_count(simplified)
        if after <= max_points:
            break
        if tolerance >= SIMPLIFY_MAX_M:
            raise RouteImportError(
                N_("The route is too detailed: even simplified by %(tolerance)s m it keeps %(after)s "
                   "points."),
                tolerance=f"{tolerance:g}", after=after
            )
        tolerance *= 2
    back = _as_route(apply_transformer(simplified, _inverse(tr)))
    return SimplifiedRoute(back, before, after, tolerance)


def _as_route(geom: BaseGeometry) -> LineString | MultiLineString:
    """A route stays a line through projection and simplification (shapely types the result loosely)."""
    if not isinstance(geom, (LineString, MultiLineString)):
        raise GeometryError("A route must be a line.")
    return geom


def _inverse(tr: pyproj.Transformer) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(tr.target_crs, tr.source_crs, always_xy=True)


# --------------------------------------------------------------------------- measuring


def route_length_m(route: LineString | MultiLineString) -> float:
    """Geodesic length of a lon/lat route in metres (WGS84 ellipsoid)."""
    return float(_GEOD.geometry_length(route))


def distance_from_m(geom: BaseGeometry, centre: Point) -> float:
    """Metres from ``centre`` to the nearest part of ``geom`` (both lon/lat), projected around ``centre``."""
    tr = local_metric_transformer(centre.x, centre.y)
    return float(apply_transformer(geom, tr).distance(Point(0, 0)))
