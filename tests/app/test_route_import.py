"""Route import in two steps: waypoints offered as stops, plausibility warnings staff can override."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask

from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.walks import create_walk, walk_by_slug
from tests.conftest import FIXTURES

NODINGE = (12.0688, 57.8945)  # lon, lat: the fixture files lie here


@pytest.fixture
def centred(app: Flask) -> Flask:
    app.config["MAP_CENTRE"] = NODINGE
    return app


def gpx(body: str) -> bytes:
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"{body}</gpx>").encode()


def upload(client, slug: str, data: bytes, name: str):  # noqa: ANN001, ANN201 - test client and response
    return client.post(f"/staff/walks/{slug}/route/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def hidden(html: str, name: str) -> str:
    match = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, name
    return match.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def confirm(client, slug: str, data: dict[str, object]):  # noqa: ANN001, ANN201 - client, response
    """Post the confirmation from the page the upload answered with (as a browser does)."""
    return client.post(f"/staff/walks/{slug}/route/import/confirm", data=data,
                       headers={"Referer": f"http://localhost/staff/walks/{slug}/route/import"})


def confirm_data(html: str, **extra: object) -> dict[str, object]:
    return {name: hidden(html, name) for name in ("filename", "route_geojson", "waypoints_geojson")} | extra


def new_walk() -> str:
    ensure_default_categories()
    return create_walk("Import").slug


def test_waypoints_are_offered_and_the_chosen_ones_become_stops(centred, staff_client) -> None:
    slug = new_walk()
    track = (FIXTURES / "gpx" / "track.gpx").read_bytes().decode()
    data = track.replace("</gpx>", '<wpt lat="57.8951" lon="12.0702"><name>Trasig lykta</name></wpt>'
                                   '<wpt lat="57.8945" lon="12.0688"><name>Mörk tunnel</name></wpt></gpx>')
    asked = upload(staff_client, slug, data.encode(), "slinga.gpx")
    assert asked.status_code == 200
    assert "Trasig lykta" in asked.text and "Mörk tunnel" in asked.text
    assert 'id="import-confirm"' in asked.text
    assert walk_by_slug(slug).route is None  # nothing saved before staff chose
    done = confirm(staff_client, slug, confirm_data(asked.text, waypoints=["1"]))
    assert done.status_code == 302
    walk = walk_by_slug(slug)
    assert walk.route is not None and walk.route.length_m > 1000
    assert [(s.seq, s.name) for s in walk.stops] == [(1, "Mörk tunnel")]


def test_a_waypoint_only_file_adds_stops_and_keeps_the_route(centred, staff_client) -> None:
    slug = new_walk()
    first = upload(staff_client, slug, (FIXTURES / "gpx" / "track.gpx").read_bytes(), "t.gpx")
    assert first.status_code == 302
    asked = upload(staff_client, slug, (FIXTURES / "gpx" / "waypoints.gpx").read_bytes(), "wp.gpx")
    assert asked.status_code == 200 and "bara vägpunkter" in asked.text
    none_chosen = confirm(staff_client, slug, confirm_data(asked.text))
    assert none_chosen.status_code == 422 and "minst en vägpunkt" in none_chosen.text
    assert 'id="import-confirm"' in none_chosen.text  # offered again
    done = confirm(staff_client, slug, confirm_data(asked.text, waypoints=["0", "1"]))
    assert done.status_code == 302
    walk = walk_by_slug(slug)
    assert walk.route.source == "t.gpx"
    assert [s.name for s in walk.stops] == ["Mörk gångtunnel", "Trasig lykta"]


@pytest.mark.parametrize(("points", "warning"), [
    ('<trkpt lat="46.37" lon="13.83"/><trkpt lat="46.38" lon="13.84"/>', "från kommunens kartmitt"),
    ('<trkpt lat="57.8945" lon="12.0688"/><trkpt lat="58.05" lon="12.0688"/>', "lång; en trygghetsvandring"),
    ('<trkpt lat="57.8945" lon="12.0688"/><trkpt lat="57.8946" lon="12.0688"/>', "bara 11 m"),
])
def test_an_implausible_route_needs_the_override(centred, staff_client, points: str, warning: str) -> None:
    slug = new_walk()
    asked = upload(staff_client, slug, gpx(f"<trk><trkseg>{points}</trkseg></trk>"), "fel.gpx")
    assert asked.status_code == 200 and warning in asked.text
    refused = confirm(staff_client, slug, confirm_data(asked.text))
    assert refused.status_code == 422 and 'id="accept_warnings-error"' in refused.text
    assert walk_by_slug(slug).route is None
    accepted = confirm(staff_client, slug, confirm_data(asked.text, accept_warnings="y"))
    assert accepted.status_code == 302 and walk_by_slug(slug).route is not None


def test_a_plausible_file_without_waypoints_is_imported_at_once(centred, staff_client) -> None:
    slug = new_walk()
    done = upload(staff_client, slug, (FIXTURES / "gpx" / "route.gpx").read_bytes(), "route.gpx")
    assert done.status_code == 302 and walk_by_slug(slug).route.source == "route.gpx"


def test_length_warning_is_written_the_swedish_way(centred, staff_client) -> None:
    slug = new_walk()
    far = '<trkpt lat="57.8945" lon="12.0688"/><trkpt lat="58.05" lon="12.0688"/>'
    asked = upload(staff_client, slug, gpx(f"<trk><trkseg>{far}</trkseg></trk>"), "lang.gpx")
    assert re.search(r"17,3 km", asked.text), re.findall(r"\d+[.,]\d km", asked.text)


@pytest.mark.parametrize(("body", "swedish"), [
    (b"hello", "Filen är inte GPX, KML eller GeoJSON."),
    (b"<gpx><trk>", "Filen är inte korrekt XML"),
    (b'{"type": "Point", "coordinates": [200, 57]}', "Longituden 200"),
])
def test_import_refusals_are_in_swedish_next_to_the_file_field(staff_client, body: bytes,
                                                                 swedish: str) -> None:
    slug = new_walk()
    response = upload(staff_client, slug, body, "fel.gpx")
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="file-error">([^<]*)</p>', response.text)
    assert error and swedish in error.group(1), error
