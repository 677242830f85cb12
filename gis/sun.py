"""Is it dark at a place and time? (sun below the horizon, via astral)."""
from __future__ import annotations

from datetime import datetime

from astral import Observer
from astral.sun import elevation

HORIZON_DEGREES = -0.833  # sunset/sunrise: upper limb on the horizon, with refraction


def is_dark(lon: float, lat: float, when: datetime) -> bool:
    """True when the sun is below the horizon at (lon, lat) at the aware datetime ``when``."""
    return elevation(Observer(latitude=lat, longitude=lon), when) < HORIZON_DEGREES
