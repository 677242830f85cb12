"""The phone tells the truth and never loses anything: late sync, lost sessions, replaced links, two tabs,
edits during a send, dropped uploads and throttling. Each scenario checks what the person sees AND what
the server stored."""
from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from fieldapp.services.demo import DEMO_SLUG
from tests.browser.conftest import axe_violations, staff_login
from tests.browser.test_field_capture import PHOTOS, add_finding, choose_category, join, server_counts

pytestmark = pytest.mark.browser

FINDINGS_PUT = "**/api/v1/walks/*/findings/*"
PHOTOS_PUT = "**/api/v1/findings/*/photos/*"
NOTES_LIKE = "SELECT note FROM findings WHERE note LIKE ?"


def status(page: Page):
    return page.locator("#sync-status")


def item(page: Page, note: str):
    return page.locator(".finding-item", has_text=note)


def staff_action(browser, browser_context_args, server, form_selector: str) -> None:
    """An organiser presses one button on the demo walk's plan page (and confirms)."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    staff_login(page, server)
    page.goto(f"{server.url}/staff/walks/{DEMO_SLUG}/plan")
    page.locator(form_selector).locator("button").click()
    page.wait_for_load_state()
    context.close()


def set_walk_status(browser, browser_context_args, server, status_value: str) -> None:
    staff_action(browser, browser_context_args, server, f"form:has(input[name=status][value={status_value}])")
    assert server.query("SELECT status FROM walks WHERE slug = ?", DEMO_SLUG) == [(status_value,)]


def participant_of(server, note: str) -> list[tuple]:
    return server.query("SELECT participant_id FROM findings WHERE note = ?", note)


def test_offline_finding_with_photo_arrives_after_the_walk_was_marked_done(
        page: Page, context: BrowserContext, live_server, browser, browser_context_args) -> None:
    join(page, live_server)
    context.set_offline(True)
    note = "sen-synk efter stängning"
    add_finding(page, "lighting", note, PHOTOS[:1])
    expect(status(page)).to_contain_text("1 väntar")
    try:
        set_walk_status(browser, browser_context_args, live_server, "walked")
        context.set_offline(False)
        state = item(page, note).locator(".finding-state")
        expect(state).to_have_attribute("data-state", "sent", timeout=30_000)
        expect(state).to_have_attribute("data-arrival", "late")  # made during the walk: still part of it
        expect(state).to_contain_text("kommer med ändå")
        expect(status(page)).to_have_attribute("data-state", "sent", timeout=30_000)
        assert server_counts(live_server, [note]) == (1, 1)
        assert live_server.query("SELECT arrival, hidden FROM findings WHERE note = ?", note) == [("late", 0)]
    finally:
        context.set_offline(False)
        set_walk_status(browser, browser_context_args, live_server, "open")


def test_lost_session_cookie_rejoins_silently_as_the_same_participant(page: Page, context: BrowserContext,
                                                                       live_server) -> None:
    join(page, live_server)
    add_finding(page, "graffiti", "session-1 före utgång")
    expect(status(page)).to_have_attribute("data-state", "sent", timeout=30_000)
    [(owner,)] = participant_of(live_server, "session-1 före utgång")
    participants = live_server.query("SELECT count(*) FROM participants")
    context.set_offline(True)
    add_finding(page, "litter", "session-2 efter utgång", PHOTOS[:1])
    context.clear_cookies()  # the 8-hour participant cookie is gone
    context.set_offline(False)
    expect(item(page, "session-2").locator(".finding-state")).to_have_attribute("data-state", "sent",
                                                                               timeout=30_000)
    expect(status(page)).to_have_attribute("data-state", "sent")
    assert participant_of(live_server, "session-2 efter utgång") == [(owner,)]
    assert live_server.query("SELECT count(*) FROM participants") == participants
    assert server_counts(live_server, ["session-2 efter utgång"]) == (1, 1)
    assert any(c["name"] == "session" for c in context.cookies()), "the session cookie is back"


def test_replaced_join_link_needs_attention_with_reason_and_copy(page: Page, context: BrowserContext,
                                                                  live_server,
                                                                   browser, browser_context_args) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    join(page, live_server)
    context.set_offline(True)
    note = "länk-bytt lampa vid trappan"
    add_finding(page, "lighting", note)
    try:
        staff_action(browser, browser_context_args, live_server, "form[action$='/join-link/regenerate']")
    finally:
        token = live_server.query("SELECT join_token FROM walks WHERE slug = ?", DEMO_SLUG)[0][0]
        live_server.join_url = f"{live_server.url}/j/{token}"  # later tests join through the new link
    context.set_offline(False)
    state = item(page, note).locator(".finding-state")
    expect(state).to_have_attribute("data-state", "attention", timeout=30_000)
    expect(item(page, note).locator(".finding-reason")).to_contain_text("anslutningslänk har bytts ut")
    expect(status(page)).to_have_attribute("data-state", "attention")
    expect(status(page)).to_contain_text("1 behöver åtgärd")
    expect(status(page)).not_to_contain_text("Allt är skickat")
    assert axe_violations(page, ".field-head") == [], "header with the attention count"
    assert axe_violations(page, "#my-findings-list") == [], "item that needs attention"
    copy = item(page, note).locator("button[data-action=copyText]")
    expect(copy).to_have_text("Kopiera texten")
    copy.click()
    expect(copy).to_have_text("Kopierat")
    assert note in page.evaluate("navigator.clipboard.readText()")
    assert server_counts(live_server, [note]) == (0, 0)
    # Discard asks in the page (not window.confirm) and then forgets it on this phone.
    item(page, note).get_by_role("button", name="Släng").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    assert axe_violations(page, "#confirm-dialog") == [], "discard confirmation"
    dialog.locator("button[value=ok]").click()
    expect(item(page, note)).to_have_count(0)


def test_two_tabs_send_each_finding_once(page: Page, context: BrowserContext, live_server) -> None:
    join(page, live_server)
    second = context.new_page()
    second.goto(page.url)
    second.wait_for_selector(".field[data-ready=true]")
    puts: list[str] = []
    for tab in (page, second):  # answered PUTs (attempts while offline never reach the server)
        tab.on("response", lambda response: puts.append(response.url)
               if response.request.method == "PUT" and "/photos/" not in response.url else None)
    context.set_offline(True)
    notes = ["två-flikar A1", "två-flikar A2", "två-flikar B1", "två-flikar B2"]
    add_finding(page, "litter", notes[0])
    add_finding(page, "litter", notes[1])
    add_finding(second, "vegetation", notes[2])
    add_finding(second, "vegetation", notes[3])
    context.set_offline(False)
    for tab in (page, second):
        expect(status(tab)).to_have_attribute("data-state", "sent", timeout=30_000)
        for note in notes:  # each tab shows every finding as sent, whichever tab sent it
            expect(item(tab, note).locator(".finding-state")).to_have_attribute("data-state", "sent")
    for note in notes:
        assert server_counts(live_server, [note]) == (1, 0), note
    assert len(puts) == len(set(puts)) == 4, puts  # exactly one sender: no finding was sent twice


def test_edit_during_a_send_is_not_lost(page: Page, live_server) -> None:
    join(page, live_server)
    held: list[Route] = []

    def hold_first_put(route: Route) -> None:
        if route.request.method == "PUT" and not held:
            held.append(route)  # answered below, after the edit
        else:
            route.continue_()

    page.route(FINDINGS_PUT, hold_first_put)
    add_finding(page, "underpass", "under-sändning original")
    state = item(page, "under-sändning").locator(".finding-state")
    expect(state).to_have_attribute("data-state", "sending")
    item(page, "under-sändning").get_by_role("button", name="Ändra").click()
    page.fill("#sheet-note", "under-sändning ändrad")
    page.click("#sheet-save")
    expect(item(page, "under-sändning ändrad")).to_have_count(1)
    assert len(held) == 1
    held[0].continue_()  # the server gets (and answers) the ORIGINAL body now
    expect(state).to_have_attribute("data-state", "sent", timeout=30_000)
    expect(status(page)).to_have_attribute("data-state", "sent")
    assert live_server.query("SELECT note FROM findings WHERE note LIKE 'under-sändning%'") == [
        ("under-sändning ändrad",)]


def test_photo_upload_whose_answer_is_lost_is_stored_once(page: Page, live_server) -> None:
    join(page, live_server)
    attempts: list[int] = []

    def drop_first_answer(route: Route) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        attempts.append(1)
        if len(attempts) == 1:
            assert route.fetch().status == 201  # the server receives and stores the photo...
            route.abort("connectionreset")  # ...but the phone never hears back
        else:
            route.continue_()

    page.route(PHOTOS_PUT, drop_first_answer)
    note = "foto-avbrott mitt i uppladdning"
    add_finding(page, "litter", note, PHOTOS[:1])
    expect(item(page, note).locator(".finding-state")).to_have_attribute("data-state", "sent", timeout=30_000)
    assert len(attempts) == 2
    assert server_counts(live_server, [note]) == (1, 1)


def test_throttled_item_waits_while_the_others_arrive(page: Page, context: BrowserContext,
                                                      live_server) -> None:
    join(page, live_server)
    throttled = "strypt 429 först"
    answered: list[float] = []
    online: list[bool] = []

    def throttle_once(route: Route) -> None:
        body = route.request.post_data or ""
        if not online:
            route.abort("internetdisconnected")  # what the phone gets while offline
        elif route.request.method == "PUT" and throttled in body and not answered:
            answered.append(time.monotonic())
            route.fulfill(status=429, headers={"Retry-After": "6", "Content-Type": "application/json"},
                          body=json.dumps({"error": {"code": "rate_limited", "message": "För många"}}))
        else:
            route.continue_()

    page.route(FINDINGS_PUT, throttle_once)
    context.set_offline(True)
    others = ["strypt andra", "strypt tredje"]
    add_finding(page, "lighting", throttled)  # oldest: sent first, so a blocking queue would stop here
    for note in others:
        add_finding(page, "litter", note)
    online.append(True)
    context.set_offline(False)
    for note in others:
        expect(item(page, note).locator(".finding-state")).to_have_attribute("data-state", "sent",
                                                                             timeout=20_000)
    assert answered, "the throttled finding was tried"
    assert server_counts(live_server, others) == (2, 0)
    assert server_counts(live_server, [throttled]) == (0, 0)
    expect(item(page, throttled).locator(".finding-state")).to_have_attribute("data-state", "pending")
    expect(status(page)).to_contain_text("1 väntar")
    expect(item(page, throttled).locator(".finding-state")).to_have_attribute("data-state", "sent",
                                                                              timeout=30_000)
    assert server_counts(live_server, [throttled]) == (1, 0)
    arrived = time.monotonic() - answered[0]
    assert arrived >= 5.5, f"Retry-After honoured (sent again after {arrived:.1f} s)"


def test_edit_after_a_lost_create_answer_rebases_silently(page: Page, context: BrowserContext,
                                                          live_server) -> None:
    """The create arrived but its answer was lost; the edit (sent without a base version) gets 409 with the
    phone's own earlier body as the server's: that is no conflict, the phone sends the edit on top of it."""
    join(page, live_server)
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "PUT" else None)
    handled: list[bool] = []
    lost: list[bool] = []

    def lose_first_answer(route: Route) -> None:
        if route.request.method == "PUT" and not handled:
            handled.append(True)
            assert route.fetch().status == 201  # stored on the server...
            route.abort("connectionreset")  # ...answer lost
            lost.append(True)  # (only now: the test thread may run while this handler waits for the server)
        else:
            route.continue_()

    page.route(FINDINGS_PUT, lose_first_answer)
    page.click("#add-finding")
    choose_category(page, "graffiti")
    page.fill("#sheet-note", "tappat svar original")
    page.click("#sheet-save")
    while not lost:
        page.wait_for_timeout(20)
    context.set_offline(True)  # the automatic retry (1–2 s later) cannot get through either
    assert live_server.query(NOTES_LIKE, "tappat svar%") == [("tappat svar original",)]
    item(page, "tappat svar").get_by_role("button", name="Ändra").click()
    page.fill("#sheet-note", "tappat svar ändrad")
    page.click("#sheet-save")
    context.set_offline(False)
    state = item(page, "tappat svar ändrad").locator(".finding-state")
    expect(state).to_have_attribute("data-state", "sent", timeout=30_000)
    expect(status(page)).to_have_attribute("data-state", "sent")
    assert live_server.query(NOTES_LIKE, "tappat svar%") == [("tappat svar ändrad",)]
    assert 409 in statuses, statuses  # the server saw no base version on a changed finding...
    assert statuses[-1] == 200, statuses  # ...and the phone rebased and sent the edit without asking


def test_photo_removed_offline_is_withdrawn_on_the_server(page: Page, context: BrowserContext,
                                                          live_server) -> None:
    join(page, live_server)
    note = "foto-tillbaka buskage"
    add_finding(page, "vegetation", note, PHOTOS[:1])
    expect(item(page, note).locator(".finding-state")).to_have_attribute("data-state", "sent", timeout=30_000)
    photo_hidden = ("SELECT photos.hidden FROM photos JOIN findings ON photos.finding_id = findings.id "
                    "WHERE findings.note = ?")
    assert live_server.query(photo_hidden, note) == [(0,)]
    context.set_offline(True)
    item(page, note).get_by_role("button", name="Ändra").click()
    page.locator("#sheet-photos li button").click()
    expect(page.locator("#sheet-photos li")).to_have_count(0)
    page.click("#sheet-save")
    expect(item(page, note).locator(".finding-state")).to_have_attribute("data-state", "pending")
    expect(status(page)).to_contain_text("1 väntar")
    context.set_offline(False)
    expect(item(page, note).locator(".finding-state")).to_have_attribute("data-state", "sent", timeout=30_000)
    assert live_server.query(photo_hidden, note) == [(1,)]
    assert live_server.query("SELECT count(*) FROM events WHERE kind = 'photo_withdrawn' AND finding_id = "
                             "(SELECT id FROM findings WHERE note = ?)", note) == [(1,)]


FULL_STORAGE = """
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...args) {
  if (self.__storageFull) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  return put.apply(this, args);
};
"""


def test_full_phone_storage_is_said_plainly_and_keeps_the_sheet(page: Page, live_server) -> None:
    page.add_init_script(FULL_STORAGE)
    join(page, live_server)
    page.evaluate("self.__storageFull = true")
    page.click("#add-finding")
    choose_category(page, "litter")
    page.fill("#sheet-note", "full lagring skräp")
    page.click("#sheet-save")
    expect(page.locator("#sheet-error")).to_contain_text("lagring är full")
    expect(page.locator("#finding-sheet")).to_be_visible()  # what was typed is still there
    expect(page.locator("#sheet-note")).to_have_value("full lagring skräp")
    expect(page.locator("#sync-problem")).to_contain_text("lagring är full")
    page.evaluate("self.__storageFull = false")  # space was freed: saving again works
    page.click("#sheet-save")
    expect(page.locator("#finding-sheet")).to_be_hidden()
    expect(item(page, "full lagring skräp").locator(".finding-state")).to_have_attribute("data-state", "sent",
                                                                                         timeout=30_000)
    expect(page.locator("#sync-problem")).to_be_hidden()
    assert server_counts(live_server, ["full lagring skräp"]) == (1, 0)


def test_page_reopened_after_the_cookie_expired_rejoins(page: Page, context: BrowserContext,
                                                        live_server) -> None:
    join(page, live_server)
    page.wait_for_selector(".field[data-offline-ready=true]", timeout=20_000)  # kept by the worker
    add_finding(page, "graffiti", "återöppnad före")
    expect(status(page)).to_have_attribute("data-state", "sent", timeout=30_000)
    [(owner,)] = participant_of(live_server, "återöppnad före")
    context.clear_cookies()
    page.reload()  # the server says 403 not_joined; the kept page opens and re-joins by itself
    page.wait_for_selector(".field[data-ready=true]")
    for _ in range(100):  # loading everyone's findings re-joined, before anything was sent
        if any(c["name"] == "session" for c in context.cookies()):
            break
        page.wait_for_timeout(100)
    assert any(c["name"] == "session" for c in context.cookies()), "re-joined on open"
    add_finding(page, "litter", "återöppnad efter")
    expect(item(page, "återöppnad efter").locator(".finding-state")).to_have_attribute("data-state", "sent",
                                                                                       timeout=30_000)
    assert participant_of(live_server, "återöppnad efter") == [(owner,)]
