"""gis.routes: route import (GPX files, GeoJSON, KML, hostile input), length, simplification.

GPX files: tests/fixtures/gpx (always) and the real-world gpxpy files of the extended corpus (``realworld``).
"""

from __future__ import annotations

import math
import time

import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from gis.errors import GeometryError, RouteImportError
from gis.routes import (
    MAX_ROUTE_BYTES,
    distance_from_m,
    parse_route,
    read_route_file,
    route_length_m,
)
from tests.conftest import FIXTURES, REALWORLD

GEOD = pyproj.Geod(ellps="WGS84")
REALWORLD_GPX = REALWORLD / "gpx"
FIXTURE_GPX = FIXTURES / "gpx"

NO_TRACK = "no track or route with at least two points"
NOT_A_ROUTE = "not GPX, KML or GeoJSON"

# Every file in ../shared/realworld/gpx and what importing it must give:
# an int is the number of line parts (1 = LineString, more = MultiLineString);
# a str means refused with RouteImportError whose message contains that text.
EXPECTED_REALWORLD = {
    "LICENSE.gpxpy.txt": NOT_A_ROUTE,  # plain text licence, not a route at all
    "Mojstrovka.gpx": 1,
    "around-visnjan-with-car.gpx": 1,
    # 8 segments: 1 empty (skipped) and 7 with 2..173 points.
    "cerknicko-jezero-no-creator.gpx": 7,
    "cerknicko-jezero-with-elevations-zero.gpx": 7,
    "cerknicko-jezero-without-elevations.gpx": 7,
    "cerknicko-jezero.gpx": 7,
    "cerknicko-without-times.gpx": 7,
    "custom_schema_locations.gpx": NO_TRACK,  # empty <gpx/> with only schema locations
    "default_schema_locations.gpx": NO_TRACK,  # empty <gpx/>
    "first_and_last_elevation.gpx": 1,  # 10 points, the last two identical -> 9
    "gpx-with-node-with-comments.gpx": NO_TRACK,  # track with a single point
    # Track segments of 1 and 0 points (skipped) plus two routes of 3 and 2 points.
    "gpx1.0_with_all_fields.gpx": 2,
    "gpx1.1_with_all_fields.gpx": 2,
    "gpx1.1_with_extensions.gpx": NO_TRACK,  # one waypoint only
    "gpx1.1_with_extensions_without_namespaces.gpx": NO_TRACK,  # one waypoint only
    "gpx_with_garmin_extension.gpx": NO_TRACK,  # one waypoint only
    "korita-zbevnica.gpx": 3,  # 4 segments, the first empty
    "route.gpx": 1,  # a <rte>, not a <trk>
    "track-with-empty-segment.gpx": 1,  # 9 points + an empty segment
    "track-with-extremes.gpx": 1,
    "track-with-less-sec-time.gpx": 1,  # exactly two points, 1.6 m apart
    "track-with-small-floats.gpx": 1,  # 3 points, last two identical -> 2
    "track_with_dilution_errors.gpx": NO_TRACK,  # track, route and waypoint of one point each
    "track_with_speed.gpx": 1,
    "unicode.gpx": NO_TRACK,  # waypoints only
    "unicode2.gpx": NO_TRACK,  # a track with one empty segment
    "unicode_with_bom.gpx": NO_TRACK,  # one waypoint only (UTF-8 BOM)
    "unicode_with_bom_noencoding.gpx": NO_TRACK,  # one waypoint only (BOM, no encoding declaration)
}


def test_expectations_cover_every_realworld_file(realworld) -> None:
    assert REALWORLD_GPX.is_dir(), REALWORLD_GPX
    assert {p.name for p in REALWORLD_GPX.iterdir() if p.is_file()} == set(EXPECTED_REALWORLD)


