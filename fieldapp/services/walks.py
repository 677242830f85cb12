"""Walks: create, look up, and describe a walk with its route and stops."""
from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import format_number, gettext
from shapely.geometry import LineString, MultiLineString, Point
from sqlalchemy import ColumnElement, func, select

from fieldapp.errors import N_, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Category, Finding, Route, Stop, Walk
from fieldapp.services.categories import all_categories, in_display_order, walk_set
from gis import convert, geojson, routes, sun
from gis.errors import RouteImportError


@dataclass(frozen=True)
class StopInput:
    name: str
    geom: Point
    questions: str = ""


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: 'Nödinge – Ale torg' → 'nodinge-ale-torg'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "walk"


def new_join_token() -> str:
    return secrets.token_urlsafe(18)


def unique_slug(title: str) -> str:
    base = slugify(title)
    while True:
        slug = f"{base}-{secrets.token_hex(2)}"
        if db.session.scalar(select(Walk.id).where(Walk.slug == slug)) is None:
            return slug


def prepare_route(route: LineString | MultiLineString) -> routes.SimplifiedRoute:
    """Check a route before it is stored and simplify it to ``routes.MAX_STORED_POINTS`` points at most.

    Every stored route passes here (created with a walk, drawn, imported), so no route can make the field
    API that sends it to every phone large or slow.
    """
    if not isinstance(route, LineString | MultiLineString) or route.is_empty:
        raise ValidationError(N_("The route must be a line with at least two points."))
    try:
        return routes.simplify_route(route)
    except RouteImportError as err:
        raise ValidationError(gettext(
            "The route is too detailed to be simplified to %(n)s points. Simplify it before importing.",
            n=format_number(routes.MAX_STORED_POINTS))) from err


def create_walk(
    title: str,
    *,
    route: LineString | MultiLineString | None = None,
    route_source: str = "",
    stops: Sequence[StopInput] = (),
    slug: str | None = None,
    area_name: str = "",
    purpose: str = "",
    municipality: str = "",
    starts_at: datetime | None = None,
    meeting_point_text: str = "",
    meeting_point: Point | None = None,
    status: str = "draft",
    category_codes: Iterable[str] | None = None,
    created_by_id: int | None = None,
    is_demo: bool = False,
) -> Walk:
    """Create a walk with its route, stops and category set, in one transaction."""
    title = title.strip()
    if not title:
        raise ValidationError(N_("The walk needs a title."))
    if starts_at is not None and starts_at.tzinfo is None:
        raise ValidationError(N_("The start time must carry a time zone."))
    if category_codes is None:  # every active category (with its sub-choices)
        category_codes = [c.code for c in all_categories()]
    categories = walk_set(category_codes)
    walk = Walk(
        slug=slug or unique_slug(title),
        title=title,
        area_name=area_name,
        purpose=purpose,
        municipality=municipality,
        starts_at=starts_at,
        meeting_point_text=meeting_point_text,
        meeting_point_el=convert.to_element(meeting_point) if meeting_point is not None else None,
        status=status,
        join_token=new_join_token(),
        created_by_id=created_by_id,
        is_demo=is_demo,
        categories=categories,
    )
    if route is not None:
        route = prepare_route(route).route
        walk.route = Route(geom_el=convert.to_element(route), length_m=routes.route_length_m(route),
                           source=route_source)
    walk.stops = [
        Stop(seq=n, name=s.name, questions=s.questions, geom_el=convert.to_element(s.geom))
        for n, s in enumerate(stops, start=1)
    ]
    db.session.add(walk)
    db.session.commit()
    return walk


def held_at(walk: Walk) -> datetime:
    """When the walk took place: its planned start, else when it was marked walked, else when it was made.
    Years of walks and the time from a walk to a fix count from it (held_at_sql is the same in SQL)."""
    return walk.starts_at or walk.walked_at or walk.created_at


