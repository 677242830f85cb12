"""The field page ships its map skeleton, and the route-area tile list is served only where configured."""
from __future__ import annotations

import re

from shapely.geometry import Point

from fieldapp.services.demo import DEMO_SLUG
from gis.tiles import tile_bounds
from tests.app.test_api import joined  # noqa: F401 - fixture


def test_field_page_draws_the_route_skeleton_and_loads_leaflet_later(joined) -> None:  # noqa: F811
    html = joined.get(f"/w/{DEMO_SLUG}").get_data(as_text=True)
    skeleton = re.search(r'<svg class="map-skeleton" viewBox="0 0 (\d+) (\d+)".*?</svg>', html, re.S)
    assert skeleton, "no skeleton map in the page"
    assert re.search(r'<path class="skeleton-route" d="M[\d. L]+"', skeleton.group(0))
    assert skeleton.group(0).count('class="skeleton-stop"') == 7
    assert 'class="map-hint" role="status">Kartan laddas…<' in html
    # Leaflet is not a blocking script of the page: early.js loads it after the first tap works.
    assert "leaflet.js\"></script>" not in html
    assert 'data-leaflet-js="/static/vendor/leaflet-1.9.4/leaflet.js"' in html
    assert '<link rel="modulepreload" href="/static/vendor/idb-8.0.4/index.js">' in html
    # Pre-caching is off by default (OpenStreetMap's public tiles do not allow bulk fetching).
    assert 'id="precache"' not in html and "precache.js" not in html


def test_tile_list_is_refused_unless_the_tile_source_allows_bulk_fetching(joined) -> None:  # noqa: F811
    response = joined.get(f"/w/{DEMO_SLUG}/tiles.json", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "precache_disabled"


def test_tile_list_covers_route_and_stops_at_the_configured_zooms(app, joined) -> None:  # noqa: F811
    app.config.update(TILES_ALLOW_PRECACHE=True, TILE_URL="https://tiles.example.se/{z}/{x}/{y}.png",
                      TILES_PRECACHE_ZOOMS=(15, 16, 17), TILES_PRECACHE_BUFFER_M=100.0,
                      TILES_PRECACHE_MAX_TILES=10_000, TILES_PRECACHE_MAX_MB=5.0)
    html = joined.get(f"/w/{DEMO_SLUG}").get_data(as_text=True)
    assert 'id="precache"' in html and "/static/js/field/precache.js" in html
    plan = joined.get(f"/w/{DEMO_SLUG}/tiles.json").get_json()
    assert plan["tile_url"] == "https://tiles.example.se/{z}/{x}/{y}.png"
    assert plan["zooms"] == [15, 16, 17] and plan["left_out_zooms"] == []
    assert plan["max_bytes"] == 5 * 1024 * 1024
    tiles = [tuple(t) for t in plan["tiles"]]
    walk = joined.get(f"/api/v1/walks/{DEMO_SLUG}").get_json()
    for feature in walk["stops"]["features"]:
        stop = Point(feature["geometry"]["coordinates"])
        for zoom in (15, 16, 17):
            assert any(t[0] == zoom and tile_bounds(t).contains(stop) for t in tiles), (zoom, stop)

    app.config["TILES_PRECACHE_MAX_TILES"] = sum(1 for t in tiles if t[0] < 17)
    capped = joined.get(f"/w/{DEMO_SLUG}/tiles.json").get_json()
    assert capped["zooms"] == [15, 16] and capped["left_out_zooms"] == [17]


def test_tile_list_needs_a_join(app, client) -> None:
    from fieldapp.services.demo import seed_demo

    seed_demo()
    app.config["TILES_ALLOW_PRECACHE"] = True
    assert client.get(f"/w/{DEMO_SLUG}/tiles.json").status_code == 403
