"""Two app servers side by side: one PostGIS database, photos in PostgreSQL, rate limits in Redis.

Nothing lives in a server's memory: a finding and a photo sent to one server are served by the
other, the participant cookie works on both (shared FIELDAPP_SECRET_KEY), and a rate limit counts
requests to both servers together.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

from fieldapp.services.demo import DEMO_SLUG
from tests.system.conftest import Phone, Server, app_env, free_port, photo_jpeg, request, seed


def test_two_servers_share_findings_photos_and_rate_limits(tmp_path: Path, servers: list[Server],
                                                           postgis_schema: str, redis_url: str) -> None:
    env = app_env(tmp_path, postgis_schema, FIELDAPP_PHOTO_STORE="database", FIELDAPP_REDIS_URL=redis_url,
                  FIELDAPP_UPLOAD_DIR=str(tmp_path / "must-stay-empty"))
    join_path = seed(env)
    a = Server(env, free_port(), tmp_path / "a.log", workers=1).start()
    servers.append(a)
    b = Server(env, free_port(), tmp_path / "b.log", workers=1).start()
    servers.append(b)

    phone = Phone(a.port).join(join_path)
    status, sent = phone.put_finding(DEMO_SLUG, port=a.port)
    assert status == 201
    finding_uuid = sent["id"]
    status, photo = phone.put_photo(finding_uuid, photo_jpeg(1, (1200, 900)), port=a.port)
    assert status == 201, photo

    # Server B knows the finding and serves the photo's bytes, identical to A's.
    status, _, body = phone.get(f"/api/v1/walks/{DEMO_SLUG}/findings", port=b.port)
    features = {f["id"]: f for f in json.loads(body)["features"]}
    assert status == 200 and finding_uuid in features
    assert [p["uuid"] for p in features[finding_uuid]["properties"]["photos"]] == [photo["uuid"]]
    from_a = phone.get(photo["display_url"], port=a.port)
    from_b = phone.get(photo["display_url"], port=b.port)
    assert from_a[0] == from_b[0] == 200 and from_b[1]["content-type"] == "image/jpeg"
    assert from_a[2] == from_b[2] and from_a[1]["etag"] == from_b[1]["etag"]
    assert phone.get(photo["thumb_url"], port=b.port)[0] == 200
    # …and the other way round; a repeated upload through B is recognised (idempotent across servers).
    at_stop = {"stop": 3, "category": "vegetation"}
    status, from_b_finding = phone.put_finding(DEMO_SLUG, body=at_stop, port=b.port)
    assert status == 201
    listed = json.loads(phone.get(f"/api/v1/walks/{DEMO_SLUG}/findings", port=a.port)[2])
    assert from_b_finding["id"] in {f["id"] for f in listed["features"]}
    replay = request(b.port, "PUT", f"/api/v1/findings/{finding_uuid}/photos/{photo['uuid']}",
                     photo_jpeg(1, (1200, 900)), phone.headers({"Content-Type": "image/jpeg"}))
    assert replay[0] == 200
    assert not (tmp_path / "must-stay-empty").exists() or not any((tmp_path / "must-stay-empty").rglob("*"))

    # Staff login allows 10 attempts a minute per IP — across both servers together (Redis).
    statuses = [wrong_login(a if n % 2 == 0 else b) for n in range(11)]
    assert 429 not in statuses[:10], statuses
    assert statuses[10] == 429
    assert wrong_login(b) == 429 and wrong_login(a) == 429


def wrong_login(server: Server) -> int:
    """Load the login form on ``server`` (CSRF token) and post a wrong password; the status."""
    _, headers, page = request(server.port, "GET", "/staff/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    session = re.match(r"session=[^;]+", headers["set-cookie"]).group(0)
    form = urllib.parse.urlencode({"csrf_token": token, "email": "nobody@example.se", "password": "wrong"})
    status, _, _ = request(server.port, "POST", "/staff/login", form.encode(),
                           {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session})
    return status