def test_fixture_track_skips_its_empty_segment_and_keeps_time_order() -> None:
    route = parse_route((FIXTURE_GPX / "track.gpx").read_bytes(), filename="track.gpx")
    _assert_usable_route(route)
    assert isinstance(route, LineString) and len(route.coords) == 32
    assert route.coords[0] == pytest.approx((12.0688, 57.8945))
    assert 2_600 < route_length_m(route) < 2_800  # an open loop of 32 legs, radius about 450 m


def test_fixture_gpx_1_0_route_with_bom_is_a_line() -> None:
    route = parse_route((FIXTURE_GPX / "route.gpx").read_bytes(), filename="route.gpx")
    _assert_usable_route(route)
    assert isinstance(route, LineString)
    assert list(route.coords) == [(12.0634, 57.8921), (12.0659, 57.8933), (12.0688, 57.8946),
                                  (12.0711, 57.8958), (12.074, 57.8969)]


def test_fixture_waypoints_only_is_refused() -> None:
    with pytest.raises(RouteImportError, match=NO_TRACK):
        parse_route((FIXTURE_GPX / "waypoints.gpx").read_bytes(), filename="waypoints.gpx")


def _parts(route: LineString | MultiLineString) -> list[LineString]:
    return list(route.geoms) if isinstance(route, MultiLineString) else [route]


def _assert_usable_route(route: LineString | MultiLineString) -> None:
    assert isinstance(route, (LineString, MultiLineString))
    assert route.is_valid
    assert not route.has_z
    for part in _parts(route):
        assert len(part.coords) >= 2
        coords = list(part.coords)
        assert all(a != b for a, b in zip(coords, coords[1:], strict=False))  # no consecutive duplicates
    xy = shapely.get_coordinates(route)
    assert ((-180 <= xy[:, 0]) & (xy[:, 0] <= 180)).all()
    assert ((-90 <= xy[:, 1]) & (xy[:, 1] <= 90)).all()
    assert route_length_m(route) > 0


@pytest.mark.parametrize("name", sorted(EXPECTED_REALWORLD))
def test_realworld_gpx(name: str, realworld) -> None:
    data = (REALWORLD_GPX / name).read_bytes()
    expected = EXPECTED_REALWORLD[name]
    if isinstance(expected, str):
        with pytest.raises(RouteImportError, match=expected):
            parse_route(data, filename=name)
        return
    route = parse_route(data, filename=name)
    _assert_usable_route(route)
    assert len(_parts(route)) == expected
    assert isinstance(route, LineString) == (expected == 1)


def test_realworld_route_coordinates_are_lon_lat(realworld) -> None:
    route = parse_route((REALWORLD_GPX / "gpx1.1_with_all_fields.gpx").read_bytes())
    first, second = _parts(route)
    assert first.equals(LineString([(20, 10), (21, 11), (22, 12)]))
    assert second.equals(LineString([(23, 13), (24, 14)]))


def test_realworld_track_length_is_plausible(realworld) -> None:
    # A mountain hike of 184 points; its geodesic length is a few kilometres.
    route = parse_route((REALWORLD_GPX / "Mojstrovka.gpx").read_bytes())
    assert 2_000 < route_length_m(route) < 4_000


# ---------------------------------------------------------------- GPX details


def _gpx(body: str, encoding: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{body}</gpx>"
    )


TWO_POINT_TRACK = (
    "<trk><name>Nödinge centrum</name><trkseg>"
    '<trkpt lat="57.894" lon="12.069"><ele>12</ele></trkpt>'
    '<trkpt lat="57.895" lon="12.070"><ele>13</ele></trkpt>'
    "</trkseg></trk>"
)


def test_gpx_track_drops_elevation() -> None:
    route = parse_route(_gpx(TWO_POINT_TRACK).encode())
    assert route.equals_exact(LineString([(12.069, 57.894), (12.070, 57.895)]), tolerance=1e-12)
    assert not route.has_z


@pytest.mark.parametrize(("encoding", "codec"), [("ISO-8859-1", "latin-1"), ("UTF-16", "utf-16")])
def test_gpx_in_other_encodings(encoding: str, codec: str) -> None:
    route = parse_route(_gpx(TWO_POINT_TRACK, encoding).encode(codec))
    assert route.equals(LineString([(12.069, 57.894), (12.070, 57.895)]))


