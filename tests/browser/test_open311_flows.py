"""The organizer on a laptop: a responsible party with an Open311 connection to a (test) GeoReport v2
server, "Test connection", a service code of its own, one measure sent, the rest sent in bulk by the job
worker; then publishing with its confirmation, after which the walk still takes a participant's finding.

Screenshots (1366×768, Swedish) of the party settings, the send statuses and the publish confirmation go
to /tmp/shots-open311/ when FIELDAPP_SHOTS is set.
"""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import FIELDAPP, axe_violations, staff_page
from tests.browser.test_field_capture import add_finding, join
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.open311_server import running_open311_server

pytestmark = pytest.mark.browser

KEY = "browser-open311-key-0042"
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "sv-SE", "timezone_id": "Europe/Stockholm"}
SHOTS = Path(os.environ["FIELDAPP_SHOTS"]) if os.environ.get("FIELDAPP_SHOTS") else None
FINDINGS = [("lighting", 12.0690, 57.8950, "Släckt lampa vid gångvägen"),
            ("vegetation", 12.0700, 57.8960, "Höga buskar skymmer sikten"),
            ("graffiti", 12.0710, 57.8970, "Klotter i tunneln")]


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def laptop(browser, live_server) -> Page:
    with staff_page(browser, live_server, confirm_dialogs=True, **LAPTOP) as page:
        yield page


