from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from gis import sun

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_november_evening_in_nodinge_has_no_sun_and_noon_has() -> None:
    assert sun.sun_has_set(12.069, 57.894, datetime(2026, 11, 27, 18, 30, tzinfo=STOCKHOLM))
    assert not sun.sun_has_set(12.069, 57.894, datetime(2026, 11, 27, 12, 0, tzinfo=STOCKHOLM))


def test_midsummer_night_in_kiruna_is_light() -> None:
    assert not sun.sun_has_set(20.22, 67.86, datetime(2026, 6, 21, 0, 30, tzinfo=STOCKHOLM))
    assert sun.sunset_and_dusk(20.22, 67.86, date(2026, 6, 21), STOCKHOLM) == (None, None)


@pytest.mark.parametrize(("degrees", "expected"), [
    (10.0, "daylight"), (0.0, "daylight"), (-0.5, "daylight"), (-0.9, "twilight"), (-5.9, "twilight"),
    (-6.1, "dark"), (-30.0, "dark"),
])
def test_one_definition_of_daylight_twilight_and_dark(degrees: float, expected: str) -> None:
    assert sun.condition(degrees) == expected


def test_sunset_is_where_the_condition_leaves_daylight_and_dusk_where_dark_begins() -> None:
    sunset, dusk = sun.sunset_and_dusk(12.069, 57.894, date(2026, 11, 27), STOCKHOLM)
    assert sunset is not None and dusk is not None and sunset < dusk
    for moment, before, after in ((sunset, "daylight", "twilight"), (dusk, "twilight", "dark")):
        earlier = sun.sun_elevation(12.069, 57.894, moment.replace(second=0) - _minutes(2))
        later = sun.sun_elevation(12.069, 57.894, moment.replace(second=0) + _minutes(2))
        assert (sun.condition(earlier), sun.condition(later)) == (before, after)


def _minutes(n: int):  # noqa: ANN202 - a timedelta
    from datetime import timedelta

    return timedelta(minutes=n)