def test_gpx_with_utf8_bom_and_leading_whitespace() -> None:
    route = parse_route(b"\xef\xbb\xbf\n  " + _gpx(TWO_POINT_TRACK).encode())
    assert isinstance(route, LineString)


def test_gpx_consecutive_duplicates_removed_and_short_segments_skipped() -> None:
    body = (
        "<trk><trkseg>"
        '<trkpt lat="57.0" lon="12.0"/><trkpt lat="57.0" lon="12.0"/><trkpt lat="57.1" lon="12.1"/>'
        '<trkpt lat="57.1" lon="12.1"/><trkpt lat="57.0" lon="12.0"/>'
        "</trkseg>"
        '<trkseg><trkpt lat="58.0" lon="13.0"/><trkpt lat="58.0" lon="13.0"/></trkseg>'  # one distinct point
        "<trkseg></trkseg></trk>"
    )
    route = parse_route(_gpx(body).encode())
    assert isinstance(route, LineString)
    assert list(route.coords) == [(12.0, 57.0), (12.1, 57.1), (12.0, 57.0)]


def test_gpx_with_tracks_and_routes_uses_the_tracks_and_says_so() -> None:
    body = TWO_POINT_TRACK + '<rte><rtept lat="58.0" lon="13.0"/><rtept lat="58.1" lon="13.1"/></rte>'
    found = read_route_file(_gpx(body).encode())
    assert isinstance(found.route, LineString) and found.route.coords[0] == (12.069, 57.894)
    assert (found.used, found.left_out) == ("track", 1)
    two_routes = '<rte><rtept lat="58.0" lon="13.0"/><rtept lat="58.1" lon="13.1"/></rte>' * 2
    only_routes = read_route_file(_gpx(two_routes).encode())
    assert isinstance(only_routes.route, MultiLineString) and only_routes.used == "route"


def test_gpx_waypoints_come_with_their_names_and_a_waypoint_only_file_is_read() -> None:
    found = read_route_file((FIXTURE_GPX / "waypoints.gpx").read_bytes())
    assert found.route is None
    assert [w.name for w in found.waypoints] == ["Mörk gångtunnel", "Trasig lykta"]
    assert found.waypoints[0].point.equals(Point(12.0688, 57.8945))
    with_track = read_route_file(_gpx(TWO_POINT_TRACK + '<wpt lat="57.9" lon="12.07"/>').encode())
    assert with_track.route is not None and [w.name for w in with_track.waypoints] == ["1"]


def test_kml_point_placemarks_are_waypoints() -> None:
    doc = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           '<Placemark><name>Torget</name><Point><coordinates>12.07,57.89,0</coordinates></Point></Placemark>'
           '<Placemark><LineString><coordinates>12.0,57.0 12.1,57.1</coordinates></LineString></Placemark>'
           '</Document></kml>')
    found = read_route_file(doc.encode())
    assert found.route is not None and [(w.name, w.point.x) for w in found.waypoints] == [("Torget", 12.07)]


def test_distance_from_a_centre_is_in_metres() -> None:
    line = LineString([(12.0, 57.0), (12.0, 57.1)])
    assert distance_from_m(line, Point(12.0, 57.05)) < 0.01
    assert 5_900 < distance_from_m(line, Point(12.1, 57.05)) < 6_200  # 0.1° of longitude at 57° N


def test_gpx_with_only_waypoints_is_refused() -> None:
    body = '<wpt lat="57.894" lon="12.069"><name>Start</name></wpt><wpt lat="57.9" lon="12.07"/>'
    with pytest.raises(
        RouteImportError, match="The GPX file has no track or route with at least two points."
    ):
        parse_route(_gpx(body).encode(), filename="stops.gpx")


