"""Duplicate-suggestion time for a walk with 2,000 findings, on SpatiaLite and on PostGIS, in one run.

Usage (from the project root): .venv/bin/python bench/duplicates.py [--postgres URL] [--findings 2000]
Writes bench/results/duplicates.json. The PostGIS database is emptied and migrated; use a throwaway one
(default: fieldapp_bench_organizer, made with scripts/setup-postgres.sh fieldapp_bench_organizer).
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from pyproj import Geod
from shapely.geometry import LineString, Point

ROOT = Path(__file__).resolve().parent.parent
NODINGE = Point(12.0690, 57.8945)
GEOD = Geod(ellps="WGS84")
DEFAULT_PG = "postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/fieldapp_bench_organizer"


def make_app(url: str, upload_dir: Path) -> Flask:
    from fieldapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
                       "UPLOAD_DIR": str(upload_dir), "SECRET_KEY": "bench"})


def migrate_to_head(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def reset_postgis_schema(url: str) -> None:
    """Drop our tables (not PostGIS's) so the migrations start from empty."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                      "AND tablename <> 'spatial_ref_sys'")).scalars().all()
        for table in tables:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


def positions(n: int, seed: int = 2026) -> list[tuple[float, float, int]]:
    """(lon, lat, category index): 60 % in clusters of 2-6 reports within 6 m, the rest scattered
    over ~1 km."""
    rng = random.Random(seed)
    out: list[tuple[float, float, int]] = []
    while len(out) < n * 0.6:
        lon, lat, _ = GEOD.fwd(NODINGE.x, NODINGE.y, rng.uniform(0, 360), rng.uniform(0, 1000))
        category = rng.randrange(17)
        for _ in range(rng.randint(2, 6)):
            plon, plat, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360), rng.uniform(0, 6))
            out.append((plon, plat, category))
    while len(out) < n:
        lon, lat, _ = GEOD.fwd(NODINGE.x, NODINGE.y, rng.uniform(0, 360), rng.uniform(0, 1000))
        out.append((lon, lat, rng.randrange(17)))
    return out[:n]


def seed(n: int) -> object:
    from fieldapp.extensions import db
    from fieldapp.models import Finding
    from fieldapp.services.categories import ensure_default_categories
    from fieldapp.services.walks import create_walk
    from gis import convert

    categories = ensure_default_categories()
    walk = create_walk("Bench", route=LineString([(12.06, 57.89), (12.08, 57.90)]), status="open")
    start = datetime(2026, 10, 15, 17, 0, tzinfo=UTC)
    for k, (lon, lat, category) in enumerate(positions(n)):
        db.session.add(
            Finding(
                uuid=str(uuid.uuid4()),
                walk_id=walk.id,
                geom_el=convert.to_element(Point(lon, lat)),
                category_id=categories[category].id,
                polarity=categories[category].polarity,
                created_at=start + timedelta(seconds=k),
                received_at=start,
            )
        )
    db.session.commit()
    return walk


def measure(url: str, upload_dir: Path, n: int, repeats: int) -> dict:
    from fieldapp.extensions import db
    from fieldapp.services.merge import suggest_duplicates

    app = make_app(url, upload_dir)
    migrate_to_head(app)
    with app.app_context():
        walk = seed(n)
        suggest_duplicates(walk, 15)  # warm-up (connection, caches)
        times, groups = [], []
        for _ in range(repeats):
            db.session.expire_all()
            t0 = time.perf_counter()
            found = suggest_duplicates(walk, 15)
            times.append(time.perf_counter() - t0)
            groups.append(len(found))
        db.session.remove()
        db.engine.dispose()
    return {"findings": n, "radius_m": 15, "repeats": repeats, "median_s": round(statistics.median(times), 4),
            "min_s": round(min(times), 4), "max_s": round(max(times), 4), "groups": groups[0],
            "grouped_findings_estimate": "≈60 % of findings are in 2-6 report clusters"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--findings", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "command": "python bench/duplicates.py",
        "backends": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        results["backends"]["spatialite"] = measure(f"sqlite:///{tmp}/bench.sqlite", Path(tmp) / "up",
                                                    args.findings, args.repeats)
        reset_postgis_schema(args.postgres)
        results["backends"]["postgis"] = measure(args.postgres, Path(tmp) / "up", args.findings, args.repeats)
    out = ROOT / "bench" / "results" / "duplicates.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for name, row in results["backends"].items():
        print(f"{name:10s} {row['findings']} findings: median {row['median_s'] * 1000:.0f} ms "
              f"(min {row['min_s'] * 1000:.0f}, max {row['max_s'] * 1000:.0f}), {row['groups']} groups")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
