"""Live updates by Server-Sent Events: ``GET /w/<slug>/events`` for the walk's participants and staff.

The stream sends one ``findings`` event whenever the walk's change mark (``fieldapp.services.live``) differs
from the last one sent; the page then fetches the findings it already knows how to fetch. The mark is
read from the database every ``LIVE_POLL_SECONDS``, so a finding saved through any app server reaches
every open stream, with nothing shared in memory. Each stream holds one server thread: a process serves
at most ``LIVE_MAX_STREAMS`` at once, only on a threaded server, and each ends after
``LIVE_STREAM_SECONDS`` (the browser reconnects with ``Last-Event-ID``). A page that gets 503 here keeps
polling instead (README, "Live updates").
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from flask import Response, current_app, request, stream_with_context

from fieldapp.errors import N_, DomainError
from fieldapp.extensions import db
from fieldapp.field import bp
from fieldapp.participant_session import require_walk_access
from fieldapp.services import live as live_service
from fieldapp.services import walks as walk_service

KEEPALIVE_SECONDS = 15.0  # a comment line this often lets the server notice a phone that went away
RETRY_MS = 2000  # how soon the browser reconnects after a stream ends
BUSY_RETRY_AFTER_SECONDS = 60


class _Slots:
    """Streams open in this process, at most ``limit`` (read from the config on each call)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = 0

    def take(self, limit: int) -> bool:
        with self._lock:
            if self.open >= limit:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.open -= 1


def _slots() -> _Slots:
    """This app's stream counter (one per app object, so each test app starts from zero)."""
    slots: _Slots = current_app.extensions.setdefault("live_streams", _Slots())
    return slots


class LiveUnavailable(DomainError):
    """No stream for now: the page polls and tries the stream again after Retry-After."""

    status = 503
    code = "live_unavailable"
    retry_after = BUSY_RETRY_AFTER_SECONDS


def _event(mark: str) -> str:
    return f"id: {mark}\nevent: findings\ndata: {mark}\n\n"


def _stream(walk_id: int, last_sent: str | None) -> Iterator[str]:
    config = current_app.config
    poll, lifetime = config["LIVE_POLL_SECONDS"], config["LIVE_STREAM_SECONDS"]
    started = last_write = time.monotonic()
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        mark = live_service.change_mark(walk_id)  # ends its transaction: no connection held while asleep
        if mark != last_sent:
            last_sent = mark
            last_write = time.monotonic()
            yield _event(mark)
        elif time.monotonic() - last_write >= KEEPALIVE_SECONDS:
            last_write = time.monotonic()
            yield ": keep-alive\n\n"
        if time.monotonic() - started + poll > lifetime:
            return
        time.sleep(poll)


@bp.get("/w/<slug>/events")
def walk_events(slug: str) -> Response:
    """Tell the walk's field pages and the staff live view when its findings change (text/event-stream)."""
    walk = walk_service.walk_by_slug(slug)
    require_walk_access(walk)
    # A single-threaded worker (gunicorn's default sync worker) would be held by one phone for minutes.
    if not request.environ.get("wsgi.multithread"):
        raise LiveUnavailable(N_("Live updates are not available on this server; the page checks by itself."))
    slots = _slots()
    if not slots.take(current_app.config["LIVE_MAX_STREAMS"]):
        raise LiveUnavailable(N_("Too many live connections right now; the page checks by itself."))
    walk_id = walk.id
    last_event_id = request.headers.get("Last-Event-ID") or None
    db.session.rollback()  # hold no connection while streaming
    response = Response(stream_with_context(_stream(walk_id, last_event_id)), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    response.call_on_close(slots.give_back)  # also when the stream never started
    return response
