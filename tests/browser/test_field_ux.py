"""The field page for a walker in the dark with gloves: own position on top, centre on me, offline start
from any URL of a joined walk, HEIC previews, plural wording, the note counter and the landscape layout."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import NODINGE, axe_violations
from tests.browser.test_field_capture import join

pytestmark = pytest.mark.browser

MARKER_ON_TOP = """() => {
    const marker = document.querySelector('[data-testid=my-position]');
    const box = marker.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    const map = document.getElementById('field-map').getBoundingClientRect();
    return {onTop: Boolean(hit && marker.contains(hit)), inside: x > map.left && x < map.right && y > map.top && y < map.bottom,
            hit: hit ? hit.className.baseVal ?? hit.className : null};
}"""


def stops(page: Page) -> list[tuple[float, float]]:
    """The demo walk's stops (lat, lon), read from the page's own walk data."""
    return page.evaluate("""() => JSON.parse(document.getElementById('walk-data').textContent).stops.features
                               .map(f => [f.geometry.coordinates[1], f.geometry.coordinates[0]])""")


def test_own_position_is_on_top_at_every_stop_and_centre_on_me_recentres(page: Page, live_server,
                                                                         context: BrowserContext) -> None:
    join(page, live_server)
    marker = page.locator("[data-testid=my-position]")
    expect(marker).to_have_count(1)
    walk_stops = stops(page)
    assert len(walk_stops) == 7
    for lat, lon in walk_stops:
        context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 8})
        page.wait_for_function(
            """([lat, lon]) => { const m = document.querySelector('[data-testid=my-position]');
                                 return m && m.dataset.lat === String(lat) && m.dataset.lon === String(lon); }""",
            arg=[lat, lon])
        result = page.evaluate(MARKER_ON_TOP)
        assert result == {"onTop": True, "inside": True, "hit": result["hit"]}, (lat, lon, result)

    # 300 m off the route the map still follows the walker.
    far = {"latitude": walk_stops[0][0] + 0.0027, "longitude": walk_stops[0][1] - 0.004, "accuracy": 8}
    context.set_geolocation(far)
    page.wait_for_function("(lat) => document.querySelector('[data-testid=my-position]').dataset.lat === String(lat)",
                           arg=far["latitude"])
    assert page.evaluate(MARKER_ON_TOP)["inside"]

    # Panning stops following; "centre on me" brings the walker back to the middle.
    centre = page.get_by_role("button", name="Centrera på mig")
    box = centre.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    map_box = page.locator("#field-map").bounding_box()
    x, y = map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y - 200, steps=8)
    page.mouse.move(x - 300, y - 400, steps=8)
    page.mouse.up()
    expect(page.locator("#field-map")).to_have_attribute("data-following", "false")
    assert not page.evaluate(MARKER_ON_TOP)["inside"]
    centre.click()
    expect(page.locator("#field-map")).to_have_attribute("data-following", "true")
    offset = page.evaluate("""() => { const m = document.querySelector('[data-testid=my-position]').getBoundingClientRect();
                                      const c = document.getElementById('field-map').getBoundingClientRect();
                                      return [Math.abs(m.left + m.width / 2 - (c.left + c.width / 2)),
                                              Math.abs(m.top + m.height / 2 - (c.top + c.height / 2))]; }""")
    assert offset[0] < 3 and offset[1] < 3, offset
    assert page.evaluate(MARKER_ON_TOP)["onTop"]
    context.set_geolocation(NODINGE)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_position_marker_and_centre_control_have_no_axe_violations(browser, browser_context_args, live_server,
                                                                   scheme) -> None:
    context = browser.new_context(**{**browser_context_args, "color_scheme": scheme})
    page = context.new_page()
    join(page, live_server)
    page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
    expect(page.locator("[data-testid=my-position]")).to_have_count(1)
    expect(page.locator("#centre-on-me")).to_be_enabled()
    assert axe_violations(page) == []
    context.close()


def test_offline_start_from_the_manifest_url_and_after_a_language_switch(page: Page, live_server,
                                                                         context: BrowserContext) -> None:
    join(page, live_server)  # Swedish: the page is /w/<slug>?lang=sv
    slug = page.locator(".field").get_attribute("data-slug")
    start_url = page.evaluate("async (href) => (await (await fetch(href)).json()).start_url",
                              page.locator("link[rel=manifest]").get_attribute("href"))
    assert start_url == f"/w/{slug}"
    page.wait_for_selector(".field[data-offline-ready=true]", timeout=20_000)
    # Keeping both languages did not change the language this phone chose.
    assert {c["name"]: c["value"] for c in context.cookies()}.get("lang") == "sv"

    context.set_offline(True)
    page.goto(live_server.url + start_url)  # the home-screen icon
    page.wait_for_selector(".field[data-ready=true]")
    assert page.evaluate("document.documentElement.lang") == "sv"
    page.locator("a[hreflang=en]").click()  # the language switch, still offline
    page.wait_for_selector(".field[data-ready=true]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert re.search(r"\?lang=en$", page.url)
    expect(page.get_by_role("heading", name="My findings")).to_be_visible()
    page.goto(live_server.url + f"/w/{slug}/?lang=sv&utm=x")  # other query parameters and a trailing slash
    page.wait_for_selector(".field[data-ready=true]")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    context.set_offline(False)
