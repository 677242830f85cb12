"""Public feedback on a phone: a resident finds the walk from the landing page, subscribes (confirmation
mail), staff mark a measure done with an after photo, and the feedback page, the Atom feed and a notification
mail show it without republishing; the unsubscribe link works. Mails arrive at a real SMTP server (aiosmtpd).

This module runs a server of its own (its mail settings point at the test's SMTP server, and it publishes
the demo walk, which the shared server's other tests must keep open).
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    FIELDAPP,
    LiveServer,
    axe_violations,
    free_port,
    start_server,
    wait_for,
)
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.mailbox import Mailbox, body

pytestmark = pytest.mark.browser
SLUG = "demo-nodinge"
ATOM = "{http://www.w3.org/2005/Atom}"
SHOTS = Path("/tmp/shots-public")

SETUP = """
from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.jobs import request_context
from fieldapp.models import Finding, Photo, ResponsibleParty
from fieldapp.services import measures, photo_publication, protocol_versions, walks
from sqlalchemy import select

app = create_app()
with request_context(app):
    walk = walks.walk_by_slug("demo-nodinge")
    findings = list(db.session.scalars(select(Finding).where(Finding.walk_id == walk.id)
                                       .order_by(Finding.created_at, Finding.id)))
    party = ResponsibleParty(name="Ale kommun, gatuenheten", kind="municipal")
    db.session.add(party)
    db.session.commit()
    first = findings[0]
    measure = measures.save_measure(first, measures.MeasureInput("Byt armaturen", party.id, "high", None,
                                    "Lampan byts under hösten."), user_id=None)
    measures.change_status(measure, "planned", user_id=None)
    second = measures.save_measure(findings[2], measures.MeasureInput("Belys tunneln", None, "normal", None),
                                   user_id=None)
    measures.change_status(second, "rejected", reason="Tunneln ägs av Trafikverket.", user_id=None)
    photo = db.session.scalar(select(Photo).where(Photo.finding_id == first.id).order_by(Photo.id))
    if photo is not None:
        photo_publication.approve(photo, with_blur=False, user_id=None, confirmed=True)
    protocol_versions.publish(walk, None)
    print("FIRST", first.uuid)
"""

ENQUEUE_NOTIFY = """
from fieldapp import create_app
from fieldapp.jobs import enqueue, request_context
from fieldapp.jobs.tasks import notify_subscribers
app = create_app()
with request_context(app):
    enqueue(notify_subscribers)