def own_walk(live_server) -> tuple[str, str]:
    """An open walk of this test's own (slug, join link): the shared demo walk is never published."""
    created = subprocess.run(  # noqa: S603
        [*FIELDAPP, "create-walk", "--title", "Open311-vandring", "--open",
         "--route", str(FIXTURES / "gpx" / "track.gpx")],
        env=live_server.env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    lines = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    return lines["Slug"], lines["Join link"]


def phone_findings(browser, phone_args: dict, live_server, slug: str, join_url: str) -> list[str]:
    """A participant's three findings, sent through the field API as the phone's outbox does."""
    context = browser.new_context(**phone_args)
    phone = context.new_page()
    server = type("S", (), {"join_url": join_url})
    join(phone, server)
    uuids = []
    for category, lon, lat, note in FINDINGS:
        finding_uuid = str(uuid.uuid4())
        response = phone.request.put(
            f"{live_server.url}/api/v1/walks/{slug}/findings/{finding_uuid}",
            data=json.dumps({"lon": lon, "lat": lat, "accuracy_m": 5, "category": category, "note": note}),
            headers={"Content-Type": "application/json"})
        assert response.status == 201, response.text()
        uuids.append(finding_uuid)
    context.close()
    return uuids


def until(page: Page, url: str, locator: str, text: str, tries: int = 60) -> None:
    """Reload ``url`` until ``locator`` shows ``text`` (the worker sends in the background)."""
    for _ in range(tries):
        page.goto(url)
        if text in page.locator(locator).inner_text():
            return
        page.wait_for_timeout(500)
    expect(page.locator(locator)).to_contain_text(text)


def test_party_connection_send_bulk_send_and_publish_without_closing(
    laptop: Page, live_server, browser, browser_context_args
) -> None:
    slug, join_url = own_walk(live_server)
    party_name = f"Gatuenheten {uuid.uuid4().hex[:4]}"
    with running_open311_server(api_key=KEY, jurisdiction_id="ale.se",
                                service_codes={"gatubelysning", "vegetation", "graffiti"}) as server:
        # The party and its connection.
        laptop.goto(live_server.url + "/staff/parties")
        laptop.fill("#name", party_name)
        laptop.get_by_role("button", name="Lägg till").click()
        expect(laptop.locator(".flash")).to_contain_text("lades till")
        laptop.fill("#open311_endpoint", server.url)
        laptop.fill("#open311_jurisdiction", "ale.se")
        laptop.fill("#open311_api_key", KEY)
        laptop.get_by_role("button", name="Spara", exact=True).click()
        expect(laptop.locator(".flash")).to_contain_text("sparades")
        laptop.get_by_role("button", name="Testa anslutningen").click()
        result = laptop.locator(".connection-result")
        expect(result).to_contain_text("Anslutningen fungerar.")
        expect(result).to_contain_text("Servern listar 3 tjänster.")
        expect(result).to_contain_text("Belysning: lighting")  # flagged: the server calls it otherwise
        expect(laptop.get_by_label("Används")).to_be_checked()
        lighting = laptop.get_by_label("Belysning", exact=True)
        lighting.fill("gatubelysning")
        laptop.get_by_role("button", name="Spara tjänstekoder").click()
        expect(laptop.locator(".flash")).to_contain_text("Tjänstekoderna")
        laptop.get_by_role("button", name="Testa anslutningen").click()
        expect(laptop.locator(".connection-result")).not_to_contain_text("Belysning: lighting")
        assert axe_violations(laptop) == [], axe_violations(laptop)
        shot(laptop, "party-settings")
        server.services_answer = "401"  # e.g. a server behind a login
        laptop.get_by_role("button", name="Testa anslutningen").click()
        expect(laptop.locator(".connection-result")).to_contain_text(
            "Ingen anslutning. Servern nekade åtkomst (HTTP 401).")
        shot(laptop, "party-connection-refused")
        server.services_answer = None

        # Three measures for that party.
        for finding_uuid in phone_findings(browser, browser_context_args, live_server, slug, join_url):
            laptop.goto(f"{live_server.url}/staff/walks/{slug}/findings/{finding_uuid}")
            laptop.fill("#measure-proposal", "Åtgärda enligt protokollet")
            laptop.select_option("#measure-responsible_party", label=party_name)
            laptop.get_by_role("button", name="Skapa åtgärd").click()
            expect(laptop.locator(".flash")).to_contain_text("Åtgärden sparades")

        open311_url = f"{live_server.url}/staff/walks/{slug}/open311"
        laptop.goto(open311_url)
        expect(laptop.get_by_role("link", name=f"Skicka 3 åtgärder till {party_name}…")).to_be_visible()
        laptop.get_by_role("button", name="Skicka: Belysning").click()
        expect(laptop.locator(".flash")).to_contain_text("Åtgärden står i kö")
        first_row = laptop.locator("tr", has_text="Släckt lampa")
        expect(first_row.locator(".open311-state")).to_contain_text("I kö")
        worker = subprocess.Popen([*FIELDAPP, "worker"], env=live_server.env, cwd=PROJECT_ROOT,  # noqa: S603
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            until(laptop, open311_url, "tr:has-text('Släckt lampa') .open311-state", "Id: 1001")
            assert [f["service_code"] for f in server.received] == ["gatubelysning"]
            assert server.received[0]["api_key"] == KEY
            shot(laptop, "open311-one-sent")

            laptop.get_by_role("link", name=f"Skicka 2 åtgärder till {party_name}…").click()
            expect(laptop.locator("h1")).to_have_text(f"Skicka 2 åtgärder till {party_name}?")
            laptop.get_by_role("button", name="Ja, skicka 2 åtgärder").click()
            expect(laptop.locator(".flash")).to_contain_text("står i kö")
            until(laptop, open311_url, "table.open311", "Id: 1003")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        codes = sorted(f["service_code"] for f in server.received)
        assert codes == ["gatubelysning", "graffiti", "vegetation"]  # each once
        expect(laptop.locator("table.open311 .open311-state", has_text="Skickad")).to_have_count(3)
        expect(laptop.get_by_role("button", name="Skicka: Belysning")).to_have_count(0)
        assert axe_violations(laptop) == [], axe_violations(laptop)
        shot(laptop, "open311-sent")
        laptop.goto(f"{live_server.url}/staff/walks/{slug}/measures")
        expect(laptop.locator("td.open311-state", has_text="Skickad")).to_have_count(3)
        shot(laptop, "measures-send-status")

    # Publishing asks first, says what becomes public, and leaves the walk open.
    laptop.goto(f"{live_server.url}/staff/walks/{slug}/exports")
    laptop.get_by_role("link", name="Publicera protokollet…").click()
    expect(laptop.locator("h1")).to_have_text("Publicera version 1 av protokollet?")
    confirm = laptop.locator(".publish-confirm")
    expect(confirm).to_contain_text("3 iakttagelser med sina åtgärder och statusar")
    expect(confirm).to_contain_text("0 foton godkända för publicering")
    expect(confirm).to_contain_text("Publiceringen stänger inte vandringen")
    assert axe_violations(laptop) == [], axe_violations(laptop)
    shot(laptop, "publish-confirmation")
    laptop.get_by_role("button", name="Ja, publicera version 1").click()
    expect(laptop.locator(".flash")).to_contain_text("publicerat som version 1")
    laptop.goto(f"{live_server.url}/staff/walks/{slug}")
    expect(laptop.locator(".facts")).to_contain_text("Publicerat, version 1")
    expect(laptop.locator(".facts")).to_contain_text("tar emot iakttagelser")

    context = browser.new_context(**browser_context_args)
    phone = context.new_page()
    join(phone, type("S", (), {"join_url": join_url}))
    add_finding(phone, "lighting", "Ny lampa släckt efter publiceringen")
    expect(phone.locator("#sync-status")).to_have_attribute("data-state", "sent", timeout=30_000)
    context.close()
    assert live_server.query("SELECT arrival, hidden FROM findings WHERE note = ?",
                             "Ny lampa släckt efter publiceringen") == [("on_time", 0)]
