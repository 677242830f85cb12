"""Everyone's findings on the phone: live by Server-Sent Events (another phone's finding and the staff live
view within 3 s, measured), the "All findings" list nearest first, and clustered markers that stay reachable
and labelled."""
from __future__ import annotations

import re
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import FIELDAPP, axe_violations, staff_login
from tests.browser.test_field_capture import add_finding, join
from tests.conftest import FIXTURES, PROJECT_ROOT

pytestmark = pytest.mark.browser

LIMIT_MS = 3000


def own_walk(live_server, title: str) -> tuple[str, str]:
    """(slug, join URL) of a new open walk: the shared demo walk is left as it is for the other tests."""
    created = subprocess.run(  # noqa: S603
        [*FIELDAPP, "create-walk", "--title", title, "--open",
         "--route", str(FIXTURES / "gpx" / "track.gpx")],
        env=live_server.env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    values = dict(line.split(": ", 1) for line in created.splitlines() if ": " in line)
    return values["Slug"], values["Join link"]


def join_walk(page: Page, join_url: str) -> None:
    page.goto(join_url)
    page.check("input[name=group][value=resident]")
    page.check("input[name=language][value=sv]")
    page.click("button[type=submit]")
    page.wait_for_selector(".field[data-ready=true]")


def put_finding(page: Page, slug: str, lon: float, lat: float, note: str) -> str:
    """Send a finding from this phone straight to the API (as its outbox would) and return its id."""
    finding = str(uuid.uuid4())
    body = {"lon": lon, "lat": lat, "accuracy_m": 5, "category": "lighting", "polarity": "unsafe",
            "felt_safety": 2, "note": note,
            "created_at": datetime.now(UTC).replace(microsecond=0).isoformat()}
    status = page.evaluate("""async ([url, body]) => (await fetch(url, {method: 'PUT',
                                 body: JSON.stringify(body),
                                 headers: {'Content-Type': 'application/json'}})).status""",
                           [f"/api/v1/walks/{slug}/findings/{finding}", body])
    assert status == 201, status
    return finding


# In a page: the time (ms since the epoch) at which `selector` first contains `text`.
WATCH = """([selector, text, key]) => {
    const found = () => [...document.querySelectorAll(selector)].some((e) => e.textContent.includes(text));
    if (found()) { window[key] = Date.now(); return; }
    new MutationObserver((changes, observer) => {
        if (found()) { window[key] = Date.now(); observer.disconnect(); }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_a_finding_saved_on_one_phone_reaches_another_and_the_staff_live_view_within_3_s(
        browser: Browser, browser_context_args: dict, live_server) -> None:
    slug, join_url = own_walk(live_server, "Livevandring")
    phones = [browser.new_context(**browser_context_args) for _ in range(2)]
    sender, receiver = (context.new_page() for context in phones)
    for page in (sender, receiver):
        join_walk(page, join_url)
    staff = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 768}).new_page()
    staff_login(staff, live_server)
    staff.goto(live_server.url + f"/staff/walks/{slug}/live")
    for page, selector in ((receiver, ".field"), (staff, "#live-map")):
        expect(page.locator(f"{selector}[data-live=stream]")).to_have_count(1)  # on the stream, not polling

    note = f"Lampan vid bron är trasig {uuid.uuid4().hex[:6]}"
    receiver.evaluate(WATCH, ["#everyone-list .everyone-button", note, "shownAt"])
    staff.evaluate(WATCH, ["#live-list li", note, "shownAt"])
    sender.evaluate(WATCH, ["#sync-status[data-state=sent]", "", "sentAt"])
    sender.evaluate("delete window.sentAt")
    add_finding(sender, "lighting", note)
    sender.wait_for_function("() => window.sentAt || (document.querySelector('#sync-status').dataset.state"
                             " === 'sent' && (window.sentAt = Date.now()))")
    sent_at = sender.evaluate("window.sentAt")
    receiver.wait_for_function("() => window.shownAt", timeout=10_000)
    staff.wait_for_function("() => window.shownAt", timeout=10_000)
    phone_ms = receiver.evaluate("window.shownAt") - sent_at
    staff_ms = staff.evaluate("window.shownAt") - sent_at
    print(f"\nSSE: sent on one phone → shown on the other after {phone_ms} ms, in the staff live view after "
          f"{staff_ms} ms")
    assert phone_ms <= LIMIT_MS and staff_ms <= LIMIT_MS, (phone_ms, staff_ms)
    # The other phone also draws it on the map.
    expect(receiver.locator(".finding-marker, .finding-cluster")).not_to_have_count(0)
    for context in (*phones, staff.context):
        context.close()


def test_all_findings_nearest_first_and_a_tap_shows_it_on_the_map(page: Page, live_server) -> None:
    join(page, live_server)  # the demo walk, GPS at Ale torg
    tab = page.get_by_role("tab", name=re.compile(r"^Alla"))
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-mine")).to_be_hidden()
    expect(page.locator("#everyone-basis")).to_have_text("Närmast dig först.")
    items = page.locator("#everyone-list .everyone-button")
    expect(items.first).to_be_visible()
    metres = [int(m) for m in items.evaluate_all("els => els.map(e => e.dataset.metres)")]
    assert len(metres) >= 10 and metres == sorted(metres), metres
    assert page.locator("#everyone-count").text_content() == str(len(metres))
    # The fifth nearest: a tap brings it out of any cluster on the map and opens it.
    fifth = items.nth(4)
    finding = fifth.get_attribute("data-show-finding")
    category = fifth.locator("strong").text_content()
    fifth.click()
    expect(page.locator(f".leaflet-marker-icon[data-finding='{finding}']")).to_be_visible()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(category)
    assert page.evaluate("document.getElementById('field-map').dataset.following") == "false"
    # Arrow keys move between the tabs.
    tab.focus()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Mina")).to_be_focused()
    expect(page.locator("#panel-mine")).to_be_visible()
    assert axe_violations(page) == []


def test_without_a_position_the_list_starts_from_the_route_and_an_empty_walk_says_so(
        browser: Browser, browser_context_args: dict, live_server) -> None:
    context = browser.new_context(**{**browser_context_args, "permissions": [], "locale": "en-GB"})
    page = context.new_page()
    slug, join_url = own_walk(live_server, "Tom vandring")
    page.goto(join_url)
    page.check("input[name=language][value=en]")
    page.click("button[type=submit]")
    page.wait_for_selector(".field[data-ready=true]")
    page.get_by_role("tab", name=re.compile(r"^All")).click()
    expect(page.locator("#everyone-list .empty")).to_have_text("No findings on this walk yet.")
    start = page.evaluate("JSON.parse(document.getElementById('walk-data').textContent).route.geometry"
                          ".coordinates[0]")
    near = put_finding(page, slug, start[0] + 0.0002, start[1], "Near the start")
    far = put_finding(page, slug, start[0] + 0.004, start[1], "Far from the start")
    page.reload()
    page.wait_for_selector(".field[data-ready=true]")
    page.get_by_role("tab", name=re.compile(r"^All")).click()
    expect(page.locator("#everyone-basis")).to_have_text(
        "Nearest to the start of the route first (your position is not known).")
    order = page.locator("#everyone-list .everyone-button").evaluate_all(
        "els => els.map(e => e.dataset.showFinding)")
    assert order == [near, far]
    context.close()


def test_overlapping_markers_cluster_and_every_finding_stays_reachable_and_labelled(
        browser: Browser, browser_context_args: dict, live_server) -> None:
    # No position: the map stays on the walk instead of following a walker who is somewhere else.
    context = browser.new_context(**{**browser_context_args, "color_scheme": "dark", "permissions": []})
    page = context.new_page()
    slug, join_url = own_walk(live_server, "Klustervandring")
    join_walk(page, join_url)
    start = page.evaluate("JSON.parse(document.getElementById('walk-data').textContent).route.geometry"
                          ".coordinates[0]")
    # Three at exactly the same place (a lamp everyone reports), two 15 and 30 m away, one 300 m away.
    places = [(start[0], start[1], f"Samma lampa {n}") for n in range(3)]
    places += [(start[0] + 0.00025 * n, start[1], f"Nära {n}") for n in (1, 2)]
    places.append((start[0] + 0.005, start[1], "Långt bort"))
    notes = {put_finding(page, slug, lon, lat, note): note for lon, lat, note in places}
    ids = list(notes)
    page.wait_for_function("(n) => document.querySelectorAll('#everyone-list .everyone-button').length === n",
                           arg=len(ids))
    page.evaluate("document.documentElement.dataset.theme = 'dark'")

    # Zoomed out, the overlapping ones are one cluster with a count and a name for screen readers.
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator(".leaflet-control-zoom-out").click()
    page.locator(".leaflet-control-zoom-out").click()
    cluster = page.locator(".finding-cluster").first
    expect(cluster).to_be_visible()
    label = cluster.get_attribute("aria-label")
    assert re.fullmatch(r"\d+ iakttagelser här – zooma in", label), label
    box = cluster.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    for element in page.locator(".finding-marker, .finding-cluster").all():
        assert element.get_attribute("aria-label"), element.evaluate("e => e.outerHTML")
    assert axe_violations(page) == []

    # A tap on a cluster zooms in: what the map shows changes (it splits into markers or smaller clusters).
    shown = ("() => [...document.querySelectorAll('.finding-marker, .finding-cluster')]"
             ".map((e) => e.getAttribute('aria-label')).sort().join('|')")
    before = page.evaluate(shown)
    cluster.click()
    page.wait_for_function(f"(before) => ({shown})() !== before", arg=before)

    # Every finding, the three at one spot included, can be brought up on the map from the list.
    page.get_by_role("tab", name=re.compile(r"^Alla")).click()
    for finding in ids:
        page.locator(f"#everyone-list [data-show-finding='{finding}']").click()
        marker = page.locator(f".leaflet-marker-icon[data-finding='{finding}']")
        expect(marker).to_be_visible()
        expect(page.locator(".leaflet-popup-content", has_text=notes[finding])).to_be_visible()
        label = marker.get_attribute("aria-label")
        assert label.startswith("Belysning"), label
    # the previous popup has faded out
    page.wait_for_function("() => document.querySelectorAll('.leaflet-popup').length === 1")
    page.wait_for_timeout(400)  # the popup's fade-in
    assert axe_violations(page) == []
    context.close()


def test_without_event_source_the_page_polls_and_still_gets_others_findings(
        browser: Browser, browser_context_args: dict, live_server) -> None:
    slug, join_url = own_walk(live_server, "Pollvandring")
    old = browser.new_context(**browser_context_args)
    old.add_init_script("delete window.EventSource")  # a browser (or proxy) without Server-Sent Events
    listener = old.new_page()
    join_walk(listener, join_url)
    expect(listener.locator(".field[data-live=polling]")).to_have_count(1)
    other = browser.new_context(**browser_context_args)
    sender = other.new_page()
    join_walk(sender, join_url)
    start = sender.evaluate("JSON.parse(document.getElementById('walk-data').textContent).route.geometry"
                            ".coordinates[0]")
    finding = put_finding(sender, slug, start[0], start[1], "Kommer med pollningen")
    # polled every 20 s while there is no stream
    item = listener.locator(f"#everyone-list [data-show-finding='{finding}']")
    expect(item).to_have_count(1, timeout=25_000)
    old.close()
    other.close()
