"""The organizer imports route files on a laptop: a failed import keeps the page with a message next to the
file field, waypoints become the stops chosen, an implausible route needs the override, the meeting point
is placed by a click. Set FIELDAPP_SHOTS=/some/dir to also save screenshots of the steps."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, staff_page
from tests.browser.test_staff_flows import map_point, new_walk, walk_data
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "sv-SE", "timezone_id": "Europe/Stockholm"}
SLOVENIA_GPX = ('<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
                '<trk><trkseg><trkpt lat="46.37" lon="13.83"/><trkpt lat="46.05" lon="14.50"/>'
                '<trkpt lat="45.55" lon="13.73"/></trkseg></trk></gpx>')


@pytest.fixture
def laptop(browser, live_server) -> Page:
    with staff_page(browser, live_server, confirm_dialogs=False, **LAPTOP) as page:
        yield page


def shot(page: Page, name: str, locator: str | None = None) -> None:
    folder = os.environ.get("FIELDAPP_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        if locator:
            page.locator(locator).scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


def test_failed_import_then_waypoints_to_stops_and_meeting_point(laptop: Page, live_server, tmp_path) -> None:
    new_walk(laptop, live_server, "Import med vägpunkter")
    photo = FIXTURES / "photos" / "gps.jpg"
    laptop.set_input_files("#file", str(photo))
    laptop.get_by_role("button", name="Importera rutt").click()
    expect(laptop.locator("#file-error")).to_be_visible()
    expect(laptop.locator(".flash-error")).to_be_visible()
    shot(laptop, "1-import-error", "#file")

    track = (FIXTURES / "gpx" / "track.gpx").read_text(encoding="utf-8")
    with_waypoints = tmp_path / "slinga.gpx"
    with_waypoints.write_text(track.replace(
        "</gpx>", '<wpt lat="57.8951" lon="12.0702"><name>Trasig lykta</name></wpt>'
                  '<wpt lat="57.8945" lon="12.0688"><name>Mörk gångtunnel</name></wpt>'
                  '<wpt lat="57.8962" lon="12.0725"><name>Buskage vid skolan</name></wpt></gpx>'),
        encoding="utf-8")
    laptop.set_input_files("#file", str(with_waypoints))
    laptop.get_by_role("button", name="Importera rutt").click()
    expect(laptop.locator("#import-confirm")).to_be_visible()
    laptop.wait_for_selector("#plan-map[data-ready=true]")
    shot(laptop, "2-waypoint-chooser", "#import-confirm")
    assert axe_violations(laptop) == [], axe_violations(laptop)
    laptop.get_by_label("Buskage vid skolan").uncheck()
    laptop.locator("#import-confirm").get_by_role("button", name="Importera", exact=True).click()
    expect(laptop.locator(".flash-success").first).to_contain_text("slinga.gpx")
    assert [f["properties"]["name"] for f in walk_data(laptop)["stops"]["features"]] == [
        "Trasig lykta", "Mörk gångtunnel"]

    laptop.click("#place-meeting")
    laptop.mouse.click(*map_point(laptop, 0.45, 0.55))
    expect(laptop.locator("#meeting-position")).not_to_have_value("")
    laptop.get_by_role("button", name="Spara samlingsplats").click()
    expect(laptop.locator(".flash-success").first).to_contain_text("Samlingsplatsen")
    assert walk_data(laptop)["meeting_point_geometry"]["type"] == "Point"
    expect(laptop.locator("#plan-map .meeting-marker")).to_have_count(1)
    shot(laptop, "3-plan-map-meeting-point", "#plan-map")

    far = tmp_path / "slovenien.gpx"
    far.write_text(SLOVENIA_GPX, encoding="utf-8")
    laptop.set_input_files("#file", str(far))
    laptop.get_by_role("button", name="Importera rutt").click()
    expect(laptop.locator("#import-confirm .notice")).to_contain_text("km lång")
    shot(laptop, "4-plausibility-warning", "#import-confirm")
    laptop.locator("#import-confirm").get_by_role("button", name="Importera", exact=True).click()
    expect(laptop.locator("#accept_warnings-error")).to_be_visible()  # not without the override
    shot(laptop, "5-override-required", "#import-confirm")
    assert walk_data(laptop)["route"]["properties"]["length_m"] < 5000  # the route was kept
