"""GeoReport v2 read endpoints. Unknown ids and bad filters answer in the Open311 error format."""
from __future__ import annotations

from flask import request
from flask_babel import force_locale, gettext
from werkzeug.wrappers import Response

from fieldapp.errors import ValidationError
from fieldapp.open311 import bp, render
from fieldapp.services import open311_read


def _locale() -> str:
    """Names in Swedish unless ``?locale=en`` (or ``?lang=en``) asks for English."""
    chosen = request.args.get("locale") or request.args.get("lang") or "sv"
    return "en" if chosen.lower().startswith("en") else "sv"


def _unknown_format(fmt: str) -> Response | None:
    if fmt in render.FORMATS:
        return None
    return render.error("json", 404, gettext("Unknown format '%(fmt)s': use .json or .xml.", fmt=fmt))


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    with force_locale(_locale()):
        return _unknown_format(fmt) or render.respond(fmt, "discovery", open311_read.discovery())


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    with force_locale(_locale()):
        return _unknown_format(fmt) or render.respond(fmt, "services", open311_read.list_services(_locale()))


@bp.get("/services/<service_code>.<fmt>")
def service_definition(service_code: str, fmt: str) -> Response:
    with force_locale(_locale()):
        if (bad := _unknown_format(fmt)) is not None:
            return bad
        definition = open311_read.service_definition(service_code)
        if definition is None:
            return render.error(fmt, 404, gettext("There is no service with code '%(code)s'.",
                                                  code=service_code))
        return render.respond(fmt, "service_definition", definition)


@bp.get("/requests.<fmt>")
def requests(fmt: str) -> Response:
    with force_locale(_locale()):
        if (bad := _unknown_format(fmt)) is not None:
            return bad
        try:
            filters = open311_read.parse_filters(request.args)
        except ValidationError as err:
            return render.error(fmt, 400, err.message)
        return render.respond(fmt, "service_requests", open311_read.list_requests(filters, _locale()))


@bp.get("/requests/<service_request_id>.<fmt>")
def service_request(service_request_id: str, fmt: str) -> Response:
    """One request; like the GeoReport v2 examples, a list with a single item."""
    with force_locale(_locale()):
        if (bad := _unknown_format(fmt)) is not None:
            return bad
        found = open311_read.get_request(service_request_id, _locale())
        if found is None:
            return render.error(fmt, 404, gettext("There is no service request with id '%(id)s'.",
                                                  id=service_request_id))
        return render.respond(fmt, "service_requests", [found])
