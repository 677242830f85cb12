"""Photo pipeline: untrusted upload bytes in, metadata-free display + thumbnail JPEGs out.

Pure module (no Flask, no I/O besides the bytes handed in), so it can be tested and benchmarked alone.

What it does, in order (DESIGN §7):

1. Identify the image **from its bytes** with Pillow, restricted to the allowed decoders (JPEG, PNG, WebP and
   HEIF/HEIC through pillow-heif). Names and MIME types are never looked at.
2. Refuse before decoding anything larger than ``MAX_PIXELS`` (header dimensions; Pillow's
   decompression-bomb warning is turned into an error as a second guard), and PNG/WebP/HEIF images with more
   pixels than their file size makes plausible for a photo (``MAX_PIXELS_PER_BYTE`` above ``FREE_PIXELS``: a
   flat 49-megapixel PNG is 160 KB but costs a second of CPU to decode). Cut-off HEIF containers are refused
   too (libheif would paint the missing tiles green). Decoding then waits for one of ``DECODE_SLOTS`` per
   process (a bounded semaphore): when they stay busy for ``DECODE_WAIT_SECONDS`` the upload is answered 503
   with Retry-After (the phone's outbox sends it again later) instead of queuing without end.
3. Read what we want from EXIF (orientation, GPS position, time taken) defensively: broken EXIF only means "no
   metadata", never a failed upload.
4. Decode cheaply. For JPEG, ``Image.draft`` is asked for the *aspect-correct* target size so libjpeg
   decodes at 1/2, 1/4 or 1/8 scale in the DCT domain (asking for a square box, as ``thumbnail()``-style code
   does, silently disables the shortcut for non-square photos — DESIGN §2).
5. Resize once to the display size (LANCZOS, ``reducing_gap``; in bands on a thread pool, since Pillow's
   resampling releases the GIL), converting an embedded non-sRGB ICC profile (iPhone Display P3) to sRGB
   on the way. Then apply the EXIF orientation to that *small* image, flatten alpha onto white, and make the
   thumbnail from the display image rather than decoding again.
6. Encode both as baseline JPEG with no EXIF, XMP, ICC, comment or any other metadata. Output is deterministic
   for a given input (same bytes -> same sha256), which makes content addressing work.

Errors are :class:`fieldapp.errors.PhotoError` with a machine code and a 4xx status:
``empty`` 400, ``too_many_pixels`` 413, ``unsupported_type`` 415, ``corrupt_image`` 422, ``busy`` 503.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import re
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from PIL import Image, ImageCms, ImageFile, ImageFilter, UnidentifiedImageError

from fieldapp.errors import N_, PhotoError

try:  # pillow-heif is a hard dependency in production; keep the module importable without it.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - exercised only on broken installs
    HEIF_SUPPORTED = False

__all__ = [
    "MAX_PIXELS",
    "DISPLAY_SIZE",
    "THUMB_SIZE",
    "JPEG_QUALITY",
    "Rendition",
    "ProcessedPhoto",
    "process_photo",
    "image_size",
    "blur_region",
]

MAX_PIXELS = 50_000_000
# Formats that can compress a flat image almost without limit. JPEG is exempt: it is decoded at 1/8 scale
# (draft) and cannot go much below ~1 bit per pixel anyway. Real photos have < 20 pixels per byte.
RATIO_CHECKED_FORMATS = ("PNG", "WEBP", "HEIF")
FREE_PIXELS = 12_000_000  # any image up to 12 MP is fine whatever its size (a screenshot, a small PNG)
MAX_PIXELS_PER_BYTE = 64
# Concurrent decodes per process; more uploads wait up to DECODE_WAIT_SECONDS, then get 503 + Retry-After.
# FIELDAPP_PHOTO_DECODE_SLOTS overrides the default: one per CPU core, at least two.
DECODE_SLOTS = int(os.environ.get("FIELDAPP_PHOTO_DECODE_SLOTS") or 0) or max(2, os.cpu_count() or 1)
DECODE_WAIT_SECONDS = 3.0
BUSY_RETRY_AFTER_SECONDS = 10
DISPLAY_SIZE = 1600
THUMB_SIZE = 320
#: Display JPEG settings, tuned with bench/photos.py: the 1600 px output must stay >= 40 dB PSNR (RGB) against
#: a full-decode LANCZOS reference. Resampling alone (draft + LANCZOS) is at 47-57 dB or identical; the JPEG
#: step decides. On the bench inputs q82 4:2:0 gave 36-41 dB, q92 4:4:4 39.8-42.7 dB (the iPhone 13 HEIC
#: below 40), q93 4:4:4 >= 40.4 dB. The price is bytes: ~0.55-0.9 MB per display image instead of
#: ~0.2-0.4 MB at q82.
JPEG_QUALITY = 93
DISPLAY_SUBSAMPLING = "4:4:4"
#: Thumbnails are looked at small; ordinary web settings.
THUMB_QUALITY = 82
THUMB_SUBSAMPLING = "4:2:0"
#: Pillow's reducing_gap: integer box-reduce first while at least this much scaling is left for LANCZOS.
#: 2.0 is Pillow's "fast, visually the same as fair resampling" setting (libvips uses the same gap).
REDUCING_GAP = 2.0
#: The display resize runs in this many horizontal bands (in parallel where there are CPUs; fixed, so the
#: output bytes do not depend on the machine).
RESAMPLE_BANDS = 4

# A process-wide Pillow setting: with it Pillow itself warns above MAX_PIXELS and raises above twice that.
# process_photo() turns the warning into an error too, and checks the header dimensions explicitly first.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Truncated files must be refused, not silently padded with grey (this is Pillow's default; say so loudly).
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Pillow format names we let Image.open try, and the name we report for each (MPO = JPEG with extra frames,
# as many phones write).
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP") + (("HEIF",) if HEIF_SUPPORTED else ())
_REPORTED_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "HEIF"}

# What Pillow/pillow-heif raise for undecodable data. Caught only around the calls that parse or decode the
# upload (Image.open, draft, load, getexif/get_ifd): Pillow's format parsers turn hostile bytes into any of
# these. Everything after decoding (mode conversion, resampling, colour, encoding, our EXIF arithmetic) is our
# own code on pixels already in memory: an exception there is a bug and surfaces as one (500), never as
# "corrupt image".
_DECODER_ERRORS = (
    OSError,  # includes "image file is truncated", decoder errors
    SyntaxError,  # bad headers
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    TypeError,
    KeyError,
    ZeroDivisionError,
    RuntimeError,  # libheif decode errors
    zlib.error,
)
# EXIF is read best-effort: these only mean "no metadata" (the pixels may still be fine).
_EXIF_ERRORS = _DECODER_ERRORS + (AttributeError, UnicodeError, OverflowError, RecursionError)

_HEIF_BRANDS = {
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2",
}

# EXIF orientation -> the transpose that makes the image upright (same table as ImageOps.exif_transpose).
_ORIENTATION_OPS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_TAG_ORIENTATION = 0x0112
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int
    sha256: str  # hex digest of ``data``

    @classmethod
    def from_image(cls, im: Image.Image, quality: int, subsampling: str) -> Rendition:
        data = _encode_jpeg(im, quality, subsampling)
        return cls(data=data, width=im.width, height=im.height, sha256=hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class ProcessedPhoto:
    display: Rendition
    thumb: Rendition
    source_format: str  # "JPEG", "PNG", "WEBP", "HEIF"
    source_width: int  # after orientation
    source_height: int
    gps_lon: float | None
    gps_lat: float | None
    taken_at: datetime | None  # EXIF DateTimeOriginal; aware only if OffsetTimeOriginal was present


# --------------------------------------------------------------------------------------------------- public


def process_photo(data: bytes) -> ProcessedPhoto:
    """Validate, orient, downscale and re-encode one uploaded photo. Raises PhotoError (4xx) for bad input."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError("process_photo() takes the uploaded bytes")
    with _checked_image(data) as im, decode_slot():
        return _process_open_image(im)