def held_at_sql() -> ColumnElement[datetime]:
    """``held_at`` as an SQL expression on Walk."""
    return func.coalesce(Walk.starts_at, Walk.walked_at, Walk.created_at)


def walk_by_slug(slug: str) -> Walk:
    walk = db.session.scalars(select(Walk).where(Walk.slug == slug)).first()
    if walk is None:
        raise NotFound(N_("There is no walk at this address."))
    return walk


def walk_of(finding: Finding) -> Walk:
    """The walk a finding belongs to (Finding has a walk id, no relationship)."""
    walk = db.session.get(Walk, finding.walk_id)
    if walk is None:  # only if the walk was deleted under a finding still in the session
        raise NotFound(N_("There is no such walk."))
    return walk


def walk_by_join_token(token: str) -> Walk:
    walk = db.session.scalars(select(Walk).where(Walk.join_token == token)).first()
    if walk is None:
        raise NotFound(N_("This join link is not valid. Ask the organizer for a new one."))
    return walk


def list_walks() -> list[Walk]:
    """All walks, the next/most recent first."""
    return list(db.session.scalars(select(Walk).order_by(Walk.starts_at.desc().nulls_last(), Walk.id.desc())))


def route_geom(walk: Walk) -> LineString | MultiLineString | None:
    return convert.to_line(walk.route.geom_el) if walk.route else None


def _category_dict(category: Category, locale: str) -> dict[str, Any]:
    return {"code": category.code, "name": category.name(locale), "icon": category.icon,
            "polarity": category.polarity, "parent": category.parent.code if category.parent else None}


def walk_map_data(walk: Walk, locale: str = "sv", *, with_findings: bool = False) -> dict[str, Any]:
    """The walk as plain JSON-ready data: route and stops as GeoJSON (WGS84), categories."""
    route = route_geom(walk)
    meeting = meeting_point_geom(walk)
    stops = [
        geojson.feature(convert.to_point(stop.geom_el), {"seq": stop.seq, "name": stop.name,
                                                         "questions": stop.questions}, id=stop.id)
        for stop in walk.stops
    ]
    data = {
        "slug": walk.slug,
        "title": walk.title,
        "area_name": walk.area_name,
        "purpose": walk.purpose,
        "status": walk.status,
        "accepts_findings": walk.accepts_findings,
        "starts_at": walk.starts_at.isoformat() if walk.starts_at else None,
        "meeting_point": walk.meeting_point_text,
        "meeting_point_geometry": (geojson.geometry_to_geojson(meeting) if meeting is not None else None),
        "is_demo": walk.is_demo,
        # a follow-up walk: the phone shows the earlier walk's findings (GET .../earlier-findings)
        "follows_up": walk.previous_walk_id is not None,
        "route": geojson.feature(route, {"length_m": round(walk.route.length_m, 1)})
        if route is not None and walk.route is not None else None,
        "stops": geojson.feature_collection(stops),
        "categories": [_category_dict(c, locale) for c in in_display_order(walk.categories)],
    }
    if with_findings:
        from fieldapp.services.findings import finding_feature, visible_findings

        data["findings"] = geojson.feature_collection(
            finding_feature(f, locale) for f in visible_findings(walk)
        )
    return data


def meeting_point_geom(walk: Walk) -> Point | None:
    """The meeting point placed on the map (lon/lat), or None when only described in words."""
    if walk.meeting_point_el is None:
        return None
    geom = convert.to_geom(walk.meeting_point_el)
    return geom if isinstance(geom, Point) else None


def join_url(walk: Walk, public_url: str) -> str:
    return f"{public_url}/j/{walk.join_token}"


def is_dark_now(walk: Walk) -> bool:
    """Whether the sun has set where the walk starts (the field page then defaults to its dark theme)."""
    route = route_geom(walk)
    if route is None:
        return False
    start = route.interpolate(0)
    return sun.sun_has_set(start.x, start.y, datetime.now(UTC))
