"""The `nearby` query ("findings within N metres of a point") on 100k findings, on SpatiaLite and PostGIS.

Usage: .venv/bin/python bench/nearby.py [--points 100000] [--queries 200] [--postgres-url URL]
Inserts N findings spread over ~20 km around Nödinge, then times random 50 m / 200 m queries through
gis.nearby.within_metres (the same clause the app uses) and prints each backend's query plan, to show
that the spatial index (SpatiaLite's R*Tree via the SpatialIndex table, PostGIS's GiST) is used.
Writes bench/results/nearby.json.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp import create_app  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from fieldapp.models import Category, Finding  # noqa: E402
from fieldapp.services.categories import ensure_default_categories  # noqa: E402
from fieldapp.services.walks import create_walk  # noqa: E402
from gis import convert  # noqa: E402
from gis.nearby import within_metres  # noqa: E402

CENTRE = (12.069, 57.894)


def populate(n: int, seed: int = 1) -> None:
    ensure_default_categories()
    walk = create_walk("Bench", status="open")
    category = db.session.scalar(sa.select(Category).where(Category.code == "lighting"))
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        point = Point(CENTRE[0] + rng.uniform(-0.17, 0.17), CENTRE[1] + rng.uniform(-0.09, 0.09))
        rows.append(
            {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                "walk_id": walk.id,
                "category_id": category.id,
                "geom_el": convert.to_element(point),
                "polarity": "unsafe",
                "position_source": "gps",
                "note": "",
                "internal_note": "",
                "hidden": False,
                "is_demo": False,
                "version": 1,
            }
        )
        if len(rows) == 5000:
            db.session.execute(sa.insert(Finding), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Finding), rows)
    db.session.commit()


def plan(statement) -> list[str]:
    compiled = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
        conn.exec_driver_sql("ANALYZE findings")
        return [row[0] for row in conn.exec_driver_sql(f"EXPLAIN ANALYZE {compiled}")]


def measure(url: str, points: int, queries: int, reset) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}})
    with app.app_context():
        reset()
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        populate(points)
        insert_s = time.perf_counter() - started
        rng = random.Random(2)
        table = Finding.__table__
        results = {}
        for radius in (50.0, 200.0):
            times, counts = [], []
            for _ in range(queries):
                centre = Point(CENTRE[0] + rng.uniform(-0.15, 0.15), CENTRE[1] + rng.uniform(-0.08, 0.08))
                statement = sa.select(Finding.id).where(
                    within_metres(db.engine.dialect.name, table.c.geom, table.c.id, centre, radius)
                )
                t0 = time.perf_counter()
                counts.append(len(db.session.scalars(statement).all()))
                times.append((time.perf_counter() - t0) * 1000)
            results[f"{int(radius)}m"] = {"median_ms": round(statistics.median(times), 3),
                                          "p95_ms": round(sorted(times)[int(0.95 * len(times))], 3),
                                          "mean_hits": round(statistics.mean(counts), 1)}
        example = sa.select(Finding.id).where(within_metres(db.engine.dialect.name, table.c.geom, table.c.id,
                                                            Point(*CENTRE), 50.0))
        results["plan"] = plan(example)
        results["insert_s"] = round(insert_s, 1)
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/fieldapp_bench")
    args = parser.parse_args()
    out: dict = {"points": args.points, "queries_per_radius": args.queries}
    with tempfile.TemporaryDirectory() as tmp:
        out["spatialite"] = measure(f"sqlite:///{tmp}/nearby.sqlite", args.points, args.queries, lambda: None)

    def reset_pg() -> None:
        with db.engine.begin() as conn:
            for table in (
                conn.execute(
                    sa.text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename <> 'spatial_ref_sys'"
                    )
                )
                .scalars()
                .all()
            ):
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))

    out["postgis"] = measure(args.postgres_url, args.points, args.queries, reset_pg)
    path = ROOT / "bench" / "results" / "nearby.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
