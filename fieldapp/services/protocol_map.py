"""The protocol's maps: the printable SVG route map (PDF, print) and the GeoJSON for the on-screen map.

The SVG keeps every marker readable: a finding's numbered circle never covers a stop or another finding
(overlapping ones are moved out on a spiral with a leader line to the true spot, like a spiderfied
cluster), and the scale bar goes into a corner where there is nothing to hide.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import LineString, MultiLineString

from fieldapp.exporters.rows import FindingRow, StopRow
from gis import crs, geojson

MAP_WIDTH = 1000
MARKER_R = 17  # a finding's numbered circle
STOP_R = 23  # a stop's square (32 px, corner to centre)
MAX_NUMBERED_MARKERS = 400
SCALE_MARGIN = 16
SCALE_HEIGHT = 30
NORTH_BOX = (MAP_WIDTH - 60, 0.0, MAP_WIDTH, 70.0)  # the north arrow, top right


@dataclass(frozen=True)
class MapMarker:
    x: float
    y: float
    label_x: float
    label_y: float
    number: int
    polarity: str


@dataclass
class MapSvg:
    """A route map in a local metric projection, scaled into an SVG viewBox (y down)."""

    width: int
    height: int
    route_paths: list[str]
    stops: list[tuple[float, float, int, str]]
    findings: list[MapMarker]
    numbered: bool
    scale_length_m: int
    scale_px: float
    scale_x: float = SCALE_MARGIN  # top left corner of the scale bar's box
    scale_y: float = 0.0


def _nice_length(max_m: float) -> int:
    for length in (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5):
        if length <= max_m:
            return length
    return 1


class _Occupied:
    """Circles already on the map (stops, placed labels), bucketed on a grid for quick overlap tests."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.grid: dict[tuple[int, int], list[tuple[float, float, float]]] = {}

    def add(self, x: float, y: float, r: float) -> None:
        self.grid.setdefault((int(x // self.cell), int(y // self.cell)), []).append((x, y, r))

    def free(self, x: float, y: float, r: float) -> bool:
        gx, gy = int(x // self.cell), int(y // self.cell)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for ox, oy, orad in self.grid.get((gx + dx, gy + dy), ()):
                    if (ox - x) ** 2 + (oy - y) ** 2 < (orad + r + 1) ** 2:
                        return False
        return True


def _declutter(
    points: Sequence[tuple[float, float]],
    radius: float,
    obstacles: Iterable[tuple[float, float, float]] = (),
    bounds: tuple[float, float] | None = None,
) -> list[tuple[float, float]]:
    """Label positions near each point that overlap neither earlier labels nor ``obstacles`` (x, y, r):
    the point itself if free, else the nearest free spot on rings around it (grid lookup)."""
    occupied = _Occupied(2 * max([radius, *(r for _, _, r in obstacles)]))
    for ox, oy, orad in obstacles:
        occupied.add(ox, oy, orad)
    step = 2 * radius + 2
    offsets = [(0.0, 0.0)] + [
        (
            ring * step * math.cos(2 * math.pi * k / (6 * ring) + ring * 0.5),
            ring * step * math.sin(2 * math.pi * k / (6 * ring) + ring * 0.5),
        )
        for ring in range(1, 7)
        for k in range(6 * ring)
    ]

    def inside(x: float, y: float) -> bool:
        return bounds is None or (radius <= x <= bounds[0] - radius and radius <= y <= bounds[1] - radius)

    placed: list[tuple[float, float]] = []
    for x, y in points:
        candidates = ((x + ox, y + oy) for ox, oy in offsets)
        free = ((cx, cy) for cx, cy in candidates if inside(cx, cy) and occupied.free(cx, cy, radius))
        spot = next(free, (x, y))
        occupied.add(spot[0], spot[1], radius)
        placed.append(spot)
    return placed


def _scale_box(
    width: int, height: int, box_w: float, things: Sequence[tuple[float, float, float]]
) -> tuple[float, float]:
    """Top left of the scale bar's box: the first corner (bottom left, bottom right, top left) that
    nothing drawn reaches into, else the corner with the fewest things in it."""
    box_h = SCALE_HEIGHT
    corners = [
        (SCALE_MARGIN, height - SCALE_MARGIN - box_h + 6),
        (width - SCALE_MARGIN - box_w, height - SCALE_MARGIN - box_h + 6),
        (SCALE_MARGIN, SCALE_MARGIN),
    ]

    def hits(corner: tuple[float, float]) -> int:
        x0, y0 = corner
        x1, y1 = x0 + box_w, y0 + box_h
        return sum(
            1 for x, y, r in things if x0 - r <= x <= x1 + r and y0 - r <= y <= y1 + r
        )

    return min(corners, key=lambda corner: (hits(corner), corners.index(corner)))


def build_map(
    route: LineString | MultiLineString | None, stops: list[StopRow], rows: list[FindingRow]
) -> MapSvg | None:
    """Project route, stops and findings to a local metric CRS and scale them into an SVG viewBox."""
    lonlat = [(s.lon, s.lat) for s in stops] + [(r.lon, r.lat) for r in rows]
    lines: list[LineString] = []
    if route is not None:
        lines = list(route.geoms) if isinstance(route, MultiLineString) else [route]
        lonlat += [(c[0], c[1]) for line in lines for c in line.coords]
    if not lonlat:
        return None
    lons, lats = zip(*lonlat, strict=True)
    lon0, lat0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    tr = crs.local_metric_transformer(round(lon0, 6), round(lat0, 6))
    xs, ys = tr.transform(lons, lats)
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span_x, span_y = max(max_x - min_x, 50.0), max(max_y - min_y, 50.0)
    span_y = max(span_y, span_x * 0.45)  # never a thin strip: keep at least a 1000 × 450 picture
    span_x = max(span_x, span_y / 1.1)
    pad = 0.07
    scale = MAP_WIDTH / (span_x * (1 + 2 * pad))
    height = round(span_y * (1 + 2 * pad) * scale)
    cx, cy = (min_x + max_x) / 2, (min_y + max_y) / 2

    def to_px(x: float, y: float) -> tuple[float, float]:
        return round(MAP_WIDTH / 2 + (x - cx) * scale, 1), round(height / 2 - (y - cy) * scale, 1)

    paths = []
    route_px: list[tuple[float, float]] = []
    for line in lines:
        lx, ly = tr.transform([c[0] for c in line.coords], [c[1] for c in line.coords])
        pts = [to_px(x, y) for x, y in zip(lx, ly, strict=True)]
        route_px += pts
        paths.append("M" + " L".join(f"{x},{y}" for x, y in pts))
    n_stops = len(stops)
    stop_marks = [(*to_px(xs[i], ys[i]), s.seq, s.name) for i, s in enumerate(stops)]
    finding_px = [to_px(xs[n_stops + i], ys[n_stops + i]) for i in range(len(rows))]
    numbered = len(rows) <= MAX_NUMBERED_MARKERS
    stop_circles = [(x, y, float(STOP_R)) for x, y, _, _ in stop_marks]
    north = ((NORTH_BOX[0] + NORTH_BOX[2]) / 2, (NORTH_BOX[1] + NORTH_BOX[3]) / 2, 35.0)
    labels = (
        _declutter(finding_px, MARKER_R, [*stop_circles, north], (MAP_WIDTH, height))
        if numbered
        else finding_px
    )
    markers = [
        MapMarker(x, y, lx, ly, row.number, row.polarity)
        for (x, y), (lx, ly), row in zip(finding_px, labels, rows, strict=True)
    ]
    length = _nice_length(span_x / 4)
    scale_px = round(length * scale, 1)
    things = [
        *stop_circles, *((x, y, float(MARKER_R)) for x, y in labels), *((x, y, 4.0) for x, y in route_px)
    ]
    box_x, box_y = _scale_box(MAP_WIDTH, height, scale_px + 24, things)
    return MapSvg(
        MAP_WIDTH, height, paths, stop_marks, markers, numbered, length, scale_px, box_x, box_y
    )


def map_json(
    route: LineString | MultiLineString | None, stops: list[StopRow], rows: list[FindingRow]
) -> dict[str, Any]:
    """Route, stops and numbered findings as GeoJSON for the on-screen Leaflet map."""
    return {
        "route": geojson.feature(route, {}) if route is not None else None,
        "stops": geojson.feature_collection(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                "properties": {"seq": s.seq, "name": s.name},
            }
            for s in stops
        ),
        "findings": geojson.feature_collection(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
                "properties": {"number": r.number, "category_name": r.category_name, "polarity": r.polarity},
            }
            for r in rows
        ),
    }
