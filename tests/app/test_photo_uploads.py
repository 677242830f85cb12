"""Photos through the upload API, on both databases: upright, small, no metadata, no 5xx.

Every test file of tests/fixtures/photos; the ``realworld`` tests also every file of the extended corpus.
"""
from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from fieldapp.extensions import db
from fieldapp.models import Photo
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from fieldapp.storage import photo_store
from tests.conftest import FIXTURES, REALWORLD

PHOTOS = FIXTURES / "photos"
REAL_PHOTOS = REALWORLD / "photos"
FINDING = {"lon": 12.069, "lat": 57.895, "category": "lighting"}


@pytest.fixture
def finding_url(app, client):
    """A participant joined the demo walk; each call of the returned function makes a new finding
    (a finding takes at most 10 photos) and returns its photo URL prefix."""
    result = seed_demo()
    join_path = result.join_url.removeprefix(app.config["PUBLIC_URL"])
    client.post(join_path, data={"group": "resident"})

    def new_finding() -> str:
        finding_uuid = str(uuid.uuid4())
        assert (
            client.put(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}", json=FINDING).status_code == 201
        )
        return f"/api/v1/findings/{finding_uuid}/photos"

    return new_finding


def upload(client, new_finding, data: bytes):
    return client.put(f"{new_finding()}/{uuid.uuid4()}", data=data, content_type="application/octet-stream")


