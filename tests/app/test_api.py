"""The field JSON API: join, walk data, idempotent finding PUTs, conflicts, photos, errors."""
from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from fieldapp.extensions import db
from fieldapp.models import Finding, Photo
from fieldapp.services.demo import DEMO_SLUG, seed_demo

FINDING = {
    "lon": 12.0690,
    "lat": 57.8950,
    "accuracy_m": 6.5,
    "category": "lighting",
    "felt_safety": 1,
    "lighting_check": "out",
    "note": "Lampan är trasig",
    "created_at": (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0).isoformat(),
}


def jpeg_bytes(size=(800, 600), colour=(30, 40, 50)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def joined(app, client):
    """A participant who joined the demo walk through its join link."""
    result = seed_demo()
    response = client.get(result.join_url.removeprefix(app.config["PUBLIC_URL"]))
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # the join page asks for group and language first
        client.post(result.join_url.removeprefix(app.config["PUBLIC_URL"]), data={"group": "resident"})
    return client


def put_finding(client, finding_uuid: str, body: dict, slug: str = DEMO_SLUG):
    return client.put(f"/api/v1/walks/{slug}/findings/{finding_uuid}", json=body)


def test_openapi_document_lists_the_contract(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert "put" in paths["/api/v1/walks/{slug}/findings/{finding_uuid}"]
    assert "put" in paths["/api/v1/findings/{finding_uuid}/photos/{photo_uuid}"]
    assert "get" in paths["/api/v1/walks/{slug}/findings"]
    assert "get" in paths["/api/v1/walks/{slug}"]


def test_walk_data_needs_a_join(app, client) -> None:
    seed_demo()
    response = client.get(f"/api/v1/walks/{DEMO_SLUG}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_joined"


def test_walk_data_for_a_participant(joined) -> None:
    data = joined.get(f"/api/v1/walks/{DEMO_SLUG}").get_json()
    assert data["route"]["geometry"]["type"] == "LineString"
    assert len(data["stops"]["features"]) == 7
    assert {c["code"] for c in data["categories"]} >= {"lighting", "safe_place"}
    lon, lat = data["route"]["geometry"]["coordinates"][0]
    assert 11 < lon < 13 and 57 < lat < 58  # lon/lat order


def test_put_creates_then_repeat_is_harmless(joined) -> None:
    finding_uuid = str(uuid.uuid4())
    first = put_finding(joined, finding_uuid, FINDING)
    assert first.status_code == 201, first.get_json()
    feature = first.get_json()
    assert feature["geometry"]["coordinates"] == [12.069, 57.895]
    assert feature["properties"]["category"] == "lighting" and feature["properties"]["mine"] is True
    again = put_finding(joined, finding_uuid, FINDING)
    assert again.status_code == 200
    assert again.get_json()["properties"]["version"] == feature["properties"]["version"]
    assert db.session.query(Finding).filter_by(uuid=finding_uuid).count() == 1


def test_update_and_conflicting_update(joined) -> None:
    finding_uuid = str(uuid.uuid4())
    created = put_finding(joined, finding_uuid, FINDING).get_json()
    version = created["properties"]["version"]
    updated = put_finding(joined, finding_uuid, {**FINDING, "note": "Två lampor", "base_version": version})
    assert updated.status_code == 200
    assert updated.get_json()["properties"]["note"] == "Två lampor"
    # An edit made on the old copy (e.g. offline on another tab) is refused with the current state.
    stale = put_finding(joined, finding_uuid, {**FINDING, "note": "Gammal text", "base_version": version})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"]["current"]["properties"]["note"] == "Två lampor"
    # Replaying the successful update (same content) is still harmless.
    replay = put_finding(joined, finding_uuid, {**FINDING, "note": "Två lampor", "base_version": version})
    assert replay.status_code == 200


def test_finding_at_a_stop_without_the_map(joined) -> None:
    response = put_finding(
        joined, str(uuid.uuid4()), {"stop": 3, "category": "underpass", "position_source": "stop"}
    )
    assert response.status_code == 201, response.get_json()
    props = response.get_json()["properties"]
    assert props["stop"] == 3 and props["position_source"] == "stop"


@pytest.mark.parametrize("body, field", [
    ({**FINDING, "lat": 95}, "lat"),
    ({**FINDING, "felt_safety": 7}, "felt_safety"),
    ({**FINDING, "category": ""}, "category"),
    ({k: v for k, v in FINDING.items() if k != "category"}, "category"),
    ({**FINDING, "created_at": "yesterday"}, "created_at"),
    ({**FINDING, "lighting_check": "dim"}, "lighting_check"),
])
def test_bad_fields_get_json_422_with_details(joined, body: dict, field: str) -> None:
    response = put_finding(joined, str(uuid.uuid4()), body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in str(error["details"])
    assert db.session.query(Finding).filter_by(is_demo=False).count() == 0


def test_unknown_category_bad_uuid_no_position_are_4xx(joined) -> None:
    assert put_finding(joined, str(uuid.uuid4()), {**FINDING, "category": "ufo"}).status_code == 422
    assert put_finding(joined, "not-a-uuid", FINDING).status_code == 422
    assert put_finding(joined, str(uuid.uuid4()), {"category": "litter"}).status_code == 422
    assert (
        put_finding(joined, str(uuid.uuid4()), {**FINDING, "lon": None, "lat": None, "stop": 99}).status_code
        == 422
    )
    not_json = joined.put(
        f"/api/v1/walks/{DEMO_SLUG}/findings/{uuid.uuid4()}", data="{", content_type="application/json"
    )
    assert not_json.status_code in (400, 422) and "error" in not_json.get_json()


def test_anonymous_and_other_walk_cannot_write(app, client) -> None:
    seed_demo()
    response = put_finding(client, str(uuid.uuid4()), FINDING)
    assert response.status_code == 403
    assert db.session.query(Finding).filter_by(is_demo=False).count() == 0


def test_delete_own_finding_is_idempotent(joined) -> None:
    finding_uuid = str(uuid.uuid4())
    put_finding(joined, finding_uuid, FINDING)
    assert joined.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}").status_code == 204
    assert joined.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}").status_code == 204
    listed = joined.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()
    assert finding_uuid not in {f["id"] for f in listed["features"]}


def test_photo_upload_multipart_and_raw_idempotent(joined) -> None:
    finding_uuid = str(uuid.uuid4())
    put_finding(joined, finding_uuid, FINDING)
    photo_uuid = str(uuid.uuid4())
    url = f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}"
    first = joined.put(url, data={"file": (io.BytesIO(jpeg_bytes((2000, 1500))), "x.jpg")},
                       content_type="multipart/form-data")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["width"], body["height"]) == (1600, 1200)
    assert joined.get(body["display_url"]).status_code == 200
    thumb = joined.get(body["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320
    again = joined.put(url, data=jpeg_bytes(), content_type="image/jpeg")
    assert again.status_code == 200
    raw = joined.put(f"/api/v1/findings/{finding_uuid}/photos/{uuid.uuid4()}", data=jpeg_bytes(),
                     content_type="image/jpeg")
    assert raw.status_code == 201
    assert db.session.query(Photo).count() >= 2 + 2  # demo photos + ours
    listed = joined.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()
    mine = next(f for f in listed["features"] if f["id"] == finding_uuid)
    assert mine["properties"]["photo_count"] == 2


def test_photo_refusals_store_nothing(joined, app) -> None:
    finding_uuid = str(uuid.uuid4())
    put_finding(joined, finding_uuid, FINDING)
    before = db.session.query(Photo).count()
    for data in (b"", b"hello, not an image", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"):
        response = joined.put(f"/api/v1/findings/{finding_uuid}/photos/{uuid.uuid4()}", data=data,
                              content_type="image/jpeg")
        assert 400 <= response.status_code < 500, response.status_code
        assert "error" in response.get_json()
    unknown = joined.put(f"/api/v1/findings/{uuid.uuid4()}/photos/{uuid.uuid4()}", data=jpeg_bytes(),
                         content_type="image/jpeg")
    assert unknown.status_code == 404
    assert db.session.query(Photo).count() == before


def test_photo_urls_are_private_to_the_walk(joined, app) -> None:
    finding_uuid = str(uuid.uuid4())
    put_finding(joined, finding_uuid, FINDING)
    body = joined.put(f"/api/v1/findings/{finding_uuid}/photos/{uuid.uuid4()}", data=jpeg_bytes(),
                      content_type="image/jpeg").get_json()
    stranger = app.test_client()
    assert stranger.get(body["display_url"]).status_code == 404
    etag = joined.get(body["display_url"]).headers["ETag"]
    assert joined.get(body["display_url"], headers={"If-None-Match": etag}).status_code == 304
    for bad in ("/photos/../../etc/passwd/display.jpg", "/photos/not-a-uuid/display.jpg",
                f"/photos/{uuid.uuid4()}/display.jpg", f"/photos/{body['uuid']}/original.jpg"):
        assert joined.get(bad).status_code == 404
