"""The map skeleton: route and stops drawn in Web Mercator, fitted into a box, north up."""
from __future__ import annotations

import re

import pytest
from shapely.geometry import LineString, MultiLineString, Point

from gis.outline import route_outline


def coords(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+) (-?[\d.]+)", path)]


def test_route_fits_the_box_with_padding_and_keeps_its_shape() -> None:
    route = LineString([(12.060, 57.890), (12.080, 57.890), (12.080, 57.900)])
    outline = route_outline(route, [], size=1000, padding=0.1)
    points = coords(outline.path)
    assert outline.path.startswith("M")
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert min(xs) == 100 and min(ys) == 100  # padding on the west and north
    assert max(xs) == pytest.approx(outline.width - 100, abs=1)
    assert max(ys) == pytest.approx(outline.height - 100, abs=1)
    assert max(outline.width, outline.height) == 1000
    # 0.02° of longitude vs 0.01° of latitude at 57.9° N: in Mercator the east–west leg is ~1.06× as long.
    east_west, north_south = xs[1] - xs[0], ys[1] - ys[2]
    assert 1.0 < east_west / north_south < 1.12
    assert ys[2] < ys[1]  # north is up


def test_stops_are_placed_with_their_numbers_and_a_multiline_gets_one_subpath_per_part() -> None:
    route = MultiLineString([[(12.06, 57.89), (12.07, 57.89)], [(12.07, 57.895), (12.08, 57.895)]])
    outline = route_outline(route, [(1, Point(12.06, 57.89)), (2, Point(12.08, 57.895))])
    assert outline.path.count("M") == 2
    assert [s.seq for s in outline.stops] == [1, 2]
    first = coords(outline.path)[0]
    assert (outline.stops[0].x, outline.stops[0].y) == first


def test_nothing_to_draw() -> None:
    assert route_outline(None, []) is None
    lone = route_outline(None, [(1, Point(12.0, 57.0))])
    assert lone is not None and lone.path == "" and len(lone.stops) == 1
