"""Security review item: the cost of photo decoding is bounded — pixels per byte, concurrent decodes per
process, and uploads per IP as well as per participant."""
from __future__ import annotations

import io
import time
import uuid
from contextlib import ExitStack

import pytest
from flask import Flask
from PIL import Image

from fieldapp import imaging
from fieldapp.errors import PhotoError
from fieldapp.services.demo import seed_demo
from tests.app.test_security import join, jpeg_bytes, put_finding, put_photo


def flat_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def test_item_photo_decoding_flat_png_bomb_is_refused_without_decoding() -> None:
    data = flat_png(7000, 7000)  # 49 MP in ~160 KB: a second of CPU to decode
    assert len(data) < 400_000
    started = time.perf_counter()
    with pytest.raises(PhotoError) as refused:
        imaging.process_photo(data)
    assert time.perf_counter() - started < 0.1
    assert refused.value.code == "too_many_pixels" and refused.value.status == 413


@pytest.mark.parametrize(("fmt", "size", "file_bytes", "allowed"), [
    ("PNG", (4000, 3000), 50_000, True),  # up to 12 MP whatever the file size
    ("PNG", (7000, 7000), 1_500_000, True),  # 33 pixels per byte: a plausible PNG photo
    ("PNG", (7000, 7000), 160_000, False),
    ("WEBP", (7000, 7000), 160_000, False),
    ("HEIF", (8064, 6048), 500_000, False),
    ("HEIF", (8064, 6048), 4_000_000, True),  # a 48 MP iPhone HEIC
    ("JPEG", (7000, 7000), 160_000, True),  # JPEG is decoded at 1/8 scale: exempt from the ratio
    ("JPEG", (8000, 8000), 30_000_000, False),  # over MAX_PIXELS whatever the format
])
def test_item_photo_decoding_pixel_caps(fmt: str, size: tuple[int, int], file_bytes: int,
                                        allowed: bool) -> None:
    if allowed:
        imaging.check_pixels(fmt, size, file_bytes)
    else:
        with pytest.raises(PhotoError) as refused:
            imaging.check_pixels(fmt, size, file_bytes)
        assert refused.value.status == 413


def test_item_photo_decoding_busy_answers_503_with_retry_after(demo_participant, monkeypatch) -> None:
    client, finding_uuid = demo_participant
    monkeypatch.setattr(imaging, "DECODE_WAIT_SECONDS", 0.05)
    with ExitStack() as held:
        for _ in range(imaging.DECODE_SLOTS):  # every slot busy with another upload
            held.enter_context(imaging.decode_slot())
        started = time.perf_counter()
        busy = put_photo(client, finding_uuid, jpeg_bytes())
        assert time.perf_counter() - started < 2  # answered, not queued
    assert busy.status_code == 503
    assert busy.get_json()["error"]["code"] == "busy"
    assert busy.headers["Retry-After"] == str(imaging.BUSY_RETRY_AFTER_SECONDS)
    assert put_photo(client, finding_uuid, jpeg_bytes()).status_code == 201  # slots free again


@pytest.fixture
def demo_participant(app: Flask):
    walk = seed_demo().walk
    client = join(app.test_client(), walk)
    finding_uuid = str(uuid.uuid4())
    assert put_finding(client, walk.slug, finding_uuid).status_code == 201
    return client, finding_uuid


def test_item_photo_decoding_uploads_are_also_limited_per_ip(limited_app: Flask) -> None:
    """Joining again gives a fresh per-participant allowance, but not a fresh per-IP one."""
    walk = seed_demo().walk
    statuses = []
    for _ in range(6):  # one person re-joining six times (new participant id each time), 50 uploads each
        client = join(limited_app.test_client(), walk)
        finding_uuid = str(uuid.uuid4())
        assert put_finding(client, walk.slug, finding_uuid).status_code == 201
        statuses += [put_photo(client, finding_uuid, b"").status_code for _ in range(50)]
    assert set(statuses) == {400}  # empty bodies: refused, but counted; no participant reached 60
    again = join(limited_app.test_client(), walk)
    finding_uuid = str(uuid.uuid4())
    assert put_finding(again, walk.slug, finding_uuid).status_code == 201
    limited = put_photo(again, finding_uuid, jpeg_bytes())
    assert limited.status_code == 429 and "Retry-After" in limited.headers

    elsewhere = join(limited_app.test_client(), walk)  # another address is not affected
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    other_uuid = str(uuid.uuid4())
    assert put_finding(elsewhere, walk.slug, other_uuid).status_code == 201
    assert put_photo(elsewhere, other_uuid, jpeg_bytes()).status_code == 201
