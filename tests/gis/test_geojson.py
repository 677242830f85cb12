"""gis.geojson: RFC 7946 parsing and output; geometries compared with shapely, never as strings."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from gis.errors import GeometryError
from gis.geojson import (
    feature,
    feature_collection,
    geometry_from_geojson,
    geometry_to_geojson,
    lines_from_geojson,
)

NOEDINGE = (12.069, 57.894)

SQUARE_CCW = [(12.0, 57.0), (12.01, 57.0), (12.01, 57.01), (12.0, 57.01), (12.0, 57.0)]
HOLE_CW = [(12.002, 57.002), (12.002, 57.004), (12.004, 57.004), (12.004, 57.002), (12.002, 57.002)]

ROUND_TRIP_GEOMETRIES = {
    "point": Point(NOEDINGE),
    "linestring": LineString([NOEDINGE, (12.07, 57.895), (12.0712345, 57.8961234)]),
    "multilinestring": MultiLineString([[(12.0, 57.0), (12.1, 57.1)], [(12.2, 57.2), (12.3, 57.25)]]),
    "polygon_with_hole": Polygon(SQUARE_CCW, [HOLE_CW]),
    "multipolygon": shapely.MultiPolygon([Polygon(SQUARE_CCW), Polygon([(13, 58), (13.1, 58), (13, 58.1)])]),
    "multipoint": shapely.MultiPoint([(12.0, 57.0), (13.0, 58.0)]),
    "collection": shapely.GeometryCollection([Point(NOEDINGE), LineString([(12, 57), (12.1, 57.1)])]),
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP_GEOMETRIES))
def test_round_trip(name: str) -> None:
    geom = ROUND_TRIP_GEOMETRIES[name]
    obj = geometry_to_geojson(geom)
    assert obj["type"] == geom.geom_type
    assert "crs" not in obj
    back = geometry_from_geojson(obj)
    assert back.equals(geom)
    assert back.equals_exact(geom, tolerance=1e-7) or back.normalize().equals_exact(
        geom.normalize(), tolerance=1e-7
    )


@pytest.mark.parametrize("name", sorted(ROUND_TRIP_GEOMETRIES))
def test_round_trip_through_json_text(name: str) -> None:
    geom = ROUND_TRIP_GEOMETRIES[name]
    back = geometry_from_geojson(json.dumps(geometry_to_geojson(geom)))
    assert back.equals(geom)


def test_lon_lat_order() -> None:
    obj = geometry_to_geojson(Point(NOEDINGE))
    assert obj == {"type": "Point", "coordinates": [12.069, 57.894]}
    assert geometry_from_geojson(obj).x == pytest.approx(12.069)


def test_precision_rounds_coordinates() -> None:
    point = Point(12.123456789, 57.987654321)
    assert geometry_to_geojson(point)["coordinates"] == [pytest.approx(12.1234568), pytest.approx(57.9876543)]
    assert geometry_to_geojson(point, precision=3)["coordinates"] == [12.123, 57.988]
    assert geometry_from_geojson(geometry_to_geojson(point)).equals_exact(point, tolerance=1e-7)


def test_z_is_dropped() -> None:
    obj = geometry_to_geojson(LineString([(12.0, 57.0, 30.0), (12.1, 57.1, 40.0)]))
    assert all(len(pos) == 2 for pos in obj["coordinates"])


def test_parsing_accepts_heights() -> None:
    geom = geometry_from_geojson({"type": "LineString", "coordinates": [[12, 57, 10], [12.1, 57.1, 12]]})
    assert geom.equals(LineString([(12, 57), (12.1, 57.1)]))


def test_parsing_accepts_mixed_2d_and_3d_positions() -> None:
    geom = geometry_from_geojson({"type": "LineString", "coordinates": [[12, 57, 10], [12.1, 57.1]]})
    assert geom.equals(LineString([(12, 57), (12.1, 57.1)]))


def test_polygon_orientation_follows_right_hand_rule() -> None:
    # Input deliberately the wrong way round: clockwise shell, counter-clockwise hole.
    shell_cw = list(reversed(SQUARE_CCW))
    hole_ccw = list(reversed(HOLE_CW))
    geom = Polygon(shell_cw, [hole_ccw])
    assert not geom.exterior.is_ccw
    obj = geometry_to_geojson(geom)
    shell, hole = obj["coordinates"]
    assert shapely.LinearRing(shell).is_ccw  # exterior counter-clockwise
    assert not shapely.LinearRing(hole).is_ccw  # holes clockwise
    assert geometry_from_geojson(obj).equals(geom)


def test_multipolygon_orientation() -> None:
    geom = shapely.MultiPolygon(
        [Polygon(list(reversed(SQUARE_CCW))), Polygon([(13, 58), (13, 58.1), (13.1, 58)])]
    )
    for polygon in geometry_to_geojson(geom)["coordinates"]:
        assert shapely.LinearRing(polygon[0]).is_ccw


def test_empty_geometry_is_refused_on_output() -> None:
    with pytest.raises(GeometryError):
        geometry_to_geojson(LineString())


def test_feature_and_collection() -> None:
    feat = feature(Point(NOEDINGE), {"category": "lighting", "unsafe": True}, id=7)
    assert feat["type"] == "Feature"
    assert feat["id"] == 7
    assert feat["properties"] == {"category": "lighting", "unsafe": True}
    assert geometry_from_geojson(feat["geometry"]).equals(Point(NOEDINGE))
    without = feature(None, {}, id=None)
    assert without["geometry"] is None and "id" not in without
    fc = feature_collection(iter([feat, without]))
    assert fc == {"type": "FeatureCollection", "features": [feat, without]}
    assert "crs" not in fc
    json.dumps(fc)  # plain JSON types only


def test_feature_copies_properties() -> None:
    props = {"a": 1}
    feat = feature(Point(NOEDINGE), props, id="f-1")
    props["a"] = 2
    assert feat["properties"] == {"a": 1}
    assert feat["id"] == "f-1"


REFUSED = {
    "unknown type": {"type": "Circle", "coordinates": [12, 57]},
    "type missing": {"coordinates": [12, 57]},
    "coordinates missing": {"type": "Point"},
    "feature instead of geometry": {"type": "Feature", "geometry": None, "properties": {}},
    "latitude 95": {"type": "Point", "coordinates": [12, 95]},
    "latitude -91": {"type": "LineString", "coordinates": [[12, 57], [12, -91]]},
    "longitude 181": {"type": "Point", "coordinates": [181, 57]},
    "strings as coordinates": {"type": "Point", "coordinates": ["12.0", "57.0"]},
    "booleans as coordinates": {"type": "Point", "coordinates": [True, False]},
    "null coordinate": {"type": "Point", "coordinates": [12, None]},
    "one number": {"type": "Point", "coordinates": [12]},
    "four numbers": {"type": "Point", "coordinates": [12, 57, 1, 2]},
    "empty point": {"type": "Point", "coordinates": []},
    "empty line": {"type": "LineString", "coordinates": []},
    "empty multiline part": {"type": "MultiLineString", "coordinates": [[]]},
    "coordinates not nested": {"type": "LineString", "coordinates": [12, 57]},
    "coordinates a string": {"type": "LineString", "coordinates": "12 57, 13 58"},
    "line with one position": {"type": "LineString", "coordinates": [[12, 57]]},
    "line of one repeated position": {"type": "LineString", "coordinates": [[12, 57], [12, 57]]},
    "ring not closed": {"type": "Polygon", "coordinates": [[[12, 57], [13, 57], [13, 58], [12, 58]]]},
    "ring too short": {"type": "Polygon", "coordinates": [[[12, 57], [13, 57], [12, 57]]]},
    "bow-tie polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    "empty collection": {"type": "GeometryCollection", "geometries": []},
    "collection with bad member": {"type": "GeometryCollection", "geometries": [{"type": "Point"}]},
    "not an object": [12, 57],
    "null": None,
    "invalid JSON text": '{"type": "Point", "coordinates": [12, ',
    "JSON NaN": '{"type": "Point", "coordinates": [NaN, 57]}',
    "JSON Infinity": '{"type": "Point", "coordinates": [Infinity, 57]}',
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusals_raise_geometry_error_with_a_sentence(name: str) -> None:
    with pytest.raises(GeometryError) as info:
        geometry_from_geojson(REFUSED[name])
    message = str(info.value)
    assert message[0].isupper() and message.endswith("."), message


def test_deeply_nested_json_is_refused_cleanly() -> None:
    with pytest.raises(GeometryError):
        geometry_from_geojson("[" * 100_000 + "]" * 100_000)


def test_lines_from_geometry_feature_and_collection() -> None:
    line = {"type": "LineString", "coordinates": [[12.0, 57.0, 3.0], [12.1, 57.1, 4.0]]}
    multi = {"type": "MultiLineString", "coordinates": [[[13, 58], [13.1, 58.1]], [[14, 59], [14.1, 59.1]]]}
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [12, 57]}, "properties": {}},
            {"type": "Feature", "geometry": line, "properties": {"name": "a"}},
            {"type": "Feature", "geometry": None, "properties": {}},
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [SQUARE_CCW]},
                "properties": {},
            },
            {"type": "Feature", "geometry": multi, "properties": {}},
            {
                "type": "Feature",
                "geometry": {"type": "GeometryCollection", "geometries": [line]},
                "properties": {},
            },
        ],
    }
    lines = lines_from_geojson(fc)
    expected = [
        LineString([(12.0, 57.0), (12.1, 57.1)]),
        LineString([(13, 58), (13.1, 58.1)]),
        LineString([(14, 59), (14.1, 59.1)]),
        LineString([(12.0, 57.0), (12.1, 57.1)]),
    ]
    assert len(lines) == len(expected)
    for got, want in zip(lines, expected, strict=True):
        assert not got.has_z
        assert got.equals_exact(want, tolerance=1e-12)
    assert len(lines_from_geojson(json.dumps({"type": "Feature", "geometry": line, "properties": {}}))) == 1
    assert len(lines_from_geojson(multi)) == 2
    assert lines_from_geojson({"type": "Point", "coordinates": [12, 57]}) == []


@pytest.mark.parametrize(
    "obj",
    [
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": [{"type": "Point", "coordinates": [1, 2]}]},
        {"type": "Feature", "properties": {}},
        {"type": "LineString", "coordinates": [[12, 57], [12, 99]]},
        "not json",
        42,
    ],
)
def test_lines_from_bad_geojson(obj: object) -> None:
    with pytest.raises(GeometryError):
        lines_from_geojson(obj)  # type: ignore[arg-type]
