"""A walk's route and stops as a drawing (SVG path data) in Web Mercator, fitted into a box: the map's
skeleton, shown before the map library and its tiles have arrived. Pure, lon/lat in, drawing units out."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import LineString, MultiLineString, Point

from gis.tiles import MAX_LAT


@dataclass(frozen=True)
class OutlineStop:
    seq: int
    x: float
    y: float


@dataclass(frozen=True)
class Outline:
    """``path`` is SVG path data in a ``width`` × ``height`` box (y downwards, north up)."""

    width: int
    height: int
    path: str
    stops: tuple[OutlineStop, ...]


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def route_outline(route: LineString | MultiLineString | None, stops: Sequence[tuple[int, Point]], *,
                  size: int = 1000, padding: float = 0.08) -> Outline | None:
    """The route and numbered stops fitted (aspect kept) into a box whose longer side is ``size`` units,
    with ``padding`` (a fraction of the size) on every side. None when there is nothing to draw."""
    lines = [] if route is None else list(route.geoms) if isinstance(route, MultiLineString) else [route]
    points = [_mercator(x, y) for line in lines for x, y in line.coords]
    stop_points = [(seq, _mercator(p.x, p.y)) for seq, p in stops]
    every = points + [xy for _, xy in stop_points]
    if not every:
        return None
    xs, ys = [x for x, _ in every], [y for _, y in every]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    span = max(east - west, north - south) or 1e-9
    inner = size * (1 - 2 * padding)
    scale = inner / span
    width = round((east - west) * scale + 2 * size * padding)
    height = round((north - south) * scale + 2 * size * padding)

    def place(x: float, y: float) -> tuple[float, float]:
        return (round((x - west) * scale + size * padding, 1), round((north - y) * scale + size * padding, 1))

    parts = []
    for line in lines:
        drawn = [place(*_mercator(x, y)) for x, y in line.coords]
        parts.append("M" + " L".join(f"{x:g} {y:g}" for x, y in drawn))
    placed = tuple(OutlineStop(seq, *place(*xy)) for seq, xy in stop_points)
    return Outline(width=max(width, 1), height=max(height, 1), path=" ".join(parts), stops=placed)
