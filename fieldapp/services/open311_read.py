"""Open311 GeoReport v2, read side: categories as services, measures as service requests.

One service request per canonical, visible finding that has a measure, on walks whose protocol
is published (services.publication; nothing of an unpublished walk is ever exposed, closed or
not). The id of a service request is the measure's id (as text). Values are plain JSON-ready
dicts; the views render them as JSON or XML.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from fieldapp import municipality
from fieldapp.errors import ValidationError
from fieldapp.extensions import db
from fieldapp.models import Category, Finding, Measure, Walk
from fieldapp.services import photo_visibility, publication
from fieldapp.services.walks import walk_of
from fieldapp.text import plain_int
from gis import convert

CLOSED_MEASURE_STATUSES = ("done", "verified", "rejected", "referred")
REQUEST_STATUSES = ("open", "closed")
MAX_REQUESTS = 1000  # GeoReport v2: "first 1000 requests returned"
MAX_DESCRIPTION = 4000  # the request schema's maxLength
SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"
API_CHANGESET = "2026-11-27T00:00:00+01:00"  # when this endpoint's shape last changed


@dataclass(frozen=True)
class RequestFilters:
    """The standard ``GET requests`` filters, parsed."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()


def w3c_datetime(value: datetime | None) -> str | None:
    """An aware datetime as W3C/ISO 8601 text in Swedish local time, e.g. 2026-10-21T18:30:00+02:00."""
    if value is None:
        return None
    return value.astimezone(municipality.zone()).isoformat(timespec="seconds")


def deadline_datetime(deadline: date | None) -> str | None:
    """A deadline day as the end of that day in Sweden (the same calendar day in UTC too)."""
    if deadline is None:
        return None
    return w3c_datetime(datetime.combine(deadline, time(23, 59, 59), tzinfo=municipality.zone()))


def media_url(finding: Finding) -> str | None:
    """Public address of the finding's first photo approved for publication (its published rendition)."""
    photo = photo_visibility.first_external_photo(finding)
    return photo_visibility.external_url(photo) if photo is not None else None


def request_status(measure: Measure) -> str:
    """GeoReport status: ``closed`` once the measure is done, verified, rejected or referred."""
    return "closed" if measure.status in CLOSED_MEASURE_STATUSES else "open"


def _address(finding: Finding, walk: Walk) -> str | None:
    parts = [part for part in ((finding.stop.name if finding.stop else ""), walk.area_name) if part]
    return ", ".join(parts) or None


def _truncate(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _keywords(category: Category) -> str:
    """Comma-separated keywords: the code and the words of both names ("vegetation, buskage, shrubbery")."""
    parts = re.split(r"[,:–]", f"{category.code},{category.name_sv},{category.name_en}".replace("_", " "))
    return ", ".join(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))


def service_dict(category: Category, locale: str) -> dict[str, Any]:
    """One category as a GeoReport service."""
    name = category.name(locale)
    return {
        "service_code": category.service_code,
        "service_name": name,
        "description": gettext("Safety walk finding: %(name)s", name=name),
        "metadata": False,
        "type": "realtime",
        "keywords": _keywords(category),
        "group": gettext("Safe places") if category.polarity == "safe" else gettext("Unsafe places"),
    }


def list_services(locale: str = "sv") -> list[dict[str, Any]]:
    """Every active category as a service, in display order (Swedish names unless ``locale`` is en)."""
    categories = db.session.scalars(select(Category).where(Category.active).order_by(Category.sort_order))
    return [service_dict(c, locale) for c in categories]


def service_definition(service_code: str) -> dict[str, Any] | None:
    """The service definition (no extra attributes), or None for an unknown service code."""
    exists = db.session.scalar(
        select(Category.id).where(Category.service_code == service_code, Category.active).limit(1)
    )
    if exists is None:
        return None
    return {"service_code": service_code, "attributes": []}


