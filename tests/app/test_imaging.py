"""fieldapp.imaging: the upload photo pipeline, tested on real phone files and on hostile input.

Pure tests: no Flask app, no database. Files come from ``tests/fixtures/photos`` (drawn by
tests/fixtures/build.py) or are generated here; the tests taking the ``realworld`` fixture also run the
extended corpus ``../shared/realworld/photos`` (real phone and camera files, see its README) when present.
"""
from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
from PIL import Image, ImageFile, JpegImagePlugin
from PIL.TiffImagePlugin import IFDRational

from fieldapp import imaging
from fieldapp.errors import PhotoError
from fieldapp.imaging import DISPLAY_SIZE, MAX_PIXELS, THUMB_SIZE, ProcessedPhoto, process_photo
from tests.conftest import FIXTURES, REALWORLD

PHOTOS = FIXTURES / "photos"
REAL_PHOTOS = REALWORLD / "photos"


# ------------------------------------------------------------------------------------------------- helpers


@cache
def processed(relpath: str) -> ProcessedPhoto:
    """A file of tests/fixtures/photos, processed once per test session."""
    return process_photo((PHOTOS / relpath).read_bytes())


@cache
def processed_real(relpath: str) -> ProcessedPhoto:
    """A file of the extended corpus, processed once per test session (the HEIC decodes dominate)."""
    return process_photo((REAL_PHOTOS / relpath).read_bytes())


