from datetime import datetime
from zoneinfo import ZoneInfo

from gis.sun import is_dark

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_november_evening_in_nodinge_is_dark_and_noon_is_not() -> None:
    assert is_dark(12.069, 57.894, datetime(2026, 11, 27, 18, 30, tzinfo=STOCKHOLM))
    assert not is_dark(12.069, 57.894, datetime(2026, 11, 27, 12, 0, tzinfo=STOCKHOLM))


def test_midsummer_night_in_kiruna_is_light() -> None:
    assert not is_dark(20.22, 67.86, datetime(2026, 6, 21, 0, 30, tzinfo=STOCKHOLM))
