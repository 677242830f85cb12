"""The printable invitation: a street map of the route and stops, a QR code of the join link, one A4 page.

The map is the configured tile source's streets (services/static_map.py) with the route, stops and meeting
point drawn over them in SVG; when tiles cannot be had it is the same drawing on a plain background.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import segno
from flask import current_app, render_template
from shapely.geometry import LineString, MultiLineString, Point

from fieldapp.models import Walk
from fieldapp.services import static_map
from fieldapp.services.walks import join_url, route_geom
from gis import convert

log = logging.getLogger(__name__)

MAP_WIDTH = 800
MAP_HEIGHT = 520
PADDING = 40


@dataclass(frozen=True)
class SvgStop:
    seq: int
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class RouteSvg:
    """Route paths, stops and meeting point in an SVG viewBox of MAP_WIDTH × MAP_HEIGHT, north up; with the
    street map under them as a PNG data URI, or None (plain vector map)."""

    width: int
    height: int
    paths: list[str]
    stops: list[SvgStop]
    scale_bar_m: int
    scale_bar_px: float
    meeting_point: tuple[float, float] | None = None
    background: str | None = None


@dataclass(frozen=True)
class Invitation:
    walk: Walk
    join_url: str
    qr_svg: str
    route_svg: RouteSvg | None


def _parts(route: LineString | MultiLineString | None) -> list[LineString]:
    if route is None:
        return []
    return [route] if isinstance(route, LineString) else list(route.geoms)


def _nice_length(metres: float) -> int:
    for value in (10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value >= metres:
            return value
    return 100000


def meeting_point(walk: Walk) -> Point | None:
    return convert.to_point(walk.meeting_point_el) if walk.meeting_point_el is not None else None


def route_svg(walk: Walk, fetch: static_map.TileFetcher | None = None) -> RouteSvg | None:
    """The walk's route, stops and meeting point in Web Mercator pixels, fitted into the map box, over the
    street map from ``fetch`` (None: the configured tile source)."""
    lines = _parts(route_geom(walk))
    stops = [(s.seq, s.name, convert.to_point(s.geom_el)) for s in walk.stops]
    meeting = meeting_point(walk)
    lonlats = [(c[0], c[1]) for line in lines for c in line.coords] + [(p.x, p.y) for _, _, p in stops]
    if meeting is not None:
        lonlats.append((meeting.x, meeting.y))
    if not lonlats:
        return None
    view = static_map.fit(lonlats, MAP_WIDTH, MAP_HEIGHT, PADDING)
    paths = [
        "M" + " L".join(f"{x} {y}" for x, y in (view.pixel(*c[:2]) for c in line.coords)) for line in lines
    ]
    svg_stops = [SvgStop(seq, name, *view.pixel(p.x, p.y)) for seq, name, p in stops]
    lat = sum(lat for _, lat in lonlats) / len(lonlats)
    metres_per_px = view.metres_per_pixel(lat)
    bar_m = _nice_length(MAP_WIDTH * metres_per_px / 6)
    fetch = fetch or static_map.http_fetcher(current_app.config["TILE_URL"])
    try:
        background: str | None = static_map.data_uri(static_map.picture(view, fetch))
    except static_map.TilesUnavailable as err:
        log.info("invitation map without streets: %s", err)
        background = None
    return RouteSvg(
        MAP_WIDTH, MAP_HEIGHT, paths, svg_stops, bar_m, round(bar_m / metres_per_px, 1),
        view.pixel(meeting.x, meeting.y) if meeting is not None else None, background,
    )


def qr_svg(url: str) -> str:
    """The join link as an inline SVG QR code (error correction M, 4-module quiet zone)."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=6, border=4, dark="#000", light="#fff", omitsize=True
    )


def invitation(walk: Walk, fetch: static_map.TileFetcher | None = None) -> Invitation:
    """Everything the invitation shows."""
    url = join_url(walk, current_app.config["PUBLIC_URL"])
    return Invitation(walk, url, qr_svg(url), route_svg(walk, fetch))


# Print layouts from roomy to tight: a long purpose or many stops get a smaller map, never a second page.
FITS = ("", "fit-compact", "fit-tight")


def render(data: Invitation, *, for_pdf: bool = False, fit: str = "") -> str:
    return render_template(
        "staff/invitation.html", walk=data.walk, join_url=data.join_url, qr_svg=data.qr_svg,
        route_svg=data.route_svg, for_pdf=for_pdf, fit=fit,
    )


def pdf_bytes(data: Invitation) -> bytes:
    """The invitation as a one-page A4 PDF (WeasyPrint, print CSS; only our static files are fetched): the
    first of the layouts in FITS that fits on one page (the tightest one otherwise)."""
    from weasyprint import HTML

    from fieldapp.services.protocol_files import static_fetcher

    base_url = current_app.config["PUBLIC_URL"] + "/"
    for fit in FITS:
        document = HTML(
            string=render(data, for_pdf=True, fit=fit), base_url=base_url, url_fetcher=static_fetcher()
        ).render()
        if len(document.pages) == 1:
            break
    pdf: bytes = document.write_pdf()
    return pdf
