"""Staff maps: every finding of the demo walk can be seen and clicked on the review and live maps — none is
hidden under a stop icon or under another finding (findings drawn above stops, overlapping ones spread)."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "sv-SE", "timezone_id": "Europe/Stockholm"}

# For each finding marker: is the topmost element at its centre the marker itself?
TOPMOST = """() => [...document.querySelectorAll('[data-finding]')].map((el) => {
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  const top = hit?.closest('[data-finding]')?.dataset.finding;
  return { uuid: el.dataset.finding, top: top ?? `${hit?.tagName} ${hit?.getAttribute('class')}` };
})"""


@pytest.fixture
def laptop(browser, live_server) -> Page:
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    staff_login(page, live_server)
    yield page
    context.close()


def check_every_finding_clickable(page: Page, container: str, expected: set[str]) -> None:
    map_box = page.locator(container)
    map_box.scroll_into_view_if_needed()
    expect(map_box).to_have_attribute("data-ready", "true")
    page.wait_for_function("n => document.querySelectorAll('[data-finding]').length >= n", arg=len(expected))
    hits = page.evaluate(TOPMOST)
    assert {h["uuid"] for h in hits} == expected
    hidden = [h for h in hits if h["top"] != h["uuid"]]
    assert hidden == [], f"{len(hidden)} of {len(hits)} findings are covered: {hidden}"
    # And a click on one that sat on a stop opens its popup.
    page.locator("[data-finding]").last.click()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()


def test_every_demo_finding_is_clickable_on_the_review_map(laptop: Page, live_server) -> None:
    laptop.goto(live_server.url + "/staff/walks/demo-nodinge/review")
    data = json.loads(laptop.locator("#walk-data").text_content())
    expected = {f["properties"]["uuid"] for f in data["findings"]["features"]}
    assert len(expected) >= 14
    check_every_finding_clickable(laptop, "#walk-map", expected)


def test_every_demo_finding_is_clickable_on_the_live_map(laptop: Page, live_server) -> None:
    laptop.goto(live_server.url + "/staff/walks/demo-nodinge/live")
    laptop.wait_for_function("() => document.querySelectorAll('#live-list li').length > 0")
    expected = set(laptop.eval_on_selector_all("#live-list li", "items => items.map(li => li.dataset.uuid)"))
    assert len(expected) >= 14
    check_every_finding_clickable(laptop, "#live-map", expected)
