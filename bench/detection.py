"""Face and number-plate detection (fieldapp.detection) on the labelled set: recall, false regions, CPU time.

Usage: .venv/bin/python bench/detection.py [--repeat 3]
Reads tests/fixtures/detection/labels.json (synthetic composites in that folder + real street photos from
../shared/realworld/photos, the latter first run through fieldapp.imaging.process_photo so the detector sees
the stored 1600 px display JPEG, as in production). onnxruntime uses one thread
(fieldapp.detection.ONNX_THREADS); times are CPU time of the process (decode + detection).
A labelled box counts as found when a region of the same kind overlaps it with IoU >= labels' match_iou
(one region per box); a region that matches no box and no 'ignore' box is a false region.
Writes bench/results/detection.json and prints the table for docs/PERFORMANCE.md.
"""
from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.realworld import realworld_dir  # noqa: E402
from fieldapp import detection  # noqa: E402
from fieldapp.detection import DetectedRegion, detect_regions  # noqa: E402
from fieldapp.imaging import process_photo  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "detection"
SHARED_PHOTOS = realworld_dir() / "photos"
SIZE_BUCKETS = ((40, 63), (64, 127), (128, 10_000))  # face height in px of the 1600 px photo
PLATE_BUCKETS = ((60, 110), (111, 280))  # plate width in px


def load_labelled_set(street_photos: bool = True) -> tuple[float, list[dict]]:
    """(match IoU, images) where each image dict gains 'data': the bytes the detector should see.

    ``street_photos=False`` leaves out the real photos of the extended corpus (the composites are in
    the repository).
    """
    labels = json.loads((FIXTURES / "labels.json").read_text())
    images = []
    for image in labels["images"]:
        name = image["file"]
        if name.startswith("shared:"):
            if not street_photos:
                continue
            data = process_photo((SHARED_PHOTOS / name.removeprefix("shared:")).read_bytes()).display.data
        else:
            data = (FIXTURES / name).read_bytes()
        images.append({**image, "data": data})
    return labels["match_iou"], images


def iou(a: dict | DetectedRegion, b: dict | DetectedRegion) -> float:
    """Intersection over union of two fractional boxes (dicts with x, y, w, h or DetectedRegion)."""
    ax, ay, aw, ah = _xywh(a)
    bx, by, bw, bh = _xywh(b)
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _xywh(box: dict | DetectedRegion) -> tuple[float, float, float, float]:
    if isinstance(box, DetectedRegion):
        return box.x, box.y, box.w, box.h
    return box["x"], box["y"], box["w"], box["h"]


def score_image(image: dict, regions: list[DetectedRegion], match_iou: float) -> dict:
    """Which labelled boxes were found, and which regions are false, for one image."""
    found = [False] * len(image["regions"])
    used = [False] * len(regions)
    pairs = sorted(((iou(label, region), i, j) for i, label in enumerate(image["regions"])
                    for j, region in enumerate(regions) if region.kind == label["kind"]), reverse=True)
    for overlap, i, j in pairs:
        if overlap >= match_iou and not found[i] and not used[j]:
            found[i] = used[j] = True
    ignore = image.get("ignore", [])
    false = [r for j, r in enumerate(regions)
             if not used[j] and not any(iou(r, box) >= match_iou or _centre_in(r, box) for box in ignore)
             and not any(iou(r, label) >= match_iou for label in image["regions"])]
    return {"found": found, "false": false}


def _centre_in(region: DetectedRegion, box: dict) -> bool:
    cx, cy = region.x + region.w / 2, region.y + region.h / 2
    return box["x"] <= cx <= box["x"] + box["w"] and box["y"] <= cy <= box["y"] + box["h"]