def check_pixels(image_format: str, size: tuple[int, int], file_bytes: int) -> None:
    """Refuse (413) images over MAX_PIXELS, and compressible formats with implausibly many pixels per byte."""
    pixels = size[0] * size[1]
    if pixels > MAX_PIXELS:
        raise _too_many_pixels()
    if image_format in RATIO_CHECKED_FORMATS and pixels > max(FREE_PIXELS, file_bytes * MAX_PIXELS_PER_BYTE):
        raise PhotoError(
            N_("The image has far more pixels than its file size suggests for a photo. Please send the photo "
               "as the camera saved it."),
            code="too_many_pixels",
            status=413,
        )


_decode_slots = threading.BoundedSemaphore(DECODE_SLOTS)


@contextmanager
def decode_slot(wait: float | None = None) -> Iterator[None]:
    """Hold one of the process's DECODE_SLOTS; PhotoError ``busy`` (503, Retry-After) when none frees up."""
    if not _decode_slots.acquire(timeout=DECODE_WAIT_SECONDS if wait is None else wait):
        raise PhotoError(
            N_("The server is busy with other photos. The photo will be sent again shortly."),
            code="busy",
            status=503,
            retry_after=BUSY_RETRY_AFTER_SECONDS,
        )
    try:
        yield
    finally:
        _decode_slots.release()


