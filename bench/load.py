"""Load benchmark: N participants on one walk, sending findings with photos to gunicorn (2 workers).

Run from the project root::

    python bench/load.py [--seconds 60] [--participants 50] [--think 30] [--databases spatialite,postgis]

For each database it migrates a fresh database, seeds the demo walk and starts
``gunicorn --workers 2 'fieldapp:create_app()'`` on a free port with the production settings
(rate limits on, filesystem photo store). Then:

1. **Walk**: ``--participants`` simulated phones (threads, ``http.client``, a new connection per
   request like a phone between radio sleeps) join through the join link (form + CSRF token) and,
   for ``--seconds``, each repeatedly waits a random think time (uniform 0.5×–1.5× ``--think``
   seconds), PUTs a finding and then PUTs one photo of it. The default, 30 s, means 100 findings
   and 100 photos a minute from 50 people: about 20 times what a real walk produces (40 people,
   a few hundred findings in two hours). ``--think 10`` is a stress run. Photos are the real phone photos in
   ``../shared/realworld/photos/phones/`` downscaled to 2048 px and re-encoded as JPEG q85, as the
   browser does before upload. Every request's latency and status is recorded; a non-2xx status
   or a connection error is an error (no retries, unlike the phone's outbox).
2. **Stored exactly once**: every acknowledged finding and photo is looked up in the database
   (one row per UUID, photo attached to the right finding, no rows that were not acknowledged) and
   the photo files exist in the store; the server log is searched for "database is locked".
3. **Throughput ratio**: the server is restarted with rate limits off and, for ``--ratio-seconds``
   each, 8 client threads send back-to-back ``PUT`` finding requests, then ``GET /healthz``
   (a trivial endpoint on the same server). The ratio finding/healthz is what carries across
   machines.

Writes ``bench/results/load.json`` and replaces the "Load" section of ``docs/PERFORMANCE.md``.
PostGIS: ``--postgres-url`` (default the ``fieldapp_load`` database made by
``scripts/setup-postgres.sh fieldapp_load``); its tables are dropped and migrated again.
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from PIL import Image  # noqa: E402

from bench.realworld import realworld_dir  # noqa: E402

PHONES_DIR = realworld_dir() / "photos" / "phones"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/fieldapp_load"
FIELDAPP = [sys.executable, "-c", "from fieldapp.cli import main; main()"]
SLUG = "demo-nodinge"
CATEGORIES = ["lighting", "vegetation", "sightlines", "underpass", "litter", "graffiti", "walkway",
              "safe_place"]
RESULTS = ROOT / "bench" / "results" / "load.json"
PERFORMANCE_MD = ROOT / "docs" / "PERFORMANCE.md"
TARGET_P95_MS = 300


# --- HTTP -----------------------------------------------------------------------------------------

def http_request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                 timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def join(port: int, join_path: str) -> str:
    """Join like a phone (form with CSRF token); returns the participant's session cookie."""
    status, headers, page = http_request(port, "GET", join_path)
    if status != 200:
        raise RuntimeError(f"join page answered {status}")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    session = re.match(r"session=[^;]+", headers["set-cookie"]).group(0)
    form = urllib.parse.urlencode({"csrf_token": token, "group": "resident", "language": "sv"}).encode()
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session}
    status, headers, _ = http_request(port, "POST", join_path, form, form_headers)
    if status != 302:
        raise RuntimeError(f"joining answered {status}")
    return re.match(r"session=[^;]+", headers["set-cookie"]).group(0)


def finding_body(rng: random.Random) -> bytes:
    return json.dumps({
        "lon": 12.0655 + rng.random() * 0.006, "lat": 57.8925 + rng.random() * 0.004,
        "accuracy_m": round(rng.uniform(3, 25), 1), "category": rng.choice(CATEGORIES),
        "felt_safety": rng.randint(1, 3), "note": "Belastningstest: mörkt och buskigt",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
    }).encode()


def browser_sized_photos() -> list[bytes]:
    """The real phone JPEGs as a browser would upload them: longest side ≤ 2048 px, JPEG q85."""
    photos = []
    for path in sorted(PHONES_DIR.glob("*.jpg")):
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((2048, 2048))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85)
            photos.append(buffer.getvalue())
    if not photos:
        raise SystemExit(f"no phone photos in {PHONES_DIR}")
    return photos


