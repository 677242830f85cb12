"""Importing a route file in two steps: read it (line, waypoints, plausibility warnings), then save the line
with the waypoints staff chose as stops. A file with nothing to ask about is saved at once.

Plausibility: a walk route is a few kilometres in the municipality. A route longer than ``MAX_LENGTH_M``,
shorter than ``MIN_LENGTH_M`` or farther than ``MAX_DISTANCE_M`` from the configured map centre is most
likely the wrong file; staff see why and may import it anyway (a checkbox).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext, ngettext
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from fieldapp import ui
from fieldapp.errors import ValidationError
from fieldapp.errors_http import geometry_message
from fieldapp.extensions import db
from fieldapp.models import Walk
from fieldapp.services import planning
from fieldapp.services.walks import prepare_route
from gis import geojson, routes
from gis.errors import GeometryError, RouteImportError, TooManyPoints
from gis.routes import Waypoint

MIN_LENGTH_M = 100.0
MAX_LENGTH_M = 15_000.0
MAX_DISTANCE_M = 30_000.0
ACCEPT_FIELD = "accept_warnings"

Line = LineString | MultiLineString


@dataclass(frozen=True)
class RoutePreview:
    """A read route file, before it is saved: what staff are asked about."""

    filename: str
    route: Line | None  # as in the file
    stored: Line | None  # as it would be stored (simplified when very detailed): what is measured and shown
    waypoints: tuple[Waypoint, ...]
    warnings: tuple[str, ...]
    note: str = ""  # which kind of GPX line was used, when the file had both

    @property
    def length_m(self) -> float | None:
        return routes.route_length_m(self.stored) if self.stored is not None else None

    @property
    def needs_a_choice(self) -> bool:
        return bool(self.waypoints or self.warnings)

    def route_geojson(self) -> str:
        return json.dumps(geojson.geometry_to_geojson(self.stored)) if self.stored is not None else ""

    def waypoints_geojson(self) -> str:
        return json.dumps(geojson.feature_collection(
            geojson.feature(w.point, {"name": w.name}) for w in self.waypoints))


@dataclass(frozen=True)
class ImportSaved:
    """What the import changed: the route (None when the file had waypoints only) and the stops added."""

    route: planning.RouteSaved | None
    stops_added: int


def plausibility_warnings(route: Line | None, waypoints: Iterable[Waypoint],
                          centre: tuple[float, float] | None) -> tuple[str, ...]:
    """Why this route is probably not the walk's (translated sentences; empty when it looks right).

    ``centre`` is the configured map centre (lon, lat); None skips the distance check.
    """
    warnings = []
    if route is not None:
        length = routes.route_length_m(route)
        if length > MAX_LENGTH_M:
            warnings.append(gettext(
                "The route is %(length)s long; a safety walk is usually 1–5 km. Is it the right file?",
                length=ui.distance(length)))
        elif length < MIN_LENGTH_M:
            warnings.append(gettext(
                "The route is only %(length)s long. Is it the whole route?", length=ui.distance(length)))
    shapes: list[BaseGeometry] = [route] if route is not None else []
    shapes += [w.point for w in waypoints]
    if centre is not None and shapes:
        distance = routes.distance_from_m(unary_union(shapes), Point(centre))
        if distance > MAX_DISTANCE_M:
            warnings.append(gettext(
                "The file lies %(distance)s from the municipality's map centre. Is it the right file?",
                distance=ui.distance(distance)))
    return tuple(warnings)


def read_upload(data: bytes, filename: str, centre: tuple[float, float] | None) -> RoutePreview:
    """Read an uploaded GPX, KML or GeoJSON file (a refusal names the ``file`` field)."""
    try:
        found = routes.read_route_file(data, filename)
    except TooManyPoints as err:
        error = planning.too_many_points(err)
        error.field = "file"
        raise error from err
    except RouteImportError as err:
        raise ValidationError(geometry_message(err), field="file") from err
    note = ""
    if found.left_out:
        note = ngettext(
            "The file has tracks and %(num)d planned route; the tracks were used (they follow the way "
            "actually walked or drawn).",
            "The file has tracks and %(num)d planned routes; the tracks were used (they follow the way "
            "actually walked or drawn).", found.left_out)
    stored = prepare_route(found.route).route if found.route is not None else None
    return RoutePreview(filename[:200], found.route, stored, found.waypoints,
                        plausibility_warnings(stored, found.waypoints, centre), note)


def read_chosen(route_geojson: str, waypoints_geojson: str, filename: str,
                centre: tuple[float, float] | None) -> RoutePreview:
    """The preview again from what the confirmation form carries (the file is not uploaded twice)."""
    route = planning.parse_route(route_geojson.encode(), "import.geojson") if route_geojson else None
    try:
        collection = geojson.load_json(waypoints_geojson or '{"type": "FeatureCollection", "features": []}')
        waypoints = tuple(
            Waypoint(str((f.get("properties") or {}).get("name") or n)[:200],
                     _point(geojson.geometry_from_geojson(f["geometry"])))
            for n, f in enumerate(collection["features"], start=1)
        )
    except (GeometryError, KeyError, TypeError, AttributeError) as err:
        message = gettext("The waypoints could not be read. Import the file again.")
        raise ValidationError(message) from err
    warnings = plausibility_warnings(route, waypoints, centre)
    return RoutePreview(filename[:200], route, route, waypoints, warnings)


def _point(geom: object) -> Point:
    if not isinstance(geom, Point):
        raise TypeError("not a point")
    return geom


def save_import(walk: Walk, preview: RoutePreview, chosen: Iterable[int], *, accept_warnings: bool,
                user_id: int | None) -> ImportSaved:
    """Make the file's line the route (when it has one) and the chosen waypoints (by index) stops, in one
    transaction. Plausibility warnings must have been accepted."""
    if preview.warnings and not accept_warnings:
        raise ValidationError(gettext("Tick the box to import the file anyway, or choose another file."),
                              field=ACCEPT_FIELD)
    picked = sorted(set(chosen))
    if preview.route is None and not picked:
        message = gettext("The file has no route: choose at least one waypoint to add as a stop.")
        raise ValidationError(message, field="waypoints")
    if any(not 0 <= i < len(preview.waypoints) for i in picked):
        raise ValidationError(gettext("The waypoints could not be read. Import the file again."))
    saved = None
    if preview.route is not None:
        saved = planning.store_route(walk, preview.route, source=preview.filename or "import",
                                     user_id=user_id)
    for i in picked:
        waypoint = preview.waypoints[i]
        planning.append_stop(walk, waypoint.name, waypoint.point, user_id=user_id)
    db.session.commit()
    return ImportSaved(saved, len(picked))
