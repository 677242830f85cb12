"""The field map's skeleton: the walk's route and stops as a drawing, rendered into the page so the map
area shows the route at first paint, before Leaflet and the tiles have arrived (slow networks)."""
from __future__ import annotations

from shapely.geometry import Point

from fieldapp.models import Walk
from fieldapp.services.walks import route_geom
from gis import convert
from gis.outline import Outline, route_outline


def walk_outline(walk: Walk) -> Outline | None:
    """The route and numbered stops fitted into a box (see ``gis.outline.route_outline``)."""
    stops = [(stop.seq, geom) for stop in walk.stops
             if isinstance(geom := convert.to_geom(stop.geom_el), Point)]
    return route_outline(route_geom(walk), stops)