def assert_clean(data: bytes) -> Image.Image:
    """A stored file is a JPEG with no EXIF/XMP/comment segments."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"Exif\x00\x00" not in data and b"http://ns.adobe.com/xap" not in data
    assert "comment" not in image.info
    return image


def fingerprint(data: bytes) -> list[int]:
    return list(Image.open(io.BytesIO(data)).convert("L").resize((32, 24)).tobytes())


def similar(a: list[int], b: list[int]) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a) < 12


def stored_outputs(body: dict) -> tuple[bytes, bytes]:
    photo = db.session.query(Photo).filter_by(uuid=body["uuid"]).one()
    store = photo_store()
    return store.get(photo.sha256), store.get(photo.thumb_sha256)


def assert_orientations_upright(client, finding_url, folder: Path, shape: str) -> None:
    prints = []
    paths = sorted(folder.glob(f"{shape}_*.jpg"))
    assert len(paths) >= 8, folder
    for path in paths:
        response = upload(client, finding_url, path.read_bytes())
        assert response.status_code == 201, (path.name, response.get_json())
        display, thumb = stored_outputs(response.get_json())
        image = assert_clean(display)
        assert_clean(thumb)
        assert (image.width > image.height) == (shape == "Landscape")
        prints.append((path.name, fingerprint(display)))
    reference = prints[0][1]
    for name, print_ in prints[1:]:
        assert similar(print_, reference), f"{name} does not look like {prints[0][0]}"


@pytest.mark.parametrize("shape", ["Landscape", "Portrait"])
def test_every_orientation_comes_out_upright(client, finding_url, shape: str) -> None:
    assert_orientations_upright(client, finding_url, PHOTOS / "orientation", shape)


@pytest.mark.parametrize("shape", ["Landscape", "Portrait"])
def test_every_real_orientation_comes_out_upright(client, finding_url, shape: str, realworld) -> None:
    assert_orientations_upright(client, finding_url, REAL_PHOTOS / "orientation", shape)


def assert_gps_read_and_stripped(client, finding_url, paths: list[Path]) -> None:
    assert paths
    for path in paths:
        response = upload(client, finding_url, path.read_bytes())
        assert response.status_code == 201, path.name
        body = response.get_json()
        assert body["exif"]["lat"] is not None and body["exif"]["lon"] is not None, path.name
        for data in stored_outputs(body):
            assert_clean(data)


def test_gps_is_read_and_stripped(client, finding_url) -> None:
    assert_gps_read_and_stripped(client, finding_url, [PHOTOS / "gps.jpg", PHOTOS / "phone.heic"])


def test_real_gps_is_read_and_stripped(client, finding_url, realworld) -> None:
    assert_gps_read_and_stripped(client, finding_url, sorted((REAL_PHOTOS / "gps").glob("*.jpg")))


def test_phone_photos_including_heic_are_accepted(client, finding_url) -> None:
    assert_large_photos_accepted(client, finding_url, [PHOTOS / "gps.jpg", PHOTOS / "phone.heic"])


def test_real_phone_photos_including_heic_are_accepted(client, finding_url, realworld) -> None:
    assert_large_photos_accepted(client, finding_url, sorted((REAL_PHOTOS / "phones").iterdir()))


def assert_large_photos_accepted(client, finding_url, paths: list[Path]) -> None:
    """Each file (all larger than 1600 px) is stored at 1600 px with a 320 px thumbnail, clean."""
    assert paths
    for path in paths:
        response = upload(client, finding_url, path.read_bytes())
        assert response.status_code in (200, 201), (path.name, response.get_json())
        body = response.get_json()
        assert max(body["width"], body["height"]) == 1600
        display, thumb = stored_outputs(body)
        assert_clean(display)
        assert max(assert_clean(thumb).size) == 320


def assert_processed_or_refused(client, finding_url, folder: Path) -> list[int]:
    """Upload every file in ``folder``: stored clean, or refused with a 4xx and a message. The statuses."""
    statuses = []
    for path in sorted(folder.iterdir()):
        response = upload(client, finding_url, path.read_bytes())
        assert response.status_code < 500, path.name
        if response.status_code < 300:
            for data in stored_outputs(response.get_json()):
                assert_clean(data)
        else:
            assert response.get_json()["error"]["message"]
        statuses.append(response.status_code)
    return statuses


def test_broken_files_are_processed_or_refused_with_4xx(client, finding_url) -> None:
    # bad_exif.jpg stored; not_a_photo.jpg 415; truncated.heic and truncated.jpg 422.
    assert assert_processed_or_refused(client, finding_url, PHOTOS / "broken") == [201, 415, 422, 422]


def test_real_broken_files_are_processed_or_refused_with_4xx(client, finding_url, realworld) -> None:
    assert assert_processed_or_refused(client, finding_url, REAL_PHOTOS / "broken")


def png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def hostile_uploads() -> dict[str, bytes]:
    jpeg = (PHOTOS / "orientation" / "Landscape_1.jpg").read_bytes()
    return {
        "zero bytes": b"",
        "text named .jpg": b"just some text, not a photo\n" * 10,
        "svg with a script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "png claiming 100000x100000": png_header(100_000, 100_000),
        "jpeg cut off mid-scan": jpeg[: int(len(jpeg) * 0.6)],
    }


@pytest.mark.parametrize("name", list(hostile_uploads()))
def test_hostile_uploads_are_refused_and_store_nothing(client, finding_url, name: str) -> None:
    before_rows = db.session.query(Photo).count()
    before_files = set(photo_store().keys())
    response = upload(client, finding_url, hostile_uploads()[name])
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"]
    assert db.session.query(Photo).count() == before_rows
    assert set(photo_store().keys()) == before_files


def test_polyglot_is_sanitised(client, finding_url) -> None:
    jpeg = (PHOTOS / "orientation" / "Landscape_1.jpg").read_bytes()
    polyglot = (
        jpeg[:2]
        + b"\xff\xfe\x00\x2a<html><script>alert(document.cookie)</script></html>"
        + jpeg[2:]
        + b"<script>x</script>"
    )
    response = upload(client, finding_url, polyglot)
    assert response.status_code == 201
    for data in stored_outputs(response.get_json()):
        assert b"<script" not in data and b"<html" not in data
        assert_clean(data)


def test_thirty_megabyte_body_gets_json_413(client, finding_url) -> None:
    before = db.session.query(Photo).count()
    response = upload(client, finding_url, b"\xff\xd8" + b"\x00" * (30 * 1024 * 1024))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"]
    assert db.session.query(Photo).count() == before


def test_same_bytes_twice_are_stored_once(client, finding_url) -> None:
    data = (PHOTOS / "gps.jpg").read_bytes()
    first = upload(client, finding_url, data).get_json()
    second = upload(client, finding_url, data).get_json()
    assert first["uuid"] != second["uuid"]
    rows = db.session.query(Photo).filter(Photo.uuid.in_([first["uuid"], second["uuid"]])).all()
    assert len({row.sha256 for row in rows}) == 1
    assert list(photo_store().keys()).count(rows[0].sha256) == 1


def test_a_bug_in_our_resampling_is_a_500_not_a_corrupt_photo(app, client, finding_url, monkeypatch) -> None:
    """Only the decoder's errors mean "damaged photo" (422); ours reach the logs and tests as a 500."""
    def broken_resize(*_args, **_kwargs):
        raise TypeError("a bug in our resampling")

    monkeypatch.setattr(Image.Image, "resize", broken_resize)
    before = db.session.query(Photo).count()
    with pytest.raises(TypeError, match="a bug in our resampling"):  # tests see the exception itself
        upload(client, finding_url, (PHOTOS / "gps.jpg").read_bytes())
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    response = upload(client, finding_url, (PHOTOS / "gps.jpg").read_bytes())
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_server_error"
    assert db.session.query(Photo).count() == before
