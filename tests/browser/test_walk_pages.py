"""A first run as a user sees it: the demo walk's route and stops on the map, on a phone."""
from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, staff_login

pytestmark = pytest.mark.browser


def join(page, live_server) -> None:
    page.goto(live_server.join_url)
    page.click("button[type=submit]")
    page.wait_for_url("**/w/demo-nodinge*")


def test_participant_opens_join_link_and_sees_route_and_stops(page, live_server) -> None:
    join(page, live_server)
    page.wait_for_selector("#field-map[data-ready=true]")
    assert page.locator("#field-map path.leaflet-interactive").count() >= 1  # the route line
    assert page.locator(".stop-marker").count() == 7
    assert page.get_by_role("heading", level=1).inner_text().startswith("DEMO")


def test_staff_walk_list_and_walk_page(page, live_server) -> None:
    staff_login(page, live_server)
    page.get_by_role("link", name="DEMO: Trygghetsvandring Nödinge centrum").click()
    page.wait_for_selector("#walk-map[data-ready=true]")
    assert page.locator(".stop-marker").count() == 7
    assert page.locator("#walk-map path.leaflet-interactive").count() >= 12  # route + findings
    assert "/j/" in page.locator("code.wrap").inner_text()


@pytest.mark.parametrize("path", ["/", "/staff/login", "/?lang=en"])
def test_public_pages_have_no_axe_violations(page, live_server, path: str) -> None:
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


def test_walk_pages_have_no_axe_violations(page, live_server) -> None:
    join(page, live_server)
    page.wait_for_selector("#field-map[data-ready=true]")
    assert axe_violations(page) == []
    staff_login(page, live_server)
    assert axe_violations(page) == []
