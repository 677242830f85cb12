"""Field page costs on a phone: bytes over the wire (first and repeat load, no map tiles), bytes sent for a
12 MP photo (original vs downscaled on the phone), time from tapping Save to the entry shown as saved, and
time-to-interactive on slow 3G (2 s round trip, 50 KB/s, Chromium's DevTools network emulation): from the
start of the navigation until a tap on "Add finding" opens the sheet, on first load (empty caches, joined)
and on repeat load (service worker installed), with a breakdown of what the page waited for.

Usage: .venv/bin/python bench/field_page.py [--runs 5] [--only bytes|tti]
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
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/field_page.py` from the project root (as `make bench` runs it)

from bench.tile_server import TileServer, tile_png  # noqa: E402 - needs ROOT on the path

os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


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

    def __init__(self, context, tile_origin: str):
        self.tile_origin = tile_origin
        self.bytes = 0
        self.requests = 0
        context.on("requestfinished", self.finished)

    def finished(self, request) -> None:
        if request.url.startswith(self.tile_origin):
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


SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50 * 1024, "uploadThroughput": 50 * 1024}
# In the page from its first byte: when the Add button's sheet opened, when the page's scripts had taken
# the sheet over (Save works), when the field page said it was ready, when the skeleton route and Leaflet's
# route were drawn, and when the first map tile arrived.
TTI_PROBE = """(() => {
  const marks = window.__tti = {};
  const note = (key, present) => { if (present && !(key in marks)) marks[key] = performance.now(); };
  marks.taps = [];
  document.addEventListener('click', (e) => {
    if (e.target.closest?.('#add-finding')) marks.taps.push(Math.round(performance.now()));
  }, true);
  new MutationObserver(() => {
    note('sheet_open', document.getElementById('finding-sheet')?.open);
    note('scripts_ready', document.querySelector('#finding-sheet[data-ready=true]'));
    note('field_ready', document.querySelector('.field[data-ready=true]'));
    note('skeleton_route', document.querySelector('.map-skeleton path'));
    note('leaflet_route', document.querySelector('#field-map .leaflet-overlay-pane path'));
    note('first_tile', document.querySelector('#field-map img.leaflet-tile-loaded'));
  }).observe(document, { subtree: true, childList: true, attributes: true });
})();"""
BREAKDOWN = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  return {
    page_response_start: nav.responseStart, page_response_end: nav.responseEnd,
    dom_interactive: nav.domInteractive, dom_content_loaded: nav.domContentLoadedEventEnd,
    first_contentful_paint: paint['first-contentful-paint'] ?? null, marks: window.__tti,
    resources: performance.getEntriesByType('resource').map(e => ({
      url: e.name.replace(location.origin, ''), start: Math.round(e.startTime),
      end: Math.round(e.responseEnd),
      bytes: e.transferSize, from_service_worker: e.workerStart > 0 && e.transferSize === 0 })),
  };
}"""


def throttle_service_workers(browser) -> None:
    """Slow 3G for the service worker's own fetches too (a page's emulation does not reach them): attach to
    each service worker target through the browser's DevTools session and emulate there."""
    session = browser.new_browser_cdp_session()
    for target in session.send("Target.getTargets")["targetInfos"]:
        if target["type"] != "service_worker":
            continue
        worker = session.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": False})
        for number, (method, params) in enumerate([("Network.enable", {}),
                                                   ("Network.emulateNetworkConditions", SLOW_3G)], start=1):
            message = json.dumps({"id": number, "method": method, "params": params})
            session.send("Target.sendMessageToTarget", {"sessionId": worker["sessionId"], "message": message})


