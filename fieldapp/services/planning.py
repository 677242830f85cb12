"""Planning a walk: details, route (drawn or imported), numbered stops, status, join link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_number, gettext
from shapely.geometry import LineString, MultiLineString, Point

from fieldapp.errors import Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Route, Stop, Walk, utcnow
from fieldapp.services import events
from fieldapp.services.categories import walk_set
from fieldapp.services.walks import create_walk, new_join_token, prepare_route
from gis import convert, routes
from gis.errors import TooManyPoints

MAX_STOPS = 50
# Status changes an organizer makes here. Publishing the protocol is not one of them: it never changes
# whether the walk takes findings (services.publication); closing is its own step.
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("open",),
    "open": ("walked", "draft"),
    "walked": ("open", "closed"),
    "closed": (),
}


@dataclass(frozen=True)
class WalkDetails:
    """What the organizer fills in about a walk."""

    title: str
    area_name: str = ""
    purpose: str = ""
    municipality: str = ""
    starts_at: datetime | None = None
    meeting_point_text: str = ""
    category_codes: tuple[str, ...] = ()
    weather: str = ""
    organizer: str = ""
    contact: str = ""
    organisations: str = ""  # one per line
    head_count: int | None = None
    case_number: str = ""


def _check_details(details: WalkDetails) -> None:
    if not details.title.strip():
        raise ValidationError(gettext("The walk needs a title."))
    if details.starts_at is not None and details.starts_at.tzinfo is None:
        raise ValidationError(gettext("The start time must carry a time zone."))
    if not details.category_codes:
        raise ValidationError(gettext("Choose at least one category."))
    if details.head_count is not None and details.head_count < 0:
        raise ValidationError(gettext("The number of people cannot be negative."))


def _set_record(walk: Walk, details: WalkDetails) -> None:
    """The optional facts the protocol reports (weather, organizer, contact, organisations, head count,
    case number)."""
    walk.weather = details.weather.strip()
    walk.organizer = details.organizer.strip()
    walk.contact = details.contact.strip()
    lines = (line.strip() for line in details.organisations.splitlines())
    walk.organisations = "\n".join(line for line in lines if line)
    walk.head_count = details.head_count
    walk.case_number = details.case_number.strip()


def plan_walk(details: WalkDetails, *, user_id: int | None) -> Walk:
    """Create a draft walk from the organizer's details (route and stops come next)."""
    _check_details(details)
    walk = create_walk(
        details.title,
        area_name=details.area_name.strip(),
        purpose=details.purpose.strip(),
        municipality=details.municipality.strip(),
        starts_at=details.starts_at,
        meeting_point_text=details.meeting_point_text.strip(),
        category_codes=details.category_codes,
        created_by_id=user_id,
    )
    _set_record(walk, details)
    events.record("walk_created", walk_id=walk.id, user_id=user_id, title=walk.title)
    db.session.commit()
    return walk


def update_details(walk: Walk, details: WalkDetails, *, user_id: int | None) -> Walk:
    """Change title, area, purpose, time, meeting point, category set and the protocol's facts."""
    _check_details(details)
    wanted = set(details.category_codes)
    walk.title = details.title.strip()
    walk.area_name = details.area_name.strip()
    walk.purpose = details.purpose.strip()
    walk.municipality = details.municipality.strip()
    walk.starts_at = details.starts_at
    walk.meeting_point_text = details.meeting_point_text.strip()
    walk.categories = walk_set(wanted, keep=walk.categories)  # hidden ones stay with their walk
    _set_record(walk, details)
    events.record("walk_edited", walk_id=walk.id, user_id=user_id)
    db.session.commit()
    return walk


@dataclass(frozen=True)
class RouteSaved:
    """The stored route and how many points it had before and after simplification."""

    route: Route
    points_before: int
    points_after: int

    @property
    def simplified(self) -> bool:
        return self.points_after < self.points_before


def set_route(walk: Walk, route: LineString | MultiLineString, *, source: str,
              user_id: int | None) -> RouteSaved:
    """Replace the walk's route (drawn on the map or imported) and store its geodesic length.

    A route of more than ``routes.MAX_STORED_POINTS`` points is simplified first (walks.prepare_route).
    """
    saved = store_route(walk, route, source=source, user_id=user_id)
    db.session.commit()
    return saved


def store_route(walk: Walk, route: LineString | MultiLineString, *, source: str,
                user_id: int | None) -> RouteSaved:
    """:func:`set_route` without the commit (for a use case that stores more in the same transaction)."""
    kept = prepare_route(route)
    route = kept.route
    length = routes.route_length_m(route)
    if walk.route is None:
        walk.route = Route(geom_el=convert.to_element(route), length_m=length, source=source)
    else:
        walk.route.geom_el = convert.to_element(route)
        walk.route.length_m = length
        walk.route.source = source
    events.record("route_set", walk_id=walk.id, user_id=user_id, source=source, length_m=round(length, 1),
                  points=kept.points_after, points_in_file=kept.points_before,
                  simplified_m=kept.tolerance_m or None)
    return RouteSaved(walk.route, kept.points_before, kept.points_after)


def parse_route(data: bytes, filename: str) -> LineString | MultiLineString:
    """A route file (GPX, KML, GeoJSON) or drawn GeoJSON as a line (RouteImportError on bad files)."""
    try:
        return routes.parse_route(data, filename)
    except TooManyPoints as err:
        raise too_many_points(err) from err


def too_many_points(err: TooManyPoints) -> ValidationError:
    """The refusal of a file with too many points, in the user's language."""
    return ValidationError(gettext(
        "The route has %(count)s points; at most %(limit)s can be imported. Thin out the track first "
        "(e.g. in the GPS app or QGIS).", count=format_number(err.count), limit=format_number(err.limit)))