def summarise(images: list[dict], scored: list[dict]) -> dict:
    """Recall by kind, pose and size bucket; false regions per photo (all, and real street photos only)."""
    rows = [(label, ok) for image, s in zip(images, scored, strict=True)
            for label, ok in zip(image["regions"], s["found"], strict=True)]

    def recall(select) -> dict:
        hits = [ok for label, ok in rows if select(label)]
        rate = round(sum(hits) / len(hits), 3) if hits else None
        return {"found": sum(hits), "labelled": len(hits), "recall": rate}

    out = {
        "face": recall(lambda r: r["kind"] == "face"),
        "face_frontal": recall(lambda r: r["kind"] == "face" and r["pose"] == "frontal"),
        "face_profile": recall(lambda r: r["kind"] == "face" and r["pose"] == "profile"),
        "plate": recall(lambda r: r["kind"] == "plate"),
        "plate_tuning": recall(lambda r: r["kind"] == "plate" and r["set"] == "tuning"),
        "plate_holdout": recall(lambda r: r["kind"] == "plate" and r["set"] == "holdout"),
    }
    for kind, buckets in (("face", SIZE_BUCKETS), ("plate", PLATE_BUCKETS)):
        for low, high in buckets:
            out[f"{kind}_{low}_{high}px"] = recall(
                lambda r, k=kind, lo=low, hi=high: r["kind"] == k and lo <= r["px"] <= hi)
    street = [s for image, s in zip(images, scored, strict=True) if image["file"].startswith("shared:")]
    for kind in ("face", "plate"):
        out[f"false_{kind}_per_photo"] = round(
            sum(1 for s in scored for r in s["false"] if r.kind == kind) / len(scored), 3)
        out[f"false_{kind}_per_street_photo"] = round(
            sum(1 for s in street for r in s["false"] if r.kind == kind) / len(street), 3) if street else None
    out["photos"] = len(images)
    out["street_photos"] = len(street)
    return out


def run_sweep(images: list[dict], match_iou: float) -> list[dict]:
    """Face recall / false faces / CPU for other input sizes and thresholds (module settings restored)."""
    saved = detection.FACE_INPUT_LONG_SIDE, detection.FACE_SCORE_THRESHOLD
    rows = []
    try:
        for side in (640, 800, 896, 1024, 1280):
            for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
                detection.FACE_INPUT_LONG_SIDE, detection.FACE_SCORE_THRESHOLD = side, threshold
                scored, cpu = [], []
                for image in images:
                    start = time.process_time()
                    regions = detect_regions(image["data"])
                    cpu.append((time.process_time() - start) * 1000)
                    scored.append(score_image(image, regions, match_iou))
                s = summarise(images, scored)
                rows.append({"long_side": side, "threshold": threshold, "face_recall": s["face"]["recall"],
                             "face_profile": s["face_profile"]["recall"],
                             "face_40_63px": s["face_40_63px"]["recall"],
                             "false_face_per_photo": s["false_face_per_photo"],
                             "false_face_per_street_photo": s["false_face_per_street_photo"],
                             "cpu_ms_median": round(statistics.median(cpu), 1)})
                print(rows[-1])
    finally:
        detection.FACE_INPUT_LONG_SIDE, detection.FACE_SCORE_THRESHOLD = saved
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per photo (median kept)")
    parser.add_argument("--sweep", action="store_true",
                        help="also try other face input sizes and score thresholds (one run each)")
    args = parser.parse_args()
    match_iou, images = load_labelled_set()
    sweep = run_sweep(images, match_iou) if args.sweep else None
    detect_regions(images[0]["data"])  # load the model outside the timings
    scored, per_image = [], []
    for image in images:
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            regions = detect_regions(image["data"])
            times.append((time.process_time() - start) * 1000)
        result = score_image(image, regions, match_iou)
        scored.append(result)
        size = Image.open(io.BytesIO(image["data"])).size
        per_image.append({
            "file": image["file"], "size": list(size), "cpu_ms": round(statistics.median(times), 1),
            "found": result["found"], "false": [asdict(r) for r in result["false"]],
            "regions": [asdict(r) for r in regions],
        })
    cpu = [p["cpu_ms"] for p in per_image]
    cpu_1600 = [p["cpu_ms"] for p in per_image if max(p["size"]) == 1600]
    summary = summarise(images, scored)
    summary["cpu_ms_median"] = round(statistics.median(cpu), 1)
    summary["cpu_ms_max"] = round(max(cpu), 1)
    summary["photos_1600px"] = len(cpu_1600)
    summary["cpu_ms_1600px_median"] = round(statistics.median(cpu_1600), 1)
    summary["cpu_ms_1600px_max"] = round(max(cpu_1600), 1)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "settings": {"face_input_long_side": detection.FACE_INPUT_LONG_SIDE,
                     "face_score_threshold": detection.FACE_SCORE_THRESHOLD,
                     "onnx_threads": detection.ONNX_THREADS, "match_iou": match_iou, "repeat": args.repeat},
        "summary": summary,
        "images": per_image,
    }
    if sweep is not None:
        result["face_sweep"] = sweep
    out = ROOT / "bench" / "results" / "detection.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    for p in per_image:
        print(f"{p['file']:<40} {p['size'][0]:>4}x{p['size'][1]:<4} {p['cpu_ms']:7.1f} ms"
              f"  found {sum(p['found'])}/{len(p['found'])}"
              f"  false {len(p['false'])}")


if __name__ == "__main__":
    main()
