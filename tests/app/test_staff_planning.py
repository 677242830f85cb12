"""Planning a walk: details, drawn and imported route, stops, status, join link, invitation."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

from shapely.geometry import LineString, shape

from fieldapp.models import Walk
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.walks import walk_by_slug
from tests.conftest import FIXTURES

DRAWN = {"type": "LineString", "coordinates": [[12.0687, 57.8944], [12.0700, 57.8950], [12.0712, 57.8961]]}


def create(staff_client, **extra) -> Walk:
    ensure_default_categories()
    data = {
        "title": "Kvällsvandring Nödinge",
        "area_name": "Nödinge",
        "purpose": "Trygghet",
        "date": "2026-10-15",
        "time": "18:30",
        "meeting_point_text": "Ale torg",
        "categories": ["lighting", "sightlines", "safe_place"],
        **extra,
    }
    response = staff_client.post("/staff/walks/new", data=data)
    assert response.status_code == 302, response.text
    slug = response.headers["Location"].split("/staff/walks/")[1].split("/")[0]
    return walk_by_slug(slug)


def test_create_walk_with_stockholm_time_and_category_set(staff_client) -> None:
    walk = create(staff_client)
    assert walk.status == "draft"
    assert walk.starts_at == datetime(2026, 10, 15, 16, 30, tzinfo=UTC)  # 18:30 CEST
    # The chosen top-level categories bring their sub-choices (vegetation under sightlines).
    assert [c.code for c in walk.categories] == ["safe_place", "lighting", "sightlines", "vegetation"]
    page = staff_client.get(f"/staff/walks/{walk.slug}/plan")
    assert page.status_code == 200 and "Kvällsvandring Nödinge" in page.text
    assert "leaflet-geoman-free-2.20.2/leaflet-geoman.min.js" in page.text


def test_create_walk_refuses_missing_title_and_half_a_time(staff_client) -> None:
    ensure_default_categories()
    response = staff_client.post(
        "/staff/walks/new", data={"title": "", "date": "2026-10-15", "categories": ["lighting"]}
    )
    assert response.status_code == 422
    assert "Ange både datum och starttid" in response.text


def test_edit_details(staff_client) -> None:
    walk = create(staff_client)
    response = staff_client.post(
        f"/staff/walks/{walk.slug}/edit",
        data={"title": "Ny titel", "date": "2026-12-01", "time": "17:00", "categories": ["lighting"]},
    )
    assert response.status_code == 302
    walk = walk_by_slug(walk.slug)
    assert walk.title == "Ny titel" and [c.code for c in walk.categories] == ["lighting"]
    assert walk.starts_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 17:00 CET


def test_drawn_route_is_saved_with_its_length(staff_client) -> None:
    walk = create(staff_client)
    response = staff_client.post(f"/staff/walks/{walk.slug}/route", data={"route_geojson": json.dumps(DRAWN)})
    assert response.status_code == 302
    page = staff_client.get(f"/staff/walks/{walk.slug}/plan")
    data = json.loads(re.search(r'id="walk-data">(.*?)</script>', page.text, re.S).group(1))
    assert shape(data["route"]["geometry"]).equals_exact(LineString(DRAWN["coordinates"]), 1e-7)
    length = data["route"]["properties"]["length_m"]
    assert 200 < length < 300
    assert f"{round(length)} m" in page.text  # under a kilometre: metres (ui.distance)


def test_import_gpx_and_refuse_a_bad_file(staff_client) -> None:
    walk = create(staff_client)
    gpx = (FIXTURES / "gpx" / "track.gpx").read_bytes()
    response = staff_client.post(
        f"/staff/walks/{walk.slug}/route/import",
        data={"file": (io.BytesIO(gpx), "track.gpx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    walk = walk_by_slug(walk.slug)
    assert walk.route.source == "track.gpx" and walk.route.length_m > 1000
    bad = staff_client.post(
        f"/staff/walks/{walk.slug}/route/import",
        data={"file": (io.BytesIO(b"hello"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "GPX" in bad.text


def test_stops_add_rename_move_reorder_delete(staff_client) -> None:
    walk = create(staff_client)
    base = f"/staff/walks/{walk.slug}/stops"
    for n, name in enumerate(["Torget", "Tunneln", "Parken"]):
        assert (
            staff_client.post(base, data={"name": name, "lon": 12.068 + n / 1000, "lat": 57.894}).status_code
            == 302
        )
    walk = walk_by_slug(walk.slug)
    ids = {s.name: s.id for s in walk.stops}
    assert [(s.seq, s.name) for s in walk.stops] == [(1, "Torget"), (2, "Tunneln"), (3, "Parken")]
    staff_client.post(f"{base}/{ids['Parken']}/up")
    staff_client.post(f"{base}/{ids['Parken']}/up")
    staff_client.post(f"{base}/{ids['Tunneln']}", data={"name": "Gångtunneln"})
    moved = staff_client.post(
        f"{base}/{ids['Torget']}",
        data={"lon": "12.0701", "lat": "57.8951"},
        headers={"Accept": "application/json"},
    )
    assert moved.status_code == 200 and moved.json["seq"] == 2
    walk = walk_by_slug(walk.slug)
    assert [(s.seq, s.name) for s in walk.stops] == [(1, "Parken"), (2, "Torget"), (3, "Gångtunneln")]
    staff_client.post(f"{base}/{ids['Parken']}/delete")
    walk = walk_by_slug(walk.slug)
    assert [(s.seq, s.name) for s in walk.stops] == [(1, "Torget"), (2, "Gångtunneln")]
    missing = staff_client.post(base, data={"name": "Utan plats"})
    assert missing.status_code == 422 and "Klicka på kartan" in missing.text


def test_open_needs_a_route_then_close(staff_client) -> None:
    walk = create(staff_client)
    refused = staff_client.post(f"/staff/walks/{walk.slug}/status", data={"status": "open"})
    assert refused.status_code == 409
    staff_client.post(f"/staff/walks/{walk.slug}/route", data={"route_geojson": json.dumps(DRAWN)})
    assert staff_client.post(f"/staff/walks/{walk.slug}/status", data={"status": "open"}).status_code == 302
    assert walk_by_slug(walk.slug).accepts_findings
    assert staff_client.post(f"/staff/walks/{walk.slug}/status", data={"status": "walked"}).status_code == 302
    assert walk_by_slug(walk.slug).status == "walked"
    assert staff_client.post(f"/staff/walks/{walk.slug}/status", data={"status": "draft"}).status_code == 409


def test_revoke_and_regenerate_join_link(app, staff_client) -> None:
    walk = create(staff_client)
    staff_client.post(f"/staff/walks/{walk.slug}/route", data={"route_geojson": json.dumps(DRAWN)})
    staff_client.post(f"/staff/walks/{walk.slug}/status", data={"status": "open"})
    old_token = walk_by_slug(walk.slug).join_token
    assert app.test_client().post(f"/j/{old_token}", data={"language": "sv"}).status_code == 302
    staff_client.post(f"/staff/walks/{walk.slug}/join-link/revoke")
    assert app.test_client().get(f"/j/{old_token}").status_code == 410
    assert "indragen" in staff_client.get(f"/staff/walks/{walk.slug}/plan").text
    staff_client.post(f"/staff/walks/{walk.slug}/join-link/regenerate")
    new_token = walk_by_slug(walk.slug).join_token
    assert new_token != old_token
    assert app.test_client().get(f"/j/{old_token}").status_code == 404
    assert app.test_client().post(f"/j/{new_token}", data={"language": "sv"}).status_code == 302


def test_invitation_has_map_meeting_point_and_qr_of_the_join_link(staff_client) -> None:
    walk = create(staff_client)
    staff_client.post(f"/staff/walks/{walk.slug}/route", data={"route_geojson": json.dumps(DRAWN)})
    staff_client.post(
        f"/staff/walks/{walk.slug}/stops", data={"name": "Torget", "lon": 12.0687, "lat": 57.8944}
    )
    page = staff_client.get(f"/staff/walks/{walk.slug}/invitation")
    assert page.status_code == 200
    token = walk_by_slug(walk.slug).join_token
    assert f"http://fieldapp.test/j/{token}" in page.text
    assert 'class="segno"' in page.text and 'class="route-svg"' in page.text
    assert "Ale torg" in page.text and "15 okt. 2026 18:30" in page.text


def test_item6_huge_route_is_simplified(staff_client) -> None:
    """Security review item 6: a very detailed track is simplified on import, and staff are told."""
    from fieldapp.extensions import db
    from gis import convert, routes
    from tests.gis.test_routes import gpx_of, wiggly_track

    walk = create(staff_client)
    # 60 000 points over ~9 km: a walk-length track (an 18 km one would first ask about its length)
    track = [(12.0 + (lon - 12.0) / 2, lat) for lon, lat in wiggly_track(60_000)]
    response = staff_client.post(
        f"/staff/walks/{walk.slug}/route/import",
        data={"file": (io.BytesIO(gpx_of(track)), "klocktornet.gpx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.expire_all()
    stored = convert.to_geom(walk_by_slug(walk.slug).route.geom_el)
    points = len(stored.coords)
    assert points <= routes.MAX_STORED_POINTS
    shown = response.text.replace("\u00a0", " ")
    assert f"Rutten förenklades från 60 000 till {points:,} punkter".replace(",", " ") in shown

    too_many = staff_client.post(
        f"/staff/walks/{walk.slug}/route/import",
        data={"file": (io.BytesIO(gpx_of(wiggly_track(routes.MAX_ROUTE_POINTS + 1))), "dagens-spar.gpx")},
        content_type="multipart/form-data",
    )
    assert too_many.status_code == 422
    assert "100 001 punkter" in too_many.text.replace("\u00a0", " ")
    db.session.expire_all()
    assert len(convert.to_geom(walk_by_slug(walk.slug).route.geom_el).coords) == points  # kept
