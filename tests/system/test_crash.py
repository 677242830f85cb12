"""Crash safety: SIGKILL gunicorn (master and workers) during 20 concurrent photo uploads, restart.

What must hold after the restart: every finding and photo the server acknowledged (2xx) is there
and served; the photo store holds no partial file under a photo's name (writes go to a temp file,
are fsynced and renamed); `fieldapp check` finds no photo row without its files, and what a crash
can leave behind (temp files, files whose row was never committed) is reported and removed by
`fieldapp check --repair`, after which the check is clean.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from fieldapp.services.demo import DEMO_SLUG
from tests.system.conftest import Phone, Server, app_env, fieldapp_cli, free_port, photo_jpeg, seed

UPLOADERS = 20
ACKED_PHOTOS_BEFORE_KILL = 25


def upload_until_killed(phone: Phone, jpeg: bytes, stop: threading.Event) -> None:
    """Send a finding, then photos of it, until the server goes away."""
    try:
        status, _ = phone.put_finding(DEMO_SLUG)
        assert status == 201, status
        while not stop.is_set():
            phone.put_photo(phone.findings[0], jpeg)
    except OSError:  # connection refused/reset: the server was killed
        return


@pytest.fixture(params=["spatialite", "postgis"])
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "spatialite":
        return f"sqlite:///{tmp_path / 'crash.sqlite'}"
    return request.getfixturevalue("postgis_schema")


def test_sigkill_during_uploads_loses_nothing_acknowledged(tmp_path: Path, servers: list[Server],
                                                           crash_database: str) -> None:
    env = app_env(tmp_path, crash_database)
    join_path = seed(env)
    port = free_port()
    server = Server(env, port, tmp_path / "gunicorn.log")
    servers.append(server.start())

    phones = [Phone(port).join(join_path) for _ in range(UPLOADERS)]
    jpegs = [photo_jpeg(n) for n in range(4)]
    stop = threading.Event()
    threads = [threading.Thread(target=upload_until_killed, args=(phone, jpegs[n % 4], stop), daemon=True)
               for n, phone in enumerate(phones)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(len(p.photos) for p in phones) < ACKED_PHOTOS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-flight: other uploads are being received, processed, written
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    acked_findings = {f for p in phones for f in p.findings}
    acked_photos = {ph: f for p in phones for ph, f in p.photos.items()}
    assert len(acked_photos) >= ACKED_PHOTOS_BEFORE_KILL, "the uploads never got going"

    servers.append(Server(env, port, tmp_path / "gunicorn-restart.log").start())
    for phone in phones:
        status, _, body = phone.get(f"/api/v1/walks/{DEMO_SLUG}/findings")
        assert status == 200
        features = {f["id"]: f for f in json.loads(body)["features"]}
        for finding_uuid in phone.findings:
            assert finding_uuid in features, f"acknowledged finding {finding_uuid} lost"
        served = {p["uuid"] for f in features.values() for p in f["properties"]["photos"]}
        for photo_uuid in phone.photos:
            assert photo_uuid in served, f"acknowledged photo {photo_uuid} lost"
            for variant in ("display", "thumb"):
                status, headers, data = phone.get(f"/photos/{photo_uuid}/{variant}.jpg")
                assert status == 200 and headers["content-type"] == "image/jpeg"
                Image.open(io.BytesIO(data)).load()  # a whole, decodable JPEG
    assert acked_findings and len(acked_photos) >= ACKED_PHOTOS_BEFORE_KILL

    # No partial files: every file named like a photo holds exactly the bytes its name promises.
    uploads = tmp_path / "uploads"
    stored = [f for f in uploads.glob("*/*") if not f.name.startswith(".tmp-")]
    assert stored
    for file in stored:
        assert hashlib.sha256(file.read_bytes()).hexdigest() == file.name, f"partial file {file}"

    check = fieldapp_cli(env, "check", check=False)
    print(f"acknowledged {len(acked_findings)} findings, {len(acked_photos)} photos; check:\n{check.stdout}")
    problems = [line for line in check.stdout.splitlines()
                if line.startswith(("missing file", "photo without"))]
    assert problems == [], check.stdout
    leftovers = [line for line in check.stdout.splitlines()
                 if line.startswith(("orphaned file", "temporary file"))]
    assert (check.returncode == 0) == (not leftovers), check.stdout + check.stderr
    repaired = fieldapp_cli(env, "check", "--repair", check=False)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    clean = fieldapp_cli(env, "check")
    assert "agree" in clean.stdout
    # …and the repair removed nothing anyone acknowledged.
    for phone in phones:
        for photo_uuid in phone.photos:
            assert phone.get(f"/photos/{photo_uuid}/display.jpg")[0] == 200
