"""Geometries survive a trip through each database unchanged (compared with shapely, not strings)."""
from __future__ import annotations

from shapely.geometry import LineString, MultiLineString, Point

from fieldapp.extensions import db
from fieldapp.models import Walk
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.walks import StopInput, create_walk, route_geom
from gis import convert

LINE = LineString([(12.0687, 57.8944), (12.0678, 57.8962), (12.0685, 57.8981), (12.07100001, 57.899)])
MULTI = MultiLineString([[(12.0, 57.0), (12.1, 57.1)], [(12.2, 57.2), (12.3, 57.25), (12.31, 57.3)]])


def reload(walk_id: int) -> Walk:
    db.session.expire_all()
    return db.session.get(Walk, walk_id)


def test_route_and_stops_round_trip(app) -> None:
    ensure_default_categories()
    walk = create_walk("Round trip", route=LINE, stops=[StopInput("A", Point(12.0687, 57.8944)),
                                                         StopInput("B", Point(12.07100001, 57.899))])
    again = reload(walk.id)
    assert route_geom(again).equals_exact(LINE, tolerance=1e-12)
    assert [convert.to_geom(s.geom_el) for s in again.stops] == [
        Point(12.0687, 57.8944),
        Point(12.07100001, 57.899),
    ]
    assert [s.seq for s in again.stops] == [1, 2]
    assert again.route.length_m > 600


def test_multilinestring_route_round_trip(app) -> None:
    ensure_default_categories()
    walk = create_walk("Two parts", route=MULTI)
    geom = route_geom(reload(walk.id))
    assert geom.geom_type == "MultiLineString"
    assert geom.equals_exact(MULTI, tolerance=1e-12)


def test_finding_point_round_trip_and_srid(app) -> None:
    ensure_default_categories()
    walk = create_walk("Points", route=LINE, status="open")
    result = save_finding(walk, "0b3f3f4e-96a8-4c59-8f4c-1b1e0f2f6a01",
                          FindingInput(lon=12.06871234567, lat=57.89441234567, category="lighting"))
    finding = result.finding
    assert result.created
    db.session.expire_all()
    element = db.session.get(type(finding), finding.id).geom_el
    assert convert.to_geom(element).equals_exact(Point(12.06871234567, 57.89441234567), tolerance=1e-12)
    assert element.srid == 4326


def test_start_time_keeps_its_instant_on_both_backends(app) -> None:
    """A walk at 18:30 Stockholm time is still 18:30 Stockholm time after a round trip (SQLite has no
    offsets)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    ensure_default_categories()
    starts = datetime(2026, 12, 4, 18, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    walk = create_walk("Time", starts_at=starts)
    again = reload(walk.id).starts_at
    assert again == starts
    assert again.astimezone(ZoneInfo("Europe/Stockholm")).hour == 18
