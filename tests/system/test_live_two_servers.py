"""Live updates across app servers: a phone listening on server B hears of a finding sent to server A
(both gunicorn with gthread workers on one PostGIS database), within 3 s; a sync-worker server refuses
streams so the page polls instead."""
from __future__ import annotations

import http.client
import time
from pathlib import Path

from fieldapp.services.demo import DEMO_SLUG
from tests.system.conftest import Phone, Server, app_env, free_port, seed

EVENTS = f"/w/{DEMO_SLUG}/events"


def next_event(response: http.client.HTTPResponse) -> dict[str, str]:
    """Read lines until one whole event (comments and the retry line are skipped)."""
    fields: dict[str, str] = {}
    while True:
        line = response.readline().decode().rstrip("\n")
        if not line:
            if "event" in fields:
                return fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


def test_a_finding_sent_to_one_server_reaches_a_stream_on_the_other(tmp_path: Path, servers: list[Server],
                                                                    postgis_schema: str) -> None:
    env = app_env(tmp_path, postgis_schema)
    join_path = seed(env)
    a = Server(env, free_port(), tmp_path / "a.log", workers=1, threads=8).start()
    servers.append(a)
    b = Server(env, free_port(), tmp_path / "b.log", workers=1, threads=8).start()
    servers.append(b)
    phone = Phone(a.port).join(join_path)

    connection = http.client.HTTPConnection("127.0.0.1", b.port, timeout=10)
    connection.request("GET", EVENTS, headers=phone.headers({"Accept": "text/event-stream"}))
    stream = connection.getresponse()
    assert stream.status == 200 and stream.getheader("Content-Type").startswith("text/event-stream")
    first = next_event(stream)

    sent_at = time.monotonic()
    status, _ = phone.put_finding(DEMO_SLUG, port=a.port)
    assert status == 201
    changed = next_event(stream)
    elapsed = time.monotonic() - sent_at
    print(f"\nfinding sent to server A → event on server B's stream after {elapsed * 1000:.0f} ms")
    assert changed["id"] != first["id"] and elapsed <= 3.0
    connection.close()


def test_a_sync_worker_server_refuses_streams(tmp_path: Path, servers: list[Server],
                                              postgis_schema: str) -> None:
    env = app_env(tmp_path, postgis_schema)
    join_path = seed(env)
    server = Server(env, free_port(), tmp_path / "sync.log", workers=1).start()
    servers.append(server)
    phone = Phone(server.port).join(join_path)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", EVENTS, headers=phone.headers({"Accept": "text/event-stream"}))
    response = connection.getresponse()
    assert response.status == 503 and int(response.getheader("Retry-After")) > 0
    assert b"live_unavailable" in response.read()
    connection.close()
