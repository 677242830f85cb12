"""Coordinate reference systems: WGS84 (storage) and SWEREF 99 TM / local zones (export).

Coordinates are always handled in x/y order (longitude/easting first), whatever the
axis order the EPSG definition declares.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pyproj
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from gis.errors import N_, GeometryError

WGS84 = 4326
SWEREF99_TM = 3006
# SWEREF 99 12 00, 13 30, 15 00, 16 30, 18 00, 14 15, 15 45, 17 15, 18 45, 20 15, 21 45, 23 15.
SWEREF99_LOCAL_ZONES: tuple[int, ...] = tuple(range(3007, 3019))
EXPORT_CRS: tuple[int, ...] = (WGS84, SWEREF99_TM, *SWEREF99_LOCAL_ZONES)
GeomT = TypeVar("GeomT", bound=BaseGeometry)  # a transformed geometry keeps its type


def check_export_crs(epsg: str | int) -> int:
    """Return ``epsg`` as an int if it is an offered export CRS, else raise GeometryError."""
    try:
        code = int(epsg)
    except (TypeError, ValueError):
        message = N_("The value “%(value)s” is not a coordinate system code.")
        raise GeometryError(message, value=epsg) from None
    if code not in EXPORT_CRS:
        raise GeometryError(
            N_("Coordinate system EPSG:%(code)s is not offered for export. "
               "Choose WGS 84 (EPSG:4326), SWEREF 99 TM (EPSG:3006) "
               "or a local SWEREF 99 zone (EPSG:3007–3018)."), code=code)
    return code


@lru_cache(maxsize=64)
def transformer(src: int, dst: int) -> pyproj.Transformer:
    """Cached transformer from EPSG ``src`` to EPSG ``dst`` with x/y (lon/lat) axis order."""
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


@lru_cache(maxsize=64)
def local_metric_transformer(lon0: float, lat0: float) -> pyproj.Transformer:
    """Cached transformer from WGS84 to an azimuthal equidistant projection (metres) at lon0/lat0.

    Distances near the centre are true to well below a millimetre per kilometre, anywhere on Earth.
    """
    local = (
        f"+proj=aeqd +lat_0={float(lat0):.9f} +lon_0={float(lon0):.9f} "
        "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
    return pyproj.Transformer.from_crs(
        pyproj.CRS.from_epsg(WGS84), pyproj.CRS.from_proj4(local), always_xy=True
    )


def apply_transformer(geom: GeomT, tr: pyproj.Transformer) -> GeomT:
    """Apply a pyproj transformer to every coordinate of ``geom`` (vectorised, keeps Z)."""
    has_z = bool(geom.has_z)

    def _apply(coords: np.ndarray) -> np.ndarray:
        out = tr.transform(*coords.T)
        return np.column_stack(out)

    result = shapely.transform(geom, _apply, include_z=has_z)
    if not np.isfinite(shapely.get_coordinates(result, include_z=has_z)).all():
        raise GeometryError(N_("The shape cannot be converted to the requested coordinate system."))
    return result


def transform(geom: GeomT, src: int, dst: int) -> GeomT:
    """Transform ``geom`` from EPSG ``src`` to EPSG ``dst``; returns ``geom`` itself if they are equal."""
    if src == dst:
        return geom
    return apply_transformer(geom, transformer(src, dst))


def lonlat_to_en(lon: float, lat: float, epsg: int = SWEREF99_TM) -> tuple[float, float]:
    """WGS84 longitude/latitude in degrees to (easting, northing) in metres in ``epsg``."""
    easting, northing = transformer(WGS84, epsg).transform(lon, lat)
    return float(easting), float(northing)


def en_to_lonlat(easting: float, northing: float, epsg: int = SWEREF99_TM) -> tuple[float, float]:
    """(easting, northing) in metres in ``epsg`` to WGS84 (longitude, latitude) in degrees."""
    lon, lat = transformer(epsg, WGS84).transform(easting, northing)
    return float(lon), float(lat)


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def parse_position(text: str) -> Point:
    """A typed position as a lon/lat point: WGS 84 decimal degrees, latitude first as people write them
    ("57.8945, 12.0688", "57,8945 12,0688", "N 57.8945 E 12.0688"), or SWEREF 99 TM metres in either
    order ("N 6421234 E 320456"; northing and easting are told apart by size). GeometryError otherwise.
    """
    numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(text or "")]
    if len(numbers) != 2:
        raise GeometryError(N_("Type two numbers: latitude and longitude (57.8945, 12.0688) "
                               "or SWEREF 99 TM northing and easting (N 6421234, E 320456)."))
    a, b = numbers
    if abs(a) <= 90 and abs(b) <= 180:
        return Point(b, a)
    northing, easting = (a, b) if a > b else (b, a)
    if not (6_100_000 <= northing <= 7_700_000 and 200_000 <= easting <= 1_000_000):
        raise GeometryError(
            N_("These coordinates are neither degrees (WGS 84) nor SWEREF 99 TM metres in Sweden."))
    lon, lat = en_to_lonlat(easting, northing)
    return Point(lon, lat)