def discovery() -> dict[str, Any]:
    """The GeoReport v2 discovery document for this endpoint (at ``PUBLIC_URL``/open311/v2)."""
    return {
        "changeset": API_CHANGESET,
        "contact": gettext("Contact the municipality that published the safety walk."),
        "key_service": gettext("This endpoint is read-only; no API key is needed."),
        "endpoints": [
            {
                "specification": SPECIFICATION_URL,
                "url": f"{current_app.config['PUBLIC_URL']}/open311/v2",
                "changeset": API_CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def service_request_dict(measure: Measure, locale: str = "sv") -> dict[str, Any]:
    """One measure (with its finding) as a GeoReport service request."""
    finding = measure.finding
    walk = walk_of(finding)
    point = convert.to_point(finding.geom_el)
    party = measure.responsible_party
    return {
        "service_request_id": str(measure.id),
        "status": request_status(measure),
        "status_notes": measure.public_answer or measure.status_reason or None,
        "service_name": finding.category.name(locale),
        "service_code": finding.category.service_code,
        "description": _truncate(finding.note) if finding.note else None,
        "agency_responsible": party.name if party else None,
        "service_notice": measure.proposal or None,
        "requested_datetime": w3c_datetime(finding.created_at),
        "updated_datetime": w3c_datetime(measure.updated_at),
        "expected_datetime": deadline_datetime(measure.deadline),
        "address": _address(finding, walk),
        "address_id": None,
        "zipcode": None,
        "lat": round(point.y, 7),
        "long": round(point.x, 7),
        "media_url": media_url(finding),
    }


def _public_requests() -> Select[Any]:
    return (
        select(Measure)
        .join(Finding, Measure.finding_id == Finding.id)
        .join(Walk, Finding.walk_id == Walk.id)
        .join(Category, Finding.category_id == Category.id)
        .where(publication.published_condition(), Finding.hidden.is_(False),
               Finding.canonical_id.is_(None))
        .options(
            selectinload(Measure.responsible_party),
            selectinload(Measure.finding).selectinload(Finding.photos),
            selectinload(Measure.finding).selectinload(Finding.stop),
            selectinload(Measure.finding).selectinload(Finding.category),
        )
    )


def _parse_when(name: str, text: str) -> datetime:
    """An ISO 8601 time as UTC; an unreadable one, or one outside what a date can hold, is a 400."""
    try:
        value = datetime.fromisoformat(text.strip())
        return (value.replace(tzinfo=municipality.zone()) if value.tzinfo is None else value).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            gettext("%(name)s must be a date and time like 2026-10-01T00:00:00+02:00.", name=name),
            code="bad_date", status=400,
        ) from None


def _as_id(text: str) -> int | None:
    """A service request id as a measure id, or None when it cannot be one."""
    return plain_int(text)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def parse_filters(args: Mapping[str, str]) -> RequestFilters:
    """Parse the query string of ``GET requests`` (ValidationError for bad dates or statuses)."""
    statuses = tuple(s.lower() for s in _split(args.get("status")))
    unknown = [s for s in statuses if s not in REQUEST_STATUSES]
    if unknown:
        raise ValidationError(gettext("status must be open or closed."), code="bad_status")
    start = _parse_when("start_date", args["start_date"]) if args.get("start_date") else None
    end = _parse_when("end_date", args["end_date"]) if args.get("end_date") else None
    if start and end and start > end:
        raise ValidationError(gettext("start_date must be before end_date."), code="bad_date")
    return RequestFilters(
        service_request_ids=_split(args.get("service_request_id")),
        service_codes=_split(args.get("service_code")),
        start=start,
        end=end,
        statuses=statuses,
    )


def list_requests(filters: RequestFilters, locale: str = "sv") -> list[dict[str, Any]]:
    """Public service requests matching the filters, newest first (at most 1000).

    As the specification says, ``service_request_id`` overrides every other filter.
    """
    query = _public_requests()
    if filters.service_request_ids:
        ids = [i for i in map(_as_id, filters.service_request_ids) if i is not None]
        query = query.where(Measure.id.in_(ids))
    else:
        if filters.service_codes:
            query = query.where(Category.service_code.in_(filters.service_codes))
        if filters.start:
            query = query.where(Finding.created_at >= filters.start.astimezone(UTC))
        if filters.end:
            query = query.where(Finding.created_at <= filters.end.astimezone(UTC))
        if filters.statuses == ("closed",):
            query = query.where(Measure.status.in_(CLOSED_MEASURE_STATUSES))
        elif filters.statuses == ("open",):
            query = query.where(Measure.status.not_in(CLOSED_MEASURE_STATUSES))
    query = query.order_by(Finding.created_at.desc(), Measure.id.desc()).limit(MAX_REQUESTS)
    return [service_request_dict(m, locale) for m in db.session.scalars(query)]


def get_request(service_request_id: str, locale: str = "sv") -> dict[str, Any] | None:
    """One public service request by id, or None (unknown, hidden, merged or not published)."""
    measure_id = _as_id(service_request_id)
    if measure_id is None:
        return None
    measure = db.session.scalar(_public_requests().where(Measure.id == measure_id))
    return service_request_dict(measure, locale) if measure else None