# -------------------------------------------------------------------------------------------------- helpers


@contextmanager
def _checked_image(data: bytes) -> Iterator[Image.Image]:
    """The upload opened (header only) if its size and pixel count pass, else PhotoError; closed after."""
    if not data:
        raise PhotoError(N_("The file is empty."), code="empty", status=400)
    # WeasyPrint (the protocol PDF) sets this process-wide flag to True when it is imported; a cut-off
    # upload must still be refused, not padded with grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Note: catch_warnings is process-global state; worst case under threads is that the "error" filter for
    # DecompressionBombWarning outlives this block, which is harmless. check_pixels is the real guard.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Corrupt EXIF data" and friends: we handle EXIF defensively
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = _open(data)
        try:
            check_pixels(im.format, im.size, len(data))
            yield im
        finally:
            im.close()


def _load(im: Image.Image) -> None:
    """Decode the pixels; PhotoError for too many pixels or a damaged file."""
    try:
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except _DECODER_ERRORS:
        raise _corrupt() from None


def _open(data: bytes) -> Image.Image:
    try:
        im = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        if _looks_like_allowed_format(data):
            raise _corrupt() from None
        raise PhotoError(
            N_("This file is not a photo we can use. Please send a JPEG, PNG, WebP or HEIC image."),
            code="unsupported_type",
            status=415,
        ) from None
    except _DECODER_ERRORS:
        raise _corrupt() from None
    if im.format not in _REPORTED_FORMAT:  # defensive: _OPEN_FORMATS already restricts this
        im.close()
        raise PhotoError(N_("This image format is not supported."), code="unsupported_type", status=415)
    if im.format == "HEIF" and not _heif_boxes_complete(data):
        # libheif decodes a cut-off file without complaint, painting the missing tiles green.
        im.close()
        raise _corrupt()
    return im


def _heif_boxes_complete(data: bytes) -> bool:
    """True when the top-level ISO-BMFF boxes (ftyp, meta, mdat...) all fit inside ``data``."""
    offset, end = 0, len(data)
    while offset < end:
        if end - offset < 8:
            return False
        size = struct.unpack_from(">I", data, offset)[0]
        if size == 1:  # 64-bit size follows
            if end - offset < 16:
                return False
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:  # box runs to the end of the file
            return True
        else:
            header = 8
        if size < header or offset + size > end:
            return False
        offset += size
    return True


