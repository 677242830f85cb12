"""Export and protocol benchmark: time and peak memory as the number of findings grows (1k, 10k, 100k).

Run from the project root::

    python bench/exports.py [--sizes 1000,10000,100000] [--ops ...] [--output PATH] [--timeout S]

For each size a SpatiaLite database (real migrations) gets the demo route and stops and N findings written
with bulk inserts: random categories and positions along the route, 30 % with a measure, 5 % merged into an
earlier finding (confirmations), 2 % hidden, 40 photos. Each measurement runs in a fresh subprocess:

* time: wall clock of the whole operation, database queries included, output written to a temp file;
* memory: the peak resident set size during the operation (VmHWM, reset just before it via
  ``/proc/self/clear_refs``) minus the resident size just before it (after imports, app setup and a
  warm-up), i.e. how much memory the operation needed on top of the idle process (``ru_maxrss`` alone
  would hide it behind the warm-up's own peak). tracemalloc is not used (it slows Python several-fold).

The protocol HTML and PDF are also measured at 500 findings (target for the HTML: under 1 s). The PDF is
rendered by WeasyPrint from the same HTML. ``publish_pdf`` is what the app does since PDFs are made in the
job queue: publish a version, then wait until the worker (the real consumer, in a thread) has its PDF
stored — publish-to-PDF-ready time (``publish_request_s``: the publishing request's own part;
``--ops publish_pdf`` runs it at 500 findings and at the given sizes up to 2000).
Walks above the app's PROTOCOL_PDF_MAX_FINDINGS (default 2000) get no PDF: the protocol_pdf cell then
records the refusal (``status: refused``, with the time it took) and the zip is written without the PDF, as
the app does. ``--pdf-limit N`` raises the limit to measure a larger PDF anyway.
Writes ``bench/results/exports.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid as uuid_lib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXPORT_OPS = ("csv", "xlsx", "geojson", "gpkg", "kml", "zip")
ALL_OPS = ("protocol_html", "protocol_pdf", "publish_pdf", *EXPORT_OPS)
PROTOCOL_TARGET_SIZE = 500

def make_app(db_path: Path, upload_dir: Path, pdf_limit: int | None = None):  # noqa: ANN201 - a Flask app
    from fieldapp import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "UPLOAD_DIR": str(upload_dir),
        "JOBS_URL": f"sqlite:///{db_path.with_suffix('.jobs.sqlite')}",
        "SECRET_KEY": "bench",
        "PUBLIC_URL": "http://fieldapp.bench",
        "RATELIMIT_ENABLED": False,
    }
    if pdf_limit is not None:
        config["PROTOCOL_PDF_MAX_FINDINGS"] = pdf_limit
    return create_app(config)


# --------------------------------------------------------------------------- building the databases


def build_template(folder: Path) -> Path:
    """An empty migrated SpatiaLite database."""
    from flask_migrate import upgrade

    path = folder / "template.sqlite"
    app = make_app(path, folder / "uploads")
    with app.app_context():
        upgrade()
        from fieldapp.extensions import db

        db.engine.dispose()
    return path


def seed(db_path: Path, upload_dir: Path, size: int, rng: random.Random) -> None:
    """The demo walk with ``size`` findings, measures, merges, hidden ones and photos (bulk inserts)."""
    from geoalchemy2.elements import WKTElement
    from sqlalchemy import insert, select

    from fieldapp.extensions import db
    from fieldapp.imaging import process_photo
    from fieldapp.models import Category, Finding, Measure, Photo, ResponsibleParty
    from fieldapp.services.categories import ensure_default_categories
    from fieldapp.services.demo import DEMO_ROUTE, DEMO_STOPS, demo_photo_bytes
    from fieldapp.services.walks import create_walk
    from fieldapp.storage import photo_store

    app = make_app(db_path, upload_dir)
    with app.app_context():
        ensure_default_categories()
        walk = create_walk(
            "Bench: Nödinge centrum",
            slug="bench",
            route=DEMO_ROUTE,
            stops=DEMO_STOPS,
            area_name="Nödinge",
            purpose="Benchmark",
            municipality="Ale kommun",
            starts_at=datetime(2025, 10, 15, 17, 30, tzinfo=UTC),
            status="walked",
        )
        categories = list(db.session.execute(select(Category.id, Category.polarity)))
        stop_ids = [s.id for s in walk.stops]
        start = datetime(2025, 10, 15, 17, 30, tzinfo=UTC)
        rows = []
        for n in range(size):
            point = DEMO_ROUTE.interpolate(rng.random(), normalized=True)
            category_id, polarity = rng.choice(categories)
            rows.append(
                {
                    "id": n + 1,
                    "uuid": str(uuid_lib.UUID(int=rng.getrandbits(128))),
                    "walk_id": walk.id,
                    "geom_el": WKTElement(
                        f"POINT({point.x + rng.gauss(0, 0.0002)} {point.y + rng.gauss(0, 0.0001)})", srid=4326
                    ),
                    "accuracy_m": round(rng.uniform(3, 25), 1),
                    "position_source": "gps",
                    "category_id": category_id,
                    "polarity": polarity,
                    "felt_safety": rng.choice((1, 2, 3, None)),
                    "note": f"Iakttagelse {n + 1}: mörkt och skymd sikt vid gångvägen, åtgärd behövs.",
                    "internal_note": "Internt" if n % 50 == 0 else "",
                    "created_at": start + timedelta(seconds=n),
                    "received_at": start + timedelta(seconds=n),
                    "updated_at": start,
                    "version": 1,
                    "stop_id": rng.choice(stop_ids) if n % 3 == 0 else None,
                    "canonical_id": rng.randint(1, n) if n > 10 and n % 20 == 0 else None,
                    "hidden": n % 50 == 7,
                    "is_demo": False,
                }
            )
        for chunk in range(0, size, 5000):
            db.session.execute(insert(Finding), rows[chunk : chunk + 5000])
        parties = [ResponsibleParty(name=name) for name in ("Gatuenheten", "Bostadsbolaget", "Trafikverket")]
        db.session.add_all(parties)
        db.session.flush()
        measures = [
            {
                "finding_id": r["id"],
                "proposal": "Byt armatur och gallra buskar",
                "responsible_party_id": rng.choice(parties).id,
                "priority": rng.choice(("high", "normal")),
                "status": rng.choice(("new", "planned", "done", "rejected")),
                "status_reason": "",
                "deadline": (start + timedelta(days=rng.randint(10, 200))).date(),
                "open311_attempts": 0,
                "created_at": start,
                "updated_at": start,
            }
            for r in rows
            if r["id"] % 10 < 3 and r["canonical_id"] is None
        ]
        for chunk in range(0, len(measures), 5000):
            db.session.execute(insert(Measure), measures[chunk : chunk + 5000])
        processed = process_photo(demo_photo_bytes(1, "Bench"))
        store = photo_store()
        store.put(processed.display.sha256, processed.display.data)
        store.put(processed.thumb.sha256, processed.thumb.data)
        db.session.execute(
            insert(Photo),
            [
                {
                    "uuid": str(uuid_lib.uuid4()),
                    "finding_id": 1 + (k * size) // 40,
                    "sha256": processed.display.sha256,
                    "thumb_sha256": processed.thumb.sha256,
                    "width": processed.display.width,
                    "height": processed.display.height,
                    "publishable": k % 2 == 0,
                    "hidden": False,
                    "blurred": False,
                    "alt_text": "",
                    "source_format": "JPEG",
                    "created_at": start,
                }
                for k in range(40)
            ],
        )
        db.session.commit()
        db.engine.dispose()


# --------------------------------------------------------------------------- one measurement (subprocess)


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux: writing 5 to clear_refs), so the peak is the operation's."""
    Path("/proc/self/clear_refs").write_text("5")


