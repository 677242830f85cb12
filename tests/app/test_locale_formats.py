"""Numbers and lengths by locale (Babel), group codes as their translated names on staff pages."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask_babel import force_locale
from shapely.geometry import LineString

from fieldapp import ui
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.participants import join_walk
from fieldapp.services.walks import create_walk


@pytest.mark.parametrize(("locale", "metres", "shown"), [
    ("sv", 2770.4, "2,77 km"), ("en", 2770.4, "2.77 km"), ("sv", 850.2, "850 m"),
    ("sv", 144_400, "144,4 km"), ("en", 12_345, "12.3 km"),
])
def test_distance_by_locale(app: Flask, locale: str, metres: float, shown: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert ui.distance(metres).replace("\u00a0", " ") == shown


def test_number_by_locale(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("sv"):
            assert ui.number(12345.678, 1).replace("\u00a0", " ") == "12 345,7"
        with force_locale("en"):
            assert ui.number(12345.678, 1) == "12,345.7"


def test_finding_page_shows_the_group_name_not_its_code(staff_client) -> None:
    ensure_default_categories()
    walk = create_walk("Grupper", route=LineString([(12.068, 57.894), (12.072, 57.896)]), status="open")
    police = join_walk(walk, None, group_type="police")
    data = FindingInput(lon=12.069, lat=57.8945, category="lighting")
    finding = save_finding(walk, str(uuid.uuid4()), data, participant_id=police.id).finding
    page = staff_client.get(f"/staff/walks/{walk.slug}/findings/{finding.uuid}").text
    assert "· Polis" in page and "· police" not in page
    overview = staff_client.get(f"/staff/walks/{walk.slug}").text
    assert f"{round(walk.route.length_m)} m</dd>" in overview  # under a kilometre: metres
