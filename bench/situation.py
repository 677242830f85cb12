"""The situation picture at municipal scale: 100,000 findings across 500 walks over ten years.

Usage (from the project root): .venv/bin/python bench/situation.py [--postgres URL] [--findings 100000]
    [--walks 500] [--repeats 5] [--cpu-throttle 3]
Measures, on SpatiaLite and on PostGIS: each query of the page (server side, median of ``--repeats``), the
whole staff page and the map's cluster requests over HTTP, and in Chromium (CPU slowed down
``--cpu-throttle`` times, like a 2018 laptop) the time from navigation to the first painted clusters.
Writes bench/results/situation.json. The PostGIS database is emptied and migrated: use a throwaway one
(default fieldapp_bench_situation, made with scripts/setup-postgres.sh fieldapp_bench_situation).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.duplicates import make_app, migrate_to_head, reset_postgis_schema  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/fieldapp_bench_situation"
AREAS = ["Nödinge", "Nol", "Alafors", "Älvängen", "Skepplanda", "Surte", "Bohus", "Alvhem", "Hålanda",
         "Starrkärr"]
EMAIL, PASSWORD = "bench@ale.se", "bänk lösenord för mätning"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def seed(findings: int, walks: int) -> None:
    """Walks spread over 10 years and 10 areas; 70 % of findings near 400 recurring places."""
    from shapely.geometry import Point
    from sqlalchemy import insert, text

    from fieldapp.extensions import db
    from fieldapp.models import Finding, Measure, ResponsibleParty, Walk
    from fieldapp.services.categories import ensure_default_categories
    from fieldapp.services.users import create_user
    from gis import convert

    rng = random.Random(2026)
    categories = ensure_default_categories()
    create_user(EMAIL, PASSWORD, role="organizer")
    parties = [ResponsibleParty(name=f"Enhet {n}", kind="municipal") for n in range(8)]
    db.session.add_all(parties)
    centres = {area: (12.03 + 0.012 * k, 57.87 + 0.011 * (k % 5)) for k, area in enumerate(AREAS)}
    places = [(area, centres[area][0] + rng.gauss(0, 0.004), centres[area][1] + rng.gauss(0, 0.002))
              for area in AREAS for _ in range(40)]
    walk_rows = []
    for n in range(walks):
        area = AREAS[n % len(AREAS)]
        year = 2016 + n * 10 // walks
        walk_rows.append(Walk(slug=f"bench-{n}", title=f"{area} {year}", area_name=area, status="closed",
                              join_token=uuid.uuid4().hex,
                              starts_at=datetime(year, 10, 1 + n % 28, 18, tzinfo=UTC)))
    db.session.add_all(walk_rows)
    db.session.commit()
    per_walk = findings // walks
    finding_rows = []
    for walk in walk_rows:
        area_places = [p for p in places if p[0] == walk.area_name]
        for k in range(per_walk):
            if rng.random() < 0.7:
                _, lon, lat = rng.choice(area_places)
                lon, lat = lon + rng.gauss(0, 0.0001), lat + rng.gauss(0, 0.00005)
            else:
                lon, lat = (centres[walk.area_name][0] + rng.gauss(0, 0.006),
                            centres[walk.area_name][1] + rng.gauss(0, 0.003))
            category = rng.choice(categories)
            finding_rows.append({
                "uuid": str(uuid.uuid4()), "walk_id": walk.id,
                "geom_el": convert.to_element(Point(lon, lat)), "category_id": category.id,
                "polarity": category.polarity, "position_source": "gps", "note": "", "internal_note": "",
                "created_at": walk.starts_at + timedelta(minutes=k % 90),
                "received_at": walk.starts_at, "updated_at": walk.starts_at, "version": 1,
                "hidden": False, "is_demo": False, "arrival": "on_time",
            })
    for start in range(0, len(finding_rows), 5000):
        db.session.execute(insert(Finding), finding_rows[start:start + 5000])
    db.session.commit()
    ids = db.session.execute(db.select(Finding.id)).scalars().all()
    measure_rows = [{
        "finding_id": fid, "responsible_party_id": parties[fid % len(parties)].id,
        "status": rng.choice(["new", "planned", "done", "done", "rejected"]), "priority": "normal",
        "deadline": date(2016, 12, 1) + timedelta(days=fid % 3600), "proposal": "", "status_reason": "",
        "public_answer": "", "open311_attempts": 0,
    } for fid in ids if fid % 3 == 0]
    for start in range(0, len(measure_rows), 5000):
        db.session.execute(insert(Measure), measure_rows[start:start + 5000])
    db.session.commit()
    # A database that grew over years has planner statistics (PostgreSQL's autovacuum analyses tables as
    # they grow); a bulk load has none until analysed, and the planner then guesses one row per table.
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(func: Callable[[], object], repeats: int) -> dict:
    func()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return {"median_ms": round(statistics.median(times) * 1000, 1), "max_ms": round(max(times) * 1000, 1)}


def server_side(repeats: int) -> dict:
    from fieldapp.services import situation
    from fieldapp.services.situation import SituationFilter as F

    everything = F()
    extent = situation.overview(everything)[1]
    area = F(area="Alafors", year_from=2022, year_to=2025)
    today = date(2026, 11, 30)
    zoomed = (extent[0], extent[1], (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    return {
        "count and extent (no filter)": timed(lambda: situation.overview(everything), repeats),
        "count and extent, area + years filter": timed(lambda: situation.overview(area), repeats),
        "clusters, whole municipality, zoom 12": timed(lambda: situation.map_clusters(everything, extent, 12),
                                                       repeats),
        "clusters, a quarter, zoom 15": timed(lambda: situation.map_clusters(everything, zoomed, 15),
                                              repeats),
        "clusters, area + years filter, zoom 14": timed(lambda: situation.map_clusters(area, extent, 14),
                                                        repeats),
        "clusters, category filter, zoom 12": timed(
            lambda: situation.map_clusters(F(category="lighting"), extent, 12), repeats),
        "hotspots (no filter)": timed(lambda: situation.hotspots(everything), repeats),
        "hotspots, area + years filter": timed(lambda: situation.hotspots(area), repeats),
        "party figures": timed(lambda: situation.party_figures(everything, today), repeats),
        "overdue measures": timed(lambda: situation.overdue_measures(everything, today), repeats),
        "categories per year": timed(lambda: situation.categories_by_year(everything), repeats),
        "filter choices": timed(situation.filter_choices, repeats),
        "findings": situation.overview(everything)[0],
        "hotspots found": len(situation.hotspots(everything)),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_side(url: str, folder: Path, repeats: int, throttle: float) -> dict:
    """A real server on the database; Chromium logs in and opens the page; first clusters painted."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "FIELDAPP_DATABASE_URL": url, "FIELDAPP_UPLOAD_DIR": str(folder / "up"),
           "FIELDAPP_SECRET_KEY": "bench", "FIELDAPP_RATELIMIT": "0", "FIELDAPP_JOBS_URL":
           f"sqlite:///{folder / 'jobs.sqlite'}", "FIELDAPP_TILE_URL": "data:,"}
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "fieldapp:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/staff/login", timeout=2)  # noqa: S310 - local server
                break
            except OSError:
                time.sleep(0.2)
        paints, pages = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="sv-SE")
            page = context.new_page()
            page.goto(base + "/staff/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/staff/walks")
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            for _ in range(repeats + 1):
                page.goto(base + "/staff/situation", wait_until="commit")
                page.wait_for_selector(".situation-cluster", timeout=60_000)
                paints.append(page.evaluate("performance.now()"))
                pages.append(page.evaluate(
                    "performance.getEntriesByType('navigation')[0].responseEnd"))
            browser.close()
        paints, pages = paints[1:], pages[1:]  # the first load warms caches
        return {"cpu_throttle": throttle, "first_clusters_painted_ms": round(statistics.median(paints)),
                "first_clusters_painted_max_ms": round(max(paints)),
                "page_html_received_ms": round(statistics.median(pages))}
    finally:
        server.terminate()
        server.wait(timeout=20)