def jpeg_segments(data: bytes) -> list[int]:
    """Marker bytes of the segments before the first scan (APP0, DQT, SOF, DHT, SOS...)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, i = [], 2
    while i + 4 <= len(data):
        assert data[i] == 0xFF, f"bad marker at {i}"
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


def assert_clean_jpeg(data: bytes, limit: int) -> Image.Image:
    """A baseline JPEG within ``limit`` px, RGB, with no EXIF/XMP/ICC/comment or any other metadata."""
    markers = jpeg_segments(data)
    assert markers[0] == 0xE0  # JFIF APP0 only
    unexpected = [hex(m) for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]
    assert not unexpected, f"metadata segments in output: {unexpected}"
    assert b"Exif\x00" not in data and b"http://ns.adobe.com/xap" not in data and b"ICC_PROFILE" not in data
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.format == "JPEG" and im.mode == "RGB"
        assert max(im.size) <= limit
        assert not im.getexif()
        assert not im.getexif().get_ifd(0x8825)
        assert "icc_profile" not in im.info and "comment" not in im.info and "xmp" not in im.info
        return im.copy()


def assert_clean(photo: ProcessedPhoto) -> tuple[Image.Image, Image.Image]:
    display = assert_clean_jpeg(photo.display.data, DISPLAY_SIZE)
    thumb = assert_clean_jpeg(photo.thumb.data, THUMB_SIZE)
    assert (photo.display.width, photo.display.height) == display.size
    assert (photo.thumb.width, photo.thumb.height) == thumb.size
    assert photo.display.sha256 == hashlib.sha256(photo.display.data).hexdigest()
    assert photo.thumb.sha256 == hashlib.sha256(photo.thumb.data).hexdigest()
    # The thumbnail is the display image scaled down: same aspect ratio, longest side THUMB_SIZE (or smaller).
    assert max(thumb.size) == min(THUMB_SIZE, max(display.size))
    aspect = display.width / display.height
    assert abs(thumb.width / thumb.height - aspect) < 0.02 * max(1.0, aspect)
    return display, thumb


def fingerprint(im: Image.Image) -> list[int]:
    return list(im.convert("L").resize((64, 48), Image.Resampling.BILINEAR).tobytes())


def mean_abs_diff(a: list[int], b: list[int]) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def encode(im: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **kwargs)
    return out.getvalue()


def refused(data: bytes) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        process_photo(data)
    err = caught.value
    assert 400 <= err.status < 500 and err.message and err.code
    return err


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header (valid CRCs) claiming ``width`` x ``height`` RGB pixels, with a tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


# ------------------------------------------------------------------------------------------ orientation


def assert_orientations_upright(load, kind: str, values: range) -> None:
    """Every ``{kind}_{value}.jpg`` comes out clean and looks like ``{kind}_1.jpg`` (display, thumbnail)."""
    reference_photo = load(f"orientation/{kind}_1.jpg")
    reference_display, _ = assert_clean(reference_photo)
    reference = fingerprint(reference_display)
    landscape = kind == "Landscape"
    assert (reference_display.width > reference_display.height) == landscape
    for value in values:
        photo = load(f"orientation/{kind}_{value}.jpg")
        display, thumb = assert_clean(photo)
        assert display.size == reference_display.size, value
        assert (photo.source_width > photo.source_height) == landscape, value
        assert mean_abs_diff(fingerprint(display), reference) < 3.0, f"{kind}_{value} not upright"
        assert mean_abs_diff(fingerprint(thumb), reference) < 3.0, f"{kind}_{value} thumbnail not upright"


@pytest.mark.parametrize("kind", ["Landscape", "Portrait"])
def test_all_exif_orientations_come_out_upright_and_identical(kind):
    assert_orientations_upright(processed, kind, range(1, 9))


@pytest.mark.parametrize("kind", ["Landscape", "Portrait"])
def test_real_camera_orientations_0_to_8_come_out_upright(kind, realworld):
    assert_orientations_upright(processed_real, kind, range(0, 9))


@pytest.mark.parametrize("kind", ["Landscape", "Portrait"])
def test_orientation_check_can_fail(kind):
    """Without applying EXIF orientation the same comparison clearly fails (the test above has teeth)."""
    reference = fingerprint(Image.open(io.BytesIO(processed(f"orientation/{kind}_1.jpg").display.data)))
    for value in range(2, 9):
        with Image.open(PHOTOS / "orientation" / f"{kind}_{value}.jpg") as raw:
            assert raw.getexif()[0x0112] == value
            assert mean_abs_diff(fingerprint(raw), reference) > 25.0, value


# ------------------------------------------------------------------------------------------------------- GPS

# Rationals as ImageMagick prints them (`identify -format '%[EXIF:GPSLatitude] %[EXIF:GPSLatitudeRef]'`):
# an EXIF reader independent of Pillow. (latitude, longitude) as "degrees minutes seconds ref".
GPS_DMS = {
    "gps/DSCN0010.jpg": ("43/1 28/1 281400000/100000000 N", "11/1 53/1 645599999/100000000 E"),
    "gps/DSCN0012.jpg": ("43/1 28/1 176399999/100000000 N", "11/1 53/1 742199999/100000000 E"),
    "gps/DSCN0021.jpg": ("43/1 28/1 149399999/100000000 N", "11/1 53/1 433799999/100000000 E"),
    "gps/DSCN0025.jpg": ("43/1 28/1 611400000/100000000 N", "11/1 52/1 538859999/10000000 E"),
    "gps/DSCN0027.jpg": ("43/1 28/1 639000000/100000000 N", "11/1 52/1 534540000/10000000 E"),
    "gps/DSCN0029.jpg": ("43/1 28/1 567599999/100000000 N", "11/1 52/1 486179999/10000000 E"),
    "gps/DSCN0038.jpg": ("43/1 28/1 211799999/100000000 N", "11/1 52/1 451680000/10000000 E"),
    "gps/DSCN0040.jpg": ("43/1 27/1 576419999/10000000 N", "11/1 52/1 448019999/10000000 E"),
    "gps/DSCN0042.jpg": ("43/1 27/1 520380000/10000000 N", "11/1 52/1 53322/1000 E"),
    "phones/HMD_Nokia_8.3_5G.jpg": ("60/1 8/1 4814/100 N", "24/1 54/1 2438/100 E"),
    "phones/iphone_hdr.jpg": ("40/1 26/1 4910/100 N", "3/1 43/1 2911/100 W"),
    "phones/IMG_5195.HEIC": ("39/1 3/1 484/100 N", "94/1 17/1 1958/100 W"),
    "phones/HMD_Nokia_8.3_5G.heif": ("40/1 47/1 192667920/10000000 N", "4/1 0/1 185070600/10000000 W"),
}


def dms(text: str) -> float:
    degrees, minutes, seconds, ref = text.split()
    value = float(Fraction(degrees) + Fraction(minutes) / 60 + Fraction(seconds) / 3600)
    return -value if ref in ("S", "W") else value


def assert_gps_read_and_stripped(photo: ProcessedPhoto, latitude: float, longitude: float) -> None:
    assert photo.gps_lat == pytest.approx(latitude, abs=1e-7)
    assert photo.gps_lon == pytest.approx(longitude, abs=1e-7)
    assert_clean(photo)  # and no EXIF/GPS left in either output
    for data in (photo.display.data, photo.thumb.data):
        assert b"GPS" not in data and b"WGS-84" not in data


# build.py writes degrees, minutes and seconds rounded to 1/100 s.
FIXTURE_GPS = {
    "gps.jpg": (57 + 53 / 60 + 40.2 / 3600, 12 + 4 / 60 + 7.68 / 3600),
    "phone.heic": (57 + 42 / 60 + 30.5 / 3600, 11 + 58 / 60 + 12.25 / 3600),
}


@pytest.mark.parametrize("relpath", sorted(FIXTURE_GPS))
def test_gps_position_is_read_and_then_stripped(relpath):
    with Image.open(PHOTOS / relpath) as source:  # the input really carries a GPS IFD
        assert source.getexif().get_ifd(0x8825)
    assert_gps_read_and_stripped(processed(relpath), *FIXTURE_GPS[relpath])


@pytest.mark.parametrize("relpath", sorted(GPS_DMS))
def test_real_gps_position_is_read_and_then_stripped(relpath, realworld):
    latitude, longitude = GPS_DMS[relpath]
    assert_gps_read_and_stripped(processed_real(relpath), dms(latitude), dms(longitude))


def test_photos_without_gps_give_none():
    for relpath in ("orientation/Landscape_1.jpg", "orientation/Portrait_6.jpg", "broken/bad_exif.jpg"):
        photo = processed(relpath)
        assert photo.gps_lat is None and photo.gps_lon is None, relpath


def test_real_photos_without_gps_give_none(realworld):
    for relpath in ("phones/jolla.jpg", "phones/iphone_13_pro_max.HEIC", "orientation/Landscape_1.jpg"):
        photo = processed_real(relpath)
        assert photo.gps_lat is None and photo.gps_lon is None, relpath


def test_taken_at_from_exif():
    plus_two = timezone(timedelta(hours=2))  # OffsetTimeOriginal +02:00: aware
    assert processed("gps.jpg").taken_at == datetime(2026, 5, 12, 18, 30, 5, tzinfo=plus_two)
    assert processed("phone.heic").taken_at == datetime(2026, 5, 12, 19, 2, 41, tzinfo=plus_two)
    assert processed("orientation/Landscape_1.jpg").taken_at is None
    exif = Image.Exif()
    exif[0x8769] = {0x9003: "2025:11:03 07:45:10"}  # no OffsetTimeOriginal: naive camera time
    photo = process_photo(encode(Image.new("RGB", (40, 30), "red"), "JPEG", exif=exif))
    assert photo.taken_at == datetime(2025, 11, 3, 7, 45, 10) and photo.taken_at.tzinfo is None


def test_real_taken_at_from_exif(realworld):
    assert processed_real("gps/DSCN0010.jpg").taken_at == datetime(2008, 10, 22, 16, 28, 39)
    # No OffsetTimeOriginal: naive camera time.
    assert processed_real("phones/iphone_hdr.jpg").taken_at == datetime(2015, 4, 10, 20, 12, 23)
    hmd = processed_real("phones/HMD_Nokia_8.3_5G.jpg").taken_at  # OffsetTimeOriginal +03:00: aware
    assert hmd == datetime(2022, 8, 14, 14, 12, 31, tzinfo=timezone(timedelta(hours=3)))
    assert hmd.utcoffset() == timedelta(hours=3)
    assert processed_real("phones/IMG_5195.HEIC").taken_at == datetime(
        2021, 4, 11, 15, 47, 53, tzinfo=timezone(timedelta(hours=-5))
    )
    assert processed_real("orientation/Landscape_1.jpg").taken_at is None


R = IFDRational


@pytest.mark.parametrize(
    ("axis", "value", "ref", "expected"),
    [
        ("lat", (R(57, 1), R(42, 1), R(305, 10)), "N", 57 + 42 / 60 + 30.5 / 3600),
        ("lat", (R(33, 1), R(52, 1), R(0, 1)), "S", -(33 + 52 / 60)),
        ("lon", (R(11, 1), R(58, 1), R(1225, 100)), b"W\x00", -(11 + 58 / 60 + 12.25 / 3600)),
        ("lon", (R(179, 1), R(59, 1), R(0, 1)), "E", 179 + 59 / 60),
        ("lon", R(1234, 100), "E", 12.34),  # a single decimal-degrees rational
        ("lat", (R(57, 1), R(42, 0), R(0, 1)), "N", None),  # zero denominator
        ("lat", (R(91, 1), R(0, 1), R(0, 1)), "N", None),  # out of range
        ("lon", (R(181, 1), R(0, 1), R(0, 1)), "E", None),
        ("lat", (R(57, 1), R(75, 1), R(0, 1)), "N", None),  # 75 minutes
        ("lat", (R(-5, 1), R(0, 1), R(0, 1)), "N", None),  # negative
        ("lat", (R(57, 1), R(42, 1), R(0, 1)), "", None),  # no hemisphere
        ("lat", (R(57, 1), R(42, 1), R(0, 1)), "E", None),  # wrong hemisphere for the axis
        ("lat", (R(57, 1), R(42, 1), R(0, 1), R(1, 1)), "N", None),  # four parts
        ("lat", "57,42,0", "N", None),
        ("lat", None, "N", None),
        ("lat", (), "N", None),
    ],
)
def test_gps_coordinate_parsing_edge_cases(axis, value, ref, expected):
    args = ("N", "S", 90.0) if axis == "lat" else ("E", "W", 180.0)
    result = imaging._gps_coordinate(value, ref, *args)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1e-9)


def test_crafted_gps_exif_with_zero_denominator_does_not_break_upload():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (57.0, 42.0, 30.5), 3: "E", 4: (11.0, 58.0, 12.25)}
    good = process_photo(encode(Image.new("RGB", (40, 30), "red"), "JPEG", exif=exif))
    assert good.gps_lat == pytest.approx(57.708472, abs=1e-6)
    assert good.gps_lon == pytest.approx(11.970069, abs=1e-6)
    exif[0x8825] = {1: "N", 2: (IFDRational(57, 0), 42.0, 30.5), 3: "E", 4: (11.0, 58.0, 12.25)}
    bad = process_photo(encode(Image.new("RGB", (40, 30), "red"), "JPEG", exif=exif))
    assert bad.gps_lat is None and bad.gps_lon is None
    assert_clean(bad)


# ---------------------------------------------------------------------------------------------------- phones


PHONES = ["HMD_Nokia_8.3_5G.heif", "HMD_Nokia_8.3_5G.jpg", "IMG_5195.HEIC", "iphone_13_pro_max.HEIC",
          "iphone_hdr.jpg", "jolla.jpg"]


def test_heic_is_accepted():
    photo = processed("phone.heic")
    display, thumb = assert_clean(photo)
    assert photo.source_format == "HEIF"
    assert (photo.source_width, photo.source_height) == (1800, 1200)
    assert display.size == (1600, 1067) and max(thumb.size) == THUMB_SIZE
    with Image.open(PHOTOS / "gps.jpg") as drawn:  # the same drawing as gps.jpg, at 1800x1200
        expected = fingerprint(drawn.resize(display.size))
    assert mean_abs_diff(fingerprint(display), expected) < 8.0  # decoded, not blank or green


@pytest.mark.parametrize("name", PHONES)
def test_real_phone_photos_are_accepted(name, realworld):
    assert sorted(p.name for p in (REAL_PHOTOS / "phones").iterdir()) == sorted(
        PHONES
    )  # a new file needs a look
    photo = processed_real(f"phones/{name}")
    display, thumb = assert_clean(photo)
    assert photo.source_format == ("HEIF" if name.lower().endswith((".heic", ".heif")) else "JPEG")
    assert max(display.size) == DISPLAY_SIZE  # all are larger than 1600 px
    assert max(thumb.size) == THUMB_SIZE
    # Orientation: the upright source shape is kept.
    assert (display.width > display.height) == (photo.source_width > photo.source_height)
    assert display.getextrema() != ((0, 0), (0, 0), (0, 0))  # not a blank decode


def test_iphone_heic_rotation_and_colour_profile(realworld):
    photo = processed_real("phones/iphone_13_pro_max.HEIC")  # stored 4032x3024 with irot: a portrait photo
    assert (photo.source_width, photo.source_height) == (3024, 4032)
    assert (photo.display.width, photo.display.height) == (1200, 1600)


def draft_calls(monkeypatch, data: bytes) -> tuple[list, ProcessedPhoto]:
    """(requested size, decoded size) of every JPEG draft() call while processing ``data``."""
    seen = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        seen.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    return seen, process_photo(data)


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    """DESIGN §2: draft() must be asked for the aspect-correct size, or libjpeg decodes at full size."""
    big = encode(Image.open(PHOTOS / "gps.jpg").resize((4000, 3000)), "JPEG", quality=60)
    seen, photo = draft_calls(monkeypatch, big)
    assert seen == [((1600, 1200), (2000, 1500))]  # 1/2 scale DCT decode
    assert (photo.display.width, photo.display.height) == (1600, 1200)


def test_real_large_jpeg_is_decoded_at_reduced_scale(monkeypatch, realworld):
    seen, photo = draft_calls(monkeypatch, (REAL_PHOTOS / "phones" / "jolla.jpg").read_bytes())  # 3264x2448
    assert seen == [((1600, 1200), (1632, 1224))]  # 1/2 scale DCT decode
    assert (photo.display.width, photo.display.height) == (1600, 1200)


# ---------------------------------------------------------------------------------------------------- broken

# Inspected by hand: every file in broken/ has damaged or odd EXIF but decodable pixels, so each is accepted,
# oriented, stripped; what metadata survives is listed. (display size, (lat, lon) or None, taken_at or None)
BROKEN_EXPECTED = {
    "corrupted.jpg": ((1600, 1200), None, "2015-09-08T11:02:17"),
    "exif_11-tests.jpg": ((1136, 775), None, "2007-09-03T16:03:45"),
    "exif_22-canon_tags.jpg": ((1600, 1200), None, "2007-11-29T16:16:21"),
    "exif_28-hex_value.jpg": ((1200, 1600), None, "2008-08-21T14:53:03"),
    "exif_30-type_error.jpg": ((1600, 993), None, None),
    "exif_32-lens_data.jpeg": ((200, 133), None, "2012-07-14T16:30:12"),
    "exif_33-type_error.jpg": ((1600, 1000), None, "2008-05-25T19:31:26"),
    "exif_35-empty.jpg": ((1600, 1202), None, "2005-07-19T18:25:29"),
    "exif_36-memory_error.jpg": ((1600, 1200), None, "2002-04-21T00:30:33"),
    "exif_42_IndexError.jpg": ((1600, 1200), None, "2014-08-23T13:05:43"),
    "exif_45-gps_ifd.jpg": ((1600, 900), None, "2012-06-23T06:55:49"),
    "exif_67-0_length_string.jpg": ((1600, 798), (51.025, 7.591944), None),
    "exif_87_OSError.jpg": ((1063, 1600), (43.785594, 11.234619), "2005-12-14T14:39:47"),
    "invalid_image00971.jpg": ((636, 227), None, None),
    "invalid_image01088.jpg": ((425, 120), None, None),
    "invalid_image01137.jpg": ((88, 64), None, None),
    "invalid_image01551.jpg": ((61, 58), None, None),
    "invalid_image01713.jpg": ((49, 500), None, None),
    "invalid_image01980.jpg": ((284, 25), None, None),
    "invalid_image02206.jpg": ((65, 65), None, None),
}


# tests/fixtures/photos/broken: what each file must give (error code, or accepted with this display size).
FIXTURE_BROKEN = {
    "bad_exif.jpg": (400, 300),  # EXIF IFD offset far past the segment: pixels fine, metadata ignored
    "not_a_photo.jpg": "unsupported_type",  # text renamed to .jpg
    "truncated.heic": "corrupt_image",  # HEIC cut off at 60 %
    "truncated.jpg": "corrupt_image",  # JPEG cut off mid-scan
}


def test_fixture_broken_folder_is_fully_covered():
    assert sorted(p.name for p in (PHOTOS / "broken").iterdir()) == sorted(FIXTURE_BROKEN)


@pytest.mark.parametrize("name", sorted(FIXTURE_BROKEN))
def test_fixture_broken_files(name):
    expected = FIXTURE_BROKEN[name]
    if isinstance(expected, str):
        assert refused((PHOTOS / "broken" / name).read_bytes()).code == expected
        return
    photo = processed(f"broken/{name}")
    assert_clean(photo)
    assert (photo.display.width, photo.display.height) == expected
    assert photo.gps_lat is None and photo.taken_at is None


def test_broken_folder_is_fully_covered(realworld):
    assert sorted(p.name for p in (REAL_PHOTOS / "broken").iterdir()) == sorted(BROKEN_EXPECTED)


@pytest.mark.parametrize("name", sorted(BROKEN_EXPECTED))
def test_broken_exif_files(name, realworld):
    expected = BROKEN_EXPECTED[name]
    try:
        photo = processed_real(f"broken/{name}")
    except PhotoError as err:  # the only acceptable failure; none is expected today
        assert 400 <= err.status < 500
        assert expected == "refused", f"{name} refused ({err.code}) but expected {expected}"
        return
    assert expected != "refused"
    size, gps, taken_at = expected
    assert_clean(photo)
    assert (photo.display.width, photo.display.height) == size
    if gps is None:
        assert photo.gps_lat is None and photo.gps_lon is None
    else:
        assert (photo.gps_lat, photo.gps_lon) == pytest.approx(gps, abs=1e-6)
    assert (photo.taken_at.isoformat() if photo.taken_at else None) == taken_at


# --------------------------------------------------------------------------------------------------- hostile


def test_empty_upload():
    err = refused(b"")
    assert (err.code, err.status) == ("empty", 400)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Hello, this is not a photo.\n" * 10, id="text-named-jpg"),
        pytest.param(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", id="html"),
        pytest.param(
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
            b'onload="alert(1)"><script>alert(document.domain)</script><rect width="9" height="9"/></svg>',
            id="svg-with-script",
        ),
        pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>", id="pdf"),
        pytest.param(encode(Image.new("RGB", (20, 20), "blue"), "GIF"), id="gif"),
        pytest.param(encode(Image.new("RGB", (20, 20), "blue"), "BMP"), id="bmp"),
        pytest.param(encode(Image.new("RGB", (20, 20), "blue"), "TIFF"), id="tiff"),
        pytest.param(b"\x00" * 1000, id="zeros"),
    ],
)
def test_non_images_are_refused_as_unsupported(data):
    err = refused(data)
    assert (err.code, err.status) == ("unsupported_type", 415)


def test_png_claiming_100000_by_100000_pixels():
    data = png_claiming(100_000, 100_000)
    with pytest.raises(Image.DecompressionBombError, match="10000000000 pixels"):
        Image.open(io.BytesIO(data), formats=["PNG"])  # the header itself is valid and parsed...
    err = refused(data)  # ...and refused from the header, before any decoding
    assert (err.code, err.status) == ("too_many_pixels", 413)


def test_just_over_the_pixel_limit_is_refused():
    width, height = 8000, MAX_PIXELS // 8000 + 1  # 50.008 MP: Pillow only *warns* here by itself
    err = refused(png_claiming(width, height))
    assert (err.code, err.status) == ("too_many_pixels", 413)
    # Pillow's own bomb guard is aligned with ours.
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_jpeg_cut_off_mid_scan_is_refused():
    data = (PHOTOS / "gps.jpg").read_bytes()
    err = refused(data[: int(len(data) * 0.6)])
    assert (err.code, err.status) == ("corrupt_image", 422)


def assert_heic_cut_off_refused(data: bytes) -> None:
    for fraction in (0.6, 0.999):
        err = refused(data[: int(len(data) * fraction)])
        assert (err.code, err.status) == ("corrupt_image", 422)


def test_heic_cut_off_is_refused():
    """libheif would happily decode the missing tiles as green: the container is checked first."""
    assert_heic_cut_off_refused((PHOTOS / "phone.heic").read_bytes())


@pytest.mark.parametrize("relpath", ["phones/IMG_5195.HEIC", "phones/HMD_Nokia_8.3_5G.heif"])
def test_real_heic_cut_off_is_refused(relpath, realworld):
    assert_heic_cut_off_refused((REAL_PHOTOS / relpath).read_bytes())


def test_truncated_png_and_webp_and_garbage_with_a_jpeg_header_are_refused():
    noisy = Image.effect_noise((300, 200), 60).convert("RGB")
    for fmt in ("PNG", "WEBP"):
        data = encode(noisy, fmt)
        err = refused(data[: len(data) // 2])
        assert (err.code, err.status) == ("corrupt_image", 422), fmt
    err = refused(b"\xff\xd8\xff\xe0" + b"\x13" * 500)
    assert (err.code, err.status) == ("corrupt_image", 422)
    err = refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert (err.code, err.status) == ("corrupt_image", 422)


def test_jpeg_html_polyglot_is_reencoded_without_the_payload():
    original = (PHOTOS / "gps.jpg").read_bytes()
    payload = b"<html><body><script>alert(document.cookie)</script></body></html>"
    comment = b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload
    polyglot = original[:2] + comment + original[2:] + payload  # in a COM segment and after EOI
    with Image.open(io.BytesIO(polyglot)) as check:
        assert check.info.get("comment") == payload  # Pillow sees the comment (and would copy it on save)
    photo = process_photo(polyglot)
    assert_clean(photo)
    for data in (photo.display.data, photo.thumb.data):
        assert b"<script" not in data and b"<html" not in data


# ---------------------------------------------------------------------------------------------- colour modes


def test_png_with_alpha_is_flattened_on_white():
    im = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # fully transparent left half
    im.paste((200, 0, 0, 255), (100, 0, 200, 100))  # opaque red right half
    photo = process_photo(encode(im, "PNG"))
    display, _ = assert_clean(photo)
    assert photo.source_format == "PNG" and display.size == (200, 100)
    assert all(abs(c - 255) <= 3 for c in display.getpixel((20, 50)))
    red = display.getpixel((180, 50))
    assert red[0] > 180 and red[1] < 30 and red[2] < 30


def test_palette_png_with_transparency_and_grayscale_with_alpha():
    pal = Image.new("P", (50, 50), 0)
    pal.putpalette([10, 20, 30] + [0, 0, 255] * 255)
    pal.info["transparency"] = 0
    display, _ = assert_clean(process_photo(encode(pal, "PNG", transparency=0)))
    assert all(abs(c - 255) <= 3 for c in display.getpixel((25, 25)))
    la = Image.new("LA", (50, 50), (0, 0))
    display, _ = assert_clean(process_photo(encode(la, "PNG")))
    assert all(abs(c - 255) <= 3 for c in display.getpixel((25, 25)))


def test_grayscale_jpeg_and_png_become_rgb():
    gray = Image.linear_gradient("L").resize((400, 300))
    for fmt in ("JPEG", "PNG"):
        display, thumb = assert_clean(process_photo(encode(gray, fmt)))
        r, g, b = display.getpixel((200, 150))
        assert abs(r - g) <= 2 and abs(g - b) <= 2 and 100 < r < 160


def test_cmyk_jpeg_becomes_rgb_with_sane_colours():
    cmyk = Image.new("CMYK", (300, 200), (0, 255, 255, 0))  # red ink
    photo = process_photo(encode(cmyk, "JPEG", quality=95))
    display, _ = assert_clean(photo)
    r, g, b = display.getpixel((150, 100))
    assert r > 200 and g < 50 and b < 50


def test_16_bit_png_is_scaled_not_clipped():
    im = Image.new("I;16", (64, 64), 32768)  # mid grey in 16 bits
    data = encode(im, "PNG")
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode.startswith("I")
    display, _ = assert_clean(process_photo(data))
    r, g, b = display.getpixel((32, 32))
    assert 120 <= r <= 136 and r == g == b  # Pillow's plain convert("L") would give 255


def test_webp_and_mpo_are_accepted():
    im = Image.linear_gradient("L").convert("RGB").resize((900, 600))
    webp = process_photo(encode(im, "WEBP", quality=90))
    assert webp.source_format == "WEBP"
    assert_clean(webp)
    mpo = encode(im, "MPO", save_all=True, append_images=[im.resize((450, 300))])
    with Image.open(io.BytesIO(mpo)) as check:
        assert check.format == "MPO"
    photo = process_photo(mpo)
    assert photo.source_format == "JPEG"
    assert_clean(photo)


def test_small_images_are_never_upscaled():
    for size in ((1600, 900), (300, 200), (12, 40), (1, 1)):
        photo = process_photo(encode(Image.new("RGB", size, "green"), "PNG"))
        assert (photo.display.width, photo.display.height) == size
        assert max(photo.thumb.width, photo.thumb.height) == min(THUMB_SIZE, max(size))
    wide = process_photo(encode(Image.new("RGB", (5000, 40), "green"), "JPEG"))  # panorama strip
    assert (wide.display.width, wide.display.height) == (1600, 13)
    assert (wide.thumb.width, wide.thumb.height) == (320, 3)


def test_output_is_deterministic():
    data = (PHOTOS / "orientation" / "Portrait_6.jpg").read_bytes()
    first, second = process_photo(data), process_photo(bytearray(data))
    assert first.display.sha256 == second.display.sha256
    assert first.thumb.sha256 == second.thumb.sha256
    assert first == second


def test_module_is_pure():
    """fieldapp.imaging imports without Flask: only the stdlib, Pillow, pillow-heif and fieldapp.errors."""
    import ast

    tree = ast.parse(Path(imaging.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module if node.module.startswith("fieldapp") else node.module.split(".")[0])
    stdlib = {"__future__", "hashlib", "io", "math", "os", "re", "struct", "threading", "warnings", "zlib",
              "concurrent", "dataclasses", "datetime", "functools", "collections", "contextlib"}
    third_party = imported - stdlib
    assert third_party == {"PIL", "pillow_heif", "fieldapp.errors"}


def test_truncated_jpeg_refused_even_after_weasyprint_is_imported() -> None:
    """WeasyPrint flips Pillow's LOAD_TRUNCATED_IMAGES on import; uploads must still be checked."""
    import weasyprint  # noqa: F401

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it
    data = (PHOTOS / "orientation" / "Landscape_1.jpg").read_bytes()
    with pytest.raises(PhotoError) as refused:
        process_photo(data[: int(len(data) * 0.6)])
    assert refused.value.code == "corrupt_image"


