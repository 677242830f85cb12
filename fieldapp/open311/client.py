"""A small GeoReport v2 client (stdlib urllib): create a service request, resolve a token.

Every call has a timeout. Failures raise :class:`Open311Failure`, which says whether trying again
later can help (``transient``: timeouts, connection errors, HTTP 408/429/5xx) or not (other 4xx,
redirects, answers that are not GeoReport v2).
"""
from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

DEFAULT_TIMEOUT = 10.0
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_BODY = 1024 * 1024
USER_AGENT = "fieldapp-open311/1.0"


class Open311Failure(Exception):
    """A request to an Open311 server failed; ``message`` is the server's description where it gave one.

    ``kind`` names the failure for people setting up a connection: ``timeout``, ``tls`` (certificate or
    handshake), ``connect`` (refused, unknown host), ``http`` (an error status, in ``status``) or
    ``not_open311`` (an answer that is not GeoReport v2).
    """

    def __init__(self, message: str, *, transient: bool, status: int | None = None, kind: str = "http"):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.kind = kind


@dataclass(frozen=True)
class Service:
    """One entry of a server's ``services.json``."""

    code: str
    name: str
    group: str = ""


@dataclass(frozen=True)
class Submitted:
    """What the server answered to a new service request: an id, or a token to resolve later."""

    service_request_id: str | None
    token: str | None
    service_notice: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A POST must never be silently turned into a GET on another URL."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def check_endpoint(endpoint: str) -> str:
    """The endpoint base URL without a trailing slash; ValueError unless it is http(s) with a host."""
    parsed = urllib.parse.urlsplit(endpoint.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"not an http(s) URL: {endpoint!r}")
    return endpoint.strip().rstrip("/")


def _error_description(body: bytes) -> str | None:
    """The ``description`` of a GeoReport v2 error list (JSON), if the body is one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    items = data if isinstance(data, list) else [data]
    descriptions = [str(i["description"]) for i in items if isinstance(i, dict) and i.get("description")]
    return "; ".join(descriptions) or None


def _timed_out(timeout: float) -> Open311Failure:
    return Open311Failure(gettext("No answer within %(seconds)s s.", seconds=f"{timeout:g}"), transient=True,
                          kind="timeout")


def _tls_failure(err: ssl.SSLError) -> Open311Failure:
    reason = getattr(err, "verify_message", None) or getattr(err, "reason", None) or str(err)
    return Open311Failure(gettext("Secure connection (TLS) failed: %(reason)s", reason=reason),
                          transient=True, kind="tls")


def _call(req: urllib.request.Request, timeout: float) -> Any:
    """Send ``req`` and return the decoded JSON body, or raise Open311Failure.

    URLs are built only from :func:`check_endpoint` (http/https), never ``file:`` or others.
    """
    try:
        with _opener.open(req, timeout=timeout) as response:
            body = response.read(MAX_BODY)
    except urllib.error.HTTPError as err:
        status = err.code
        described = _error_description(err.read(MAX_BODY))
        message = f"HTTP {status}: {described}" if described else f"HTTP {status} {err.reason}"
        raise Open311Failure(message, transient=status in TRANSIENT_STATUSES, status=status) from None
    except TimeoutError:
        raise _timed_out(timeout) from None
    except ssl.SSLError as err:
        raise _tls_failure(err) from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise _timed_out(timeout) from None
        if isinstance(err.reason, ssl.SSLError):
            raise _tls_failure(err.reason) from None
        message = gettext("Cannot connect: %(reason)s", reason=err.reason)
        raise Open311Failure(message, transient=True, kind="connect") from None
    except (http.client.HTTPException, OSError) as err:
        message = gettext("Connection failed: %(reason)s", reason=f"{err.__class__.__name__} {err}".strip())
        raise Open311Failure(message, transient=True, kind="connect") from None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Open311Failure(gettext("The server's answer is not JSON."), transient=False,
                             kind="not_open311") from None


def _first(data: Any) -> dict:
    item = data[0] if isinstance(data, list) and data else data
    if not isinstance(item, dict):
        raise Open311Failure(gettext("The server's answer is not a GeoReport v2 response."), transient=False,
                             kind="not_open311")
    return item


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def post_request(endpoint: str, fields: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> Submitted:
    """POST ``{endpoint}/requests.json`` form-encoded; the new request's id or token."""
    req = urllib.request.Request(  # noqa: S310 (scheme checked by check_endpoint)
        f"{check_endpoint(endpoint)}/requests.json",
        data=urllib.parse.urlencode(fields).encode("ascii"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                 "User-Agent": USER_AGENT},
    )
    item = _first(_call(req, timeout))
    submitted = Submitted(_text(item.get("service_request_id")), _text(item.get("token")),
                          _text(item.get("service_notice")))
    if submitted.service_request_id is None and submitted.token is None:
        raise Open311Failure(gettext("The server answered without a service_request_id or token."),
                             transient=False)
    return submitted


def resolve_token(endpoint: str, token: str, query: dict[str, str], *,
                  timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """GET ``{endpoint}/tokens/{token}.json``: the service_request_id, or None while it is not known yet."""
    url = (f"{check_endpoint(endpoint)}/tokens/{urllib.parse.quote(token, safe='')}.json?"
           f"{urllib.parse.urlencode(query)}")
    req = urllib.request.Request(  # noqa: S310 (scheme checked by check_endpoint)
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        item = _first(_call(req, timeout))
    except Open311Failure as failure:
        if failure.status == 404:
            return None  # the server has not processed the request yet
        raise
    return _text(item.get("service_request_id"))


def list_services(endpoint: str, query: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> list[Service]:
    """GET ``{endpoint}/services.json``: the server's service list (Open311Failure if it is not one)."""
    url = f"{check_endpoint(endpoint)}/services.json"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    req = urllib.request.Request(  # noqa: S310 (scheme checked by check_endpoint)
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    data = _call(req, timeout)
    if not isinstance(data, list) or not all(isinstance(i, dict) and i.get("service_code") for i in data):
        raise Open311Failure(gettext("The server's answer is not a GeoReport v2 service list."),
                             transient=False, kind="not_open311")
    return [Service(str(i["service_code"]), str(i.get("service_name") or ""), str(i.get("group") or ""))
            for i in data]
