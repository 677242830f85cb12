"""The follow-up walk on the phone: staff plan it from a walk of this test's own, a participant sees the
earlier walk's findings as their own layer, says "fixed" and "still a problem" offline in two taps each, and
the outbox sends the checks when the network is back (never twice, even when a verdict changes); the staff
comparison lists them."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, staff_login
from tests.browser.test_field_live import join_walk, own_walk, put_finding

pytestmark = pytest.mark.browser

# Two places on the route of tests/fixtures/gpx/track.gpx, far enough apart not to cluster.
PLACES = [(12.068944, 57.895280), (12.069371, 57.892969)]
LABEL = "Förra vandringen: Belysning · Åtgärd: Ingen åtgärd beslutad · "  # a marker's accessible name
STILL = LABEL + "Kontrollerad: fortfarande ett problem"
CHECKS = "SELECT f.note, c.verdict, c.note, c.uuid FROM follow_up_checks c JOIN findings f " \
         "ON f.id = c.earlier_finding_id ORDER BY f.note"


def plan_and_open_follow_up(browser: Browser, live_server, slug: str) -> tuple[str, Page]:
    """Staff plan the follow-up of ``slug`` and open it; returns its slug and the staff page."""
    staff = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 768}).new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    staff_login(staff, live_server)
    staff.goto(live_server.url + f"/staff/walks/{slug}")
    staff.get_by_role("button", name="Planera en uppföljningsvandring").click()
    staff.wait_for_url("**/plan")
    follow_slug = staff.url.rstrip("/").split("/")[-2]
    assert follow_slug != slug
    staff.locator("form:has(input[name=status][value=open]) button").click()
    staff.wait_for_load_state()
    assert live_server.query("SELECT status FROM walks WHERE slug = ?", follow_slug) == [("open",)]
    return follow_slug, staff


def earlier_marker(page: Page, uuid: str):
    return page.locator(f".earlier-marker[data-earlier='{uuid}']")


def give_verdict(page: Page, uuid: str, button: str, note: str = "") -> None:
    for _ in range(3):  # the last popup may have panned the map: markers out of view are not drawn
        if earlier_marker(page, uuid).count():
            break
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(400)
    earlier_marker(page, uuid).click()
    popup = page.locator(".leaflet-popup .earlier-popup")
    expect(popup).to_be_visible()
    if note:
        popup.locator("textarea").fill(note)
    popup.get_by_role("button", name=button, exact=True).click()
    expect(popup).to_have_count(0)


def test_follow_up_checks_offline_then_sent_once_and_compared(browser: Browser, browser_context_args: dict,
                                                                live_server) -> None:
    slug, join_url = own_walk(live_server, "Vandring att följa upp")
    first = browser.new_context(**browser_context_args).new_page()
    join_walk(first, join_url)
    lamp = put_finding(first, slug, *PLACES[0], "uppföljning: lampan vid bron")
    bush = put_finding(first, slug, *PLACES[1], "uppföljning: buskage vid gångtunneln")
    first.context.close()

    follow_slug, staff = plan_and_open_follow_up(browser, live_server, slug)
    token = live_server.query("SELECT join_token FROM walks WHERE slug = ?", follow_slug)[0][0]
    context = browser.new_context(**browser_context_args)
    phone = context.new_page()
    join_walk(phone, f"{live_server.url}/j/{token}")

    progress = phone.locator("#follow-up-progress")
    expect(progress).to_have_text("Förra vandringen: 0 av 2 kontrollerade")
    for uuid in (lamp, bush):
        marker = earlier_marker(phone, uuid)
        expect(marker).to_have_attribute("data-checked", "none")
        expect(marker).to_have_attribute("aria-label", LABEL + "Inte kontrollerad än")
        box = marker.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box

    phone.wait_for_selector(".field[data-offline-ready=true]", timeout=20_000)  # page + walk data cached
    context.set_offline(True)
    give_verdict(phone, lamp, "Åtgärdad")
    give_verdict(phone, bush, "Fortfarande ett problem", note="Fortfarande mörkt och igenvuxet")
    expect(progress).to_have_text("Förra vandringen: 2 av 2 kontrollerade")
    expect(earlier_marker(phone, lamp)).to_have_attribute("data-checked", "fixed")
    expect(earlier_marker(phone, bush)).to_have_attribute("aria-label", STILL + " (väntar på att skickas)")
    expect(phone.locator("#sync-status")).to_contain_text("2 väntar")  # the header counts checks too
    assert live_server.query(CHECKS) == []  # saved on the phone only
    phone.reload()  # still offline: the earlier findings and the checks come from this phone's storage
    phone.wait_for_selector(".field[data-ready=true]")
    expect(progress).to_have_text("Förra vandringen: 2 av 2 kontrollerade")
    expect(earlier_marker(phone, bush)).to_have_attribute("aria-label", STILL + " (väntar på att skickas)")
    earlier_marker(phone, bush).click()
    expect(phone.locator(".leaflet-popup .earlier-popup")).to_be_visible()
    phone.wait_for_timeout(500)  # the popup fades in: axe would measure the contrast of half-drawn text
    assert axe_violations(phone, ".field") == [], "field page with the last walk's layer and a popup"
    phone.keyboard.press("Escape")

    context.set_offline(False)
    expect(earlier_marker(phone, bush)).to_have_attribute("aria-label", STILL, timeout=30_000)
    expect(earlier_marker(phone, lamp)).to_have_attribute("aria-label", LABEL + "Kontrollerad: åtgärdad",
                                                          timeout=30_000)
    expect(phone.locator("#sync-status")).to_have_attribute("data-state", "sent", timeout=30_000)
    stored = live_server.query(CHECKS)
    assert [(row[0], row[1], row[2]) for row in stored] == [
        ("uppföljning: buskage vid gångtunneln", "still_problem", "Fortfarande mörkt och igenvuxet"),
        ("uppföljning: lampan vid bron", "fixed", ""),
    ]

    # Changing a verdict sends the same check again: still two checks, the lamp's now "still a problem".
    give_verdict(phone, lamp, "Fortfarande ett problem", note="Lampan är trasig igen")
    expect(earlier_marker(phone, lamp)).to_have_attribute("aria-label", STILL, timeout=30_000)
    again = live_server.query(CHECKS)
    assert [row[3] for row in again] == [row[3] for row in stored], "the same check UUIDs, no new checks"
    assert again[1][1:3] == ("still_problem", "Lampan är trasig igen")

    staff.goto(live_server.url + f"/staff/walks/{follow_slug}/follow-up")
    table = staff.locator("table.list")
    for note in ("lampan vid bron", "buskage vid gångtunneln"):
        expect(table.locator("tr", has_text=note)).to_contain_text("åtgärdat: 0 · fortfarande ett problem: 1")
    expect(table).to_contain_text("Fortfarande mörkt och igenvuxet")
    assert axe_violations(staff) == [], "staff comparison"
    context.close()
    staff.context.close()