def run_one(op: str, db_path: Path, upload_dir: Path, out_dir: Path, pdf_limit: int | None = None) -> dict:
    """Run one operation in this (fresh) process and measure it."""
    import weasyprint  # noqa: F401 - imported before the baseline, like a running server has it

    from fieldapp.errors import ValidationError
    from fieldapp.services import counting, exports, protocol, protocol_files, protocol_pdf, walks

    app = make_app(db_path, upload_dir, pdf_limit)
    with app.test_request_context("/?lang=sv", base_url="http://fieldapp.bench"):
        walk = walks.walk_by_slug("bench")
        counting.count_findings(walk)  # warm-up: connection, SpatiaLite, mappers, compiled templates
        for name in ("protocol/_document.html", "protocol/page.html", "base.html"):
            app.jinja_env.get_template(name)
        reset_peak()
        before = status_mb("VmRSS")
        started = time.perf_counter()
        if op == "protocol_pdf":
            try:
                protocol_pdf.ensure_pdf_possible(walk)  # what the app checks before laying out a PDF
            except ValidationError as refused:
                return {"status": "refused", "seconds": round(time.perf_counter() - started, 3),
                        "reason": refused.message}
        if op == "publish_pdf":
            return publish_to_pdf_ready(app, walk, started, before)
        if op.startswith("protocol"):
            data = protocol.build_protocol(walk, "internal", "sv")
            page = protocol.render_page(
                walk, protocol.render_document(data), audience="internal", for_pdf=op == "protocol_pdf"
            )
            body = protocol_files.pdf_bytes(page, walk, staff=True) if op == "protocol_pdf" else page.encode()
            target = out_dir / f"{op}.{'pdf' if op == 'protocol_pdf' else 'html'}"
            target.write_bytes(body)
        else:
            exporter, data = exports.build_export(walk, op, None, "sv", render_pdf_now=True)
            target = out_dir / exporter.filename(data)
            with target.open("wb") as handle:
                for chunk in exporter.stream(data):
                    handle.write(chunk)
        seconds = time.perf_counter() - started
        after = status_mb("VmHWM")
    return {
        "status": "ok",
        "seconds": round(seconds, 3),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(after, 1),
        "memory_growth_mb": round(after - before, 1),
        "output_bytes": target.stat().st_size,
    }


