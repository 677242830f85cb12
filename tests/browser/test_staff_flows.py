"""The organizer on a tablet: draw a walk, import a GPX route, print the invitation and scan its QR code,
merge five reports of one lamp and undo it, give a finding a measure and follow its status history."""
from __future__ import annotations

import io
import json
import re
import uuid

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, staff_page
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True, "locale": "sv-SE",
          "timezone_id": "Europe/Stockholm"}


@pytest.fixture
def tablet(browser, live_server) -> Page:
    with staff_page(browser, live_server, confirm_dialogs=True, **TABLET) as page:
        yield page


def new_walk(page: Page, server, title: str) -> str:
    page.goto(server.url + "/staff/walks/new")
    page.fill("#title", title)
    page.fill("#area_name", "Nödinge")
    page.fill("#date", "2026-10-15")
    page.fill("#time", "18:30")
    page.fill("#meeting_point_text", "Ale torg, vid huvudentrén")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/plan")
    page.wait_for_selector("#plan-map[data-ready=true]")
    return page.url.split("/staff/walks/")[1].split("/")[0]


def map_point(page: Page, fx: float, fy: float) -> tuple[float, float]:
    page.locator("#plan-map").scroll_into_view_if_needed()  # mouse clicks outside the viewport do nothing
    box = page.locator("#plan-map").bounding_box()
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def walk_data(page: Page) -> dict:
    return json.loads(page.locator("#walk-data").text_content())


def test_draw_route_and_place_stops(tablet: Page, live_server) -> None:
    new_walk(tablet, live_server, "Ritad vandring")
    tablet.click(".leaflet-pm-icon-polyline")
    points = [map_point(tablet, fx, fy) for fx, fy in [(0.3, 0.3), (0.5, 0.5), (0.7, 0.4), (0.75, 0.7)]]
    for x, y in points:
        tablet.mouse.click(x, y)
    tablet.mouse.click(*points[-1])  # clicking the last point again finishes the line
    expect(tablet.locator("#plan-map")).to_have_attribute("data-route-points", "4")
    expect(tablet.locator("#route-length")).to_contain_text("km")
    tablet.click("#save-route")
    expect(tablet.locator(".flash")).to_contain_text("Rutten sparades")
    route = walk_data(tablet)["route"]
    assert route["geometry"]["type"] == "LineString" and len(route["geometry"]["coordinates"]) == 4
    assert route["properties"]["length_m"] > 0

    for n, (fx, fy) in enumerate([(0.3, 0.3), (0.75, 0.7)], start=1):
        # each stop reloads the page: wait for the map's script before using its buttons
        expect(tablet.locator("#plan-map")).to_have_attribute("data-ready", "true")
        tablet.click("#place-stop")
        tablet.mouse.click(*map_point(tablet, fx, fy))
        expect(tablet.locator("#stop-name")).to_be_focused()
        tablet.fill("#stop-name", f"Stopp {n}: {'Torget' if n == 1 else 'Parken'}")
        tablet.click("#stop-form button[type=submit].primary")
        expect(tablet.locator(".flash")).to_contain_text(f"Stopp {n} lades till")
    expect(tablet.locator("#plan-map .stop-marker")).to_have_count(2)
    expect(tablet.locator(".stop-editor li")).to_have_count(2)
    tablet.get_by_role("button", name="Flytta stopp 2 tidigare").click()
    expect(tablet.locator(".stop-editor li").first.locator("input[name=name]")).to_have_value(
        "Stopp 2: Parken"
    )
    assert axe_violations(tablet) == [], axe_violations(tablet)


def test_import_gpx_then_print_invitation_and_scan_its_qr_code(tablet: Page, live_server) -> None:
    slug = new_walk(tablet, live_server, "Importerad vandring")
    tablet.set_input_files("#file", str(FIXTURES / "gpx" / "track.gpx"))
    tablet.get_by_role("button", name="Importera rutt").click()
    expect(tablet.locator(".flash")).to_contain_text("track.gpx")
    assert walk_data(tablet)["route"]["properties"]["length_m"] > 1000
    join_url = tablet.locator("#join-url").inner_text()

    tablet.get_by_role("link", name="Utskrivbar inbjudan").click()
    tablet.wait_for_url(f"**/staff/walks/{slug}/invitation")
    assert axe_violations(tablet) == [], axe_violations(tablet)
    tablet.emulate_media(media="print")
    expect(tablet.locator(".topbar")).to_be_hidden()
    expect(tablet.locator(".invitation .route-svg path").first).to_be_visible()
    expect(tablet.locator(".invitation")).to_contain_text("Ale torg, vid huvudentrén")
    png = tablet.locator("#join-qr").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [code.text for code in decoded] == [join_url]
    pdf = tablet.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")


def put_finding(page: Page, server, lon: float, lat: float, note: str) -> None:
    response = page.request.put(f"{server.url}/api/v1/walks/demo-nodinge/findings/{uuid.uuid4()}",
                                data={"lon": lon, "lat": lat, "accuracy_m": 5, "category": "lighting",
                                      "note": note})
    assert response.status in (200, 201), response.text()


