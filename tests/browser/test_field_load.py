"""The field page on a slow network and without one: the route's skeleton before Leaflet and the tiles, the
Add button working before them, and the route-area tile pre-cache (a local tile server in a thread) that
lets the walk's map render offline with no grey squares."""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.tile_server import TileServer
from tests.browser.conftest import LiveServer, axe_violations, free_port, start_server, wait_for
from tests.browser.test_field_capture import join

pytestmark = pytest.mark.browser

LEAFLET_ROUTE = "#field-map .leaflet-overlay-pane path"


def test_skeleton_route_shows_and_add_works_before_leaflet_and_tiles(browser: Browser,
                                                                     browser_context_args: dict,
                                                                     live_server) -> None:
    # No service worker: its fetches would pass by the routes that hold Leaflet and the tiles back.
    context = browser.new_context(**browser_context_args, service_workers="block")
    page = context.new_page()
    held_leaflet, held_tiles = [], []
    page.route(re.compile(r".*/leaflet-1\.9\.4/leaflet\.js$"), lambda route: held_leaflet.append(route))
    page.route("http://127.0.0.1:9/**", lambda route: held_tiles.append(route))  # tiles never answer here
    join(page, live_server)

    # Before Leaflet: the route and its 7 numbered stops drawn by the server, and a hint.
    route = page.locator("#field-map .map-skeleton .skeleton-route")
    expect(route).to_be_visible()
    box = route.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    expect(page.locator("#field-map .skeleton-stop")).to_have_count(7)
    expect(page.locator("#field-map .map-hint")).to_have_text("Kartan laddas…")
    assert held_leaflet and page.evaluate("typeof window.L") == "undefined"
    assert axe_violations(page) == []

    page.click("#add-finding")
    sheet = page.locator("#finding-sheet")
    expect(sheet).to_be_visible()
    page.locator("#finding-sheet [data-action=cancel]").first.click()
    expect(sheet).to_be_hidden()

    # Leaflet arrives: its own route replaces the skeleton; the tiles are still on their way.
    for route_request in held_leaflet:
        route_request.continue_()
    expect(page.locator(LEAFLET_ROUTE)).to_have_count(1)
    expect(page.locator("#field-map .map-skeleton")).to_have_count(0)
    expect(page.locator("#field-map .map-hint")).to_have_text("Kartbilderna laddas…")
    assert held_tiles and page.locator("#field-map img.leaflet-tile-loaded").count() == 0
    assert axe_violations(page) == []
    page.click("#add-finding")
    expect(sheet).to_be_visible()
    for tile in held_tiles:
        tile.abort()
    context.close()


def test_add_opens_the_sheet_before_the_scripts_and_keeps_what_was_chosen(browser: Browser,
                                                                         browser_context_args: dict,
                                                                         live_server) -> None:
    context = browser.new_context(**browser_context_args, service_workers="block")
    page = context.new_page()
    join(page, live_server)
    held = []
    page.route(re.compile(r".*/js/field/main\.js$"), lambda route: held.append(route))
    page.reload(wait_until="commit")  # DOMContentLoaded waits for the held module script
    page.wait_for_selector("#add-finding")
    page.wait_for_function("() => performance.getEntriesByType('paint').length > 0")
    assert held and page.evaluate("document.querySelector('.field').dataset.ready") is None

    # No script yet: the button opens the sheet by itself; choices can be made, Save waits.
    page.click("#add-finding")
    sheet = page.locator("#finding-sheet")
    expect(sheet).to_be_visible()
    page.check("input[name=category][value=sightlines]", force=True)
    page.fill("#sheet-note", "Buskarna skymmer gångvägen")
    save = page.locator("#sheet-save")
    expect(save).to_be_disabled()
    assert axe_violations(page, "#finding-sheet") == []

    for route_request in held:
        route_request.continue_()
    page.wait_for_selector(".field[data-ready=true]", state="attached")
    expect(save).to_be_enabled()
    expect(sheet).to_be_visible()
    expect(page.locator("input[name=category][value=sightlines]")).to_be_checked()
    expect(page.locator("#sheet-note")).to_have_value("Buskarna skymmer gångvägen")
    # Set up like a new finding: the GPS position, once the phone has one.
    expect(page.locator("#sheet-position")).to_contain_text("Position från GPS")
    save.click()
    expect(sheet).to_be_hidden()
    expect(page.locator("#my-findings-list")).to_contain_text("Buskarna skymmer gångvägen")
    context.close()


