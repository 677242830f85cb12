"""The one place where domain errors and HTTP errors become responses.

API paths (``/api/``, ``/open311/``) get JSON ``{"error": {"code", "message"}}``; pages get a
readable HTML page. Nothing here turns bad input into a 500.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from fieldapp.errors import DomainError
from gis.errors import GeometryError

JSON_PREFIXES = ("/api/", "/open311/")


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status
    return render_template("error.html", status=status, code=code, message=message), status


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return error_response(err.status, err.code, err.message)

    @app.errorhandler(GeometryError)
    def _geometry(err: GeometryError):
        return error_response(422, "invalid_geometry", str(err))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        response = app.make_response(error_response(err.code or 500, code, err.description or err.name))
        original = err.get_response().headers
        for header in ("Allow", "Retry-After"):
            if header in original:
                response.headers[header] = original[header]
        return response