# --- servers and databases ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([*FIELDAPP, *args], env=env, capture_output=True, text=True, timeout=300,
                            cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"fieldapp {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@dataclass
class Gunicorn:
    env: dict[str, str]
    log: Path
    workers: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind",
                 f"127.0.0.1:{self.port}", "--timeout", "60", "fieldapp:create_app()"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                if http_request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def fresh_database(kind: str, folder: Path, postgres_url: str) -> str:
    if kind == "spatialite":
        return f"sqlite:///{folder / 'load.sqlite'}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                      "AND tablename <> 'spatial_ref_sys'")).scalars().all()
        for table in tables:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()
    return postgres_url


def query(database_url: str, sql: str) -> list[tuple]:
    """Plain-column reads (no spatial functions), so SpatiaLite files need no extension here."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql).fetchall()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


# --- the walk -------------------------------------------------------------------------------------

@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"finding": [], "photo": [], "join": []})
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    findings: set[str] = field(default_factory=set)
    photos: dict[str, str] = field(default_factory=dict)  # photo uuid → finding uuid
    lock: threading.Lock = field(default_factory=threading.Lock)
    elapsed: float = 0.0

    def timed(self, kind: str, port: int, method: str, path: str, body: bytes | None, headers: dict) -> int:
        start = time.perf_counter()
        try:
            status, _, data = http_request(port, method, path, body, headers)
        except OSError as err:
            with self.lock:
                self.errors.append(f"{kind}: {err.__class__.__name__}: {err}")
            return 0
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latencies[kind].append(elapsed)
            self.statuses[(kind, status)] += 1
            if status >= 300:
                self.errors.append(f"{kind}: HTTP {status}: {data[:200]!r}")
        return status


def participant(port: int, join_path: str, photos: list[bytes], think: float, stop: threading.Event,
                seed: int, rec: Recorder, start_barrier: threading.Barrier) -> None:
    """One phone: join, then until ``stop``: think, send a finding, send a photo of it."""
    rng = random.Random(seed)
    start = time.perf_counter()
    try:
        cookie = join(port, join_path)
    except (OSError, RuntimeError) as err:
        with rec.lock:
            rec.errors.append(f"join: {err}")
        start_barrier.wait()
        return
    with rec.lock:
        rec.latencies["join"].append(time.perf_counter() - start)
    start_barrier.wait()
    while not stop.wait(rng.uniform(0.5, 1.5) * think):
        finding_uuid = str(uuid.uuid4())
        status = rec.timed("finding", port, "PUT", f"/api/v1/walks/{SLUG}/findings/{finding_uuid}",
                           finding_body(rng), {"Cookie": cookie, "Content-Type": "application/json"})
        if status not in (200, 201):
            continue
        with rec.lock:
            rec.findings.add(finding_uuid)
        photo_uuid = str(uuid.uuid4())
        status = rec.timed("photo", port, "PUT", f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}",
                           rng.choice(photos), {"Cookie": cookie, "Content-Type": "image/jpeg"})
        if status in (200, 201):
            with rec.lock:
                rec.photos[photo_uuid] = finding_uuid


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


def run_walk(port: int, join_path: str, args: argparse.Namespace, photos: list[bytes]) -> Recorder:
    """Everyone joins first (as at the meeting point), then the clock runs for ``args.seconds``."""
    rec = Recorder()
    barrier = threading.Barrier(args.participants + 1)
    stop = threading.Event()
    threads = [threading.Thread(target=participant, daemon=True,
                                args=(port, join_path, photos, args.think, stop, n, rec, barrier))
               for n in range(args.participants)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    time.sleep(args.seconds)
    stop.set()  # requests in flight finish; nobody starts a new one
    for thread in threads:
        thread.join(timeout=180)
    rec.elapsed = time.monotonic() - started
    return rec


# --- throughput ratio -----------------------------------------------------------------------------

def closed_loop(port: int, seconds: float, threads: int, make_request) -> dict:
    stop = time.monotonic() + seconds
    counts = Counter()
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        rng = random.Random(1000 + n)
        while time.monotonic() < stop:
            method, path, body, headers = make_request(rng, n)
            start = time.perf_counter()
            try:
                status = http_request(port, method, path, body, headers)[0]
            except OSError:
                status = 0
            with lock:
                counts[status] += 1
                latencies.append(time.perf_counter() - start)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    ok = sum(n for status, n in counts.items() if 200 <= status < 300)
    return {"requests": sum(counts.values()), "ok": ok, "errors": sum(counts.values()) - ok,
            "rps": round(ok / elapsed, 1), **percentiles(latencies)}


def run_ratio(port: int, join_path: str, seconds: float) -> dict:
    cookies = [join(port, join_path) for _ in range(8)]

    def finding(rng: random.Random, n: int):
        return ("PUT", f"/api/v1/walks/{SLUG}/findings/{uuid.uuid4()}", finding_body(rng),
                {"Cookie": cookies[n], "Content-Type": "application/json"})

    def healthz(rng: random.Random, n: int):
        return "GET", "/healthz", None, {}

    closed_loop(port, 2, 8, healthz)  # warm-up: imports, connection pools, SpatiaLite per-connection setup
    finding_result = closed_loop(port, seconds, 8, finding)
    healthz_result = closed_loop(port, seconds, 8, healthz)
    ratio = finding_result["rps"] / healthz_result["rps"] if healthz_result["rps"] else None
    return {"finding_put": finding_result, "healthz": healthz_result,
            "ratio_finding_to_trivial": round(ratio, 3) if ratio else None}


# --- verification ---------------------------------------------------------------------------------

def verify(database_url: str, upload_dir: Path, rec: Recorder) -> dict:
    """Every acknowledged finding and photo stored exactly once; nothing unacknowledged stored."""
    finding_rows = query(database_url, "SELECT uuid FROM findings WHERE is_demo = false OR is_demo IS NULL")
    finding_counts = Counter(uuid_ for (uuid_,) in finding_rows)
    photo_rows = query(database_url, "SELECT p.uuid, f.uuid, p.sha256, p.thumb_sha256 FROM photos p "
                                     "JOIN findings f ON f.id = p.finding_id WHERE f.is_demo = false")
    photo_counts = Counter(row[0] for row in photo_rows)
    photo_finding = {row[0]: row[1] for row in photo_rows}
    missing_findings = sorted(rec.findings - finding_counts.keys())
    duplicate_findings = sorted(u for u, n in finding_counts.items() if n != 1)
    missing_photos = sorted(rec.photos.keys() - photo_counts.keys())
    duplicate_photos = sorted(u for u, n in photo_counts.items() if n != 1)
    wrong_finding = sorted(p for p, f in rec.photos.items() if photo_finding.get(p, f) != f)
    unacknowledged = sorted((finding_counts.keys() - rec.findings)
                            | (photo_counts.keys() - rec.photos.keys()))
    missing_files = [row[0] for row in photo_rows for key in row[2:]
                     if not (upload_dir / key[:2] / key).exists()]
    ok = not (missing_findings or duplicate_findings or missing_photos or duplicate_photos or wrong_finding
              or missing_files)
    return {"ok": ok, "acknowledged_findings": len(rec.findings), "acknowledged_photos": len(rec.photos),
            "stored_findings": len(finding_counts), "stored_photos": len(photo_counts),
            "missing_findings": missing_findings[:10], "duplicate_findings": duplicate_findings[:10],
            "missing_photos": missing_photos[:10], "duplicate_photos": duplicate_photos[:10],
            "photo_on_wrong_finding": wrong_finding[:10], "missing_files": missing_files[:10],
            "stored_but_not_acknowledged": unacknowledged[:10]}


# --- one database ---------------------------------------------------------------------------------

def bench_database(kind: str, args: argparse.Namespace, photos: list[bytes]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"fieldapp-load-{kind}-"))
    database_url = fresh_database(kind, folder, args.postgres_url)
    env = {**os.environ, "FIELDAPP_DATABASE_URL": database_url,
           "FIELDAPP_UPLOAD_DIR": str(folder / "uploads"), "FIELDAPP_SECRET_KEY": "load-benchmark",
           "FIELDAPP_PUBLIC_URL": "http://127.0.0.1", "FIELDAPP_ENV": "development"}
    env.pop("FIELDAPP_REDIS_URL", None)
    run_cli(env, "db", "upgrade")
    join_url = re.search(r"^Join link: (\S+)$", run_cli(env, "seed", "--demo"), re.M).group(1)
    join_path = urllib.parse.urlparse(join_url).path
    log = folder / "gunicorn.log"
    print(f"[{kind}] {args.participants} participants, {args.seconds} s, think {args.think} s …", flush=True)
    with Gunicorn(env, log, args.workers) as server:
        rec = run_walk(server.port, join_path, args, photos)
    verification = verify(database_url, folder / "uploads", rec)
    print(f"[{kind}] throughput ratio, {args.ratio_seconds} s per endpoint …", flush=True)
    with Gunicorn({**env, "FIELDAPP_RATELIMIT": "0"}, log, args.workers) as server:
        ratio = run_ratio(server.port, join_path, args.ratio_seconds)
    log_text = log.read_text(errors="replace")
    all_latencies = rec.latencies["finding"] + rec.latencies["photo"]
    requests = len(all_latencies)
    return {
        "database": kind,
        "walk": {
            "participants": args.participants, "seconds": round(rec.elapsed, 1), "think_s": args.think,
            "requests": requests, "throughput_rps": round(requests / rec.elapsed, 2),
            "errors": len(rec.errors), "error_samples": rec.errors[:5],
            "statuses": {f"{kind_} {status}": n for (kind_, status), n in sorted(rec.statuses.items())},
            "all": percentiles(all_latencies),
            "finding_put": percentiles(rec.latencies["finding"]),
            "photo_put": percentiles(rec.latencies["photo"]),
            "join": percentiles(rec.latencies["join"]),
            "photo_bytes_mean": round(statistics.mean(len(p) for p in photos)),
        },
        "stored_exactly_once": verification,
        "database_is_locked_in_log": log_text.count("database is locked"),
        "server_errors_in_log": log_text.count("Traceback"),
        "throughput": ratio,
    }


# --- report ---------------------------------------------------------------------------------------

def markdown(result: dict, stress: dict | None = None) -> str:
    """The "Load" section of docs/PERFORMANCE.md; ``stress`` is an optional ``--think 10`` run."""
    lines = [
        "## Load",
        "",
        f"`{result['command']}` — {result['machine']['cpus']} CPUs, {result['machine']['python']}, "
        f"{result['date']}. gunicorn {result['params']['workers']} sync workers, production settings "
        "(rate limits on, photos on the filesystem). Each simulated participant joins through the join link, "
        f"then every {result['params']['think_s']} s ± 50 % sends a finding and one photo of it "
        f"(real phone photos downscaled to 2048 px as the browser does, mean "
        f"{next(iter(result['databases'].values()))['walk']['photo_bytes_mean'] // 1024} KB). "
        "Latency includes the photo processing (decode, orient, 1600 px + 320 px, re-encode, fsync).",
        "",
        "| database | participants | requests | req/s | errors | p50 ms | p95 ms | p99 ms | finding p95 | "
        "photo p95 | stored exactly once | \"database is locked\" |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, data in result["databases"].items():
        walk = data["walk"]
        lines.append(
            f"| {kind} | {walk['participants']} | {walk['requests']} | {walk['throughput_rps']} | "
            f"{walk['errors']} | "
            f"{walk['all']['p50_ms']} | {walk['all']['p95_ms']} | {walk['all']['p99_ms']} | "
            f"{walk['finding_put']['p95_ms']} | {walk['photo_put']['p95_ms']} | "
            f"{'yes' if data['stored_exactly_once']['ok'] else 'NO'} "
            f"({data['stored_exactly_once']['stored_findings']} findings, "
            f"{data['stored_exactly_once']['stored_photos']} photos) | {data['database_is_locked_in_log']} |")
    load = result["machine"].get("load_average_at_start")
    verdicts = ", ".join(
        f"{kind} {'meets' if data['walk']['all']['p95_ms'] < TARGET_P95_MS else 'misses'} it "
        f"(findings alone p95 {data['walk']['finding_put']['p95_ms']} ms)"
        for kind, data in result["databases"].items())
    shared = f" Load average {load[0]:.1f} on {result['machine']['cpus']} CPUs at the start." if load else ""
    lines += ["", f"Target: zero errors and p95 < {TARGET_P95_MS} ms including photo uploads — {verdicts}. "
              "Photo latency is mostly the imaging pipeline itself (see \"Photo pipeline\")." + shared]
    lines += [
        "",
        "Throughput of the finding endpoint against a trivial endpoint (`GET /healthz`) on the same server, "
        f"8 client threads back to back for {result['params']['ratio_seconds']} s each, rate limits off:",
        "",
        "| database | PUT finding req/s | GET /healthz req/s | ratio | PUT finding p95 ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind, data in result["databases"].items():
        tp = data["throughput"]
        lines.append(f"| {kind} | {tp['finding_put']['rps']} | {tp['healthz']['rps']} | "
                     f"{tp['ratio_finding_to_trivial']} | {tp['finding_put']['p95_ms']} |")
    if stress:
        lines += [
            "",
            f"Stress run, three times the rate: `{stress['command']}` ({stress['date']}):",
            "",
            "| database | requests | req/s | errors | p50 ms | p95 ms | p99 ms | stored exactly once | "
            "\"database is locked\" |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for kind, data in stress["databases"].items():
            walk = data["walk"]
            lines.append(f"| {kind} | {walk['requests']} | {walk['throughput_rps']} | {walk['errors']} | "
                         f"{walk['all']['p50_ms']} | {walk['all']['p95_ms']} | {walk['all']['p99_ms']} | "
                         f"{'yes' if data['stored_exactly_once']['ok'] else 'NO'} | "
                         f"{data['database_is_locked_in_log']} |")
    raw = "`bench/results/load.json`" + (", `bench/results/load-stress.json`" if stress else "")
    lines += ["", f"Raw figures: {raw}.", ""]
    return "\n".join(lines)


def replace_section(document: str, section: str, heading: str = "## Load") -> str:
    """Replace our section (from its heading to the next ``## `` heading) or append it."""
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(document):
        return pattern.sub(lambda _: section + "\n", document, count=1)
    if not document.strip():
        document = "# Performance\n\n"
    return document.rstrip("\n") + "\n\n" + section + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--think", type=float, default=30.0,
                        help="mean seconds between one participant's findings (each with a photo)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ratio-seconds", type=float, default=10)
    parser.add_argument("--databases", default="spatialite,postgis")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("FIELDAPP_LOAD_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-docs", action="store_true",
                        help="do not update docs/PERFORMANCE.md (for a stress run: --think 10 --no-docs "
                             "--output bench/results/load-stress.json, shown in the docs by the next run)")
    args = parser.parse_args()

    photos = browser_sized_photos()
    options = (("seconds", args.seconds), ("participants", args.participants), ("think", args.think),
               ("databases", args.databases))
    command = "python bench/load.py " + " ".join(f"--{name} {value:g}" if isinstance(value, float)
                                                 else f"--{name} {value}" for name, value in options)
    result = {
        "command": command,
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_average_at_start": os.getloadavg()},
        "params": {"seconds": args.seconds, "participants": args.participants, "think_s": args.think,
                   "workers": args.workers, "ratio_seconds": args.ratio_seconds},
        "databases": {},
    }
    for kind in args.databases.split(","):
        data = bench_database(kind.strip(), args, photos)
        result["databases"][kind.strip()] = data
        walk = data["walk"]
        print(json.dumps({"database": kind, "requests": walk["requests"], "rps": walk["throughput_rps"],
                          "errors": walk["errors"], "all": walk["all"],
                          "stored_exactly_once": data["stored_exactly_once"]["ok"],
                          "database_is_locked": data["database_is_locked_in_log"],
                          "ratio": data["throughput"]["ratio_finding_to_trivial"],
                          "finding_rps": data["throughput"]["finding_put"]["rps"],
                          "healthz_rps": data["throughput"]["healthz"]["rps"]}), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    if not args.no_docs:
        PERFORMANCE_MD.parent.mkdir(parents=True, exist_ok=True)
        existing = PERFORMANCE_MD.read_text() if PERFORMANCE_MD.exists() else ""
        stress_file = RESULTS.with_name("load-stress.json")
        stress = json.loads(stress_file.read_text()) if stress_file.exists() else None
        PERFORMANCE_MD.write_text(replace_section(existing, markdown(result, stress)))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
