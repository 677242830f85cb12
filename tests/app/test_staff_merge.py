"""Duplicates: five reports of the same dead lamp become one finding with five confirmations, and back."""

from __future__ import annotations

import re
import uuid

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from fieldapp.services import merge as merge_service
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.demo import demo_photo_bytes
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.photos import add_photo
from fieldapp.services.walks import create_walk

GEOD = Geod(ellps="WGS84")
LAMP = Point(12.0700, 57.8950)


def offset(point: Point, metres: float, bearing: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(point.x, point.y, bearing, metres)
    return lon, lat


def add(walk, category: str, lonlat: tuple[float, float], photos: int = 0):
    finding = save_finding(
        walk, str(uuid.uuid4()), FindingInput(lon=lonlat[0], lat=lonlat[1], category=category, note=category)
    ).finding
    for n in range(photos):
        add_photo(finding, str(uuid.uuid4()), demo_photo_bytes(n, "lamp"))
    return finding


@pytest.fixture
def lamp_walk(app):
    ensure_default_categories()
    walk = create_walk("Dubbletter", route=LineString([(12.069, 57.894), (12.071, 57.896)]), status="open")
    lamps = [
        add(walk, "lighting", offset(LAMP, d, b), photos=1 if n < 2 else 0)
        for n, (d, b) in enumerate([(0, 0), (3, 40), (5, 130), (4, 220), (6, 300)])
    ]
    other_category = add(walk, "vegetation", offset(LAMP, 2, 90))
    far_lamp = add(walk, "lighting", offset(LAMP, 60, 0))
    return walk, lamps, other_category, far_lamp


def test_suggestions_group_same_category_within_radius(lamp_walk) -> None:
    walk, lamps, other, far = lamp_walk
    groups = merge_service.suggest_duplicates(walk, 15)
    assert [{f.uuid for f in g} for g in groups] == [{f.uuid for f in lamps}]
    assert merge_service.suggest_duplicates(walk, 1) == []
    wide = merge_service.suggest_duplicates(walk, 80)
    assert {f.uuid for f in wide[0]} == {f.uuid for f in [*lamps, far]}


def test_merge_five_into_one_with_five_confirmations_then_unmerge(lamp_walk, staff_client) -> None:
    walk, lamps, other, far = lamp_walk
    page = staff_client.get(f"/staff/walks/{walk.slug}/duplicates")
    assert "5 iakttagelser inom 15 m" in page.text
    canonical = lamps[2]  # a finding without a photo keeps the group's photos
    response = staff_client.post(
        f"/staff/walks/{walk.slug}/merge",
        data={"canonical": canonical.uuid, "members": [f.uuid for f in lamps]},
    )
    assert response.status_code == 302
    feed = staff_client.get(f"/staff/walks/{walk.slug}/findings.json").json["features"]
    by_id = {f["id"]: f["properties"] for f in feed}
    assert set(by_id) == {canonical.uuid, other.uuid, far.uuid}
    assert by_id[canonical.uuid]["confirmations"] == 5
    detail = staff_client.get(f"/staff/walks/{walk.slug}/findings/{canonical.uuid}")
    assert "5 bekräftelser" in detail.text and "Foton (2)" in detail.text
    assert len(merge_service.group_photos(canonical)) == 2
    assert "Inga troliga dubbletter" in staff_client.get(f"/staff/walks/{walk.slug}/duplicates").text

    undo = staff_client.post(f"/staff/walks/{walk.slug}/findings/{canonical.uuid}/unmerge")
    assert undo.status_code == 302
    feed = staff_client.get(f"/staff/walks/{walk.slug}/findings.json").json["features"]
    assert len(feed) == 7 and {f["properties"]["confirmations"] for f in feed} == {1}
    assert all(len(f.photos) == (1 if n < 2 else 0) for n, f in enumerate(lamps))
    history = staff_client.get(f"/staff/walks/{walk.slug}/findings/{lamps[0].uuid}").text
    assert "Sammanslagen med en annan iakttagelse" in history and "Sammanslagningen ångrades" in history


def test_merge_refuses_bad_requests(lamp_walk, staff_client) -> None:
    walk, lamps, other, far = lamp_walk
    alone = staff_client.post(
        f"/staff/walks/{walk.slug}/merge", data={"canonical": lamps[0].uuid, "members": [lamps[0].uuid]}
    )
    assert alone.status_code == 422
    unknown = staff_client.post(
        f"/staff/walks/{walk.slug}/merge", data={"canonical": str(uuid.uuid4()), "members": [lamps[0].uuid]}
    )
    assert unknown.status_code == 404
    staff_client.post(
        f"/staff/walks/{walk.slug}/merge", data={"canonical": lamps[0].uuid, "members": [lamps[1].uuid]}
    )
    into_merged = staff_client.post(
        f"/staff/walks/{walk.slug}/merge", data={"canonical": lamps[1].uuid, "members": [lamps[2].uuid]}
    )
    assert into_merged.status_code == 409
    nothing = staff_client.post(f"/staff/walks/{walk.slug}/findings/{far.uuid}/unmerge")
    assert nothing.status_code == 409
    assert staff_client.get(f"/staff/walks/{walk.slug}/duplicates?radius=9999").status_code == 200


def test_radius_is_configurable(lamp_walk, staff_client) -> None:
    walk, *_ = lamp_walk
    page = staff_client.get(f"/staff/walks/{walk.slug}/duplicates?radius=80")
    assert re.search(r"6 iakttagelser inom 80 m", page.text)