def test_logo_is_checked_like_a_photo() -> None:
    """The logo upload opens through the same checks: empty, cut off (even with WeasyPrint's flag), bombs."""
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it
    data = encode(Image.effect_noise((300, 200), 60).convert("RGB"), "PNG")
    for upload, code in ((b"", "empty"), (data[: len(data) // 2], "corrupt_image"),
                         (png_claiming(100_000, 100_000), "too_many_pixels")):
        with pytest.raises(PhotoError) as refused:
            imaging.logo_png(upload)
        assert refused.value.code == code
    with Image.open(io.BytesIO(imaging.logo_png(data))) as logo:
        assert (logo.format, logo.size) == ("PNG", (240, 160))


# ------------------------------------------------------------------------- our bugs are not "corrupt image"


def _raise(error: type[Exception]):
    def broken(*_args, **_kwargs):
        raise error("a bug in our code, not in the photo")

    return broken


def wide_png() -> bytes:
    """6400 px wide: _resample reduces it by an integer factor before LANCZOS (no JPEG draft)."""
    return encode(Image.new("RGB", (6400, 200), "navy"), "PNG")


def gps_jpeg() -> bytes:
    """Carries GPS and a capture time and is larger than the display size."""
    return (PHOTOS / "gps.jpg").read_bytes()


# Each target runs after the photo is decoded (or interprets what Pillow parsed): a fault there is ours.
OWN_CODE_FAULTS = [
    (Image.Image, "resize", TypeError, gps_jpeg),  # the LANCZOS bands of _resample
    (Image.Image, "reduce", IndexError, wide_png),  # the integer pre-reduction of _resample
    (imaging, "_normalise_mode", KeyError, gps_jpeg),
    (imaging, "_gps_coordinate", IndexError, gps_jpeg),
    (imaging, "_exif_datetime", RuntimeError, gps_jpeg),
]


@pytest.mark.parametrize(("owner", "name", "error", "photo"), OWN_CODE_FAULTS,
                         ids=[f"{name}-{error.__name__}" for _owner, name, error, _photo in OWN_CODE_FAULTS])
def test_exceptions_of_our_own_code_surface_as_themselves(monkeypatch, owner, name, error, photo):
    data = photo()
    monkeypatch.setattr(owner, name, _raise(error))
    with pytest.raises(error, match="a bug in our code"):
        process_photo(data)


def test_decoder_errors_still_mean_a_damaged_photo(monkeypatch):
    """The same exception types raised by the decoder itself are the photo's fault: 422 corrupt_image."""
    monkeypatch.setattr(ImageFile.ImageFile, "load", _raise(IndexError))
    with pytest.raises(PhotoError) as caught:
        process_photo((PHOTOS / "gps.jpg").read_bytes())
    assert (caught.value.code, caught.value.status) == ("corrupt_image", 422)
