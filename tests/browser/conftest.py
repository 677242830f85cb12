"""Browser tests: a real fieldapp server in a subprocess and Debian's Chromium, phone profile, fake GPS.

Never `playwright install`: we drive /usr/bin/chromium with the flags this machine needs.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, skip_or_fail

CHROMIUM = os.environ.get("FIELDAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]
NODINGE = {"latitude": 57.8945, "longitude": 12.0688, "accuracy": 12}
AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
FIELDAPP = [sys.executable, "-c", "from fieldapp.cli import main; main()"]


@dataclass
class LiveServer:
    url: str
    join_url: str
    staff_email: str
    staff_password: str
    env: dict[str, str]
    root: Path

    def cli(self, *args: str) -> str:
        """Run a fieldapp command against this server's database and return its output."""
        result = subprocess.run([*FIELDAPP, *args], env=self.env, capture_output=True, text=True, timeout=120,
                                cwd=PROJECT_ROOT)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def query(self, sql: str, *params) -> list[tuple]:
        """Read the live server's database directly (plain columns only; no SpatiaLite needed)."""
        import sqlite3

        path = self.env["FIELDAPP_DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            return conn.execute(sql, params).fetchall()

    def get_json(self, path: str, cookie: str | None = None) -> dict:
        request = urllib.request.Request(self.url + path, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
            return json.load(response)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def start_server(root: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(root / "server.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([*FIELDAPP, "run", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LiveServer]:
    """fieldapp on SpatiaLite with the demo walk, served on a free port for the whole session."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(pytestconfig, f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    root = tmp_path_factory.mktemp("live")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FIELDAPP_DATABASE_URL": f"sqlite:///{root / 'live.sqlite'}",
        "FIELDAPP_UPLOAD_DIR": str(root / "uploads"),
        "FIELDAPP_JOBS_URL": f"sqlite:///{root / 'jobs.sqlite'}",  # the session's own job queue
        "FIELDAPP_SECRET_KEY": "browser-test-secret",
        "FIELDAPP_PUBLIC_URL": url,
        # Tiles from a closed local port: no traffic leaves the machine, the map still draws vectors.
        "FIELDAPP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        "FIELDAPP_ENV": "development",  # a throw-away database: demo data allowed
    }
    server = LiveServer(url=url, join_url="", staff_email="browser-admin@example.se",
                        staff_password="browser test passphrase", env=env, root=root)
    server.cli("db", "upgrade")
    demo = server.cli("seed", "--demo")
    server.join_url = re.search(r"^Join link: (\S+)$", demo, re.M).group(1)
    # The tests' own staff account (admin pages included), not the demo organizer.
    server.cli("create-user", "--email", server.staff_email, "--password", server.staff_password,
               "--role", "admin", "--name", "Browser Test")
    process = start_server(root, env, port)
    try:
        wait_for(url + "/", process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root / "uploads", ignore_errors=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, playwright) -> dict:
    """A phone: Pixel 7 viewport and touch, Swedish, GPS at Ale torg."""
    return {
        **browser_context_args,
        **playwright.devices["Pixel 7"],
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
        "geolocation": NODINGE,
        "permissions": ["geolocation"],
    }


def axe_violations(page, context: str | None = None) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA) in the page; return the violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS)  # evaluated through the DevTools protocol, so the page's strict CSP stays on
    result = page.evaluate(
        """async (selector) => {
            const r = await axe.run(selector ? document.querySelector(selector) : document,
              { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        context,
    )
    return result


def staff_login(page, server: LiveServer) -> None:
    page.goto(server.url + "/staff/login")
    page.fill("#email", server.staff_email)
    page.fill("#password", server.staff_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/walks")


@contextlib.contextmanager
def staff_page(browser, live_server: LiveServer, *, confirm_dialogs: bool = False,  # noqa: ANN001 - Browser
               **context_options: object) -> Iterator:
    """A new browser context logged in as the live server's staff account; ``confirm_dialogs`` says yes
    to every confirm() (the pages ask before destructive or public actions)."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    if confirm_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/staff/login")
    page.fill("#email", live_server.staff_email)
    page.fill("#password", live_server.staff_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/walks")
    try:
        yield page
    finally:
        context.close()
