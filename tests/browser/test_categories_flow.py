"""An admin adapts the category set in the browser; a phone on a walk planned afterwards gets the change,
while a walk planned before keeps its set. Sub-choices and the 4-point felt-safety words on the phone."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, staff_login
from tests.browser.test_field_capture import join
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser


def own_walk(live_server) -> str:  # noqa: ANN001 - the LiveServer
    """Join link of a new open walk of this test's own (the shared demo walk keeps its set)."""
    out = live_server.cli("create-walk", "--title", "Kategorivandring", "--open",
                          "--route", str(FIXTURES / "gpx" / "track.gpx"))
    return re.search(r"^Join link: (\S+)$", out, re.M).group(1)


def edit_category(page: Page, live_server, name: str, **fields: str) -> None:  # noqa: ANN001
    page.goto(live_server.url + "/staff/admin/categories")
    page.get_by_role("link", name=name, exact=True).click()
    for field, value in fields.items():
        page.fill(f"#{field}", value)
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".flash")).to_contain_text("sparades")


def tiles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".category-tile .category-name").all_inner_texts()]


def test_admin_renames_and_hides_then_a_new_walk_shows_it_on_the_phone(browser, browser_context_args,
                                                                        live_server) -> None:
    staff = browser.new_context(**{**browser_context_args, "viewport": {"width": 1366, "height": 768},
                                   "is_mobile": False, "has_touch": False})
    admin = staff.new_page()
    staff_login(admin, live_server)
    admin.goto(live_server.url + "/staff/admin/categories")
    assert axe_violations(admin) == []
    try:
        edit_category(admin, live_server, "Hållplats, station", name_sv="Busshållplats")
        admin.goto(live_server.url + "/staff/admin/categories")
        admin.locator("tr", has_text="Stök, störningar").get_by_role("link", name="Dölj …").click()
        expect(admin.locator("h1")).to_have_text("Dölja Stök, störningar?")
        admin.get_by_role("button", name="Dölj", exact=True).click()
        expect(admin.locator(".flash")).to_contain_text("visas inte på vandringar som planeras")

        phone = browser.new_context(**browser_context_args).new_page()
        live_server.join_url, demo_join = own_walk(live_server), live_server.join_url
        try:
            join(phone, live_server)
        finally:
            live_server.join_url = demo_join
        phone.click("#add-finding")
        expect(phone.locator("#finding-sheet")).to_be_visible()
        names = tiles(phone)
        assert "Busshållplats" in names and "Stök, störningar" not in names
        assert names[0] == "Här känns det tryggt" and len(names) <= 11
        # A sub-choice: choose the category, then "Klotter"; felt safety in words.
        phone.get_by_role("radio", name="Skräp, klotter, skador").check(force=True)
        expect(phone.locator(".sub-choices[data-parent=maintenance]")).to_be_visible()
        phone.get_by_label("Klotter", exact=True).check()
        phone.get_by_label("Ganska otryggt", exact=True).check()
        assert axe_violations(phone, "#finding-sheet") == []
        phone.fill("#sheet-note", "klotter-kategoritest")
        phone.click("#sheet-save")
        expect(phone.locator("#finding-sheet")).to_be_hidden()
        deadline = time.monotonic() + 20
        rows: list[tuple] = []
        while time.monotonic() < deadline and not rows:
            rows = live_server.query(
                "SELECT c.code, f.felt_safety, f.felt_safety4 FROM findings f JOIN categories c "
                "ON c.id = f.category_id WHERE f.note = ?", "klotter-kategoritest")
            time.sleep(0.3)
        assert rows == [("graffiti", None, 2)]

        # The demo walk was planned before the change: it keeps "Stök, störningar".
        demo = browser.new_context(**browser_context_args).new_page()
        join(demo, live_server)
        demo.click("#add-finding")
        assert "Stök, störningar" in tiles(demo) and "Busshållplats" in tiles(demo)  # names are current
    finally:
        admin.goto(live_server.url + "/staff/admin/categories")
        row = admin.locator("tr", has_text="Stök, störningar")
        if row.get_by_role("button", name="Visa igen").count():
            row.get_by_role("button", name="Visa igen").click()
        edit_category(admin, live_server, "Busshållplats", name_sv="Hållplats, station")
        staff.close()
