"""The printable invitation: a vector map of the route and stops, and a QR code of the join link."""

from __future__ import annotations

from dataclasses import dataclass

import segno
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from fieldapp.models import Walk
from fieldapp.services.walks import route_geom
from gis import convert
from gis.crs import apply_transformer, local_metric_transformer

MAP_WIDTH = 800
MAP_HEIGHT = 560
PADDING = 40


@dataclass(frozen=True)
class SvgStop:
    seq: int
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class RouteSvg:
    """Route paths and stop positions in an SVG viewBox of MAP_WIDTH × MAP_HEIGHT, north up."""

    width: int
    height: int
    paths: list[str]
    stops: list[SvgStop]
    scale_bar_m: int
    scale_bar_px: float


def _parts(route: LineString | MultiLineString | None) -> list[LineString]:
    if route is None:
        return []
    return [route] if isinstance(route, LineString) else list(route.geoms)


def _nice_length(metres: float) -> int:
    for value in (10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value >= metres:
            return value
    return 100000


def route_svg(walk: Walk) -> RouteSvg | None:
    """The walk's route and stops projected to a local metric plane and fitted into the map box."""
    lines = _parts(route_geom(walk))
    stops = [(s.seq, s.name, convert.to_point(s.geom_el)) for s in walk.stops]
    everything = [*lines, *(p for _, _, p in stops)]
    if not everything:
        return None
    centre = shapely.GeometryCollection(everything).centroid
    tr = local_metric_transformer(round(centre.x, 4), round(centre.y, 4))
    local_lines = [apply_transformer(line, tr) for line in lines]
    local_stops = [(seq, name, apply_transformer(point, tr)) for seq, name, point in stops]
    minx, miny, maxx, maxy = shapely.GeometryCollection(
        [*local_lines, *(p for _, _, p in local_stops)]
    ).bounds
    span_x, span_y = max(maxx - minx, 50.0), max(maxy - miny, 50.0)
    scale = min((MAP_WIDTH - 2 * PADDING) / span_x, (MAP_HEIGHT - 2 * PADDING) / span_y)
    off_x = (MAP_WIDTH - span_x * scale) / 2
    off_y = (MAP_HEIGHT - span_y * scale) / 2

    def xy(x: float, y: float) -> tuple[float, float]:
        return round(off_x + (x - minx) * scale, 1), round(MAP_HEIGHT - (off_y + (y - miny) * scale), 1)

    paths = []
    for line in local_lines:
        points = [xy(x, y) for x, y in line.coords]
        paths.append("M" + " L".join(f"{x} {y}" for x, y in points))
    svg_stops = [SvgStop(seq, name, *xy(p.bounds[0], p.bounds[1])) for seq, name, p in local_stops]  # a point
    bar_m = _nice_length(span_x / 5)
    return RouteSvg(MAP_WIDTH, MAP_HEIGHT, paths, svg_stops, bar_m, round(bar_m * scale, 1))


def qr_svg(url: str) -> str:
    """The join link as an inline SVG QR code (error correction M, 4-module quiet zone)."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=6, border=4, dark="#000", light="#fff", omitsize=True
    )


def meeting_point(walk: Walk) -> Point | None:
    return convert.to_point(walk.meeting_point_el) if walk.meeting_point_el is not None else None
