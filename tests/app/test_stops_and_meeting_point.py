"""Stops and the meeting point: placed by a map click or typed (WGS 84 or SWEREF 99 TM), shown on the maps."""

from __future__ import annotations

import json
import re

import pytest

from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.walks import create_walk, walk_by_slug
from gis import convert
from gis.crs import lonlat_to_en


def new_walk() -> str:
    ensure_default_categories()
    return create_walk("Stopp").slug


def map_data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="walk-data">(.*?)</script>', html, re.S)
                      .group(1))


@pytest.mark.parametrize("typed", ["57.8945, 12.0688", "57,8945 12,0688", "N {n:.1f}, E {e:.1f}"])
def test_a_stop_by_typed_coordinates(staff_client, typed: str) -> None:
    slug = new_walk()
    easting, northing = lonlat_to_en(12.0688, 57.8945)
    response = staff_client.post(f"/staff/walks/{slug}/stops",
                                 data={"name": "Torget", "position": typed.format(n=northing, e=easting)})
    assert response.status_code == 302
    point = convert.to_geom(walk_by_slug(slug).stops[0].geom_el)
    assert abs(point.x - 12.0688) < 1e-6 and abs(point.y - 57.8945) < 1e-6


def test_a_stop_without_a_position_says_what_to_do_and_keeps_the_name(staff_client) -> None:
    slug = new_walk()
    page = f"/staff/walks/{slug}/plan"
    response = staff_client.post(f"/staff/walks/{slug}/stops", data={"name": "Tunneln"},
                                 headers={"Referer": "http://localhost" + page})
    assert response.status_code == 422
    assert 'id="stop-position-error"' in response.text
    assert "Klicka på kartan där stoppet ligger" in response.text
    assert 'value="Tunneln"' in response.text
    bad = staff_client.post(f"/staff/walks/{slug}/stops", data={"name": "Tunneln", "position": "100, 200000"},
                            headers={"Referer": "http://localhost" + page})
    assert bad.status_code == 422 and "varken grader" in bad.text and 'value="100, 200000"' in bad.text
    assert walk_by_slug(slug).stops == []


def test_the_meeting_point_is_placed_shown_and_removed(staff_client) -> None:
    slug = new_walk()
    assert staff_client.post(f"/staff/walks/{slug}/meeting-point",
                             data={"position": "57.8950, 12.0700"}).status_code == 302
    plan = staff_client.get(f"/staff/walks/{slug}/plan").text
    assert map_data(plan)["meeting_point_geometry"] == {"type": "Point", "coordinates": [12.07, 57.895]}
    assert 'value="57.895000, 12.070000"' in plan
    overview = staff_client.get(f"/staff/walks/{slug}").text
    assert map_data(overview)["meeting_point_geometry"]["coordinates"] == [12.07, 57.895]
    assert staff_client.post(f"/staff/walks/{slug}/meeting-point", data={"position": ""}).status_code == 302
    assert walk_by_slug(slug).meeting_point_el is None
