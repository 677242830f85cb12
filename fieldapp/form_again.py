"""A staff form that fails comes back: the page it was on, rendered again in the same response with the
input kept and the message next to the field (never a full-page error for a user's mistake).

How: ``fieldapp.forms.Form`` remembers the form a request validated; when a staff POST ends in a domain
error (a form that did not validate via ``checked``, a service refusal, a bad route file), the error handler
(``fieldapp/errors_http.py``) calls :func:`page_again`, which finds the page the form was posted from (the
referrer, else the posted URL itself when it also answers GET) and runs that page's view. While it runs,
forms of the failed form's class and prefix take the posted input and the errors; other forms start empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, flash, has_request_context, make_response, request, session
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from fieldapp.errors import DomainError
from fieldapp.extensions import db

STAFF_PREFIX = "/staff/"
# A user's mistake (bad input, a refused change, a page older than a change: a stop since removed);
# not allowed and too many tries stay error pages.
USER_MISTAKES = (400, 404, 409, 422)
NOT_KEPT = ("csrf_token",)
# Kept on the request (not ``g``: an app context, and so ``g``, can outlive one request).
SUBMITTED_KEY = "fieldapp.submitted_form"
FAILED_KEY = "fieldapp.failed_form"


@dataclass
class FailedForm:
    """The form that failed: which one (class and prefix), what was typed, and the errors per field."""

    form_class: str
    prefix: str
    data: MultiDict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def remember_submitted(form: object) -> None:
    """Called by ``Form.validate``: this request's form, for :func:`page_again`."""
    request.environ[SUBMITTED_KEY] = form


def failed_form() -> FailedForm | None:
    """The failed form while its page is rendered again, else None."""
    return request.environ.get(FAILED_KEY) if has_request_context() else None


def _form_page() -> tuple[str, Mapping[str, Any]] | None:
    """The GET endpoint the failed form was posted from (referrer on this site, else the posted URL)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    candidates = []
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        candidates.append("/" + referrer.removeprefix(request.host_url).split("?", 1)[0].split("#", 1)[0])
    candidates.append(request.path)
    for path in candidates:
        if not path.startswith(STAFF_PREFIX):
            continue
        try:
            endpoint, args = adapter.match(path, method="GET")
        except HTTPException:
            continue
        return endpoint, args
    return None


def _failed_from_request(field: str | None, message: str) -> FailedForm:
    form = request.environ.get(SUBMITTED_KEY)
    data: MultiDict[str, str] = MultiDict(
        (k, v) for k, v in request.form.items(multi=True) if k not in NOT_KEPT
    )
    if form is None:
        return FailedForm("", "", data)
    prefix = getattr(form, "_prefix", "")
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items() if isinstance(errs, list)}
    if field and field in form._fields:  # noqa: SLF001 - WTForms' field registry
        errors.setdefault(field, []).append(message)
    return FailedForm(type(form).__name__, prefix, data, errors)


def page_again(status: int, message: str, field: str | None = None) -> Response | None:
    """The page the failed staff form came from, again, with input and messages; None where not possible."""
    if status not in USER_MISTAKES or request.method != "POST" or not request.path.startswith(STAFF_PREFIX) \
            or request.environ.get(FAILED_KEY):
        return None
    page = _form_page()
    if page is None:
        return None
    endpoint, args = page
    db.session.rollback()  # nothing half-done from the failed attempt
    request.environ[FAILED_KEY] = _failed_from_request(field, message)
    flashed = message in [m for _, m in session.get("_flashes", [])]
    if not flashed:
        flash(message, "error")
    request.method = "GET"  # the page's view runs as for a GET (views that also take POST branch on it)
    try:
        response = make_response(current_app.view_functions[endpoint](**args))
    except DomainError:  # the page itself is not there for this user: the plain error page instead
        db.session.rollback()
        if not flashed:
            session.get("_flashes", []).pop()
        request.environ.pop(FAILED_KEY, None)
        return None
    finally:
        request.method = "POST"
    if not 300 <= response.status_code < 400:  # the page's own status was for a submission not made here
        response.status_code = status
    return response
