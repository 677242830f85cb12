"""The field page for a walker in the dark with gloves: own position on top, centre on me, offline start
from any URL of a joined walk, HEIC previews, plural wording, the note counter and the landscape layout."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import NODINGE, axe_violations
from tests.browser.test_field_capture import PHOTOS, choose_category, join
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

MARKER_ON_TOP = """() => {
    const marker = document.querySelector('[data-testid=my-position]');
    const box = marker.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    const map = document.getElementById('field-map').getBoundingClientRect();
    return {onTop: Boolean(hit && marker.contains(hit)),
            inside: x > map.left && x < map.right && y > map.top && y < map.bottom,
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
    page.wait_for_function(
        "(lat) => document.querySelector('[data-testid=my-position]').dataset.lat === String(lat)",
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
    offset = page.evaluate("""() => {
                                      const m = document.querySelector('[data-testid=my-position]')
                                        .getBoundingClientRect();
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


HEIC_PHOTO = FIXTURES / "photos" / "phone.heic"


def test_heic_photo_gets_a_placeholder_tile_not_a_broken_image(page: Page, live_server) -> None:
    join(page, live_server)
    page.click("#add-finding")
    heic = HEIC_PHOTO
    page.set_input_files("#photo-gallery", [str(heic), str(PHOTOS[0])])
    expect(page.locator("#sheet-photos li")).to_have_count(2)
    decoded = page.evaluate("async () => { try { await createImageBitmap(new Blob([new Uint8Array([0])], "
                            "{type: 'image/heic'})); return true; } catch { return false; } }")
    assert decoded is False  # this Chromium cannot decode HEIC: the tile must say so
    tile = page.locator("#sheet-photos li").nth(0).locator(".photo-placeholder")
    expect(tile).to_contain_text(heic.name)
    expect(tile).to_contain_text("konverteras vid uppladdning")
    # every <img> shown in the form has really been decoded
    assert page.evaluate("() => [...document.querySelectorAll('#sheet-photos img')].every(i => i.complete && "
                         "i.naturalWidth > 0)")
    expect(page.locator("#sheet-photos img")).to_have_count(1)
    assert axe_violations(page, "#finding-sheet") == []


def test_note_counter_stops_at_the_limit_with_a_message(page: Page, live_server) -> None:
    join(page, live_server)
    page.click("#add-finding")
    counter = page.locator("#sheet-note-count")
    expect(counter).to_have_text("0 av 5000 tecken")
    page.fill("#sheet-note", "mörkt")
    expect(counter).to_have_text("5 av 5000 tecken")
    expect(page.locator("#sheet-note-full")).to_be_hidden()
    page.locator("#sheet-note").fill("x" * 4999)
    page.locator("#sheet-note").press("End")
    page.keyboard.type("yz")  # one fits, the next is refused by the field
    assert len(page.input_value("#sheet-note")) == 5000
    expect(counter).to_have_text("5000 av 5000 tecken")
    expect(page.locator("#sheet-note-full")).to_be_visible()
    expect(page.locator("#sheet-note-full")).to_contain_text("5000 tecken")
    assert axe_violations(page, "#finding-sheet") == []


def test_landscape_map_has_a_usable_height(browser, browser_context_args, live_server) -> None:
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": 915, "height": 412},
                                     "screen": {"width": 915, "height": 412}})
    page = context.new_page()
    join(page, live_server)
    box = page.locator("#field-map").bounding_box()
    assert box["height"] >= 300, box
    assert box["y"] + box["height"] <= 412 + 1, box  # all of it on screen without scrolling
    assert box["width"] >= 500, box
    add = page.locator("#add-finding").bounding_box()
    # the add button beside the map, not under it
    assert add["y"] + add["height"] <= 412 and add["x"] + add["width"] <= box["x"] + 1, add
    assert axe_violations(page) == []
    context.close()


def test_without_gps_a_tap_on_the_map_places_the_finding(browser, browser_context_args, live_server) -> None:
    context = browser.new_context(**{**browser_context_args, "permissions": []})
    page = context.new_page()
    join(page, live_server)
    expect(page.locator("#progress")).to_contain_text("trycka på kartan")
    box = page.locator("#field-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
    expect(page.locator("#finding-sheet")).to_be_visible()
    expect(page.locator("#sheet-position")).to_have_text("Position från kartan")
    expect(page.locator("#finding-sheet")).to_have_js_property("scrollTop", 0)
    choose_category(page, "litter")
    page.fill("#sheet-note", "utan gps, tryck på kartan")
    page.click("#sheet-save")
    expect(page.locator("#sheet-error")).to_be_hidden()
    expect(page.locator(".finding-item", has_text="utan gps, tryck på kartan")).to_have_count(1)
    expect(page.locator("#sync-status")).to_have_attribute("data-state", "sent", timeout=30_000)
    assert live_server.query("SELECT position_source FROM findings WHERE note = ?",
                             "utan gps, tryck på kartan") == [("map",)]
    context.close()


def test_poor_accuracy_warning_shows_a_draggable_marker_and_counts_are_plural(page: Page, live_server,
                                                                             context: BrowserContext) -> None:
    context.set_geolocation({**NODINGE, "accuracy": 150})
    join(page, live_server)
    expect(page.locator("#gps-status")).to_contain_text("±150 m")
    page.click("#add-finding")
    warning = page.locator("#sheet-accuracy-warning")
    expect(warning).to_contain_text("±150 m")
    assert axe_violations(page, "#finding-sheet") == []
    warning.get_by_role("button", name="Visa markören").click()
    expect(page.locator("#pick-bar")).to_be_visible()
    marker = page.locator(".leaflet-marker-draggable")
    expect(marker).to_be_visible()
    before = marker.bounding_box()
    page.mouse.move(before["x"] + before["width"] / 2, before["y"] + before["height"] - 4)
    page.mouse.down()
    page.mouse.move(before["x"] + 60, before["y"] + 40, steps=6)
    page.mouse.up()
    page.locator("#pick-bar button").click()
    expect(page.locator("#sheet-position")).to_have_text("Position från kartan")
    choose_category(page, "litter")
    page.fill("#sheet-note", "dragen markör")
    page.set_input_files("#photo-gallery", [str(PHOTOS[0])])
    expect(page.locator("#sheet-photos li")).to_have_count(1)
    page.click("#sheet-save")
    item = page.locator(".finding-item", has_text="dragen markör")
    expect(item.locator(".finding-meta")).to_have_text("1 foto")
    context.set_geolocation(NODINGE)


def test_finding_markers_take_gloved_taps_and_popups_are_dark_with_the_thumbnail(
        browser, browser_context_args, live_server) -> None:
    context = browser.new_context(**{**browser_context_args, "color_scheme": "dark"})
    page = context.new_page()
    join(page, live_server)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    with_photo = page.evaluate("""() => JSON.parse(document.getElementById('walk-data').textContent)
                                    .findings.features
                                    .find(f => f.properties.photos && f.properties.photos.length).id""")
    marker = page.locator(f".leaflet-marker-icon[data-finding='{with_photo}']")
    # At the first zoom it may sit in a cluster with its neighbours: "All findings" brings it out.
    page.get_by_role("tab", name=re.compile(r"^Alla")).click()
    page.locator(f"#everyone-list [data-show-finding='{with_photo}']").click()
    expect(marker).to_be_visible()
    page.locator(".leaflet-popup-close-button").click()
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    box = marker.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    for stop in page.locator(".stop-marker").all():
        stop_box = stop.bounding_box()
        assert stop_box["width"] >= 44 and stop_box["height"] >= 44, stop_box
    # A tap 18 px off the dot's centre (outside the 16 px dot) still opens it; of the four sides, one that no
    # other finding added by earlier tests covers.
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    x, y = next((x, y) for x, y in ((cx + 18, cy), (cx - 18, cy), (cx, cy + 18), (cx, cy - 18))
                if page.evaluate("([id, x, y]) => document.querySelector(`[data-finding='${id}']`)"
                                 ".contains(document.elementFromPoint(x, y))", [with_photo, x, y]))
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content-wrapper")
    expect(popup).to_be_visible()
    thumb = popup.locator("img.popup-thumb")
    expect(thumb).to_have_count(1)
    page.wait_for_function("() => { const i = document.querySelector('img.popup-thumb'); "
                           "return i && i.complete && i.naturalWidth > 0; }")
    background = popup.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert max(red, green, blue) < 80, background  # dark, not Leaflet's white
    # Leaflet fades a popup in: contrast is measured once it is fully shown, not halfway through the fade
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    assert axe_violations(page) == []
    context.close()


def test_edit_form_opens_at_the_top(page: Page, live_server) -> None:
    join(page, live_server)
    page.click("#add-finding")
    page.select_option("#sheet-stop", "2")
    choose_category(page, "graffiti")
    page.fill("#sheet-note", "rullad redigering")
    page.locator("#sheet-save").click()
    item = page.locator(".finding-item", has_text="rullad redigering")
    expect(item).to_have_count(1)
    page.click("#add-finding")
    sheet = page.locator("#finding-sheet")
    sheet.evaluate("d => { d.scrollTop = d.scrollHeight; }")
    assert sheet.evaluate("d => d.scrollTop") > 100  # the sheet is taller than the phone: it did scroll
    page.keyboard.press("Escape")
    item.get_by_role("button", name="Ändra").click()
    expect(sheet).to_be_visible()
    expect(sheet).to_have_js_property("scrollTop", 0)
    expect(page.locator("#sheet-title")).to_be_in_viewport()


def test_heading_cone_turns_with_the_device_heading(page: Page, live_server, context: BrowserContext) -> None:
    join(page, live_server)
    expect(page.locator("[data-testid=my-position]")).to_have_count(1)
    expect(page.locator("[data-testid=my-position] .me-cone")).to_have_count(0)  # standing still: no heading
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setGeolocationOverride", {**NODINGE, "heading": 90, "speed": 1.2})
    cone = page.locator("[data-testid=my-position] .me-cone")
    expect(cone).to_have_count(1)
    expect(cone).to_have_attribute("style", re.compile(r"rotate\(90deg\)"))
    cdp.send("Emulation.setGeolocationOverride", {**NODINGE, "heading": 200, "speed": 1.2})
    expect(cone).to_have_attribute("style", re.compile(r"rotate\(200deg\)"))
    context.set_geolocation(NODINGE)
