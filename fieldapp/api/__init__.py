"""The JSON API for the field app (``/api/v1``), documented at ``/api/openapi.json``.

flask-smorest declares each endpoint once: the marshmallow schemas validate requests and produce
the OpenAPI document. Errors are rendered by fieldapp.errors_http (``{"error": {...}}``), and the
document says so through ``ERROR_SCHEMA``.
"""
from __future__ import annotations

import json
import typing

import flask
import marshmallow as ma
from flask import Flask
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = ma.fields.String(required=True, metadata={"description": "human-readable message"})
    details = ma.fields.Dict(metadata={"description": "per-field validation messages"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class FieldApi(Api):
    """flask-smorest's Api with fieldapp's single error handler and error envelope."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Errors are rendered by fieldapp.errors_http for the whole app."""


class BoundedJSONParser(FlaskParser):
    """webargs' parser, with JSON nested too deep for Python's decoder answered as invalid JSON (400)."""

    def _raw_load_json(self, req: flask.Request) -> typing.Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "", 0) from None


class FieldBlueprint(Blueprint):
    ARGUMENTS_PARSER = BoundedJSONParser()


bp = FieldBlueprint(
    "api", __name__, url_prefix="/api/v1", description="Field app: walks, findings and photos"
)

API_CONFIG = {
    "API_TITLE": "fieldapp field API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",  # 3.1: a nullable member is "X or null", not "any object"
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def init_api(app: Flask) -> None:
    """Attach the API and its OpenAPI document to ``app``."""
    from fieldapp.api import follow_up, views  # noqa: F401  (register routes on bp)
    from fieldapp.extensions import csrf

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = FieldApi(app)  # one per app: the OpenAPI spec belongs to the app it describes
    api.register_blueprint(bp)
    # The API authenticates with the walk-scoped participant cookie (SameSite=Lax) and only accepts
    # PUT/DELETE with JSON or multipart bodies — a cross-site form cannot send those without a CORS
    # preflight, which we never grant — so Flask-WTF's form CSRF token is not required here.
    csrf.exempt(bp)