def _stop(walk: Walk, stop_id: int) -> Stop:
    stop = next((s for s in walk.stops if s.id == stop_id), None)
    if stop is None:
        raise NotFound(gettext("This walk has no such stop."))
    return stop


def _check_point(point: Point) -> None:
    if not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        raise ValidationError(gettext("The position is outside the map."))


def add_stop(walk: Walk, name: str, point: Point, *, questions: str = "", user_id: int | None) -> Stop:
    """Append a numbered stop at ``point``."""
    stop = append_stop(walk, name, point, questions=questions, user_id=user_id)
    db.session.commit()
    return stop


def append_stop(walk: Walk, name: str, point: Point, *, questions: str = "", user_id: int | None) -> Stop:
    """:func:`add_stop` without the commit."""
    if len(walk.stops) >= MAX_STOPS:
        raise Conflict(gettext("A walk can have at most %(n)d stops.", n=MAX_STOPS))
    _check_point(point)
    name = name.strip() or gettext("Stop %(n)d", n=len(walk.stops) + 1)
    stop = Stop(
        seq=max((s.seq for s in walk.stops), default=0) + 1,
        name=name[:200],
        questions=questions.strip(),
        geom_el=convert.to_element(point),
    )
    walk.stops.append(stop)
    events.record("stop_added", walk_id=walk.id, user_id=user_id, name=stop.name)
    return stop


def update_stop(
    walk: Walk,
    stop_id: int,
    *,
    name: str | None = None,
    questions: str | None = None,
    point: Point | None = None,
    user_id: int | None,
) -> Stop:
    """Rename a stop, change its questions or move it."""
    stop = _stop(walk, stop_id)
    if name is not None:
        if not name.strip():
            raise ValidationError(gettext("A stop needs a name."))
        stop.name = name.strip()[:200]
    if questions is not None:
        stop.questions = questions.strip()
    if point is not None:
        _check_point(point)
        stop.geom_el = convert.to_element(point)
    events.record("stop_changed", walk_id=walk.id, user_id=user_id, seq=stop.seq, name=stop.name)
    db.session.commit()
    return stop


def _renumber(walk: Walk, ordered: Iterable[Stop]) -> None:
    """Give ``ordered`` the numbers 1..n without ever breaking the unique (walk, seq) constraint."""
    ordered = list(ordered)
    for n, stop in enumerate(ordered, start=1):
        stop.seq = -n
    db.session.flush()
    for n, stop in enumerate(ordered, start=1):
        stop.seq = n
    db.session.flush()
    walk.stops.sort(key=lambda s: s.seq)


def move_stop(walk: Walk, stop_id: int, offset: int, *, user_id: int | None) -> None:
    """Move a stop ``offset`` places earlier (negative) or later (positive) in the order."""
    ordered = sorted(walk.stops, key=lambda s: s.seq)
    stop = _stop(walk, stop_id)
    index = ordered.index(stop)
    target = max(0, min(len(ordered) - 1, index + offset))
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    _renumber(walk, ordered)
    events.record("stop_moved", walk_id=walk.id, user_id=user_id, name=stop.name, seq=stop.seq)
    db.session.commit()


def delete_stop(walk: Walk, stop_id: int, *, user_id: int | None) -> None:
    """Remove a stop; the ones after it move up one number."""
    stop = _stop(walk, stop_id)
    walk.stops.remove(stop)
    db.session.delete(stop)
    db.session.flush()
    _renumber(walk, sorted(walk.stops, key=lambda s: s.seq))
    events.record("stop_deleted", walk_id=walk.id, user_id=user_id, name=stop.name)
    db.session.commit()


def set_meeting_point(walk: Walk, point: Point | None, *, user_id: int | None) -> Walk:
    """Place the meeting point on the map (None removes it; the text description stays)."""
    if point is not None:
        _check_point(point)
    walk.meeting_point_el = convert.to_element(point) if point is not None else None
    events.record("meeting_point_set", walk_id=walk.id, user_id=user_id,
                  lon=round(point.x, 7) if point is not None else None,
                  lat=round(point.y, 7) if point is not None else None)
    db.session.commit()
    return walk


def allowed_statuses(walk: Walk) -> tuple[str, ...]:
    """The statuses the organizer can move this walk to from here."""
    return STATUS_TRANSITIONS.get(walk.status, ())


def set_status(walk: Walk, status: str, *, user_id: int | None) -> Walk:
    """Open the walk for findings, close it, or move it back (only along the allowed steps)."""
    if status not in allowed_statuses(walk):
        raise Conflict(gettext("The walk cannot go from this status to the one asked for."))
    if status == "open" and walk.route is None:
        raise Conflict(gettext("Draw or import the route before opening the walk."))
    previous, walk.status = walk.status, status
    if status == "walked":
        walk.walked_at = utcnow()  # late findings are accepted for a grace window from here (late_sync)
    elif status in ("open", "draft"):
        walk.walked_at = None
    events.record("walk_status", walk_id=walk.id, user_id=user_id, old=previous, new=status)
    db.session.commit()
    return walk


def revoke_join_link(walk: Walk, *, user_id: int | None) -> Walk:
    """The current join link stops working (for new and existing participants alike)."""
    walk.join_token_revoked = True
    walk.join_generation += 1
    events.record("join_link_revoked", walk_id=walk.id, user_id=user_id)
    db.session.commit()
    return walk


def regenerate_join_link(walk: Walk, *, user_id: int | None) -> Walk:
    """A new, unguessable join link; the old one no longer works."""
    walk.join_token = new_join_token()
    walk.join_token_revoked = False
    walk.join_generation += 1
    events.record("join_link_regenerated", walk_id=walk.id, user_id=user_id)
    db.session.commit()
    return walk
