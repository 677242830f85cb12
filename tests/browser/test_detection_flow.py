"""A participant's photo with faces: detection runs in the worker (never in the upload), staff see the
suggested boxes on the photo, blur one with its button and the photo is blurred. Laptop size.
Screenshots go to /tmp/shots-detect/ for a person to look at."""
from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import FIELDAPP, axe_violations, staff_login
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-detect")
FACES = PROJECT_ROOT / "tests" / "fixtures" / "detection" / "faces_3.jpg"  # four faces, 112-200 px
STATE = "SELECT detection_state FROM photos WHERE uuid = ?"
LAPTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "sv-SE", "timezone_id": "Europe/Stockholm"}


def upload_photo(browser: Browser, server) -> tuple[str, str]:  # noqa: ANN001 - LiveServer
    """Join the demo walk as a participant; send a finding with the faces photo, as the app's API does."""
    context = browser.new_context(locale="sv-SE")
    participant = context.new_page()
    participant.goto(server.join_url)
    participant.click("button[type=submit]")
    participant.wait_for_url("**/w/demo-nodinge**")
    finding_uuid, photo_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    response = participant.request.put(
        f"{server.url}/api/v1/walks/demo-nodinge/findings/{finding_uuid}",
        data={"lon": 12.0689, "lat": 57.8946, "accuracy_m": 5, "category": "lighting",
              "note": "Folk vid kiosken"},
    )
    assert response.status == 201, response.text()
    response = participant.request.put(f"{server.url}/api/v1/findings/{finding_uuid}/photos/{photo_uuid}",
                                       data=FACES.read_bytes(),
                                       headers={"Content-Type": "application/octet-stream"})
    assert response.status == 201, response.text()
    context.close()
    return finding_uuid, photo_uuid


def run_worker_until(server, photo_uuid: str, timeout: float = 180) -> None:  # noqa: ANN001 - LiveServer
    """`fieldapp worker` on the server's queue until the photo has been examined, then Ctrl-C."""
    log = (server.root / "detect-worker.log").open("ab")
    worker = subprocess.Popen([*FIELDAPP, "worker"], env=server.env, stdout=log, stderr=subprocess.STDOUT,
                              cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + timeout
        while server.query(STATE, photo_uuid) == [("pending",)]:
            assert worker.poll() is None, (server.root / "detect-worker.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the worker did not examine the photo in time"
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(60)
        log.close()


def test_detected_face_is_suggested_in_the_blur_editor_and_blurred(browser: Browser, live_server) -> None:
    SHOTS.mkdir(exist_ok=True)
    finding_uuid, photo_uuid = upload_photo(browser, live_server)
    assert live_server.query(STATE, photo_uuid) == [("pending",)]  # the upload only queued the job

    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    staff_login(page, live_server)
    finding_url = f"{live_server.url}/staff/walks/demo-nodinge/findings/{finding_uuid}"
    page.goto(f"{finding_url}#photo-{photo_uuid}")
    card = page.locator(f"#photo-{photo_uuid}")
    expect(card.locator(".detection-pending")).to_have_text(
        "Letar efter ansikten och registreringsskyltar … "
        "Ladda om sidan om en minut för att se vad som hittades.")
    expect(card.locator(".detection-caveat")).to_contain_text("kan missa ansikten")
    expect(card.locator(".suggestion-box")).to_have_count(0)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "finding-detection-pending.png"))

    run_worker_until(live_server, photo_uuid)
    [(state, found)] = live_server.query(
        "SELECT p.detection_state, count(s.id) FROM photos p "
        "LEFT JOIN blur_suggestions s ON s.photo_id = p.id WHERE p.uuid = ? GROUP BY p.id", photo_uuid)
    assert state == "done" and found >= 4, (state, found)

    page.reload()
    expect(card.locator(".detection-pending")).to_have_count(0)
    boxes = card.locator(".suggestion-box")
    expect(boxes).to_have_count(found)
    expect(boxes.first).to_be_visible()  # placed over the photo by the page script
    [(sug_id, x, w)] = live_server.query(
        "SELECT s.id, s.x, s.w FROM blur_suggestions s JOIN photos p ON s.photo_id = p.id "
        "WHERE p.uuid = ? ORDER BY s.id LIMIT 1", photo_uuid)
    photo_box = card.locator("img.photo").bounding_box()
    face_box = card.locator(f'.suggestion-box[data-suggestion="{sug_id}"]').bounding_box()
    assert abs(face_box["width"] / photo_box["width"] - w) < 0.01
    assert abs((face_box["x"] - photo_box["x"]) / photo_box["width"] - x) < 0.01
    card.locator(".blur-area").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "finding-suggestions.png"))
    assert axe_violations(page, f"#photo-{photo_uuid}") == []

    card.locator(f"#suggestion-{sug_id}").get_by_role("button", name="Sudda", exact=True).click()
    page.wait_for_load_state()
    card = page.locator(f"#photo-{photo_uuid}")
    expect(card.locator(".badge", has_text="Suddad")).to_be_visible()
    expect(card.locator(f'.suggestion-box[data-suggestion="{sug_id}"]')).to_have_count(0)
    expect(card.locator("img.photo")).to_have_attribute("src", f"/staff/photos/{photo_uuid}/blurred.jpg")
    [(blurred, blur_state)] = live_server.query(
        "SELECT p.blurred_sha256, s.state FROM photos p JOIN blur_suggestions s ON s.photo_id = p.id "
        "WHERE s.id = ?", sug_id)
    assert blurred and blur_state == "confirmed"
    card.locator(".blur-area").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "finding-blurred.png"))
    context.close()