@pytest.fixture(scope="module")
def tile_server() -> Iterator[TileServer]:
    with TileServer() as tiles:
        yield tiles


@pytest.fixture(scope="module")
def precache_server(tmp_path_factory: pytest.TempPathFactory,
                    tile_server: TileServer) -> Iterator[LiveServer]:
    """fieldapp with a tile source that allows bulk fetching (the local tile server) and pre-caching on."""
    root = tmp_path_factory.mktemp("precache")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FIELDAPP_DATABASE_URL": f"sqlite:///{root / 'live.sqlite'}",
           "FIELDAPP_UPLOAD_DIR": str(root / "uploads"),
           "FIELDAPP_JOBS_URL": f"sqlite:///{root / 'jobs.sqlite'}",
           "FIELDAPP_SECRET_KEY": "precache-test", "FIELDAPP_PUBLIC_URL": url, "FIELDAPP_ENV": "development",
           "FIELDAPP_TILE_URL": tile_server.template, "FIELDAPP_TILES_ALLOW_PRECACHE": "1"}
    server = LiveServer(url=url, join_url="", staff_email="", staff_password="", env=env, root=root)
    server.cli("db", "upgrade")
    server.join_url = re.search(r"^Join link: (\S+)$", server.cli("seed", "--demo"), re.M).group(1)
    process = start_server(root, env, port)
    try:
        wait_for(url + "/", process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root / "uploads", ignore_errors=True)


def wait_for_tiles_at(page: Page, zoom: int) -> list[dict]:
    """Once the tile layer has finished loading level ``zoom``: its tiles with whether each one is drawn."""
    handle = page.wait_for_function(
        """(zoom) => {
            const map = document.getElementById('field-map');
            const tiles = [...map.querySelectorAll('img.leaflet-tile')]
              .filter((img) => new URL(img.src).pathname.startsWith(`/${zoom}/`));
            if (!tiles.length || map.dataset.tiles === 'loading') return null;
            return tiles.map((img) => ({
              src: img.src,
              drawn: img.classList.contains('leaflet-tile-loaded') && img.naturalWidth === 256,
            }));
        }""",
        arg=zoom,
    )
    return handle.json_value()


def assert_no_grey_tiles(page: Page, zoom: int) -> None:
    tiles = wait_for_tiles_at(page, zoom)
    grey = [tile["src"] for tile in tiles if not tile["drawn"]]
    assert not grey, f"zoom {zoom}: {len(grey)} of {len(tiles)} tiles missing offline: {grey[:3]}"


def current_zoom(page: Page) -> int:
    page.wait_for_function("() => document.getElementById('field-map').dataset.tiles !== 'loading'")
    return page.evaluate("""() => Math.max(...[...document.querySelectorAll('#field-map img.leaflet-tile')]
                                    .map((img) => Number(new URL(img.src).pathname.split('/')[1])))""")