def publish_to_pdf_ready(app, walk, started: float, before: float) -> dict:  # noqa: ANN001 - Flask app, Walk
    """Publish (the request's part) and wait until the job queue's worker has the version's PDF stored.

    The worker is the real consumer (fieldapp.jobs, SQLite queue file) in a thread of this process.
    """
    from fieldapp.extensions import db
    from fieldapp.jobs import ThreadConsumer, huey_for
    from fieldapp.models import ProtocolPdf
    from fieldapp.services import protocol_versions

    version = protocol_versions.publish(walk, None, "sv")
    publish_s = time.perf_counter() - started
    consumer = ThreadConsumer(huey_for(app), workers=1, periodic=False, initial_delay=0.05, max_delay=0.2)
    consumer.start()
    try:
        while True:
            db.session.expire_all()
            pdf = db.session.scalar(db.select(ProtocolPdf).where(ProtocolPdf.version_id == version.id))
            if pdf is None or pdf.state in ("ready", "failed"):
                break
            time.sleep(0.1)
            db.session.rollback()
    finally:
        consumer.stop(graceful=True)
    seconds = time.perf_counter() - started
    after = status_mb("VmHWM")
    if pdf is None or pdf.state != "ready":
        return {"status": "error" if pdf else "refused", "seconds": round(seconds, 3),
                "reason": pdf.error if pdf else "no PDF for a walk this large"}
    return {
        "status": "ok",
        "seconds": round(seconds, 3),
        "publish_request_s": round(publish_s, 3),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(after, 1),
        "memory_growth_mb": round(after - before, 1),
        "output_bytes": pdf.size,
    }


def measure(op: str, db_path: Path, upload_dir: Path, timeout: float, pdf_limit: int | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-out-") as out:
        cmd = [
            sys.executable,
            __file__,
            "--run",
            op,
            "--db",
            str(db_path),
            "--uploads",
            str(upload_dir),
            "--out",
            out,
            *(["--pdf-limit", str(pdf_limit)] if pdf_limit is not None else []),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "timeout_s": timeout}
    if done.returncode != 0:
        return {"status": "error", "stderr": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown_table(report: dict) -> str:
    """The results as a Markdown table: one row per operation, one column pair per size."""
    sizes = sorted({r["findings"] for r in report["results"]})
    ops = list(dict.fromkeys(r["op"] for r in report["results"]))
    cells = {(r["op"], r["findings"]): r for r in report["results"]}
    lines = ["| operation | " + " | ".join(f"{n:,} findings: time / memory growth" for n in sizes) + " |",
             "| --- |" + " --- |" * len(sizes)]
    for op in ops:
        row = []
        for size in sizes:
            cell = cells.get((op, size))
            if cell is None:
                row.append("")
            elif cell["status"] == "refused":
                row.append(f"refused ({cell['seconds'] * 1000:.0f} ms)")
            elif cell["status"] == "ok":
                row.append(f"{cell['seconds']:.2f} s / {cell['memory_growth_mb']:.0f} MB")
            else:
                row.append(cell["status"])
        lines.append(f"| {op} | " + " | ".join(row) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--ops", default=",".join(ALL_OPS))
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--pdf-limit",
        type=int,
        default=None,
        help="PROTOCOL_PDF_MAX_FINDINGS for the measured app (default: the app's own, 2000)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "exports.json")
    parser.add_argument("--run")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--uploads", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--markdown", action="store_true", help="print the table of an earlier run's results")
    args = parser.parse_args()
    if args.markdown:
        print(markdown_table(json.loads(args.output.read_text())))
        return
    if args.run:
        print(json.dumps(run_one(args.run, args.db, args.uploads, args.out, args.pdf_limit)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    ops = args.ops.split(",")
    results: list[dict] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    try:
        template = build_template(folder)
        protocol_ops = [op for op in ("protocol_html", "protocol_pdf", "publish_pdf") if op in ops]
        plan = [(PROTOCOL_TARGET_SIZE, protocol_ops)] if protocol_ops else []
        plan += [(size, [op for op in ops if op != "publish_pdf" or size <= 2000]) for size in sizes]
        for size, size_ops in plan:
            db_path, uploads = folder / f"walk-{size}.sqlite", folder / f"uploads-{size}"
            shutil.copyfile(template, db_path)
            started = time.perf_counter()
            seed(db_path, uploads, size, random.Random(size))
            print(f"seeded {size} findings in {time.perf_counter() - started:.1f} s", flush=True)
            for op in size_ops:
                measured = measure(op, db_path, uploads, args.timeout, args.pdf_limit)
                row = {"findings": size, "op": op, **measured}
                results.append(row)
                print(json.dumps(row), flush=True)
            db_path.unlink()
            shutil.rmtree(uploads, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "exports",
                "command": "python bench/exports.py " + " ".join(a for a in sys.argv[1:]),
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                },
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
