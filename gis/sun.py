"""Daylight, twilight and dark at a place and time (via astral): the one definition of "dark".

- **daylight**: the sun is above SUNSET_DEGREES (its upper limb on the horizon, with refraction);
- **twilight**: between sunset and the end of civil twilight (CIVIL_DUSK_DEGREES);
- **dark**: the sun more than 6° below the horizon.

The field page switches to its dark theme once the sun has set (twilight or dark); the protocol names the
condition at the walk's start.
"""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Literal

from astral import Observer
from astral.sun import elevation, sun

SUNSET_DEGREES = -0.833  # sunset/sunrise: upper limb on the horizon, with refraction
CIVIL_DUSK_DEGREES = -6.0  # end of civil twilight

LightCondition = Literal["daylight", "twilight", "dark"]


def sun_elevation(lon: float, lat: float, when: datetime) -> float:
    """Geometric degrees of the sun's centre above (+) or below (−) the horizon at (lon, lat) at the aware
    ``when``; without refraction, as the thresholds (and astral's sunset and dusk) are defined."""
    return float(elevation(Observer(latitude=lat, longitude=lon), when, with_refraction=False))


def condition(elevation_degrees: float) -> LightCondition:
    """Daylight, twilight or dark for a sun elevation."""
    if elevation_degrees > SUNSET_DEGREES:
        return "daylight"
    return "twilight" if elevation_degrees > CIVIL_DUSK_DEGREES else "dark"


def sun_has_set(lon: float, lat: float, when: datetime) -> bool:
    """True in twilight and dark at (lon, lat) at the aware datetime ``when``."""
    return condition(sun_elevation(lon, lat, when)) != "daylight"


def sunset_and_dusk(
    lon: float, lat: float, day: date, zone: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """Sunset and end of civil twilight on ``day`` (local times in ``zone``); None where they do not occur."""
    try:
        times = sun(Observer(latitude=lat, longitude=lon), date=day, tzinfo=zone)
    except ValueError:  # the sun stays above (or below) the horizon all day
        return None, None
    return times["sunset"], times["dusk"]