def measure(url: str, folder: Path, args: argparse.Namespace) -> dict:
    from fieldapp.extensions import db

    app = make_app(url, folder / "up")
    migrate_to_head(app)
    with app.app_context():
        t0 = time.perf_counter()
        seed(args.findings, args.walks)
        seeded = time.perf_counter() - t0
        result = {"seed_s": round(seeded, 1), "server": server_side(args.repeats)}
        db.session.remove()
        db.engine.dispose()
    result["browser"] = browser_side(url, folder, args.repeats, args.cpu_throttle)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--walks", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cpu-throttle", type=float, default=3)
    parser.add_argument("--backends", default="spatialite,postgis")
    args = parser.parse_args()
    results: dict = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": platform.platform(), "cpus": os.cpu_count(),
                     "load_average": os.getloadavg(),
                     "command": "python bench/situation.py " + " ".join(sys.argv[1:]),
                     "findings": args.findings, "walks": args.walks, "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        if "spatialite" in args.backends:
            results["backends"]["spatialite"] = measure(f"sqlite:///{tmp}/bench.sqlite", Path(tmp), args)
        if "postgis" in args.backends:
            reset_postgis_schema(args.postgres)
            results["backends"]["postgis"] = measure(args.postgres, Path(tmp), args)
    out = ROOT / "bench" / "results" / "situation.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results["backends"], indent=1, ensure_ascii=False))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
