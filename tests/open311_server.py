"""A small Open311 GeoReport v2 server for tests: ``GET services.json``, ``POST requests.json``,
``GET tokens/<token>.json``.

It validates the incoming fields like a real server (api_key, jurisdiction_id, service_code,
lat/long or an address, description length, media_url) and answers in the GeoReport v2 shapes:
``[{"service_request_id": ...}]``, ``[{"token": ...}]`` or errors ``[{"code": ..., "description": ...}]``.
Tests script failures with :meth:`Open311Server.fail_next` (an HTTP 500/503, or a hang longer than
the client's timeout) and switch to token answers with ``answer_with_token``; ``services_answer``
makes ``services.json`` answer ``"401"``, ``"hang"`` or ``"html"`` (a web page, not Open311).

Runs in a thread on 127.0.0.1 and a free port (``werkzeug.serving.make_server``)::

    with running_open311_server(api_key="k", service_codes={"lighting"}) as server:
        server.url   # http://127.0.0.1:PORT/open311/v2
"""
from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PREFIX = "/open311/v2"


@dataclass
class Open311Server:
    """State of the fake server; tests read ``received`` and script ``fail_next``."""

    api_key: str
    service_codes: set[str]
    jurisdiction_id: str | None = None
    answer_with_token: bool = False
    token_resolves_after: int = 0  # token polls answered "not yet" (404) before the id is known
    services_answer: str | None = None
    url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)
    token_polls: list[dict[str, str]] = field(default_factory=list)
    _failures: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    _tokens: dict[str, dict] = field(default_factory=dict)
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *kinds: str) -> None:
        """The next POSTs fail in this order: ``"500"``, ``"503"`` or ``"hang"`` (no answer till shutdown)."""
        self._failures.extend(kinds)

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response):  # noqa: ANN204 - WSGI
        request = Request(environ)
        adapter = URLS.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as err:  # 404 / 405 from the routing map are responses
            return err(environ, start_response)
        response = getattr(self, endpoint)(request, **args)
        return response(environ, start_response)

    @staticmethod
    def _errors(status: int, description: str) -> Response:
        return Response(json.dumps([{"code": status, "description": description}]), status=status,
                        content_type="application/json; charset=utf-8")

    @staticmethod
    def _ok(payload: list[dict]) -> Response:
        return Response(json.dumps(payload), status=201, content_type="application/json; charset=utf-8")

    def _validate(self, form: dict[str, str]) -> Response | None:
        if form.get("api_key") != self.api_key:
            return self._errors(403, "Invalid api_key")
        if self.jurisdiction_id is not None and form.get("jurisdiction_id") != self.jurisdiction_id:
            return self._errors(404, "jurisdiction_id not found")
        code = form.get("service_code")
        if not code:
            return self._errors(400, "service_code was not provided")
        if code not in self.service_codes:
            return self._errors(404, f"service_code {code} not found")
        has_point = "lat" in form or "long" in form
        if has_point:
            try:
                lat, lon = float(form["lat"]), float(form["long"])
            except (KeyError, ValueError):
                return self._errors(400, "lat and long must both be numbers")
            if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
                return self._errors(400, "lat/long out of range")
        elif not form.get("address_string") and not form.get("address_id"):
            return self._errors(400, "A location (lat/long, address_string or address_id) is required")
        if len(form.get("description", "")) > 4000:
            return self._errors(400, "description is longer than 4000 characters")
        if "media_url" in form:
            parts = urlsplit(form["media_url"])
            if parts.scheme not in ("http", "https") or not parts.netloc:
                return self._errors(400, "media_url is not a URL")
        return None

    def get_services(self, request: Request, fmt: str) -> Response:
        if self.services_answer == "401":
            return Response("Unauthorized", status=401, headers={"WWW-Authenticate": 'Basic realm="open311"'})
        if self.services_answer == "hang":
            self._release.wait(30)
        if self.services_answer == "html":
            return Response("<!doctype html><title>Kommunen</title><p>Välkommen!</p>",
                            content_type="text/html; charset=utf-8")
        if self.jurisdiction_id is not None and request.args.get("jurisdiction_id") != self.jurisdiction_id:
            return self._errors(404, "jurisdiction_id not found")
        services = [{"service_code": code, "service_name": code.replace("_", " ").capitalize(),
                     "description": "", "metadata": False, "type": "realtime", "keywords": "",
                     "group": "Trygghet"} for code in sorted(self.service_codes)]
        return Response(json.dumps(services), content_type="application/json; charset=utf-8")

    def post_request(self, request: Request, fmt: str) -> Response:
        if fmt != "json":
            return self._errors(400, "only json is supported here")
        if request.mimetype != "application/x-www-form-urlencoded":
            return self._errors(400, "the body must be application/x-www-form-urlencoded")
        form = request.form.to_dict()
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure == "hang":
            self._release.wait(30)
            return self._errors(504, "too late")
        if failure in ("500", "503"):
            return self._errors(int(failure), "Internal error, try again later")
        invalid = self._validate(form)
        if invalid is not None:
            return invalid
        with self._lock:
            self.received.append(form)
            request_id = str(next(self._ids))
        if self.answer_with_token:
            token = f"tok-{request_id}"
            self._tokens[token] = {"service_request_id": request_id, "polls": 0}
            return self._ok([{"token": token}])
        return self._ok([{"service_request_id": request_id, "service_notice": "Vi åtgärdar inom en vecka."}])

    def get_token(self, request: Request, token: str, fmt: str) -> Response:
        if request.args.get("api_key") != self.api_key:
            return self._errors(403, "Invalid api_key")
        entry = self._tokens.get(token)
        self.token_polls.append({"token": token, **request.args.to_dict()})
        if entry is None:
            return self._errors(404, "token not found")
        entry["polls"] += 1
        if entry["polls"] <= self.token_resolves_after:
            return self._errors(404, "The request has not been processed yet")
        return self._ok([{"service_request_id": entry["service_request_id"], "token": token}])


URLS = Map([
    Rule(f"{PREFIX}/services.<fmt>", methods=["GET"], endpoint="get_services"),
    Rule(f"{PREFIX}/requests.<fmt>", methods=["POST"], endpoint="post_request"),
    Rule(f"{PREFIX}/tokens/<token>.<fmt>", methods=["GET"], endpoint="get_token"),
])


@contextmanager
def running_open311_server(**options) -> Iterator[Open311Server]:
    """Start the server in a thread on a free port; stop it (and release hanging requests) afterwards."""
    server = Open311Server(**options)
    http = make_server("127.0.0.1", 0, server, threaded=True)
    server.url = f"http://127.0.0.1:{http.server_port}{PREFIX}"
    thread = threading.Thread(target=http.serve_forever, name="open311-test-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server._release.set()
        http.shutdown()
        http.server_close()
        thread.join(5)