@pytest.mark.parametrize(
    "body",
    [
        '<trk><trkseg><trkpt lat="95" lon="12"/><trkpt lat="57" lon="12"/></trkseg></trk>',
        '<trk><trkseg><trkpt lat="57" lon="12"/><trkpt lat="57" lon="-190"/></trkseg></trk>',
    ],
)
def test_gpx_out_of_range_coordinates_refused(body: str) -> None:
    with pytest.raises(RouteImportError, match="outside the valid range"):
        parse_route(_gpx(body).encode())


def test_gpx_with_unreadable_point_refused() -> None:
    body = '<trk><trkseg><trkpt lat="north" lon="12"/><trkpt lat="57" lon="12"/></trkseg></trk>'
    with pytest.raises(RouteImportError):
        parse_route(_gpx(body).encode())


# ---------------------------------------------------------------- GeoJSON and KML


def test_geojson_feature_collection() -> None:
    doc = (
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"name": "stop"},'
        ' "geometry": {"type": "Point", "coordinates": [12, 57]}},'
        '{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates":'
        " [[12.069, 57.894, 10], [12.07, 57.895, 11], [12.07, 57.895, 11], [12.071, 57.8955]]}}"
        "]}"
    )
    route = parse_route(doc.encode())
    assert isinstance(route, LineString)
    assert route.equals_exact(
        LineString([(12.069, 57.894), (12.07, 57.895), (12.071, 57.8955)]), tolerance=1e-12
    )


def test_geojson_multilinestring_geometry_with_bom() -> None:
    doc = '{"type": "MultiLineString", "coordinates": [[[12, 57], [12.1, 57.1]], [[13, 58], [13.1, 58.1]]]}'
    route = parse_route(b"\xef\xbb\xbf" + doc.encode())
    assert isinstance(route, MultiLineString)
    assert route.equals(MultiLineString([[(12, 57), (12.1, 57.1)], [(13, 58), (13.1, 58.1)]]))


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ('{"type": "Point", "coordinates": [12, 57]}', "no line with at least two points"),
        ('{"type": "LineString", "coordinates": [[12, 57], [12, 97]]}', "Latitude 97"),
        ('{"type": "LineString", "coordinates": [[12, 57], ', "not valid JSON"),
        ('{"type": "Feature"}', "no “geometry”"),
    ],
)
def test_geojson_refusals(doc: str, message: str) -> None:
    with pytest.raises(RouteImportError, match=message):
        parse_route(doc.encode())


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
  <Document>
    <name>Trygghetsvandring Nödinge</name>
    <Placemark><name>Start</name><Point><coordinates>12.069,57.894,0</coordinates></Point></Placemark>
    <Placemark>
      <name>Slinga</name>
      <LineString>
        <tessellate>1</tessellate>
        <coordinates>
          12.069,57.894,0 12.070,57.895,0
          12.071,57.8955,0
        </coordinates>
      </LineString>
    </Placemark>
    {extra}
  </Document>
