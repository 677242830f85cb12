"""The one place where domain errors and HTTP errors become responses.

API paths (``/api/``, ``/open311/``) get JSON ``{"error": {"code", "message"}}``; pages get a
readable HTML page. Nothing here turns bad input into a 500.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from fieldapp.errors import N_, DomainError
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


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        response = app.make_response(error_response(err.status, err.code, gettext(err.message), err.details))
        if err.retry_after is not None:
            response.headers["Retry-After"] = str(err.retry_after)
        return response

    @app.errorhandler(GeometryError)
    def _geometry(err: GeometryError):
        return error_response(422, "invalid_geometry", gettext(str(err)))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        data = getattr(err, "data", None) or {}
        details = data.get("messages") or data.get("errors")
        message = data.get("message") or err.description or err.name
        if details and err.code == 422:
            message = N_("The request has invalid fields; see details.")
        response = app.make_response(error_response(err.code or 500, code, gettext(message), details))
        original = err.get_response().headers
        for header in ("Allow", "Retry-After"):
            if header in original:
                response.headers[header] = original[header]
        return response
