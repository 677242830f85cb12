"""The one place where domain errors and HTTP errors become responses.

API paths (``/api/``, ``/open311/``) get JSON ``{"error": {"code", "message"}}``; pages get a
readable HTML page; a failed staff form gets its page again with the input kept
(``fieldapp.form_again``). Nothing here turns bad input into a 500.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldapp.errors import N_, DomainError
from fieldapp.form_again import page_again
from fieldapp.forms import EXPIRED
from gis.errors import GeometryError

JSON_PREFIXES = ("/api/", "/open311/")


# Machine clients: an EventSource (live updates) asks for text/event-stream and gets JSON errors too.
JSON_ACCEPTS = ("application/json", "text/event-stream")


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best in JSON_ACCEPTS


def error_response(
    status: int, code: str, message: str, details: dict | None = None
) -> tuple[Response | str, int]:
    if wants_json():
        body = {"code": code, "message": message}
        if details:
            body["details"] = details
        return jsonify(error=body), status
    return render_template("error.html", status=status, code=code, message=message), status


def domain_message(err: DomainError) -> str:
    """A domain error's message in the user's language, its named values filled in."""
    return gettext(err.template, **err.params) if err.params else gettext(err.template)


def geometry_message(err: GeometryError) -> str:
    """A geometry error's message in the user's language, its values filled in (a value that is itself a
    geometry error, the reason behind it, is translated too)."""
    if not err.params:
        return gettext(err.template)
    params = {k: geometry_message(v) if isinstance(v, GeometryError) else v for k, v in err.params.items()}
    return gettext(err.template, **params)


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        message = domain_message(err)
        again = None if wants_json() else page_again(err.status, message, err.field)
        if again is not None:
            return again
        response = app.make_response(error_response(err.status, err.code, message, err.details))
        if err.retry_after is not None:
            response.headers["Retry-After"] = str(err.retry_after)
        return response

    @app.errorhandler(GeometryError)
    def _geometry(err: GeometryError):
        message = geometry_message(err)
        again = None if wants_json() else page_again(422, message)
        if again is not None:
            return again
        return error_response(422, "invalid_geometry", message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        data = getattr(err, "data", None) or {}
        details = data.get("messages") or data.get("errors")
        message = data.get("message") or err.description or err.name
        if details and err.code == 422:
            message = N_("The request has invalid fields; see details.")
        if isinstance(err, CSRFError) and not wants_json():
            again = page_again(400, gettext(EXPIRED))
            if again is not None:
                return again
        response = app.make_response(error_response(err.code or 500, code, gettext(message), details))
        original = err.get_response().headers
        for header in ("Allow", "Retry-After"):
            if header in original:
                response.headers[header] = original[header]
        return response