"""


def python(server: LiveServer, code: str) -> str:
    result = subprocess.run([FIELDAPP[0], "-c", code],  # noqa: S603
                            env=server.env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def feedback_server(tmp_path_factory, live_server: LiveServer, mailbox: Mailbox) -> Iterator[LiveServer]:
    """A server of this module's own with the demo walk published, mail to ``mailbox`` and a worker."""
    root = tmp_path_factory.mktemp("feedback")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **live_server.env,
        "FIELDAPP_DATABASE_URL": f"sqlite:///{root / 'live.sqlite'}",
        "FIELDAPP_UPLOAD_DIR": str(root / "uploads"),
        "FIELDAPP_JOBS_URL": f"sqlite:///{root / 'jobs.sqlite'}",
        "FIELDAPP_PUBLIC_URL": url,
        "FIELDAPP_SMTP_HOST": "127.0.0.1",
        "FIELDAPP_SMTP_PORT": str(mailbox.port),
        "FIELDAPP_SMTP_SECURITY": "none",
        "FIELDAPP_MAIL_FROM": "trygghet@kommun.example",
        "FIELDAPP_SUBSCRIPTION_BATCH_MINUTES": "0",
    }
    server = LiveServer(url=url, join_url="", staff_email=live_server.staff_email,
                        staff_password=live_server.staff_password, env=env, root=root)
    server.cli("db", "upgrade")
    server.cli("seed", "--demo")
    server.cli("create-user", "--email", server.staff_email, "--password", server.staff_password,
               "--role", "admin", "--name", "Browser Test")
    first = re.search(r"^FIRST (\S+)$", python(server, SETUP), re.M)
    server.first_uuid = first.group(1)  # type: ignore[attr-defined]
    process = start_server(root, env, port)
    worker = subprocess.Popen([*FIELDAPP, "worker", "--no-periodic"], env=env, cwd=PROJECT_ROOT,  # noqa: S603
                              stdout=open(root / "worker.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
    try:
        wait_for(url + "/", process)
        yield server
    finally:
        for child in (worker, process):
            child.terminate()
            child.wait(timeout=30)


def mail_link(message, path: str, server: LiveServer) -> str:
    match = re.search(rf"{re.escape(server.url)}/subscriptions/[\w-]+/{path}", body(message))
    assert match, body(message)
    return match.group(0)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_resident_follows_the_walk_staff_fix_it_mail_and_feed_tell(
    page: Page, browser, feedback_server: LiveServer, mailbox: Mailbox
) -> None:
    server = feedback_server
    # The resident: landing page → index → the walk's feedback page.
    page.goto(server.url + "/")
    assert axe_violations(page) == [], axe_violations(page)
    shoot(page, "landing-phone-sv-light.png")
    page.get_by_role("link", name="Vad som hände efter vandringarna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vad som hände efter trygghetsvandringarna")
    assert axe_violations(page) == [], axe_violations(page)
    shoot(page, "index-phone-sv-light.png")
    page.get_by_role("link", name=re.compile("Trygghetsvandring Nödinge")).click()
    expect(page).to_have_url(re.compile(f"/walks/{SLUG}/feedback$"))
    summary = page.locator(".summary-line")
    expect(summary).to_contain_text("1 planerad")
    expect(summary).to_contain_text("1 inte möjlig, med skäl")
    expect(page.locator("#finding-1 .status")).to_have_text("Planerad")
    expect(page.locator("#finding-3")).to_contain_text("Tunneln ägs av Trafikverket.")
    assert axe_violations(page) == [], axe_violations(page)
    shoot(page, "feedback-phone-sv-light.png")

    # Subscribe → confirmation mail → confirm with the button on the linked page.
    page.get_by_label("Din e-postadress").fill("boende@example.se")
    page.get_by_role("button", name="Prenumerera").click()
    expect(page.get_by_role("status")).to_contain_text("vi har skickat ett mejl")
    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == "boende@example.se"
    page.goto(mail_link(confirmation, "confirm", server))
    assert axe_violations(page) == [], axe_violations(page)
    page.get_by_role("button", name="Ja, bekräfta").click()
    expect(page.get_by_role("status")).to_contain_text("Du får ett mejl när något ändras")

    # Staff: an after photo, published, and the measure done — no republishing.
    staff = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 768}).new_page()
    staff.goto(server.url + "/staff/login")
    staff.fill("#email", server.staff_email)
    staff.fill("#password", server.staff_password)
    staff.click("button[type=submit]")
    staff.wait_for_url("**/staff/walks")
    staff.goto(server.url + f"/staff/walks/{SLUG}/findings/{server.first_uuid}")
    staff.set_input_files("#after-photo", str(FIXTURES / "photos" / "gps.jpg"))
    staff.check("#after-publish")
    staff.get_by_role("button", name="Lägg till foto").click()
    expect(staff.locator(".flash")).to_contain_text("Fotot efter åtgärden har lagts till.")
    staff.select_option("#status-status", "done")
    staff.get_by_role("button", name="Ändra status").click()
    expect(staff.locator("#measure-status")).to_have_text("Klar")
    staff.context.close()

    page.goto(server.url + f"/walks/{SLUG}/feedback")
    item = page.locator("#finding-1")
    expect(item.locator(".status")).to_have_text("Åtgärdad")
    expect(item.locator("figcaption", has_text="Efter")).to_be_visible()
    expect(item.locator("figcaption", has_text="Före")).to_be_visible()
    expect(page.locator(".summary-line")).to_contain_text("1 åtgärdad")
    after = item.locator("figure:has(figcaption:text('Efter')) img")
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", after.element_handle())
    assert axe_violations(page) == [], axe_violations(page)
    shoot(page, "feedback-phone-sv-after.png")

    feed = page.request.get(server.url + f"/walks/{SLUG}/feedback.atom")
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(feed.body()).iter(f"{ATOM}entry")]
    assert titles and titles[0].startswith("Nr 1 ") and titles[0].endswith("Åtgärdad"), titles

    # The batched notification, through the queue, then the unsubscribe link.
    python(server, ENQUEUE_NOTIFY)
    messages = mailbox.wait_for(2)
    notification = messages[1]
    assert "Nr 1 " in body(notification) and "Åtgärdad" in body(notification)
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page.goto(mail_link(notification, "unsubscribe", server))
    page.get_by_role("button", name="Avsluta prenumerationen").click()
    expect(page.get_by_role("status")).to_contain_text("Din adress har raderats.")
    assert server.query("SELECT count(*) FROM subscriptions") == [(0,)]


def test_dark_mode_screenshots(browser, feedback_server: LiveServer) -> None:
    """The evening look (dark theme) of the index and a feedback page, checked by axe."""
    context = browser.new_context(locale="sv-SE", color_scheme="dark", viewport={"width": 412, "height": 915},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(feedback_server.url + "/feedback")
    assert axe_violations(page) == [], axe_violations(page)
    shoot(page, "index-phone-sv-dark.png")
    page.goto(feedback_server.url + f"/walks/{SLUG}/feedback")
    assert axe_violations(page) == [], axe_violations(page)
    shoot(page, "feedback-phone-sv-dark.png")
    context.close()