def _process_open_image(im: Image.Image) -> ProcessedPhoto:
    width, height = im.size
    if width <= 0 or height <= 0:
        raise _corrupt()
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()

    orientation, gps_lon, gps_lat, taken_at = _read_metadata(im)
    swap = orientation in (5, 6, 7, 8)

    # Target size in the *stored* orientation (rotating afterwards does not change the scale).
    target = _fit(width, height, DISPLAY_SIZE)
    box = None
    if im.format in ("JPEG", "MPO") and target != (width, height):
        try:
            # Aspect-correct size: libjpeg picks the largest 1/2, 1/4, 1/8 reduction still >= target.
            drafted = im.draft("RGB", target)
        except _DECODER_ERRORS:
            drafted = None
        if drafted is not None:
            box = drafted[1]

    _load(im)
    work = _normalise_mode(im)
    icc = im.info.get("icc_profile") or None
    transform = _icc_transform(icc, work.mode) if icc and work.mode in ("RGB", "CMYK") else None
    try:
        resized = _resample(work, target, box, transform)
        if transform is not None:
            icc = None  # applied while resampling
    except ImageCms.PyCMSError:  # an odd profile lcms accepted but cannot apply: keep the pixels as they are
        resized, icc = _resample(work, target, box, None), None
    work = resized

    op = _ORIENTATION_OPS.get(orientation)
    if op is not None:
        work = work.transpose(op)
    display = _to_srgb(work, icc)

    # Thumbnail from the display image. Pillow's resize releases the GIL, JPEG encoding does not, so on a
    # multi-core machine the thumbnail is resampled while the display image is being encoded.
    thumb_size = _fit(display.width, display.height, THUMB_SIZE)
    pool = _executor()
    thumb_future = None
    if thumb_size == display.size:
        thumb = display
    elif pool is not None:
        thumb_future = pool.submit(display.resize, thumb_size, Image.Resampling.LANCZOS, None, REDUCING_GAP)
    else:
        thumb = display.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    display_rendition = Rendition.from_image(display, JPEG_QUALITY, DISPLAY_SUBSAMPLING)
    if thumb_future is not None:
        thumb = thumb_future.result()

    return ProcessedPhoto(
        display=display_rendition,
        thumb=Rendition.from_image(thumb, THUMB_QUALITY, THUMB_SUBSAMPLING),
        source_format=_REPORTED_FORMAT[im.format],
        source_width=height if swap else width,
        source_height=width if swap else height,
        gps_lon=gps_lon,
        gps_lat=gps_lat,
        taken_at=taken_at,
    )


def _fit(width: int, height: int, limit: int) -> tuple[int, int]:
    """Size with the longest side at most ``limit``, aspect kept, never upscaled."""
    longest = max(width, height)
    if longest <= limit:
        return width, height
    if width >= height:
        return limit, max(1, round(height * limit / width))
    return max(1, round(width * limit / height)), limit


# ------------------------------------------------------------------------------------------------ resampling

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _executor() -> ThreadPoolExecutor | None:
    """A small per-process pool for the GIL-free parts (resampling, colour transforms); None on one CPU."""
    global _pool, _pool_pid
    workers = min(RESAMPLE_BANDS, _usable_cpus())
    if workers < 2:
        return None
    pid = os.getpid()
    if _pool is None or _pool_pid != pid:  # (re)create after a fork, e.g. gunicorn --preload
        with _pool_lock:
            if _pool is None or _pool_pid != pid:
                _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldapp-imaging")
                _pool_pid = pid
    return _pool


