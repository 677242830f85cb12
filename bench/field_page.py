"""Field page costs on a phone: bytes over the wire (first and repeat load, no map tiles), bytes sent for a
12 MP photo (original vs downscaled on the phone), and time from tapping Save to the entry shown as saved.

Usage: .venv/bin/python bench/field_page.py [--runs 5]
Starts fieldapp (gunicorn, SpatiaLite, demo walk) on a free port and drives Debian's Chromium (Pixel 7
profile). Transfer sizes are what Chromium reports per request (body as transferred, i.e. compressed when the
server compressed it, plus headers), for the page and its service worker (Playwright's service-worker network
events), excluding map tiles and anything answered from the service worker's cache.
Writes bench/results/field_page.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # closed port: tiles are excluded from the measurement
# Measured in the page, from outside the app's code (no hook in production JS): tap Save, then wait until
# "My findings" has one more entry (written to IndexedDB and drawn).
SAVE_TO_SAVED_JS = """() => new Promise((resolve) => {
    const list = document.getElementById("my-findings-list");
    const before = list.querySelectorAll(".finding-item").length;
    const started = performance.now();
    const observer = new MutationObserver(() => {
        if (list.querySelectorAll(".finding-item").length > before) {
            observer.disconnect();
            resolve(performance.now() - started);
        }
    });
    observer.observe(list, { childList: true });
    document.getElementById("sheet-save").click();
})"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def twelve_megapixel_jpeg(path: Path) -> Path:
    """A photo-like 4000×3000 JPEG (gradients, noise, shapes) at phone quality."""
    rng = np.random.default_rng(12)
    y, x = np.mgrid[0:3000, 0:4000]
    base = np.stack([(x / 16) % 256, (y / 12) % 256, ((x + y) / 28) % 256], axis=-1)
    noise = rng.normal(0, 18, size=base.shape)
    pixels = np.clip(base * 0.7 + noise + 30, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, "JPEG", quality=92)
    return path


class Transfer:
    """Bytes over the wire (body as transferred, plus headers) of every request the page or its service
    worker makes, excluding map tiles and responses served from the service worker's cache."""

    def __init__(self, context):
        self.bytes = 0
        self.requests = 0
        context.on("requestfinished", self.finished)

    def finished(self, request) -> None:
        if request.url.startswith("http://127.0.0.1:9/"):
            return
        response = request.response()
        if response is None or response.from_service_worker:
            return
        sizes = request.sizes()
        if os.environ.get("BENCH_VERBOSE"):
            print(
                f"{sizes['responseBodySize']:>8} {sizes['responseHeadersSize']:>5} {request.url}",
                file=sys.stderr,
            )
        self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.requests += 1

    def take(self) -> tuple[int, int]:
        time.sleep(0.3)
        taken = (self.bytes, self.requests)
        self.bytes = self.requests = 0
        return taken


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FIELDAPP_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite'}",
           "FIELDAPP_UPLOAD_DIR": str(work / "uploads"), "FIELDAPP_SECRET_KEY": "bench",
           "FIELDAPP_PUBLIC_URL": url, "FIELDAPP_TILE_URL": TILE_URL, "FIELDAPP_ENV": "development"}
    fieldapp = [sys.executable, "-c", "from fieldapp.cli import main; main()"]
    subprocess.run([*fieldapp, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    demo = subprocess.run([*fieldapp, "seed", "--demo"], env=env, check=True, cwd=ROOT, capture_output=True,
                          text=True).stdout
    join_url = re.search(r"^Join link: (\S+)$", demo, re.M).group(1)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "fieldapp:create_app()"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/", timeout=1)  # noqa: S310 - local server
            break
        except OSError:
            time.sleep(0.1)
    photo = twelve_megapixel_jpeg(work / "12mp.jpg")
    results: dict = {
        "runs": args.runs,
        "chromium": subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True
        ).stdout.strip(),
    }
    first, repeat, save_ms, sent_bytes = [], [], [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for _ in range(args.runs):
                context = browser.new_context(
                    **p.devices["Pixel 7"],
                    locale="sv-SE",
                    permissions=["geolocation"],
                    geolocation={"latitude": 57.8945, "longitude": 12.0688, "accuracy": 8},
                )
                page = context.new_page()
                page.on("pageerror", lambda e: print("pageerror:", e, file=sys.stderr))
                transfer = Transfer(context)
                page.goto(join_url)
                transfer.take()  # the join form is not part of the field page
                page.click("button[type=submit]")
                page.wait_for_selector(".field[data-offline-ready=true]")
                page.wait_for_load_state("networkidle")
                first.append(transfer.take())
                page.reload()
                page.wait_for_selector(".field[data-ready=true]")
                page.wait_for_load_state("networkidle")
                repeat.append(transfer.take())
                page.click("#add-finding")
                page.check("input[name=category][value=lighting]", force=True)
                page.set_input_files("#photo-gallery", str(photo))
                page.wait_for_selector("#sheet-photos li")
                save_ms.append(float(page.evaluate(SAVE_TO_SAVED_JS)))
                page.wait_for_selector("#sync-status[data-state=sent]", timeout=60_000)
                sent_bytes.append(
                    page.evaluate(
                        "async () => { const db = await new Promise(r => {"
                        " const q = indexedDB.open('fieldapp'); q.onsuccess = () => r(q.result); });"
                        " const all = await new Promise(r => {"
                        " const q = db.transaction('photos').objectStore('photos').getAll();"
                        " q.onsuccess = () => r(q.result); });"
                        " return all[all.length - 1].sentBytes; }"
                    )
                )
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    results.update({
        "first_load_bytes_median": statistics.median(b for b, _ in first),
        "first_load_requests_median": statistics.median(n for _, n in first),
        "repeat_load_bytes_median": statistics.median(b for b, _ in repeat),
        "repeat_load_requests_median": statistics.median(n for _, n in repeat),
        "first_load": first,
        "repeat_load": repeat,
        "photo_original_bytes": photo.stat().st_size,
        "photo_original_pixels": "4000x3000",
        "photo_sent_bytes_median": statistics.median(sent_bytes),
        "photo_sent_ratio": round(statistics.median(sent_bytes) / photo.stat().st_size, 3),
        "save_to_saved_ms_median": statistics.median(save_ms),
        "save_to_saved_ms": save_ms,
    })
    out = ROOT / "bench" / "results" / "field_page.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
