"""A street map as one picture: the configured tile source's tiles around an area, stitched with Pillow.

Used where a page must carry its own map (the printed invitation). Positions are Web Mercator pixels at
the chosen zoom, so a route drawn over the picture in an SVG of the same size lines up. When a tile
cannot be fetched (no network, the source is down, a tile is not an image) there is no picture and the
caller draws its plain vector map instead.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from PIL import Image, UnidentifiedImageError

TILE_SIZE = 256
MAX_ZOOM = 18
MIN_ZOOM = 3
MAX_TILES = 30
TIMEOUT_S = 4.0
USER_AGENT = "fieldapp/1 (printed safety walk invitation)"  # tile usage policies ask for a real agent

TileFetcher = Callable[[int, int, int], bytes]  # (z, x, y) → image bytes; raises on failure


class TilesUnavailable(Exception):
    """The picture cannot be made; draw the vector map instead."""


@dataclass(frozen=True)
class View:
    """The part of the world shown: zoom and the top left corner in world pixels at that zoom."""

    zoom: int
    left: float  # world pixels at ``zoom``
    top: float
    width: int  # view pixels
    height: int
    scale: float = 1.0  # view pixels per world pixel (1 ≤ scale < 2: the area fills the view)

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """(x, y) of a WGS84 position inside the view (y down)."""
        x, y = world_pixel(lon, lat, self.zoom)
        return round((x - self.left) * self.scale, 1), round((y - self.top) * self.scale, 1)

    def metres_per_pixel(self, lat: float) -> float:
        return 156543.03392 * math.cos(math.radians(lat)) / float(2**self.zoom) / self.scale


def world_pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel of a WGS84 position at ``zoom`` (256 px tiles)."""
    size = TILE_SIZE * 2**zoom
    x = (lon + 180.0) / 360.0 * size
    sin = math.sin(math.radians(max(min(lat, 85.0511), -85.0511)))
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size
    return x, y


def fit(lonlats: list[tuple[float, float]], width: int, height: int, padding: int) -> View:
    """The largest zoom at which every position fits into ``width`` × ``height`` less ``padding``."""
    lons, lats = zip(*lonlats, strict=True)
    inner_w, inner_h = width - 2 * padding, height - 2 * padding
    for zoom in range(MAX_ZOOM, MIN_ZOOM - 1, -1):
        x0, y1 = world_pixel(min(lons), min(lats), zoom)
        x1, y0 = world_pixel(max(lons), max(lats), zoom)
        if x1 - x0 <= inner_w and y1 - y0 <= inner_h:
            break
    scale = min(inner_w / max(x1 - x0, 1.0), inner_h / max(y1 - y0, 1.0), 1.99) if zoom < MAX_ZOOM else 1.0
    scale = max(scale, 1.0)
    return View(
        zoom, (x0 + x1) / 2 - width / scale / 2, (y0 + y1) / 2 - height / scale / 2, width, height, scale
    )


def http_fetcher(url_template: str) -> TileFetcher:
    """Fetch tiles from an XYZ URL template ({z}/{x}/{y}, optional {s} → 'a') over HTTP."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT

    def fetch(z: int, x: int, y: int) -> bytes:
        url = url_template.replace("{s}", "a").format(z=z, x=x, y=y)
        response = session.get(url, timeout=TIMEOUT_S)
        response.raise_for_status()
        return response.content

    return fetch


def picture(view: View, fetch: TileFetcher) -> bytes:
    """The view as a PNG stitched from tiles; TilesUnavailable when any tile cannot be had."""
    span_w, span_h = view.width / view.scale, view.height / view.scale  # world pixels covered
    first_x, first_y = int(view.left // TILE_SIZE), int(view.top // TILE_SIZE)
    last_x, last_y = int((view.left + span_w) // TILE_SIZE), int((view.top + span_h) // TILE_SIZE)
    tiles = [(x, y) for x in range(first_x, last_x + 1) for y in range(first_y, last_y + 1)]
    if len(tiles) > MAX_TILES:
        raise TilesUnavailable(f"{len(tiles)} tiles is too many")
    limit = 2**view.zoom

    def one(tile: tuple[int, int]) -> tuple[tuple[int, int], Image.Image]:
        x, y = tile
        data = fetch(view.zoom, x % limit, y)
        image = Image.open(io.BytesIO(data))
        image.load()
        return tile, image.convert("RGB")

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            loaded = list(pool.map(one, tiles))
    except (requests.RequestException, OSError, UnidentifiedImageError, ValueError) as err:
        raise TilesUnavailable(str(err)) from err
    canvas = Image.new("RGB", (math.ceil(span_w), math.ceil(span_h)), "#f8fafc")
    for (x, y), image in loaded:
        canvas.paste(image, (round(x * TILE_SIZE - view.left), round(y * TILE_SIZE - view.top)))
    if view.scale != 1.0:
        canvas = canvas.resize((view.width, view.height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=True)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
