"""Review after the walk: filters, corrections, hiding findings and photos, blurring a part of a photo."""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image, ImageFilter, ImageStat
from shapely.geometry import LineString, Point

from fieldapp.extensions import db
from fieldapp.models import Event, Photo
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.demo import demo_photo_bytes
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.photos import add_photo
from fieldapp.services.walks import StopInput, create_walk
from fieldapp.storage import photo_store
from gis import convert

ROUTE = LineString([(12.0680, 57.8940), (12.0720, 57.8960)])


def open_walk():
    ensure_default_categories()
    return create_walk(
        "Granskning",
        route=ROUTE,
        status="open",
        stops=[StopInput("Torget", Point(12.0681, 57.8941)), StopInput("Parken", Point(12.0715, 57.8958))],
    )


def add(
    walk, category: str, lon: float, lat: float, note: str = "", stop: int | None = None, photos: int = 0
):
    finding = save_finding(
        walk, str(uuid.uuid4()), FindingInput(lon=lon, lat=lat, category=category, note=note, stop_seq=stop)
    ).finding
    for n in range(photos):
        add_photo(finding, str(uuid.uuid4()), demo_photo_bytes(n, note))
    return finding


def listed(html: str) -> list[str]:
    """UUIDs of the findings in the review list (not the map data)."""
    match = re.search(r'<ul class="finding-cards">(.*?)</ul>', html, re.S)
    return re.findall(r'/findings/([0-9a-f-]{36})"', match.group(1)) if match else []


def test_filters_by_category_polarity_stop_photo_and_status(staff_client) -> None:
    walk = open_walk()
    lamp = add(walk, "lighting", 12.0681, 57.8941, "Släckt lampa", stop=1, photos=1)
    bush = add(walk, "vegetation", 12.0700, 57.8950, "Buskar")
    safe = add(walk, "safe_place", 12.0715, 57.8958, "Tryggt", stop=2)
    base = f"/staff/walks/{walk.slug}/review"
    assert set(listed(staff_client.get(base).text)) == {lamp.uuid, bush.uuid, safe.uuid}
    assert set(listed(staff_client.get(base + "?category=lighting").text)) == {lamp.uuid}
    # a top-level category includes its sub-choices ("Bushes and trees" under "Can't see ahead, bushes")
    assert set(listed(staff_client.get(base + "?category=sightlines").text)) == {bush.uuid}
    assert set(listed(staff_client.get(base + "?category=vegetation").text)) == {bush.uuid}
    assert set(listed(staff_client.get(base + "?polarity=safe").text)) == {safe.uuid}
    assert set(listed(staff_client.get(base + "?stop=2").text)) == {safe.uuid}
    assert set(listed(staff_client.get(base + "?photo=1").text)) == {lamp.uuid}
    assert set(listed(staff_client.get(base + "?status=no_measure").text)) == {
        lamp.uuid,
        bush.uuid,
        safe.uuid,
    }
    empty = staff_client.get(base + "?status=done")
    assert "Inga iakttagelser matchar filtren." in empty.text


def test_edit_text_category_and_position_is_recorded(staff_client) -> None:
    walk = open_walk()
    finding = add(walk, "lighting", 12.0681, 57.8941, "Lampa")
    url = f"/staff/walks/{walk.slug}/findings/{finding.uuid}"
    response = staff_client.post(
        url,
        data={
            "category": "vegetation",
            "note": "Buskar skymmer",
            "lon": "12.0690",
            "lat": "57.8945",
            "internal_note": "",
            "version": str(finding.version),
        },
    )
    assert response.status_code == 302
    page = staff_client.get(url)
    assert "Buskar skymmer" in page.text and "Iakttagelsen rättades" in page.text
    assert convert.to_geom(finding.geom_el).equals_exact(Point(12.0690, 57.8945), 1e-9)
    assert finding.category.code == "vegetation" and finding.position_source == "map"
    bad = staff_client.post(url, data={"category": "nope", "note": "", "lon": "12", "lat": "57"})
    assert bad.status_code == 422


def test_hidden_finding_leaves_the_live_feed_and_comes_back(staff_client) -> None:
    walk = open_walk()
    finding = add(walk, "lighting", 12.0681, 57.8941)
    feed = f"/staff/walks/{walk.slug}/findings.json"
    assert [f["id"] for f in staff_client.get(feed).json["features"]] == [finding.uuid]
    staff_client.post(f"/staff/walks/{walk.slug}/findings/{finding.uuid}/hide")
    assert staff_client.get(feed).json["features"] == []
    assert finding.uuid in staff_client.get(f"/staff/walks/{walk.slug}/review?status=hidden").text
    staff_client.post(f"/staff/walks/{walk.slug}/findings/{finding.uuid}/show")
    assert len(staff_client.get(feed).json["features"]) == 1


def test_hide_photo_and_blur_a_rectangle_keeps_the_original_for_staff(app, staff_client) -> None:
    walk = open_walk()
    finding = add(walk, "lighting", 12.0681, 57.8941, "Lampa", photos=1)
    photo = finding.photos[0]
    base = f"/staff/walks/{walk.slug}/findings/{finding.uuid}/photos/{photo.uuid}"
    original = photo_store().get(photo.sha256)
    response = staff_client.post(base + "/blur", data={"x": "10", "y": "10", "width": "30", "height": "25"})
    assert response.status_code == 302
    photo = db.session.get(Photo, photo.id)
    assert photo.blurred and photo.blurred_sha256 not in (None, photo.sha256)
    assert photo_store().get(photo.sha256) == original
    blurred = Image.open(io.BytesIO(staff_client.get(f"/staff/photos/{photo.uuid}/blurred.jpg").data))
    plain = Image.open(io.BytesIO(original))
    assert blurred.size == plain.size and not blurred.getexif()
    box = (plain.width * 0.1 + 5, plain.height * 0.1 + 5, plain.width * 0.4 - 5, plain.height * 0.35 - 5)
    outside = (plain.width * 0.6, plain.height * 0.6, plain.width * 0.9, plain.height * 0.9)

    def edges(image: Image.Image, area) -> float:  # noqa: ANN001
        return ImageStat.Stat(
            image.crop(tuple(map(int, area))).convert("L").filter(ImageFilter.FIND_EDGES)
        ).mean[0]

    assert edges(blurred, box) < edges(plain, box) * 0.7  # the marked area lost its detail
    assert abs(edges(blurred, outside) - edges(plain, outside)) < 2  # the rest did not
    assert staff_client.get(f"/staff/photos/{photo.uuid}/display.jpg").data == original
    too_small = staff_client.post(base + "/blur", data={"x": "10", "y": "10", "width": "0", "height": "5"})
    assert too_small.status_code == 422

    assert staff_client.post(base + "/hide").status_code == 302
    assert photo.hidden
    assert (
        staff_client.get(f"/staff/walks/{walk.slug}/findings.json").json["features"][0]["properties"][
            "photo_count"
        ]
        == 0
    )
    kinds = {e.kind for e in Event.query.filter_by(finding_id=finding.id)}
    assert {"photo_blurred", "photo_hidden"} <= kinds
