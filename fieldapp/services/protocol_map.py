"""The protocol's maps: the printable SVG route map (PDF, print) and the GeoJSON for the on-screen map."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import LineString, MultiLineString

from fieldapp.exporters.rows import FindingRow
from gis import crs, geojson

MAP_WIDTH = 1000
MARKER_R = 17
MAX_NUMBERED_MARKERS = 400


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


def _nice_length(max_m: float) -> int:
    for length in (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5):
        if length <= max_m:
            return length
    return 1


def _declutter(points: list[tuple[float, float]], radius: float) -> list[tuple[float, float]]:
    """Label positions near each point that do not overlap earlier labels (grid lookup, spiral search)."""
    cell = 2 * radius
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}
    placed: list[tuple[float, float]] = []
    offsets = [(0.0, 0.0)] + [
        (
            ring * cell * math.cos(2 * math.pi * k / (6 * ring)),
            ring * cell * math.sin(2 * math.pi * k / (6 * ring)),
        )
        for ring in (1, 2, 3)
        for k in range(6 * ring)
    ]

    def free(x: float, y: float) -> bool:
        gx, gy = int(x // cell), int(y // cell)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for ox, oy in grid.get((gx + dx, gy + dy), ()):
                    if (ox - x) ** 2 + (oy - y) ** 2 < (cell - 1) ** 2:
                        return False
        return True

    for x, y in points:
        spot = next(((x + ox, y + oy) for ox, oy in offsets if free(x + ox, y + oy)), (x, y))
        grid.setdefault((int(spot[0] // cell), int(spot[1] // cell)), []).append(spot)
        placed.append(spot)
    return placed


def build_map(
    route: LineString | MultiLineString | None, stops: list, rows: list[FindingRow]
) -> MapSvg | None:
    """Project route, stops and findings to a local metric CRS and scale them into an SVG viewBox."""
    lonlat = [(s.lon, s.lat) for s in stops] + [(r.lon, r.lat) for r in rows]
    lines = []
    if route is not None:
        lines = list(route.geoms) if isinstance(route, MultiLineString) else [route]
        lonlat += [c[:2] for line in lines for c in line.coords]
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
    for line in lines:
        lx, ly = tr.transform(*zip(*[c[:2] for c in line.coords], strict=True))
        pts = [to_px(x, y) for x, y in zip(lx, ly, strict=True)]
        paths.append("M" + " L".join(f"{x},{y}" for x, y in pts))
    n_stops = len(stops)
    stop_marks = [(*to_px(xs[i], ys[i]), s.seq, s.name) for i, s in enumerate(stops)]
    finding_px = [to_px(xs[n_stops + i], ys[n_stops + i]) for i in range(len(rows))]
    numbered = len(rows) <= MAX_NUMBERED_MARKERS
    labels = _declutter(finding_px, MARKER_R) if numbered else finding_px
    markers = [
        MapMarker(x, y, lx, ly, row.number, row.polarity)
        for (x, y), (lx, ly), row in zip(finding_px, labels, rows, strict=True)
    ]
    length = _nice_length(span_x / 4)
    return MapSvg(MAP_WIDTH, height, paths, stop_marks, markers, numbered, length, round(length * scale, 1))


def map_json(route, stops, rows: list[FindingRow]) -> dict:  # noqa: ANN001 - shapely line / StopRow list
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
