"""Tiles covering a route plus a buffer: the pre-cache list."""
from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import LineString, Point

from gis.tiles import (
    buffered_area,
    metres_per_pixel,
    route_tile_plan,
    tile_bounds,
    tile_x,
    tile_y,
    tiles_covering,
)

# A 1.1 km east–west route at Nödinge (58° N): 0.0187° of longitude ≈ 1.1 km there.
ROUTE = LineString([(12.060, 57.8945), (12.0787, 57.8945)])


def test_tile_numbers_match_the_published_slippy_map_formula() -> None:
    # The world's corners, and the tile that holds the demo walk (as Leaflet asks for it at zoom 15).
    assert (tile_x(-180, 3), tile_y(85.0511, 3)) == (0, 0)
    assert (tile_x(179.9999, 3), tile_y(-85.0511, 3)) == (7, 7)
    assert (tile_x(12.0688, 15), tile_y(57.8945, 15)) == (17482, 9887)  # the demo walk's centre tile
    bounds = tile_bounds((15, 17482, 9887))
    assert bounds.contains(Point(12.0688, 57.8945))


def test_buffer_is_in_metres_on_every_side() -> None:
    area = buffered_area([ROUTE], 150)
    west, south, east, north = area.bounds
    metres_per_deg_lat = 111_320
    metres_per_deg_lon = 111_320 * math.cos(math.radians(57.8945))
    assert (57.8945 - south) * metres_per_deg_lat == pytest.approx(150, rel=0.02)
    assert (north - 57.8945) * metres_per_deg_lat == pytest.approx(150, rel=0.02)
    assert (12.060 - west) * metres_per_deg_lon == pytest.approx(150, rel=0.02)
    assert (east - 12.0787) * metres_per_deg_lon == pytest.approx(150, rel=0.02)


def test_tiles_cover_the_whole_buffered_route_and_nothing_far_from_it() -> None:
    area = buffered_area([ROUTE], 150)
    for zoom in (14, 16, 18):
        tiles = tiles_covering(area, zoom)
        assert len(tiles) == len(set(tiles))
        covered = shapely.union_all([tile_bounds(t) for t in tiles])
        assert covered.contains(area), zoom
        for tile in tiles:  # every tile touches the area
            assert tile_bounds(tile).intersects(area)


def test_a_diagonal_route_leaves_out_the_corner_tiles_of_its_bounding_box() -> None:
    diagonal = LineString([(12.00, 57.85), (12.10, 57.90)])
    area = buffered_area([diagonal], 100)
    tiles = tiles_covering(area, 17)
    west, south, east, north = area.bounds
    in_box = (tile_x(east, 17) - tile_x(west, 17) + 1) * (tile_y(south, 17) - tile_y(north, 17) + 1)
    assert len(tiles) < in_box / 3


def test_plan_takes_whole_zoom_levels_lowest_first_within_the_cap() -> None:
    stops = [Point(12.065, 57.8950)]
    full = route_tile_plan(ROUTE, stops, buffer_m=150, zooms=range(12, 19), max_tiles=10_000)
    assert full.zooms == (12, 13, 14, 15, 16, 17, 18) and full.left_out_zooms == ()
    assert [t[0] for t in full.tiles] == sorted(t[0] for t in full.tiles)
    per_zoom = {z: sum(1 for t in full.tiles if t[0] == z) for z in full.zooms}
    assert per_zoom[18] > per_zoom[17] > per_zoom[16]

    cap = sum(per_zoom[z] for z in range(12, 17)) + per_zoom[17] - 1  # z17 does not fit whole
    capped = route_tile_plan(ROUTE, stops, buffer_m=150, zooms=range(12, 19), max_tiles=cap)
    assert capped.zooms == (12, 13, 14, 15, 16) and capped.left_out_zooms == (17, 18)
    assert len(capped.tiles) == sum(per_zoom[z] for z in range(12, 17))


def test_stops_off_the_route_are_covered_too() -> None:
    far_stop = Point(12.0700, 57.9050)  # ~1.2 km north of the route
    plan = route_tile_plan(ROUTE, [far_stop], buffer_m=100, zooms=[17], max_tiles=10_000)
    assert any(tile_bounds(t).contains(far_stop) for t in plan.tiles)


def test_a_walk_without_route_or_stops_has_nothing_to_fetch() -> None:
    plan = route_tile_plan(None, [], buffer_m=150, zooms=[15, 16], max_tiles=100)
    assert plan.tiles == () and plan.zooms == (15, 16)


def test_low_zooms_get_a_screen_wide_buffer_so_a_phone_screen_on_the_route_is_filled() -> None:
    assert metres_per_pixel(15, 57.8945) == pytest.approx(2.545, rel=0.01)
    plan = route_tile_plan(ROUTE, [], buffer_m=200, zooms=[15, 18], max_tiles=10_000, screen_px=500)
    narrow = route_tile_plan(ROUTE, [], buffer_m=200, zooms=[15, 18], max_tiles=10_000)
    at = {z: {t for t in plan.tiles if t[0] == z} for z in (15, 18)}
    narrow_at = {z: {t for t in narrow.tiles if t[0] == z} for z in (15, 18)}
    assert at[18] == narrow_at[18]  # 500 px at z18 is ~75 m: the 200 m buffer is wider
    assert at[15] > narrow_at[15]  # 500 px at z15 is ~1.3 km
    # A 412 × 500 px screen centred on the route's end at z15 lies inside the tiles taken.
    half_w, half_h = 206 * metres_per_pixel(15, 57.8945), 250 * metres_per_pixel(15, 57.8945)
    d_lon, d_lat = half_w / (111_320 * math.cos(math.radians(57.8945))), half_h / 111_320
    screen = shapely.box(12.0787 - d_lon, 57.8945 - d_lat, 12.0787 + d_lon, 57.8945 + d_lat)
    assert shapely.union_all([tile_bounds(t) for t in at[15]]).contains(screen)