</kml>
"""


def test_kml_linestring() -> None:
    route = parse_route(KML.replace("{extra}", "").encode(), filename="walk.kml")
    assert isinstance(route, LineString)
    assert route.equals_exact(
        LineString([(12.069, 57.894), (12.070, 57.895), (12.071, 57.8955)]), tolerance=1e-12
    )


def test_kml_multigeometry_and_gx_track() -> None:
    extra = """
    <Placemark><MultiGeometry>
      <LineString><coordinates>13.0,58.0 13.1,58.1</coordinates></LineString>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>
        14,59 14.1,59 14.1,59.1 14,59
      </coordinates></LinearRing></outerBoundaryIs></Polygon>
    </MultiGeometry></Placemark>
    <Placemark><gx:Track>
      <when>2025-10-20T18:00:00Z</when><when>2025-10-20T18:01:00Z</when>
      <gx:coord>15.0 59.0 20</gx:coord><gx:coord>15.01 59.01 21</gx:coord>
    </gx:Track></Placemark>
    """
    route = parse_route(KML.replace("{extra}", extra).encode())
    assert isinstance(route, MultiLineString)
    expected = MultiLineString(
        [
            [(12.069, 57.894), (12.070, 57.895), (12.071, 57.8955)],
            [(13.0, 58.0), (13.1, 58.1)],
            [(15.0, 59.0), (15.01, 59.01)],
        ]
    )
    assert route.equals_exact(expected, tolerance=1e-12)


def test_kml_tolerates_spaces_after_commas_and_old_namespace() -> None:
    doc = (
        '<kml xmlns="http://earth.google.com/kml/2.1"><Placemark><LineString>'
        "<coordinates>12.0, 57.0  12.1, 57.1</coordinates></LineString></Placemark></kml>"
    )
    assert parse_route(doc.encode()).equals(LineString([(12.0, 57.0), (12.1, 57.1)]))


@pytest.mark.parametrize(
    "placemarks",
    [
        "",
        "<Placemark><Point><coordinates>12,57</coordinates></Point></Placemark>",
        "<Placemark><LineString><coordinates>12,57</coordinates></LineString></Placemark>",
    ],
)
def test_kml_without_a_line_is_refused(placemarks: str) -> None:
    doc = f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{placemarks}</Document></kml>'
    with pytest.raises(RouteImportError, match="The KML file has no path"):
        parse_route(doc.encode())


def test_kml_bad_number_is_refused() -> None:
    doc = (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString>'
        "<coordinates>12,57 east,58</coordinates></LineString></Placemark></kml>"
    )
    with pytest.raises(RouteImportError, match="not a number"):
        parse_route(doc.encode())


# ---------------------------------------------------------------- hostile and unknown input

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>&lol9;</name><trkseg>
    <trkpt lat="57.894" lon="12.069"/><trkpt lat="57.895" lon="12.070"/>
  </trkseg></trk>
</gpx>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&secret;</name><LineString>
<coordinates>12,57 12.1,57.1</coordinates></LineString></Placemark></kml>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused_quickly(data: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(RouteImportError, match="not allowed for security reasons"):
        parse_route(data)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\t ", "The file is empty."),
        (b"\x00\x01\x02garbage\xff\xfe\x00", NOT_A_ROUTE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_A_ROUTE),
        (b"lat,lon\n57.894,12.069\n57.895,12.070\n", NOT_A_ROUTE),
        (b"<html><body>Not a route</body></html>", NOT_A_ROUTE),
        (b'<?xml version="1.0"?><osm version="0.6"/>', NOT_A_ROUTE),
        (b"<gpx><trk><trkseg><trkpt lat=", "not well-formed XML"),
        (b"<gpx></kml>", "not well-formed XML"),
        (b"PK\x03\x04\x14\x00\x00\x00", "Unzip it"),
    ],
)
def test_unusable_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(RouteImportError) as info:
        parse_route(data)
    assert message in str(info.value)


def test_file_larger_than_limit_is_refused_before_parsing() -> None:
    data = _gpx(TWO_POINT_TRACK).encode() + b" " * (MAX_ROUTE_BYTES + 1)
    with pytest.raises(RouteImportError, match="larger than 10 MB"):
        parse_route(data)


def test_route_import_error_is_a_geometry_error() -> None:
    with pytest.raises(GeometryError):
        parse_route(b"nonsense")


# ---------------------------------------------------------------- length


def test_length_of_one_degree_of_meridian() -> None:
    lon = 12.069
    arc = LineString([(lon, 57.5), (lon, 58.5)])
    _, _, expected = GEOD.inv(lon, 57.5, lon, 58.5)
    assert route_length_m(arc) == pytest.approx(expected, abs=1e-3)
    # Published series for the length of one degree of latitude on WGS84, at its mid-latitude 58°.
    phi = math.radians(58.0)
    published = 111_132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    assert route_length_m(arc) == pytest.approx(published, abs=1.0)
    assert 111_300 < route_length_m(arc) < 111_450


def test_length_of_multilinestring_is_sum_of_parts() -> None:
    a = LineString([(12.0, 57.0), (12.01, 57.0), (12.01, 57.01)])
    b = LineString([(13.0, 58.0), (13.0, 58.01)])
    assert route_length_m(MultiLineString([a, b])) == pytest.approx(
        route_length_m(a) + route_length_m(b), abs=1e-6
    )


# ------------------------------------------------------------------- security review item 6: huge routes


def wiggly_track(n: int, lon0: float = 12.0, lat0: float = 57.9) -> list[tuple[float, float]]:
    """A GPS-like track of ``n`` points, ~0.3 m apart, with sub-metre jitter and 20 m bends."""
    return [(lon0 + 0.000005 * i + 0.000002 * math.sin(i / 2),
             lat0 + 0.0002 * math.sin(i / 400) + 0.000002 * math.cos(i / 3)) for i in range(n)]


def gpx_of(points: list[tuple[float, float]]) -> bytes:
    body = "".join(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"/>' for lon, lat in points)
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><trkseg>{body}</trkseg></trk></gpx>").encode()


def hausdorff_m(a: LineString, b: LineString) -> float:
    from gis.crs import apply_transformer, local_metric_transformer

    tr = local_metric_transformer(round(a.centroid.x, 4), round(a.centroid.y, 4))
    return apply_transformer(a, tr).hausdorff_distance(apply_transformer(b, tr))


def test_item6_huge_route_is_simplified() -> None:
    from gis.routes import MAX_STORED_POINTS, simplify_route

    track = LineString(wiggly_track(60_000))
    started = time.perf_counter()
    kept = simplify_route(track)
    assert time.perf_counter() - started < 5
    assert kept.simplified and kept.points_before == 60_000
    assert kept.points_after == len(kept.route.coords) <= MAX_STORED_POINTS
    assert 1 <= kept.tolerance_m <= 8  # a few metres at most
    assert hausdorff_m(track, kept.route) <= kept.tolerance_m + 0.01  # never further off than the tolerance
    assert kept.route.coords[0] == pytest.approx(track.coords[0]) and kept.route.coords[-1] == pytest.approx(
        track.coords[-1])
    assert route_length_m(kept.route) == pytest.approx(route_length_m(track), rel=0.3)


def test_item6_small_route_is_kept_as_it_is() -> None:
    from gis.routes import simplify_route

    route = LineString(wiggly_track(400))
    kept = simplify_route(route)
    assert not kept.simplified and kept.route is route and kept.tolerance_m == 0


def test_item6_multiline_parts_stay_apart_when_simplified() -> None:
    from gis.routes import simplify_route

    track = wiggly_track(12_000)
    route = MultiLineString([track[:6000], [(lon, lat + 0.001) for lon, lat in track[6000:]]])
    kept = simplify_route(route, max_points=2000)
    assert isinstance(kept.route, MultiLineString) and len(kept.route.geoms) == 2
    assert kept.points_after <= 2000 and kept.route.is_valid


def test_item6_route_beyond_the_hard_cap_is_refused_before_parsing() -> None:
    from gis.errors import TooManyPoints
    from gis.routes import MAX_ROUTE_POINTS

    data = gpx_of(wiggly_track(MAX_ROUTE_POINTS + 1))
    started = time.perf_counter()
    with pytest.raises(TooManyPoints) as refused:
        parse_route(data, "huge.gpx")
    assert time.perf_counter() - started < 3  # counted in the XML tree, gpxpy never runs
    assert refused.value.count == MAX_ROUTE_POINTS + 1 and refused.value.limit == MAX_ROUTE_POINTS
    geojson = ('{"type":"LineString","coordinates":['
               + ",".join(f"[{lon:.6f},{lat:.6f}]" for lon, lat in wiggly_track(MAX_ROUTE_POINTS + 5)) + "]}")
    with pytest.raises(TooManyPoints):
        parse_route(geojson.encode(), "huge.geojson")
