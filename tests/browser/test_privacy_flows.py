"""On a phone: a detected face shows in the blur editor; approving the photo asks first, in the page;
the privacy notice is readable. Screenshots go to /tmp/shots-privacy/ for a person to look at."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, staff_login

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-privacy")


@pytest.fixture
def phone(page: Page) -> Page:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # the confirmation must be in the page, never window.confirm
    return page


def test_suggestion_in_blur_editor_and_approval_asks_first(phone: Page, live_server) -> None:
    SHOTS.mkdir(exist_ok=True)
    [(photo_id, photo_uuid, finding_uuid)] = live_server.query(
        "SELECT p.id, p.uuid, coalesce(c.uuid, f.uuid) FROM photos p JOIN findings f ON p.finding_id = f.id "
        "LEFT JOIN findings c ON f.canonical_id = c.id "
        "WHERE p.publication = 'internal' AND p.hidden = 0 AND f.hidden = 0 ORDER BY p.id DESC LIMIT 1"
    )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    live_server.query(
        "INSERT INTO blur_suggestions (photo_id, kind, x, y, w, h, score, state, created_at) "
        "VALUES (?, 'face', 0.30, 0.25, 0.22, 0.30, 0.93, 'suggested', ?)", photo_id, now)

    staff_login(phone, live_server)
    phone.goto(live_server.url + "/staff/walks/demo-nodinge/review")
    bulk = "Godkänn alla foton utan upptäckta ansikten eller registreringsskyltar"
    expect(phone.get_by_role("button", name=bulk)).to_be_visible()
    phone.locator(".publication-bulk").scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "review-page.png"), full_page=False)
    assert axe_violations(phone) == []
    phone.goto(live_server.url + "/staff/walks/demo-nodinge/exports")
    expect(phone.get_by_role("heading", name="Exporter för ansvariga (externa)")).to_be_visible()
    assert axe_violations(phone) == []

    phone.goto(live_server.url + f"/staff/walks/demo-nodinge/findings/{finding_uuid}#photo-{photo_uuid}")
    card = phone.locator(f"#photo-{photo_uuid}")
    box = card.locator(".suggestion-box")
    expect(box).to_be_visible()  # placed over the photo by the page script
    photo_box, face_box = card.locator("img.photo").bounding_box(), box.bounding_box()
    assert abs(face_box["width"] / photo_box["width"] - 0.22) < 0.02
    assert abs((face_box["x"] - photo_box["x"]) / photo_box["width"] - 0.30) < 0.02
    expect(card.locator(".suggestions")).to_contain_text("Ansikte")

    card.get_by_role("button", name="Godkänn utan suddning").click()
    step = phone.locator(f"#photo-{photo_uuid} .confirm-step")
    expect(step).to_be_visible()
    expect(step).to_contain_text("Publicera fotot ändå?")
    assert phone.dialogs == []
    step.scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "review-confirm-step.png"))
    assert axe_violations(phone) == []
    assert live_server.query("SELECT publication FROM photos WHERE id = ?", photo_id) == [("internal",)]

    step.get_by_role("button", name="Ja, publicera det som det är").click()
    expect(phone.locator(f"#photo-{photo_uuid} .publication")).to_contain_text("Godkänt för publicering")
    assert live_server.query("SELECT publication FROM photos WHERE id = ?", photo_id) == [("approved",)]
    assert phone.dialogs == []


def test_privacy_notice_on_a_phone(phone: Page, live_server) -> None:
    SHOTS.mkdir(exist_ok=True)
    phone.goto(live_server.url + "/privacy")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Integritetsmeddelande")
    expect(phone.locator("footer.site-foot")).to_contain_text("Tillgänglighetsredogörelse")
    phone.screenshot(path=str(SHOTS / "privacy-notice.png"), full_page=True)
    assert axe_violations(phone) == []
    phone.goto(live_server.url + "/accessibility?lang=en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    assert axe_violations(phone) == []
