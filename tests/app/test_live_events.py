"""Live updates by Server-Sent Events (``GET /w/<slug>/events``): who may listen, what arrives when a finding
is saved, and the limits that keep streams from taking every server thread. Both databases."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.services import planning
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from fieldapp.services.users import create_user
from fieldapp.services.walks import create_walk
from tests.app.conftest import make_app, truncate_postgis

THREADED = {"wsgi.multithread": True}  # what gunicorn's gthread worker and the threaded dev server say
EVENTS = f"/w/{DEMO_SLUG}/events"
STREAM = {"Accept": "text/event-stream"}  # what EventSource sends
LIFETIME = 2.0


@pytest.fixture
def live_app(database_url: str, backend: str, tmp_path) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path / "uploads", LIVE_POLL_SECONDS=0.05,
                           LIVE_STREAM_SECONDS=LIFETIME, LIVE_MAX_STREAMS=2)
    with application.app_context():
        if backend == "postgis":
            truncate_postgis(application)
        yield application


@pytest.fixture
def join_token(live_app: Flask) -> str:
    return seed_demo().walk.join_token


def joined(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(f"/j/{token}", data={"group": "resident", "language": "sv"})
    assert response.status_code == 302
    return client


def staff(app: Flask) -> FlaskClient:
    create_user("staff@example.se", "correct horse battery", role="organizer", name="Staff")
    client = app.test_client()
    assert client.post("/staff/login", data={"email": "staff@example.se",
                                              "password": "correct horse battery"}).status_code == 302
    return client


class Stream:
    """An open event stream read block by block (events only; comments and the retry line are skipped)."""

    def __init__(self, response) -> None:
        self.response = response
        self.chunks = iter(response.response)
        self.buffer = ""

    def next_event(self) -> dict[str, str] | None:
        """The next event, or None when the stream ended first."""
        while True:
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
                if "event" in fields:
                    return fields
            chunk = next(self.chunks, None)
            if chunk is None:
                return None
            self.buffer += chunk.decode() if isinstance(chunk, bytes) else chunk

    def close(self) -> None:
        self.response.close()


def finding_body(note: str) -> dict:
    return {"lon": 12.0690, "lat": 57.8950, "accuracy_m": 6.5, "category": "lighting", "felt_safety": 1,
            "lighting_check": "out", "note": note,
            "created_at": (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0).isoformat()}


def test_only_the_walks_participants_and_staff_may_listen(live_app: Flask, join_token: str) -> None:
    anonymous = live_app.test_client().get(EVENTS, environ_overrides=THREADED)
    assert anonymous.status_code == 403
    # A participant of another walk is not a participant of this one.
    other = create_walk("Annan vandring", status="open")
    outsider = joined(live_app, other.join_token)
    own = outsider.get(f"/w/{other.slug}/events", environ_overrides=THREADED)
    assert own.status_code == 200
    own.close()
    assert outsider.get(EVENTS, environ_overrides=THREADED).status_code == 403

    participant = joined(live_app, join_token)
    response = participant.get(EVENTS, environ_overrides=THREADED)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    assert Stream(response).next_event()["event"] == "findings"
    response.close()

    # The organiser replaced the join link: the old link's participants are locked out, reads included.
    planning.regenerate_join_link(seed_demo().walk, user_id=None)
    assert participant.get(EVENTS, environ_overrides=THREADED).status_code == 403
    staff_response = staff(live_app).get(EVENTS, environ_overrides=THREADED)
    assert staff_response.status_code == 200
    staff_response.close()


def test_another_phones_finding_reaches_an_open_stream(live_app: Flask, join_token: str) -> None:
    listener = joined(live_app, join_token)
    writer = joined(live_app, join_token)
    stream = Stream(listener.get(EVENTS, environ_overrides=THREADED))
    first = stream.next_event()
    assert first["event"] == "findings" and first["id"] == first["data"]

    finding = str(uuid.uuid4())
    assert writer.put(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding}",
                      json=finding_body("Ny lampa trasig")).status_code == 201
    started = time.monotonic()
    second = stream.next_event()
    assert second is not None and second["id"] != first["id"]
    assert time.monotonic() - started < 1.0
    stream.close()
    # What the page fetches on the event has the new finding.
    listed = listener.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()["features"]
    assert finding in {f["id"] for f in listed}

    # Reconnecting with the last id sent: no event until something changes, and the stream ends by itself.
    started = time.monotonic()
    again = Stream(listener.get(EVENTS, environ_overrides=THREADED, headers={"Last-Event-ID": second["id"]}))
    assert again.next_event() is None
    assert time.monotonic() - started <= LIFETIME + 0.5


def test_a_withdrawn_finding_is_a_change_too(live_app: Flask, join_token: str) -> None:
    phone = joined(live_app, join_token)
    finding = str(uuid.uuid4())
    created = phone.put(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding}", json=finding_body("Tas bort"))
    assert created.status_code == 201
    stream = Stream(phone.get(EVENTS, environ_overrides=THREADED))
    before = stream.next_event()["id"]
    assert phone.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding}").status_code == 204
    after = stream.next_event()
    assert after is not None and after["id"] != before
    stream.close()


def test_streams_are_limited_per_process_and_need_a_threaded_server(live_app: Flask, join_token: str) -> None:
    phone = joined(live_app, join_token)
    single = phone.get(EVENTS, headers=STREAM)  # a sync worker: one stream would hold the whole process
    assert single.status_code == 503
    assert single.get_json()["error"]["code"] == "live_unavailable"
    assert int(single.headers["Retry-After"]) > 0

    open_streams = [phone.get(EVENTS, environ_overrides=THREADED) for _ in range(2)]
    assert [r.status_code for r in open_streams] == [200, 200]
    busy = phone.get(EVENTS, environ_overrides=THREADED, headers=STREAM)
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    assert busy.get_json()["error"]["code"] == "live_unavailable"
    open_streams.pop().close()  # a phone went away: its place is free again
    replacement = phone.get(EVENTS, environ_overrides=THREADED)
    assert replacement.status_code == 200
    for response in (replacement, *open_streams):  # last opened first: one thread here, not one per stream
        response.close()