def tap_until_sheet_opens(page, timeout_s: float = 60) -> None:
    """Once the page has painted (a person taps what they see), tap "Add finding" again and again, as an
    impatient walker would, until the sheet opens. The robot's own tap (~0.1–0.3 s) is counted in."""
    page.wait_for_function("() => performance.getEntriesByType('paint').length > 0", polling="raf",
                           timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            page.click("#add-finding", timeout=100, force=True, no_wait_after=True)
            if page.evaluate("document.getElementById('finding-sheet').open"):
                return
        except PlaywrightError:
            pass
        time.sleep(0.02)
    raise TimeoutError("the Add button never opened the sheet")


def one_load(page, walk_url: str) -> dict:
    """Open the field page (slow 3G already on), tap Add until the sheet opens; the timings of that load."""
    page.goto(walk_url, wait_until="commit")
    tap_until_sheet_opens(page)
    page.wait_for_selector(".field[data-ready=true]", state="attached", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    found = page.evaluate(BREAKDOWN)
    found["time_to_interactive_ms"] = round(found["marks"]["sheet_open"])
    found["time_to_save_works_ms"] = round(found["marks"]["scripts_ready"])
    return found


def measure_tti(p, browser, url: str, join_url: str, runs: int) -> dict:
    """Time-to-interactive on slow 3G, first load (joined, empty caches) and repeat load (service worker)."""
    first, repeat = [], []
    for _ in range(runs):
        context = browser.new_context(
            **p.devices["Pixel 7"], locale="sv-SE", permissions=["geolocation"],
            geolocation={"latitude": 57.8945, "longitude": 12.0688, "accuracy": 8},
        )
        context.add_init_script(TTI_PROBE)
        page = context.new_page()
        page.goto(join_url)
        page.click("button[type=submit]")
        page.wait_for_url("**/w/**")
        walk_url = page.url
        page.goto(url + "/healthz")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # A phone that has joined (the cookie stays) but kept nothing else: no worker, no caches, no data.
        cdp.send("Storage.clearDataForOrigin", {
            "origin": url, "storageTypes": "service_workers,cache_storage,indexeddb,local_storage"})
        cdp.send("Network.clearBrowserCache")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        first.append(one_load(page, walk_url))
        page.wait_for_selector(".field[data-offline-ready=true]", state="attached", timeout=120_000)
        page.close()
        page = context.new_page()  # a fresh tab: the walker opens the page again from the home screen
        throttle_service_workers(browser)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        repeat.append(one_load(page, walk_url))
        context.close()
    return {
        "profile": SLOW_3G,
        "first_load_tti_ms_median": statistics.median(r["time_to_interactive_ms"] for r in first),
        "repeat_load_tti_ms_median": statistics.median(r["time_to_interactive_ms"] for r in repeat),
        "first_load_save_works_ms_median": statistics.median(r["time_to_save_works_ms"] for r in first),
        "repeat_load_save_works_ms_median": statistics.median(r["time_to_save_works_ms"] for r in repeat),
        "first_load_tti_ms": [r["time_to_interactive_ms"] for r in first],
        "repeat_load_tti_ms": [r["time_to_interactive_ms"] for r in repeat],
        "first_load_breakdown": first[len(first) // 2],
        "repeat_load_breakdown": repeat[len(repeat) // 2],
    }


def measure_bytes(p, browser, join_url: str, tile_origin: str, photo: Path, runs: int) -> dict:
    """Bytes over the wire for first and repeat load, the photo sent, and Save → saved, unthrottled."""
    first, repeat, save_ms, sent_bytes = [], [], [], []
    for _ in range(runs):
        context = browser.new_context(
            **p.devices["Pixel 7"],
            locale="sv-SE",
            permissions=["geolocation"],
            geolocation={"latitude": 57.8945, "longitude": 12.0688, "accuracy": 8},
        )
        page = context.new_page()
        page.on("pageerror", lambda e: print("pageerror:", e, file=sys.stderr))
        transfer = Transfer(context, tile_origin)
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
    return {
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
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["bytes", "tti"], help="run one part; the other's results are kept")
    args = parser.parse_args()
    out = ROOT / "bench" / "results" / "field_page.json"
    results: dict = json.loads(out.read_text()) if args.only and out.exists() else {}
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Tiles of a typical size (~12 KB, like OpenStreetMap's) from a local server: on slow 3G they compete
    # for the bandwidth with the page. The bytes measurement leaves them out (see Transfer).
    tiles = TileServer(tile_png(noise_rows=12)).__enter__()
    env = {**os.environ, "FIELDAPP_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite'}",
           "FIELDAPP_UPLOAD_DIR": str(work / "uploads"), "FIELDAPP_SECRET_KEY": "bench",
           "FIELDAPP_PUBLIC_URL": url, "FIELDAPP_TILE_URL": tiles.template, "FIELDAPP_ENV": "development",
           "FIELDAPP_RATELIMIT": "0"}
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
    results.update({
        "runs": args.runs,
        "chromium": subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True
        ).stdout.strip(),
    })
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            if args.only != "tti":
                photo = twelve_megapixel_jpeg(work / "12mp.jpg")
                results.update(measure_bytes(p, browser, join_url, tiles.url, photo, args.runs))
            if args.only != "bytes":
                results["slow_3g"] = measure_tti(p, browser, url, join_url, args.runs)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        tiles.__exit__(None, None, None)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.get("slow_3g", {}).items() if "breakdown" not in k}, indent=2))


if __name__ == "__main__":
    main()
