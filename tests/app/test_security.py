"""Security: headers, cookie flags, walk isolation, closed walks, photo URLs, rate limits, compression."""
from __future__ import annotations

import gzip
import io
import json
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from shapely.geometry import LineString, Point
from sqlalchemy import select

from fieldapp.config import load_config
from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Walk
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from fieldapp.services.users import create_user
from fieldapp.services.walks import StopInput, create_walk
from tests.app.conftest import make_app, truncate_postgis

FINDING = {"lon": 12.0690, "lat": 57.8950, "accuracy_m": 5.0, "category": "lighting", "felt_safety": 1,
           "note": "Mörk passage"}


def jpeg_bytes(colour=(90, 20, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def join(client: FlaskClient, walk: Walk) -> FlaskClient:
    """Join ``walk`` through its join link, as a phone does (form page, then post)."""
    assert client.get(f"/j/{walk.join_token}").status_code == 200
    response = client.post(f"/j/{walk.join_token}", data={"group": "resident", "language": "sv"})
    assert response.status_code == 302, response.status_code
    return client


def other_walk(status: str = "open") -> Walk:
    return create_walk("Walk B, Alafors", route=LineString([(12.07, 57.92), (12.08, 57.93)]), status=status,
                       stops=[StopInput(name="Stop", geom=Point(12.071, 57.921))])


def put_finding(client: FlaskClient, slug: str, finding_uuid: str, body: dict | None = None):
    return client.put(f"/api/v1/walks/{slug}/findings/{finding_uuid}", json=body or FINDING)


def put_photo(client: FlaskClient, finding_uuid: str, data: bytes, photo_uuid: str | None = None):
    return client.put(f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid or uuid.uuid4()}", data=data,
                      content_type="image/jpeg")


@pytest.fixture
def demo(app: Flask) -> Walk:
    return seed_demo().walk


# --- headers and cookies --------------------------------------------------------------------------

def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("path", ["/", "/staff/login", "/api/openapi.json", "/api/v1/walks/nope", "/healthz"])
def test_security_headers_on_pages_api_and_errors(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert "'unsafe-inline'" not in csp.get("style-src", []) and "'unsafe-inline'" not in csp["default-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_secure_cookies_env_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDAPP_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("FIELDAPP_SECURE_COOKIES", "1")
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("FIELDAPP_SECURE_COOKIES", "0")
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is False


def set_cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_cookies_are_secure_httponly_lax_behind_https(database_url: str, backend: str,
                                                      tmp_path: Path) -> None:
    """With FIELDAPP_SECURE_COOKIES=1 the participant and staff session cookies only travel over HTTPS."""
    app = make_app(database_url, tmp_path / "uploads", SESSION_COOKIE_SECURE=True)
    with app.app_context():
        if backend == "postgis":
            truncate_postgis(app)
        walk = seed_demo().walk
        create_user("sec@example.se", "correct horse battery", role="organizer")
        client = app.test_client()
        client.get(f"/j/{walk.join_token}", base_url="https://fieldapp.test")
        joined = client.post(f"/j/{walk.join_token}", data={"group": ""}, base_url="https://fieldapp.test")
        staff = app.test_client().post("/staff/login", base_url="https://fieldapp.test",
                                       data={"email": "sec@example.se", "password": "correct horse battery"})
        language = client.get("/?lang=en", base_url="https://fieldapp.test")
        for response in (joined, staff):
            cookie = set_cookie_headers(response)["session"]
            assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "; Secure" in set_cookie_headers(language)["lang"]
        db.session.remove()
        db.engine.dispose()


# --- walk isolation -------------------------------------------------------------------------------

def test_join_token_for_walk_a_never_writes_to_walk_b(app: Flask, client: FlaskClient, demo: Walk) -> None:
    walk_b = other_walk()
    join(client, demo)
    mine = str(uuid.uuid4())
    assert put_finding(client, demo.slug, mine).status_code == 201

    # Not joined to B: no reads, no writes, no deletes.
    denied = put_finding(client, walk_b.slug, str(uuid.uuid4()), {**FINDING, "lon": 12.071, "lat": 57.921})
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "not_joined"
    assert client.get(f"/api/v1/walks/{walk_b.slug}/findings").status_code == 403
    assert client.get(f"/api/v1/walks/{walk_b.slug}").status_code == 403

    # Someone on B adds a finding; A's participant can neither change it, add photos nor withdraw it.
    other = join(app.test_client(), walk_b)
    theirs = str(uuid.uuid4())
    assert put_finding(other, walk_b.slug, theirs).status_code == 201
    assert put_finding(client, walk_b.slug, theirs, {**FINDING, "note": "hijack"}).status_code == 403
    assert put_finding(client, demo.slug, theirs, {**FINDING, "note": "hijack"}).status_code in (403, 409)
    assert put_photo(client, theirs, jpeg_bytes()).status_code == 403
    assert client.delete(f"/api/v1/walks/{walk_b.slug}/findings/{theirs}").status_code == 403
    assert client.delete(f"/api/v1/walks/{demo.slug}/findings/{theirs}").status_code == 403

    # Even after joining B too, a finding of A cannot be moved to B by its id.
    join(client, walk_b)
    moved = put_finding(client, walk_b.slug, mine, {**FINDING, "note": "moved"})
    assert moved.status_code == 409 and moved.get_json()["error"]["code"] == "uuid_conflict"

    notes = {f["properties"]["note"] for f in other.get(f"/api/v1/walks/{walk_b.slug}/findings")
             .get_json()["features"]}
    assert notes == {"Mörk passage"}
    assert "hijack" not in str(client.get(f"/api/v1/walks/{demo.slug}/findings").get_json())


def test_a_forged_session_cookie_is_ignored(app: Flask, demo: Walk) -> None:
    """The participant cookie is signed: a hand-made cookie naming a walk gives nothing."""
    client = app.test_client()
    client.set_cookie("session", json.dumps({"walks": {DEMO_SLUG: "00000000-0000-0000-0000-000000000000"}}))
    assert put_finding(client, DEMO_SLUG, str(uuid.uuid4())).status_code == 403
    forged = make_app(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.config["UPLOAD_DIR"]),
                      SECRET_KEY="not-the-real-key")
    other_client = forged.test_client()
    with forged.app_context():
        join(other_client, db.session.get(Walk, demo.id))
    stolen = other_client.get_cookie("session").value
    client.set_cookie("session", stolen)
    assert put_finding(client, DEMO_SLUG, str(uuid.uuid4())).status_code == 403


@pytest.mark.parametrize("status", ["walked", "closed"])
def test_a_walk_past_its_grace_window_keeps_what_arrives_for_staff(
    app: Flask, client: FlaskClient, demo: Walk, status: str
) -> None:
    """Nothing a participant sends is dropped: after closing it is kept aside for staff, not applied."""
    join(client, demo)
    finding_uuid = str(uuid.uuid4())
    created = put_finding(client, demo.slug, finding_uuid)
    assert created.status_code == 201
    version = created.get_json()["properties"]["version"]
    demo.status = status  # set directly: no walked_at, so no grace window
    db.session.commit()
    edit = put_finding(client, demo.slug, finding_uuid, {**FINDING, "note": "later", "base_version": version})
    assert edit.status_code == 202 and edit.get_json()["properties"]["note"] == FINDING["note"]
    late_uuid = str(uuid.uuid4())
    held = put_finding(client, demo.slug, late_uuid)
    assert held.status_code == 202 and held.get_json()["properties"]["arrival"] == "after_close"
    assert put_photo(client, late_uuid, jpeg_bytes()).status_code == 201
    assert client.delete(f"/api/v1/walks/{demo.slug}/findings/{finding_uuid}").status_code == 202
    db.session.expire_all()
    kept = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
    assert kept.note == FINDING["note"] and not kept.hidden
    kinds = set(db.session.scalars(select(Event.kind).where(Event.walk_id == demo.id)))
    assert {"edit_after_close", "finding_after_close", "withdrawal_after_close"} <= kinds
    assert client.post(f"/j/{demo.join_token}", data={"group": ""}).status_code == 410


def test_a_revoked_join_link_refuses_writes(app: Flask, client: FlaskClient, demo: Walk) -> None:
    join(client, demo)
    demo.join_token_revoked = True
    db.session.commit()
    assert put_finding(client, demo.slug, str(uuid.uuid4())).status_code == 403


# --- photo URLs -----------------------------------------------------------------------------------

@pytest.fixture
def stored_photo(app: Flask, client: FlaskClient, demo: Walk) -> dict:
    join(client, demo)
    finding_uuid = str(uuid.uuid4())
    assert put_finding(client, demo.slug, finding_uuid).status_code == 201
    response = put_photo(client, finding_uuid, jpeg_bytes())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


TRAVERSALS = [
    "/photos/../../../etc/passwd/display.jpg",
    "/photos/..%2f..%2f..%2fetc%2fpasswd/display.jpg",
    "/photos/%2e%2e/%2e%2e/instance/secret_key/display.jpg",
    "/photos/..%5c..%5cinstance%5csecret_key/display.jpg",
    "/photos/{uuid}/..%2f..%2f..%2finstance%2fsecret_key.jpg",
    "/photos/{uuid}/../../secret_key.jpg",
    "/photos/{uuid}/original.jpg",
    "/photos/{uuid}/display.jpg%00.png",
    "/photos/{sha}/display.jpg",
    "/photos/{uuid_upper}x/display.jpg",
    "/uploads/{sha2}/{sha}",
    "/static/../instance/secret_key",
    "/static/..%2finstance%2fsecret_key",
]


def test_photo_urls_resist_traversal(client: FlaskClient, stored_photo: dict, app: Flask) -> None:
    from fieldapp.models import Photo

    photo = db.session.query(Photo).filter_by(uuid=stored_photo["uuid"]).one()
    assert client.get(stored_photo["display_url"]).status_code == 200
    secret = (Path(app.instance_path) / "secret_key")
    for template in TRAVERSALS:
        url = template.format(uuid=photo.uuid, uuid_upper=photo.uuid.upper(), sha=photo.sha256,
                              sha2=photo.sha256[:2])
        response = client.get(url)
        assert response.status_code in (404, 308), (url, response.status_code)
        if response.status_code == 308:  # werkzeug normalises "..": follow it, it must still be nothing
            assert client.get(response.headers["Location"]).status_code == 404, url
        assert response.mimetype != "image/jpeg"
        if secret.exists():
            assert secret.read_bytes() not in response.data


def test_photo_ids_cannot_be_guessed(app: Flask, client: FlaskClient, stored_photo: dict) -> None:
    """Unknown ids, ids of other walks' photos and anonymous viewers get the same 404 (no existence hint)."""
    for _ in range(20):
        assert client.get(f"/photos/{uuid.uuid4()}/display.jpg").status_code == 404
    anonymous = app.test_client()
    unknown = anonymous.get(f"/photos/{uuid.uuid4()}/display.jpg")
    hidden = anonymous.get(stored_photo["display_url"])
    thumb = anonymous.get(stored_photo["thumb_url"])
    assert unknown.status_code == hidden.status_code == thumb.status_code == 404
    assert unknown.get_json() == hidden.get_json()

    walk_b = other_walk()
    stranger = join(app.test_client(), walk_b)  # a participant of another walk
    assert stranger.get(stored_photo["display_url"]).status_code == 404


# --- rate limits ----------------------------------------------------------------------------------

def test_login_is_rate_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = [client.post("/staff/login", data={"email": "x@example.se", "password": "wrong"}).status_code
                for _ in range(11)]
    assert 429 not in statuses[:10] and statuses[10] == 429
    assert client.get("/staff/login").status_code == 200  # the form itself still loads


def test_join_is_rate_limited_per_ip_but_fits_a_group_behind_one_nat(limited_app: Flask) -> None:
    walk = seed_demo().walk
    phones = [limited_app.test_client() for _ in range(40)]
    for phone in phones:  # 40 people behind one NAT join in the same minute
        join(phone, walk)
    statuses = [phones[0].get(f"/j/{walk.join_token}").status_code for _ in range(41)]
    assert statuses[-1] == 429 and 429 not in statuses[:40]
    assert phones[0].get(f"/j/{walk.join_token}").get_data(as_text=True)  # an answer, not a crash


def test_uploads_and_finding_writes_are_limited_per_participant(limited_app: Flask) -> None:
    walk = seed_demo().walk
    greedy = join(limited_app.test_client(), walk)
    finding_uuid = str(uuid.uuid4())
    assert put_finding(greedy, walk.slug, finding_uuid).status_code == 201
    photo_statuses = [put_photo(greedy, finding_uuid, b"").status_code for _ in range(60)]
    assert set(photo_statuses) == {400}  # empty bodies, refused, but counted
    limited = put_photo(greedy, finding_uuid, jpeg_bytes())
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in limited.headers

    finding_statuses = [put_finding(greedy, walk.slug, finding_uuid, {"category": ""}).status_code
                        for _ in range(119)]
    assert set(finding_statuses) == {422}
    assert put_finding(greedy, walk.slug, str(uuid.uuid4())).status_code == 429

    # The next person on the same Wi-Fi (same IP) is not affected: limits are per participant.
    neighbour = join(limited_app.test_client(), walk)
    other_uuid = str(uuid.uuid4())
    assert put_finding(neighbour, walk.slug, other_uuid).status_code == 201
    assert put_photo(neighbour, other_uuid, jpeg_bytes()).status_code == 201


# --- compression ----------------------------------------------------------------------------------

def test_text_is_compressed_photos_are_not_and_stay_conditional(client: FlaskClient,
                                                                stored_photo: dict) -> None:
    spec = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert spec.headers["Content-Encoding"] == "gzip"
    assert b'"openapi"' in gzip.decompress(spec.data)
    assert "Accept-Encoding" in spec.headers["Vary"]
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers.get("Content-Encoding") in ("br", "gzip")

    photo = client.get(stored_photo["display_url"], headers={"Accept-Encoding": "gzip, br"})
    assert photo.status_code == 200 and "Content-Encoding" not in photo.headers
    assert photo.data[:3] == b"\xff\xd8\xff"  # the JPEG bytes themselves
    etag = photo.headers["ETag"]
    assert ":gzip" not in etag and ":br" not in etag
    again = client.get(stored_photo["display_url"],
                       headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_behind_a_proxy_limits_count_the_client_not_the_proxy(database_url: str, backend: str,
                                                              tmp_path: Path) -> None:
    """FIELDAPP_PROXY_HOPS=1: the client IP comes from X-Forwarded-For; one busy NAT locks out no one else."""
    app = make_app(database_url, tmp_path / "uploads", RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="memory://", PROXY_HOPS=1)
    with app.app_context():
        if backend == "postgis":
            truncate_postgis(app)
        client = app.test_client()

        def login(ip: str) -> int:
            return client.post("/staff/login", data={"email": "x@example.se", "password": "wrong"},
                               headers={"X-Forwarded-For": ip}).status_code

        assert 429 not in [login("198.51.100.7") for _ in range(10)]
        assert login("198.51.100.7") == 429
        assert login("203.0.113.20") != 429  # another client behind the same proxy
        db.session.remove()
        db.engine.dispose()
