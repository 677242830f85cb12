"""Route-area tile pre-cache: which map tiles a phone fetches on joining, when the tile source allows it.

Off unless ``TILES_ALLOW_PRECACHE`` is set (the configured tile source's usage policy must allow bulk
fetching; OpenStreetMap's public tiles do not). The tile list itself is ``gis.tiles.route_tile_plan``.
"""
from __future__ import annotations

from typing import Any, TypedDict

from flask import current_app
from shapely.geometry import Point

from fieldapp.errors import N_, NotFound
from fieldapp.models import Walk
from fieldapp.services.walks import route_geom
from gis import convert
from gis.tiles import route_tile_plan

AVERAGE_TILE_BYTES = 15_000  # a typical 256 px street-map PNG; for the size shown before fetching
SCREEN_RADIUS_PX = 500  # half a phone screen's diagonal (CSS px): the buffer never narrower than a screen


class TilePrecache(TypedDict):
    """What the phone needs to fill its tile cache: the URL template, the tiles, and the limits."""

    tile_url: str
    tiles: list[list[int]]
    zooms: list[int]
    left_out_zooms: list[int]
    max_bytes: int
    estimated_bytes: int


def precache_enabled(config: dict[str, Any] | None = None) -> bool:
    """Whether this installation may bulk-fetch its tile source (configuration, off by default)."""
    return bool((config if config is not None else current_app.config)["TILES_ALLOW_PRECACHE"])


def tile_precache(walk: Walk) -> TilePrecache:
    """The tiles covering ``walk``'s route and stops plus the configured buffer (at least a phone screen
    around them) at the configured zooms.

    Raises ``NotFound`` when pre-caching is off for this installation.
    """
    config = current_app.config
    if not precache_enabled(config):
        raise NotFound(N_("Map pre-loading is not enabled here."), code="precache_disabled")
    stops = [geom for stop in walk.stops if isinstance(geom := convert.to_geom(stop.geom_el), Point)]
    plan = route_tile_plan(route_geom(walk), stops, buffer_m=config["TILES_PRECACHE_BUFFER_M"],
                           zooms=config["TILES_PRECACHE_ZOOMS"], max_tiles=config["TILES_PRECACHE_MAX_TILES"],
                           screen_px=SCREEN_RADIUS_PX)
    return {
        "tile_url": config["TILE_URL"],
        "tiles": [list(tile) for tile in plan.tiles],
        "zooms": list(plan.zooms),
        "left_out_zooms": list(plan.left_out_zooms),
        "max_bytes": int(config["TILES_PRECACHE_MAX_MB"] * 1024 * 1024),
        "estimated_bytes": len(plan.tiles) * AVERAGE_TILE_BYTES,
    }
