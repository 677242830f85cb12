"""Publishing on a tablet: the protocol PDF is "being prepared" until the job worker has made it; the
status page follows it without a reload and offers the download; the public page links it once ready."""
from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import FIELDAPP, axe_violations
from tests.browser.test_staff_flows import tablet  # noqa: F401  (the logged-in organizer's tablet)
from tests.conftest import FIXTURES, PROJECT_ROOT

pytestmark = pytest.mark.browser


def _own_walk(live_server) -> str:
    """A walk of this test's own, so the shared demo walk gets no published protocol."""
    created = subprocess.run(  # noqa: S603
        [*FIELDAPP, "create-walk", "--title", "Protokollvandring", "--open",
         "--route", str(FIXTURES / "gpx" / "track.gpx")],
        env=live_server.env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return next(line.split(": ", 1)[1] for line in created.stdout.splitlines() if line.startswith("Slug: "))


def test_publish_then_the_pdf_is_prepared_by_the_worker(tablet: Page, live_server, browser) -> None:  # noqa: F811
    slug = _own_walk(live_server)
    tablet.goto(live_server.url + f"/staff/walks/{slug}/exports")
    tablet.get_by_role("link", name="Publicera protokollet…").click()
    tablet.get_by_role("button", name="Ja, publicera version 1").click()
    expect(tablet.locator(".flash")).to_contain_text("publicerat som version 1")
    # No worker yet: the version's PDF waits in the queue, and says so.
    pending = tablet.get_by_role("link", name="PDF: Väntar på sin tur…")
    expect(pending).to_be_visible()
    visitor = browser.new_context(locale="sv-SE").new_page()
    visitor.goto(live_server.url + f"/walks/{slug}/protocol")
    expect(visitor.locator(".pdf-pending")).to_have_text("PDF:en förbereds.")
    expect(visitor.get_by_role("link", name="Ladda ner PDF")).to_have_count(0)

    pending.click()
    expect(tablet.locator(".pdf-status-label")).to_have_text("Väntar på sin tur…")
    expect(tablet.locator(".pdf-status progress")).to_be_visible()
    assert axe_violations(tablet) == [], axe_violations(tablet)

    worker = subprocess.Popen([*FIELDAPP, "worker"], env=live_server.env, cwd=PROJECT_ROOT,  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        download = tablet.get_by_role("link", name="Ladda ner PDF")
        expect(download).to_be_visible(timeout=90_000)  # the page polls; no reload
        expect(tablet.locator(".pdf-status-label")).to_have_text("PDF:en är klar.")
        response = tablet.request.get(live_server.url + download.get_attribute("href"))
        assert response.ok and response.body().startswith(b"%PDF-")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    visitor.reload()
    expect(visitor.get_by_role("link", name="Ladda ner PDF")).to_have_attribute(
        "href", f"/walks/{slug}/protocol.pdf?version=1")
    visitor.context.close()