def test_precache_fills_the_tile_cache_and_the_walk_renders_offline_without_grey_tiles(
        browser: Browser, browser_context_args: dict, precache_server: LiveServer,
        tile_server: TileServer) -> None:
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    tile_server.delay_s = 0.01
    join(page, precache_server)
    stop_one = page.evaluate("JSON.parse(document.getElementById('walk-data').textContent)"
                             ".stops.features[0].geometry.coordinates")
    context.set_geolocation({"latitude": stop_one[1], "longitude": stop_one[0], "accuracy": 8})

    # Headless Chromium does not say which network it is on: the phone asks before downloading.
    section = page.locator("#precache")
    expect(section).to_have_attribute("data-state", "ask")
    expect(section).to_contain_text("Vill du ladda ner kartan runt rutten nu (cirka")
    assert axe_violations(page, "#precache") == []
    plan = page.evaluate("""() => fetch(document.getElementById('precache').dataset.planUrl,
                                        { headers: { Accept: 'application/json' } }).then((r) => r.json())""")
    assert plan["zooms"] == [13, 14, 15, 16, 17, 18] and len(plan["tiles"]) > 100
    page.get_by_role("button", name="Ladda ner kartan").click()
    expect(section).to_have_attribute("data-state", "running")
    expect(page.locator("#precache-bar")).to_be_visible()
    assert axe_violations(page, "#precache") == []
    expect(section).to_have_attribute("data-state", "done", timeout=60_000)
    expect(section).to_contain_text(f"({len(plan['tiles'])} kartbilder, ")
    assert axe_violations(page, "#precache") == []
    tile_server.delay_s = 0

    cached = set(page.evaluate(
        "caches.open('fieldapp-tiles').then((c) => c.keys()).then((keys) => keys.map((r) => r.url))"))
    wanted = {tile_server.template.format(z=z, x=x, y=y) for z, x, y in plan["tiles"]}
    assert wanted <= cached, f"{len(wanted - cached)} planned tiles not cached"

    # No network at all: the page, the data and every tile the walk's map shows come from the phone.
    page.wait_for_selector(".field[data-offline-ready=true]", state="attached")
    context.set_offline(True)
    tile_server.requested.clear()
    page.reload()
    page.wait_for_selector(".field[data-ready=true]")
    expect(page.locator(LEAFLET_ROUTE)).to_have_count(1)
    zoom = current_zoom(page)
    assert_no_grey_tiles(page, zoom)
    page.get_by_role("button", name="Centrera på mig").click()  # at stop 1, zoom 16 or closer
    zoom = max(zoom, 16)
    assert_no_grey_tiles(page, zoom)
    while zoom < 18:
        # Leaflet drops a click that follows the previous one within 500 ms (ghost clicks on touch screens).
        page.wait_for_timeout(600)
        page.click(".leaflet-control-zoom-in")
        zoom += 1
        assert_no_grey_tiles(page, zoom)
    expect(page.locator("#field-map .map-hint")).to_be_hidden()
    assert tile_server.requested == []
    context.close()


def test_on_wifi_the_download_starts_by_itself_and_stops_at_the_size_cap(
        browser: Browser, browser_context_args: dict, precache_server: LiveServer,
        tile_server: TileServer) -> None:
    context = browser.new_context(**browser_context_args)
    # A phone on Wi-Fi (Chromium on Android says so through navigator.connection).
    context.add_init_script("Object.defineProperty(navigator, 'connection', "
                            "{ value: { type: 'wifi', saveData: false }, configurable: true })")
    page = context.new_page()
    tile_bytes = len(tile_server.body)
    plans_asked = []

    def small_cap(route) -> None:  # the server's plan, with room for ten tiles only
        plans_asked.append(route.request.url)
        response = route.fetch()
        plan = response.json()
        plan["max_bytes"] = tile_bytes * 10 + tile_bytes // 2
        route.fulfill(response=response, json=plan)

    page.route("**/tiles.json", small_cap)
    tile_server.requested.clear()
    join(page, precache_server)
    section = page.locator("#precache")
    expect(section).to_have_attribute("data-state", "capped", timeout=30_000)
    expect(section).to_contain_text("Nedladdningen stannade vid storleksgränsen")
    assert page.locator("#precache [data-action=precache-start]").is_hidden()  # it did not ask
    cached = page.evaluate("caches.open('fieldapp-tiles').then((c) => c.keys()).then((keys) => keys.length)")
    assert 10 <= cached <= 10 + 9  # ten from the download, plus those the map itself showed
    assert axe_violations(page, "#precache") == []
    # Remembered: the next visit does not ask for the tiles again.
    page.reload()
    page.wait_for_selector(".field[data-ready=true]")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    expect(section).to_be_hidden()
    assert len(plans_asked) == 1
    context.close()
