"""The job system: storage from configuration, periodic jobs, and a worker killed mid-queue loses nothing
and does nothing twice (``fieldapp worker`` as a real subprocess on the test's database and queue file)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey import RedisHuey, SqliteHuey

from fieldapp.extensions import db
from fieldapp.jobs import huey_for
from fieldapp.models import ProtocolPdf
from tests.app import publishing
from tests.app.conftest import make_app
from tests.app.test_exports import SLUG, prepare_walk

ROOT = Path(__file__).resolve().parents[2]


def test_storage_is_a_sqlite_file_by_default_and_redis_when_configured(tmp_path) -> None:
    sqlite_app = make_app("sqlite:///unused.sqlite", tmp_path / "uploads")
    queue = huey_for(sqlite_app)
    assert isinstance(queue, SqliteHuey) and queue.storage.filename == str(tmp_path / "jobs.sqlite")
    assert huey_for(sqlite_app) is queue  # built once per application
    redis_app = make_app("sqlite:///unused.sqlite", tmp_path / "uploads", JOBS_URL="redis://127.0.0.1:6399/3")
    assert isinstance(huey_for(redis_app), RedisHuey)  # connects on first use, not here
    broken = make_app("sqlite:///unused.sqlite", tmp_path / "uploads", JOBS_URL="amqp://elsewhere")
    with pytest.raises(ValueError, match="FIELDAPP_JOBS_URL"):
        huey_for(broken)


def test_jobs_and_the_periodic_sweep_are_registered(app) -> None:
    queue = huey_for(app)
    names = {name.rsplit(".", 1)[-1] for name in queue._registry._registry}
    assert {"render_protocol_pdf", "sweep_protocol_pdfs", "detect_photo_regions",
            "send_open311_measure", "deliver_mail"} <= names
    periodic = {task.name for task in queue._registry.periodic_tasks}
    assert periodic == {"sweep_protocol_pdfs", "sweep_photo_detection", "purge_expired_data",
                        "send_weekly_digests", "push_due_open311", "notify_subscribers"}


def test_a_pdf_goes_through_redis_when_the_queue_is_redis(app, staff_client, pytestconfig) -> None:
    """Several app servers share one Redis queue: publish on this one, the worker renders from Redis."""
    import redis

    from tests.app.conftest import Worker
    from tests.conftest import skip_or_fail

    url = os.environ.get("FIELDAPP_TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as err:
        skip_or_fail(pytestconfig, f"Redis not reachable at {url}: {err}")
    app.config.update(JOBS_URL=url, JOBS_QUEUE_NAME=f"test-{uuid.uuid4().hex}")
    worker = Worker(app)
    try:
        assert isinstance(worker.huey, RedisHuey)
        prepare_walk()
        publishing.publish(staff_client, SLUG, "sv")
        queued = [task.name.rsplit(".", 1)[-1] for task in worker.huey.pending()]
        assert queued.count("render_protocol_pdf") == 1  # (and the photos' detection jobs)
        worker.run_until_idle()
        assert set(states().values()) == {"ready"}
        assert staff_client.get(f"/walks/{SLUG}/protocol.pdf?version=1").get_data().startswith(b"%PDF")
    finally:
        worker.stop()
        worker.huey.storage.flush_all()


def start_worker(app, log: Path, database_url: str, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FIELDAPP_DATABASE_URL": database_url,
        "FIELDAPP_JOBS_URL": app.config["JOBS_URL"],
        "FIELDAPP_UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "FIELDAPP_PUBLIC_URL": app.config["PUBLIC_URL"],
        "FIELDAPP_SECRET_KEY": "test-secret",
        "FIELDAPP_PROTOCOL_PDF_LEASE_SECONDS": "3",
        **extra_env,
    }
    handle = log.open("ab")
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-c", "from fieldapp.cli import main; main()", "worker"],
        env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
    )


def states() -> dict[int, str]:
    db.session.expire_all()
    db.session.rollback()
    return dict(db.session.execute(sa.select(ProtocolPdf.id, ProtocolPdf.state)).all())


def wait_for(condition, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {states()}"
        time.sleep(0.1)


def test_worker_killed_mid_queue_loses_nothing_and_renders_each_pdf_once(
    app, staff_client, database_url, tmp_path
) -> None:
    prepared = prepare_walk()
    for note in ("första", "andra", "tredje", "fjärde"):  # four versions: four PDFs queued
        prepared.visible[0].note = note
        db.session.commit()
        publishing.publish(staff_client, SLUG, "sv")
    ids = sorted(states())
    assert len(ids) == 4 and set(states().values()) == {"queued"}
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"

    first = start_worker(app, first_log, database_url)
    try:
        wait_for(lambda: "ready" in states().values(), 120, "the first PDF")
    finally:
        first.send_signal(signal.SIGKILL)  # no goodbye: a crash, or the machine going down
        first.wait(10)
    at_kill = states()
    done_first = {i for i, state in at_kill.items() if state == "ready"}
    assert len(done_first) < 4, "the worker was not killed mid-queue"

    time.sleep(3.5)  # the lease of a render the dead worker had claimed runs out
    second = start_worker(app, second_log, database_url)
    try:
        wait_for(lambda: set(states().values()) == {"ready"}, 180, "every PDF")
    finally:
        second.send_signal(signal.SIGINT)  # Ctrl-C: finish what is running, then stop
        second.wait(30)

    def rendered(log: Path) -> list[int]:
        return [int(n) for n in re.findall(r"rendered protocol PDF (\d+) ", log.read_text())]

    # The first worker's last line may be lost with it; what it stored counts as done.
    assert set(rendered(first_log)) <= done_first
    done_second = rendered(second_log)
    assert len(done_second) == len(set(done_second)), second_log.read_text()[-3000:]  # none twice
    assert not set(done_second) & done_first  # nothing the dead worker finished was made again
    assert done_first | set(done_second) == set(ids)  # nothing lost
    rows = db.session.execute(sa.select(ProtocolPdf.id, ProtocolPdf.attempts, ProtocolPdf.sha256)).all()
    assert all(row.sha256 for row in rows)
    interrupted = [row.id for row in rows if row.attempts > 1]  # claimed by the dead worker, taken over
    assert all(at_kill[i] == "rendering" for i in interrupted) and len(interrupted) <= 1
