"""The walk's web app manifest is only for those who may open the walk, and Chromium still gets it."""
from __future__ import annotations

import urllib.error
import urllib.request

from tests.browser.test_walk_pages import join


def test_item6_manifest_loads_for_a_participant_but_not_for_strangers(page, live_server) -> None:
    slug_url = live_server.url + "/w/demo-nodinge/manifest.webmanifest"
    try:
        urllib.request.urlopen(slug_url, timeout=10)  # noqa: S310 - the local test server
        stranger = 200
    except urllib.error.HTTPError as err:
        stranger = err.code
    assert stranger == 403
    join(page, live_server)
    page.wait_for_selector("#field-map[data-ready=true]")
    # The browser's own manifest fetch (as for "Add to home screen") must carry the participant cookie.
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/w/demo-nodinge/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert '"name": "DEMO: Trygghetsvandring' in manifest["data"] or '"name":"DEMO: Trygghetsvandring' in \
        manifest["data"]
