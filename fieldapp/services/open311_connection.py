"""Testing a responsible party's Open311 connection: ask the endpoint for its ``services.json``.

The answer is the server's service list, compared with the service codes fieldapp would send for each
category (the party's own code, else the category's default), or a clear error: no answer in time, a TLS
problem, refused access (401/403), nothing at the address (404), or an answer that is not Open311.
The check sends no API key (GeoReport v2 lists services without one) and changes nothing in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext

from fieldapp.models import ResponsibleParty
from fieldapp.open311 import client
from fieldapp.services import categories, responsible_parties

TEST_TIMEOUT = 5.0


@dataclass(frozen=True)
class CodeCheck:
    """A category, the code fieldapp sends for it to this party, and whether the server lists that code."""

    category: str
    code: str | None
    known: bool


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of one test: the services listed, or what went wrong (``problem``, ``message``)."""

    endpoint: str
    services: list[client.Service] = field(default_factory=list)
    codes: list[CodeCheck] = field(default_factory=list)
    problem: str | None = None  # timeout, tls, connect, http, not_open311, not_configured
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def unknown_codes(self) -> list[CodeCheck]:
        return [c for c in self.codes if not c.known]


def _explained(failure: client.Open311Failure) -> str:
    """The client's message with what to check next."""
    if failure.kind == "timeout":
        hint = gettext("Check the address and that the server can be reached from this server.")
    elif failure.kind == "tls":
        hint = gettext("Check the server's certificate, or whether the address should start with http://.")
    elif failure.kind == "connect":
        hint = gettext("Check the host name and port in the address.")
    elif failure.status in (401, 403):
        message = gettext("The server refused access (HTTP %(status)s). It may require a login or only "
                          "accept requests from known addresses.", status=failure.status)
        return str(message)
    elif failure.status == 404:
        message = gettext("Nothing answers at this address (HTTP 404). The endpoint is the GeoReport v2 root "
                          "that services.json is under, e.g. https://open311.example.se/v2.")
        return str(message)
    elif failure.kind == "not_open311":
        return str(gettext("The address answers, but not as an Open311 GeoReport v2 server: %(reason)s",
                           reason=failure.message))
    else:
        return failure.message
    return f"{failure.message} {hint}"


def _code_checks(party: ResponsibleParty, listed: set[str]) -> list[CodeCheck]:
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    checks = []
    for category in categories.all_categories():
        code = responsible_parties.service_code_for(party, category)
        checks.append(CodeCheck(category.name(locale), code, code is not None and code in listed))
    return checks


def check_connection(party: ResponsibleParty, *, timeout: float = TEST_TIMEOUT) -> ConnectionCheck:
    """Call the party's ``services.json`` (with its jurisdiction id) and compare the service codes."""
    if not party.open311_endpoint:
        return ConnectionCheck("", problem="not_configured", message=gettext(
            "%(party)s has no Open311 endpoint configured.", party=party.name))
    query = {"jurisdiction_id": party.open311_jurisdiction} if party.open311_jurisdiction else {}
    try:
        services = client.list_services(party.open311_endpoint, query, timeout=timeout)
    except ValueError:
        return ConnectionCheck(party.open311_endpoint, problem="not_open311", message=gettext(
            "The Open311 endpoint of %(party)s is not an http(s) address.", party=party.name))
    except client.Open311Failure as failure:
        return ConnectionCheck(party.open311_endpoint, problem=failure.kind, message=_explained(failure))
    listed = {s.code for s in services}
    return ConnectionCheck(party.open311_endpoint, services=services, codes=_code_checks(party, listed),
                           message=gettext("The connection works."))
