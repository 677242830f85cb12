"""System tests: real gunicorn servers in subprocesses on free ports, driven over HTTP.

Helpers here start and kill servers (each in its own process group, so SIGKILL takes the master
and its workers at once, as a crash or the OOM killer would), run ``fieldapp`` commands against
the same database, and speak to the API as a phone does (join link → session cookie → PUTs).
"""
from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import PROJECT_ROOT, skip_or_fail

FIELDAPP = [sys.executable, "-c", "from fieldapp.cli import main; main()"]
GUNICORN = [sys.executable, "-m", "gunicorn"]
FINDING = {"lon": 12.0690, "lat": 57.8950, "accuracy_m": 6.0, "category": "lighting", "felt_safety": 1,
           "note": "Trasig lampa"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fieldapp_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([*FIELDAPP, *args], env=env, capture_output=True, text=True, timeout=120,
                            cwd=PROJECT_ROOT)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@dataclass
class Server:
    """One gunicorn server (master + workers) on 127.0.0.1:port."""

    env: dict[str, str]
    port: int
    log: Path
    workers: int = 2
    threads: int = 1  # more than one: gunicorn's gthread worker class (what live updates need, README)
    process: subprocess.Popen | None = None

    def start(self) -> Server:
        log = open(self.log, "ab")  # noqa: SIM115 - handed to the child, closed with the process
        self.process = subprocess.Popen(
            [*GUNICORN, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--graceful-timeout", "5",
             *(["--worker-class", "gthread", "--threads", str(self.threads)] if self.threads > 1 else []),
             "fieldapp:create_app()"],
            env=self.env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text()[-3000:]
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{tail}")
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (no graceful shutdown, no cleanup)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request on a fresh connection; returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@dataclass
class Phone:
    """A participant's phone: the session cookie it got from the join link, and what was acknowledged."""

    port: int
    cookie: str = ""
    findings: list[str] = field(default_factory=list)
    photos: dict[str, str] = field(default_factory=dict)  # photo uuid → finding uuid

    def headers(self, extra: dict | None = None) -> dict:
        return {"Cookie": self.cookie, **(extra or {})}

    def join(self, join_path: str) -> Phone:
        """Load the join form (CSRF token + session), post it, keep the participant cookie."""
        status, headers, page = request(self.port, "GET", join_path)
        assert status == 200, status
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        session = re.match(r"session=[^;]+", headers["set-cookie"]).group(0)
        form = urllib.parse.urlencode({"csrf_token": token, "group": "resident", "language": "sv"}).encode()
        status, headers, _ = request(self.port, "POST", join_path, form,
                                     {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session})
        assert status == 302, status
        self.cookie = re.match(r"session=[^;]+", headers["set-cookie"]).group(0)
        return self

    def put_finding(self, slug: str, finding_uuid: str | None = None, body: dict | None = None,
                    port: int | None = None) -> tuple[int, dict]:
        finding_uuid = finding_uuid or str(uuid.uuid4())
        path = f"/api/v1/walks/{slug}/findings/{finding_uuid}"
        status, _, data = request(port or self.port, "PUT", path, json.dumps(body or FINDING).encode(),
                                  self.headers({"Content-Type": "application/json"}))
        if status in (200, 201):
            self.findings.append(finding_uuid)
        return status, json.loads(data)

    def put_photo(self, finding_uuid: str, jpeg: bytes, port: int | None = None) -> tuple[int, dict]:
        photo_uuid = str(uuid.uuid4())
        path = f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}"
        headers = self.headers({"Content-Type": "image/jpeg"})
        status, _, data = request(port or self.port, "PUT", path, jpeg, headers)
        if status in (200, 201):
            self.photos[photo_uuid] = finding_uuid
        return status, json.loads(data)

    def get(self, path: str, port: int | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
        return request(port or self.port, "GET", path, headers=self.headers(headers))


def photo_jpeg(seed: int, size: tuple[int, int] = (2048, 1536)) -> bytes:
    """A phone-sized JPEG with real detail (noise), so processing takes as long as a real photo."""
    image = Image.effect_noise(size, 40 + seed % 30).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def app_env(root: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "FIELDAPP_DATABASE_URL": database_url,
        "FIELDAPP_UPLOAD_DIR": str(root / "uploads"),
        "FIELDAPP_SECRET_KEY": "system-test-secret-shared-by-all-servers",
        "FIELDAPP_PUBLIC_URL": "http://127.0.0.1",
        "FIELDAPP_ENV": "development",  # throw-away databases: demo data allowed
        **extra,
    }


def seed(env: dict[str, str]) -> str:
    """Migrate and seed the demo walk; returns the join link's path."""
    fieldapp_cli(env, "db", "upgrade")
    demo = fieldapp_cli(env, "seed", "--demo").stdout
    return urllib.parse.urlparse(re.search(r"^Join link: (\S+)$", demo, re.M).group(1)).path


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts; all stopped (or killed) at the end."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def postgis_schema(pytestconfig: pytest.Config, tmp_path) -> Iterator[str]:
    """A database URL on a fresh PostgreSQL schema (PostGIS stays in public), dropped afterwards."""
    from tests.app.conftest import fresh_database

    with fresh_database("postgis", tmp_path, pytestconfig) as url:
        yield url


@pytest.fixture
def redis_url(pytestconfig: pytest.Config) -> str:
    """Redis database 15, emptied (the system tests' own database for rate-limit counters)."""
    import redis

    url = os.environ.get("FIELDAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.RedisError as err:
        skip_or_fail(pytestconfig, f"Redis not reachable at {url}: {err}")
    finally:
        client.close()
    return url
