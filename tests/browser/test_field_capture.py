"""Field capture on a phone: join, add findings with photos, offline first, keyboard only, accessibility."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NODINGE, axe_violations
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

# Four different JPEGs from tests/fixtures/photos (a 2000 px GPS-tagged one, two rotated, one with bad EXIF).
PHOTOS = [FIXTURES / "photos" / name for name in
          ("gps.jpg", "orientation/Landscape_6.jpg", "orientation/Portrait_8.jpg", "broken/bad_exif.jpg")]


def join(page: Page, server, group: str = "resident", language: str = "sv") -> None:
    page.goto(server.join_url)
    page.check(f"input[name=group][value={group}]")
    page.check(f"input[name=language][value={language}]")
    page.click("button[type=submit]")
    page.wait_for_selector(".field[data-ready=true]")


def choose_category(page: Page, code: str) -> None:
    """Tap the category's tile; for a sub-choice, its category's tile and then the sub-choice."""
    sub = page.locator(f"input[name=sub_category][value={code}]")
    if sub.count():
        parent = page.locator(f".sub-choices:has(input[value={code}])").get_attribute("data-parent")
        page.check(f"input[name=category][value={parent}]", force=True)
        sub.check()
    else:
        page.check(f"input[name=category][value={code}]", force=True)


def add_finding(page: Page, category: str, note: str, photos: list = (), stop: int | None = None) -> None:
    page.click("#add-finding")
    expect(page.locator("#finding-sheet")).to_be_visible()
    if stop is not None:
        page.select_option("#sheet-stop", str(stop))
    choose_category(page, category)
    page.fill("#sheet-note", note)
    if photos:
        page.set_input_files("#photo-gallery", [str(p) for p in photos])
        expect(page.locator("#sheet-photos li")).to_have_count(len(photos))
    page.click("#sheet-save")
    expect(page.locator("#finding-sheet")).to_be_hidden()
    expect(page.locator(".finding-item", has_text=note)).to_have_count(1)


def server_counts(server, notes: list[str]) -> tuple[int, int]:
    marks = ",".join("?" * len(notes))
    findings = server.query(f"SELECT count(*) FROM findings WHERE note IN ({marks})", *notes)[0][0]
    photos = server.query(f"SELECT count(*) FROM photos JOIN findings ON photos.finding_id = findings.id "
                          f"WHERE findings.note IN ({marks})", *notes)[0][0]
    return findings, photos


def test_join_add_three_findings_with_photos_seen_by_a_second_participant(page: Page, live_server, browser,
                                                                          browser_context_args) -> None:
    join(page, live_server)
    expect(page.locator("#progress")).to_contain_text("av 7")
    notes = ["online-1 trasig lampa", "online-2 mörk tunnel", "online-3 buskage"]
    add_finding(page, "lighting", notes[0], PHOTOS[:1])
    add_finding(page, "underpass", notes[1], PHOTOS[1:3])
    add_finding(page, "vegetation", notes[2])
    expect(page.locator("#sync-status")).to_have_attribute("data-state", "sent", timeout=30_000)
    expect(page.locator(".finding-state[data-state=sent]")).to_have_count(3)
    assert server_counts(live_server, notes) == (3, 3)

    other = browser.new_context(**browser_context_args)
    second = other.new_page()
    join(second, live_server, group="police")
    expect(second.locator(".field-map")).to_be_visible()
    uuids = [row[0] for row in live_server.query(
        "SELECT uuid FROM findings WHERE note IN (?, ?, ?)", *notes)]
    for finding_uuid in uuids:
        # in "All findings", and on the map (as a marker or inside a cluster: the list brings it out)
        item = second.locator(f"#everyone-list [data-show-finding='{finding_uuid}']")
        expect(item).to_have_count(1)
        second.get_by_role("tab", name=re.compile(r"^Alla")).click()
        item.click()
        expect(second.locator(f".leaflet-marker-icon[data-finding='{finding_uuid}']")).to_be_visible()
    other.close()


def test_offline_capture_survives_reload_and_syncs_exactly_once(page: Page, live_server, context) -> None:
    join(page, live_server)
    page.wait_for_selector(".field[data-offline-ready=true]", timeout=20_000)  # page + walk data cached
    context.set_offline(True)
    notes = [f"offline-{n} utan nät" for n in range(1, 6)]
    for n, note in enumerate(notes):
        add_finding(page, "litter", note, [PHOTOS[(2 * n) % len(PHOTOS)], PHOTOS[(2 * n + 1) % len(PHOTOS)]])
    status = page.locator("#sync-status")
    expect(status).to_have_attribute("data-waiting-findings", "5")
    expect(status).to_have_attribute("data-waiting-photos", "10")
    assert server_counts(live_server, notes) == (0, 0)

    page.reload()  # still offline: the service worker serves the page, IndexedDB keeps the entries
    page.wait_for_selector(".field[data-ready=true]")
    expect(status).to_have_attribute("data-waiting-findings", "5")
    expect(status).to_have_attribute("data-waiting-photos", "10")
    expect(page.locator(".finding-state[data-state=pending]")).to_have_count(5)

    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "sent", timeout=60_000)
    assert server_counts(live_server, notes) == (5, 10)
    expect(page.locator("#retry-upload")).to_be_hidden()
    page.reload()
    page.wait_for_selector(".field[data-ready=true]")
    expect(status).to_have_attribute("data-state", "sent")
    assert server_counts(live_server, notes) == (5, 10)


def test_keyboard_only_finding_at_a_stop(page: Page, live_server, context) -> None:
    context.clear_permissions()  # no GPS at all: the stop picker is the way
    join(page, live_server)
    page.locator("#add-finding").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#finding-sheet")).to_be_visible()
    page.locator("#sheet-stop").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.locator("input[name=category][value=underpass]").focus()
    page.keyboard.press("Space")
    page.locator("#sheet-note").focus()
    page.keyboard.type("tangentbord stopp 3")
    page.locator("#sheet-save").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".finding-item", has_text="tangentbord stopp 3")).to_have_count(1)
    expect(page.locator("#sync-status")).to_have_attribute("data-state", "sent", timeout=30_000)
    rows = live_server.query(
        "SELECT position_source, stops.seq FROM findings JOIN stops ON findings.stop_id = stops.id "
        "WHERE note = ?",
        "tangentbord stopp 3",
    )
    assert rows == [("stop", 3)]


def test_edit_after_organizer_change_shows_conflict(page: Page, live_server) -> None:
    join(page, live_server)
    add_finding(page, "graffiti", "konflikt-test")
    expect(page.locator("#sync-status")).to_have_attribute("data-state", "sent", timeout=30_000)
    # The organizer edits the finding meanwhile (version bump on the server).
    import sqlite3

    path = live_server.env["FIELDAPP_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE findings SET note = 'ändrad av arrangören', version = version + 1"
            " WHERE note = 'konflikt-test'"
        )
    item = page.locator(".finding-item", has_text="konflikt-test")
    item.get_by_role("button", name="Ändra").click()
    page.fill("#sheet-note", "min gamla ändring")
    page.click("#sheet-save")
    expect(
        page.locator(".finding-item", has_text="min gamla ändring").locator(".finding-state")
    ).to_have_attribute("data-state", "conflict", timeout=30_000)
    assert live_server.query("SELECT count(*) FROM findings WHERE note = 'ändrad av arrangören'")[0][0] == 1


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_field_pages_have_no_axe_violations(
    browser, browser_context_args, live_server, language, scheme
) -> None:
    context = browser.new_context(**{**browser_context_args, "color_scheme": scheme,
                                     "locale": "sv-SE" if language == "sv" else "en-GB"})
    page = context.new_page()
    page.goto(live_server.join_url + f"?lang={language}")
    assert axe_violations(page) == [], "join page"
    page.check(f"input[name=language][value={language}]")
    page.click("button[type=submit]")
    page.wait_for_selector(".field[data-ready=true]")
    page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
    assert axe_violations(page) == [], "field page"
    page.click("#add-finding")
    page.check("input[name=category][value=lighting]", force=True)
    assert axe_violations(page, "#finding-sheet") == [], "add-finding sheet"
    if language == "en":
        for name in ("Save", "Take photo", "Cancel"):
            expect(page.get_by_role("button", name=name).or_(page.get_by_text(name))).not_to_have_count(0)
        page.keyboard.press("Escape")
        expect(page.get_by_role("button", name="Add finding")).to_be_visible()
    context.close()


def test_gps_position_and_accuracy_are_shown(page: Page, live_server) -> None:
    join(page, live_server)
    expect(page.locator("#gps-status")).to_contain_text(f"±{NODINGE['accuracy']} m")
    page.click("#add-finding")
    expect(page.locator("#sheet-position")).to_contain_text("GPS")
    expect(page.locator("#sheet-accuracy-warning")).to_be_hidden()