def test_merge_five_reports_into_one_with_five_confirmations_then_unmerge(browser, tablet: Page,
                                                                        live_server) -> None:
    phone = browser.new_context(locale="sv-SE")
    participant = phone.new_page()
    participant.goto(live_server.join_url)
    participant.click("button[type=submit]")
    participant.wait_for_url("**/w/demo-nodinge**")
    for n, (dlon, dlat) in enumerate([(0, 0), (2e-5, 1e-5), (-2e-5, 2e-5), (3e-5, -1e-5), (-1e-5, -3e-5)]):
        put_finding(
            participant, live_server, 12.07200 + dlon, 57.89000 + dlat, f"Släckt lampa vid dagis {n + 1}"
        )
    phone.close()

    tablet.goto(live_server.url + "/staff/walks/demo-nodinge/duplicates")
    group = tablet.locator("form.dup-group", has_text="Släckt lampa vid dagis")
    expect(group.locator("legend")).to_contain_text("5 iakttagelser inom 15 m")
    group.get_by_role("button", name="Slå ihop de valda iakttagelserna").click()
    expect(tablet.locator(".flash")).to_contain_text("5 bekräftelser")
    merged = tablet.locator(".merged-groups li", has_text="Släckt lampa vid dagis")
    expect(merged.locator(".confirmations")).to_have_text("5 bekräftelser")
    assert axe_violations(tablet) == [], axe_violations(tablet)
    merged.get_by_role("button", name="Ångra sammanslagning").click()
    expect(tablet.locator(".flash")).to_contain_text("5 iakttagelser står för sig själva igen")
    expect(tablet.locator(".merged-groups li", has_text="Släckt lampa vid dagis")).to_have_count(0)
    expect(
        tablet.locator("form.dup-group", has_text="Släckt lampa vid dagis").locator("legend")
    ).to_contain_text("5 iakttagelser")


def test_assign_a_measure_change_its_status_and_see_the_history(tablet: Page, live_server) -> None:
    tablet.goto(live_server.url + "/staff/parties")
    tablet.fill("#name", f"Tekniska förvaltningen {uuid.uuid4().hex[:4]}")
    party = tablet.locator("#name").input_value()
    tablet.get_by_role("button", name="Lägg till").click()
    expect(tablet.locator(".flash")).to_contain_text("lades till")

    tablet.goto(live_server.url + "/staff/walks/demo-nodinge/review?category=vegetation")
    tablet.locator(".finding-cards a").first.click()
    tablet.wait_for_selector("#position-map[data-ready=true]")
    tablet.fill("#measure-proposal", "Beskär buskarna längs gångvägen")
    tablet.select_option("#measure-responsible_party", label=party)
    tablet.select_option("#measure-priority", "high")
    tablet.fill("#measure-deadline", "2026-11-30")
    tablet.get_by_role("button", name=re.compile("Skapa åtgärd|Spara åtgärd")).click()
    expect(tablet.locator(".flash")).to_contain_text("Åtgärden sparades")
    tablet.select_option("#status-status", "assessed")
    tablet.get_by_role("button", name="Ändra status").click()
    expect(tablet.locator("#measure-status")).to_have_text("Bedömd")
    tablet.select_option("#status-status", "rejected")
    tablet.get_by_role("button", name="Ändra status").click()
    expect(tablet.locator("main")).to_contain_text("Ange ett skäl")
    tablet.go_back()
    tablet.select_option("#status-status", "rejected")
    tablet.fill("#status-reason", "Privat mark, fastighetsägaren informerad")
    tablet.get_by_role("button", name="Ändra status").click()
    expect(tablet.locator("#measure-status")).to_have_text("Avslagen")
    history = tablet.locator(".history")
    expect(history).to_contain_text("Bedömd → Avslagen (Privat mark, fastighetsägaren informerad)")
    expect(history).to_contain_text("Ny → Bedömd")
    expect(history).to_contain_text(f"ansvarig: {party}")
    assert axe_violations(tablet) == [], axe_violations(tablet)


STAFF_PAGES = [
    "/staff/walks",
    "/staff/walks/new",
    "/staff/walks/demo-nodinge",
    "/staff/walks/demo-nodinge/plan",
    "/staff/walks/demo-nodinge/live",
    "/staff/walks/demo-nodinge/review",
    "/staff/walks/demo-nodinge/duplicates",
    "/staff/walks/demo-nodinge/measures",
    "/staff/walks/demo-nodinge/invitation",
    "/staff/admin/users",
    "/staff/parties",
    "FINDING",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_staff_pages_have_no_axe_violations(browser, live_server, scheme: str, language: str) -> None:
    context = browser.new_context(**TABLET, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + f"/staff/login?lang={language}")
    page.fill("#email", live_server.staff_email)
    page.fill("#password", live_server.staff_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/walks")
    page.goto(live_server.url + "/staff/walks/demo-nodinge/review")
    finding = page.locator(".finding-cards a").first.get_attribute("href")
    for path in STAFF_PAGES:
        page.goto(live_server.url + (finding if path == "FINDING" else path))
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == language
        assert axe_violations(page) == [], path
    context.close()
