"""Web map tiles (the XYZ / "slippy map" scheme) covering a walk's route plus a buffer: the list a phone
fetches ahead of the walk. Pure functions, lon/lat in and (z, x, y) out."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from gis.crs import apply_transformer, local_metric_transformer

MAX_LAT = 85.05112878  # Web Mercator's edge
EQUATOR_M_PER_PX_Z0 = 156_543.03392  # metres per pixel of a 256 px tile at zoom 0 on the equator
Tile = tuple[int, int, int]


def buffered_area(geoms: Sequence[BaseGeometry], buffer_m: float) -> BaseGeometry:
    """The route (and stops) widened by ``buffer_m`` metres on every side, as a lon/lat polygon."""
    parts = [g for g in geoms if not g.is_empty]
    if not parts:
        raise ValueError("nothing to cover")
    centre = shapely.GeometryCollection(parts).envelope.centroid
    forward = local_metric_transformer(centre.x, centre.y)
    back = pyproj.Transformer.from_crs(forward.target_crs, forward.source_crs, always_xy=True)
    widened = shapely.union_all([apply_transformer(g, forward).buffer(buffer_m, quad_segs=8) for g in parts])
    return apply_transformer(widened, back)


def tile_x(lon: float, zoom: int) -> int:
    """Column of the tile holding longitude ``lon`` at ``zoom``."""
    n = 1 << zoom
    return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))


def tile_y(lat: float, zoom: int) -> int:
    """Row of the tile holding latitude ``lat`` at ``zoom`` (row 0 at the top, the north)."""
    n = 1 << zoom
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    rad = math.radians(lat)
    return min(n - 1, max(0, int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)))


def tile_bounds(tile: Tile) -> Polygon:
    """The lon/lat rectangle a tile covers."""
    z, x, y = tile
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return box(x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


def metres_per_pixel(zoom: int, lat: float) -> float:
    """Ground size of one map pixel at ``zoom`` and latitude ``lat``."""
    return EQUATOR_M_PER_PX_Z0 * math.cos(math.radians(lat)) / (1 << zoom)


def tiles_covering(area: BaseGeometry, zoom: int) -> list[Tile]:
    """Every tile at ``zoom`` that touches ``area`` (lon/lat), row by row from the north-west."""
    west, south, east, north = area.bounds
    found: list[Tile] = []
    for y in range(tile_y(north, zoom), tile_y(south, zoom) + 1):
        for x in range(tile_x(west, zoom), tile_x(east, zoom) + 1):
            if area.intersects(tile_bounds((zoom, x, y))):
                found.append((zoom, x, y))
    return found


@dataclass(frozen=True)
class TilePlan:
    """The tiles to fetch, lowest zoom first, and the zoom levels they cover completely."""

    tiles: tuple[Tile, ...]
    zooms: tuple[int, ...]
    left_out_zooms: tuple[int, ...]


def route_tile_plan(route: LineString | MultiLineString | None, stops: Iterable[Point], *, buffer_m: float,
                    zooms: Sequence[int], max_tiles: int, screen_px: float = 0) -> TilePlan:
    """The tiles covering the route and stops plus a buffer at each of ``zooms``, at most ``max_tiles``.

    The buffer is ``buffer_m``, or at low zooms wider: ``screen_px`` pixels of that zoom (half a phone
    screen's diagonal), so that a screen centred anywhere on the route is filled at every zoom level.
    A zoom level is taken whole or not at all (a level with holes would show grey squares), lowest first:
    when the next level would pass the cap it and every higher one are left out.
    """
    parts = [g for g in (route, *stops) if g is not None]
    lat = shapely.GeometryCollection(parts).envelope.centroid.y if parts else 0.0
    tiles: list[Tile] = []
    taken: list[int] = []
    left_out: list[int] = []
    for zoom in sorted(set(zooms)):
        if left_out:
            left_out.append(zoom)
            continue
        buffer = max(buffer_m, screen_px * metres_per_pixel(zoom, lat))
        level = tiles_covering(buffered_area(parts, buffer), zoom) if parts else []
        if len(tiles) + len(level) > max_tiles:
            left_out.append(zoom)
            continue
        tiles.extend(level)
        taken.append(zoom)
    return TilePlan(tiles=tuple(tiles), zooms=tuple(taken), left_out_zooms=tuple(left_out))