def _resample(
    im: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float] | None,
    transform: ImageCms.ImageCmsTransform | None,
) -> Image.Image:
    """LANCZOS resize of ``box`` (default: whole image) to ``size``, plus an optional ICC transform.

    Like ``Image.resize(..., reducing_gap=REDUCING_GAP)``: an integer box reduction first while at least
    REDUCING_GAP of scaling is left, then LANCZOS. The LANCZOS pass runs in RESAMPLE_BANDS horizontal bands,
    each a resize of its own source box (the kernel still reads the rows around it, so there are no seams);
    the bands run in parallel where there are CPUs. The band split does not depend on the machine, so the
    output is the same everywhere.
    """
    if box is None:
        box = (0, 0, im.width, im.height)
    if tuple(size) == (im.width, im.height) and tuple(box) == (0, 0, im.width, im.height):
        return transform.apply(im) if transform is not None else im
    factor_x = int((box[2] - box[0]) / size[0] / REDUCING_GAP) or 1
    factor_y = int((box[3] - box[1]) / size[1] / REDUCING_GAP) or 1
    if factor_x > 1 or factor_y > 1:
        im = im.reduce((factor_x, factor_y))
        box = (box[0] / factor_x, box[1] / factor_y, box[2] / factor_x, box[3] / factor_y)

    width, height = size
    bands = RESAMPLE_BANDS if height >= 16 * RESAMPLE_BANDS else 1
    edges = [round(height * i / bands) for i in range(bands + 1)]
    scale_y = (box[3] - box[1]) / height

    def band(i: int) -> Image.Image:
        y0, y1 = edges[i], edges[i + 1]
        part = im.resize(
            (width, y1 - y0),
            Image.Resampling.LANCZOS,
            box=(box[0], box[1] + y0 * scale_y, box[2], box[1] + y1 * scale_y),
        )
        return transform.apply(part) if transform is not None else part

    pool = _executor() if bands > 1 else None
    parts = list(pool.map(band, range(bands))) if pool is not None else [band(i) for i in range(bands)]
    if bands == 1:
        return parts[0]
    out = Image.new(parts[0].mode, size)
    for i, part in enumerate(parts):
        out.paste(part, (0, edges[i]))
    return out


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Bring any decoded mode into one that resizes correctly: RGB, RGBA, L or CMYK."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "CMYK"):
        return im
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("LA", "La", "PA", "RGBa"):
        return im.convert("RGBA")
    if mode == "1":
        return im.convert("L")
    if mode == "I" or mode.startswith("I;16"):
        # Pillow's I;16 -> L conversion clips at 255 instead of scaling; scale 0..65535 to 0..255 ourselves.
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode == "F":
        return im.point(lambda v: v * 255).convert("L")
    return im.convert("RGB")  # RGBX, YCbCr, LAB, HSV...


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Final RGB image: alpha flattened on white, colour-managed to sRGB if a profile is still pending."""
    if im.mode == "RGBA":
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        im = background
    if icc and im.mode in ("RGB", "CMYK"):
        transform = _icc_transform(icc, im.mode)
        if transform is not None:
            try:
                return transform.apply(im)
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass
    if im.mode != "RGB":
        im = im.convert("RGB")
    return im


@lru_cache(maxsize=32)
def _icc_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Transform from an embedded profile to sRGB, or None when it is already sRGB / unusable.

    Built once per distinct profile (phones embed the same few). NOCACHE: lcms's one-pixel cache is useless
    for photos and the transform is shared between threads.
    """
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space.strip()
        if (mode, space) not in (("RGB", "RGB"), ("CMYK", "CMYK")):
            return None
        if mode == "RGB" and "srgb" in (ImageCms.getProfileDescription(profile) or "").lower():
            return None  # already sRGB: skip the cost
        return ImageCms.buildTransform(
            profile,
            _srgb_profile(),
            mode,
            "RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            flags=ImageCms.Flags.NOCACHE | ImageCms.Flags.HIGHRESPRECALC,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError, AttributeError):
        return None


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a stored image, read from its header."""
    with Image.open(io.BytesIO(data)) as opened:
        return opened.size


LOGO_BOX = (480, 160)  # the largest logo kept: twice the top bar's height, wide logos allowed
LOGO_MAX_BYTES = 2 * 1024 * 1024


def logo_png(data: bytes) -> bytes:
    """An uploaded logo (JPEG, PNG, WebP, HEIC) as a small PNG without metadata; PhotoError for bad input."""
    if len(data) > LOGO_MAX_BYTES:
        raise PhotoError(N_("The logo file is too large (at most 2 MB)."), code="too_large", status=413)
    with _checked_image(data) as im:
        _load(im)
        logo = _normalise_mode(im).convert("RGBA")
    logo.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    logo.save(out, "PNG", optimize=True)
    return out.getvalue()


def blur_region(data: bytes, box: tuple[int, int, int, int]) -> bytes:
    """A display JPEG with the pixel rectangle ``box`` (left, top, right, bottom) blurred beyond recognition,
    encoded like every display image (same quality, no metadata)."""
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    region = image.crop(box)
    radius = max(8, max(region.size) // 6)
    image.paste(region.filter(ImageFilter.GaussianBlur(radius)), box[:2])
    return _encode_jpeg(image, JPEG_QUALITY, DISPLAY_SUBSAMPLING)


def published_copy(data: bytes) -> bytes:
    """A stored display JPEG re-encoded as a separate file for publication (same pixels and quality, no
    metadata): what a photo approved without blurring is published as, so its original can be purged."""
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    return _encode_jpeg(image, JPEG_QUALITY, DISPLAY_SUBSAMPLING)


def _encode_jpeg(im: Image.Image, quality: int, subsampling: str) -> bytes:
    # A fresh info dict: Pillow would otherwise carry over e.g. the source's COM comment or dpi.
    im.info = {}
    out = io.BytesIO()
    # Baseline, Huffman tables not optimised: optimize/progressive cost 2-5x the encode time for ~4 % bytes.
    im.save(out, "JPEG", quality=quality, optimize=False, progressive=False, subsampling=subsampling)
    return out.getvalue()


def _looks_like_allowed_format(data: bytes) -> bool:
    """Magic bytes of the formats we accept: tells "corrupt photo" (422) from "not a photo" (415)."""
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return HEIF_SUPPORTED and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _corrupt() -> PhotoError:
    return PhotoError(
        N_("The image is damaged or incomplete and could not be read. Please try sending it again."),
        code="corrupt_image",
        status=422,
    )


def _too_many_pixels() -> PhotoError:
    return PhotoError(
        N_("The image is too large (more than %(megapixels)s megapixels)."),
        params={"megapixels": MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
        status=413,
    )


# ------------------------------------------------------------------------------------------------- metadata


def _read_metadata(im: Image.Image) -> tuple[int, float | None, float | None, datetime | None]:
    """(orientation, lon, lat, taken_at) from EXIF; anything unreadable becomes 1 / None.

    Only Pillow's EXIF parsing is guarded (hostile bytes); interpreting the parsed values is our own code.
    """
    try:
        exif = im.getexif()
        value = exif.get(_TAG_ORIENTATION)
    except _EXIF_ERRORS:
        return 1, None, None, None
    orientation = value if isinstance(value, int) and value in _ORIENTATION_OPS else 1

    lon = lat = None
    gps = _exif_ifd(exif, _IFD_GPS)
    if gps:
        lat = _gps_coordinate(gps.get(2), gps.get(1), "N", "S", 90.0)
        lon = _gps_coordinate(gps.get(4), gps.get(3), "E", "W", 180.0)
        if lat is None or lon is None or (lat == 0.0 and lon == 0.0):  # 0,0 = receiver without a fix
            lat = lon = None

    taken_at = None
    exif_ifd = _exif_ifd(exif, _IFD_EXIF)
    if exif_ifd:
        taken_at = _exif_datetime(
            exif_ifd.get(_TAG_DATETIME_ORIGINAL), exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL)
        )
    return orientation, lon, lat, taken_at


def _exif_ifd(exif: Image.Exif, tag: int) -> dict[int, object]:
    """One sub-IFD parsed by Pillow as a plain dict; empty when Pillow cannot parse it."""
    try:
        return dict(exif.get_ifd(tag))
    except _EXIF_ERRORS:
        return {}


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()


def _gps_coordinate(value, ref, positive: str, negative: str, limit: float) -> float | None:
    """EXIF degrees/minutes/seconds rationals + hemisphere ref -> signed decimal degrees, or None."""
    ref = (_text(ref) or "").upper()
    if ref not in (positive, negative) or value is None:
        return None
    parts = value if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(p) for p in parts]  # IFDRational with a zero denominator gives nan
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    degrees, minutes, seconds = (numbers + [0.0, 0.0])[:3]
    if minutes > 60 or seconds > 60:
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if decimal > limit:
        return None
    return -decimal if ref == negative else decimal


_EXIF_DATETIME = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _exif_datetime(value, offset) -> datetime | None:
    text = _text(value)
    match = _EXIF_DATETIME.match(text or "")
    if not match:
        return None
    try:
        taken = datetime(*(int(g) for g in match.groups()))
    except ValueError:  # 0000:00:00 00:00:00 and other impossible dates
        return None
    off = _EXIF_OFFSET.match(_text(offset) or "")
    if off:
        sign = -1 if off.group(1) == "-" else 1
        delta = timedelta(hours=int(off.group(2)), minutes=int(off.group(3)))
        if delta <= timedelta(hours=14):
            taken = taken.replace(tzinfo=timezone(sign * delta))
    return taken
