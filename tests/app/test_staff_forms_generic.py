"""Every staff form, posted with bad input, comes back as the form with the input kept and a message —
never a 500 and never the generic error page.

The forms are not listed by hand: every staff GET page in the URL map is opened (as an admin, so admin
pages count too), every ``<form method="post">`` on it is collected, and every POST endpoint of the staff
blueprint must be the action of one of them (or be named in ``NOT_ON_A_PAGE`` with the reason). Each form
is then posted with a bad value in every field, from its page (``Referer``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import LineString, Point

from fieldapp.extensions import db
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.demo import demo_photo_bytes
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.measures import MeasureInput, save_measure
from fieldapp.services.photos import add_photo
from fieldapp.services.promises import PromiseInput, create_promise
from fieldapp.services.responsible_parties import PartyInput, create_party
from fieldapp.services.users import create_user
from fieldapp.services.walks import StopInput, create_walk
from tests.app.conftest import make_app
from tests.conftest import FIXTURES

# POST endpoints that no page shows as a form in this set-up, and why.
NOT_ON_A_PAGE = {
    "staff.login": "the login form is for people who are not logged in; tested in test_staff_auth",
    "staff.logout": "posting it ends the session the rest of this test needs; it has no input",
    "staff.open311_push": "shown only for a party with an Open311 endpoint; no input besides CSRF",
    "staff.open311_queue": "shown only when measures can be sent; no input besides CSRF",
    "staff.protocol_pdf_retry": "shown only for a failed PDF job; no input besides CSRF",
    "staff.dismiss_suggestion": "shown only when the detector made a suggestion; no input besides CSRF",
    "staff.unmerge": "shown only on a merged finding; no input besides CSRF",
    "staff.accept_late": "shown only on a late finding; no input besides CSRF",
    "staff.merge": "the duplicates page shows it only for findings near each other",
    "staff.confirm_import": "shown after a file with waypoints or warnings was read; test_route_import.py",
    "staff.password_reset": "reached from a mailed link (a token in the URL); test_staff_accounts.py",
    "staff.accept_invitation": "reached from a mailed link (a token in the URL); test_staff_accounts.py",
    "staff.show_category": "shown only for a hidden category; no input besides CSRF; test_categories.py",
    "staff.archive_walk": "shown only for a closed walk; no input besides CSRF; test_walk_list.py",
}
ERROR_PAGE_MARKS = ("Tillbaka till startsidan", "Back to the start page")
JPEG = (FIXTURES / "photos" / "gps.jpg").read_bytes()


@dataclass
class Input:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    page: str
    action: str
    multipart: bool
    explicit_action: bool
    inputs: list[Input] = field(default_factory=list)


class FormCollector(HTMLParser):
    """The POST forms of a page with their inputs."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: Input | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = PageForm(self.page, a.get("action") or self.page,
                                  a.get("enctype") == "multipart/form-data", bool(a.get("action")))
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
            return
        elif tag == "input":
            self._form.inputs.append(Input(a["name"], a.get("type", "text").lower(), a.get("value", "")))
        elif tag == "textarea":
            self._form.inputs.append(Input(a["name"], "textarea"))
        elif tag == "select":
            self._select = Input(a["name"], "select")
            self._form.inputs.append(self._select)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def marker(name: str) -> str:
    return f"Kvar-åäö-{name}"


def bad_data(form: PageForm) -> tuple[dict[str, object], list[str]]:
    """A bad value for every field; returns the data and the typed texts that must come back."""
    data: dict[str, object] = {}
    kept: list[str] = []
    for item in form.inputs:
        if item.name == "csrf_token":
            data[item.name] = item.value
        elif item.kind in ("text", "search", "textarea"):
            data[item.name] = marker(item.name)
            kept.append(marker(item.name))
        elif item.kind == "email":
            data[item.name] = "inte-en-adress"
        elif item.kind == "password":
            data[item.name] = "kort"
        elif item.kind in ("number", "date", "time"):
            data[item.name] = "inte-ett-värde"
        elif item.kind == "hidden":
            data[item.name] = "fel-värde"
        elif item.kind == "file":
            data[item.name] = (JPEG, "rutt.gpx")  # a photo given as a route
        elif item.kind in ("checkbox", "radio"):
            data.setdefault(item.name, item.value or "y")
        elif item.kind == "select" and item.options:
            data[item.name] = item.options[-1]
    return data, kept


def walk_with_everything(app: Flask) -> dict[str, object]:
    ensure_default_categories()
    # an Open311 endpoint nothing listens on: the connection test and the bulk send forms are shown
    party = create_party(PartyInput("Tekniska förvaltningen", open311_endpoint="http://127.0.0.1:9/open311/v2"))
    walk = create_walk(
        "Formulärtest",
        route=LineString([(12.0680, 57.8940), (12.0720, 57.8960)]),
        status="open",
        stops=[StopInput("Torget", Point(12.0681, 57.8941)), StopInput("Parken", Point(12.0715, 57.8958))],
    )
    finding = save_finding(
        walk, str(uuid.uuid4()), FindingInput(lon=12.0681, lat=57.8941, category="lighting", note="Lampa")
    ).finding
    add_photo(finding, str(uuid.uuid4()), demo_photo_bytes(0, "Lampa"))
    save_measure(finding, MeasureInput("Byt lampan", party.id, "high", date(2030, 1, 1)), user_id=None)
    organizer = create_user("org2@example.se", "correct horse battery", role="organizer", name="Org")
    promise = create_promise(PromiseInput("Tryggare torget", date(2030, 1, 1), date(2030, 12, 31)))
    return {"slug": walk.slug, "finding_uuid": finding.uuid, "party_id": party.id,
            "account_id": organizer.id, "promise_slug": promise.slug,
            "category_id": finding.category_id}


def admin_client(app: Flask) -> FlaskClient:
    create_user("admin@example.se", "admin password 123", role="admin", name="Admin")
    client = app.test_client()
    login = client.post("/staff/login", data={"email": "admin@example.se", "password": "admin password 123"})
    assert login.status_code == 302
    return client


def staff_pages(app: Flask, args: dict[str, object]) -> list[str]:
    """Every staff GET page whose URL arguments this test can fill in."""
    pages = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("staff.") or "GET" not in (rule.methods or ()):
                continue
            if rule.arguments - set(args):
                continue
            pages.append(url_for(rule.endpoint, **{k: args[k] for k in rule.arguments}))
    return sorted(set(pages))


def collect_forms(client: FlaskClient, pages: list[str]) -> list[PageForm]:
    forms = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        if response.mimetype != "text/html":
            continue
        collector = FormCollector(page)
        collector.feed(response.text)
        forms.extend(f for f in collector.forms if urlsplit(f.action).path.startswith("/staff/"))
    return forms


def shows_form(form: PageForm, html: str) -> bool:
    """The response holds the form: its action (when it names one) and every field people fill in.

    A form of buttons only (hidden inputs) may be gone: an earlier post of this test changed what is shown.
    """
    if all(item.kind == "hidden" for item in form.inputs):
        return True
    if form.explicit_action and f'action="{form.action}"' not in html:
        return False
    return all(f'name="{item.name}"' in html for item in form.inputs if item.kind != "hidden")


def endpoint_of(app: Flask, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.match(path, method="POST")[0]


def test_every_staff_form_comes_back_with_input_and_message(app: Flask) -> None:
    args = walk_with_everything(app)
    client = admin_client(app)
    forms = collect_forms(client, staff_pages(app, args))
    posted = {endpoint_of(app, urlsplit(f.action).path) for f in forms}
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules()
                      if r.endpoint.startswith("staff.") and "POST" in (r.methods or ())}
    missing = post_endpoints - posted - set(NOT_ON_A_PAGE)
    assert not missing, f"staff POST endpoints with no form on any page (add a page or a reason): {missing}"
    assert len(forms) >= 15

    problems = []
    # Forms people type into first; button forms (hide, archive, send…) change what later pages show, so
    # they are posted last (a category hidden first would be missing from a form collected before).
    forms.sort(key=lambda f: all(item.kind in ("hidden", "checkbox", "radio") for item in f.inputs))
    for form in forms:
        data, kept = bad_data(form)
        if endpoint_of(app, urlsplit(form.action).path) == "staff.logout":
            continue
        response = client.post(form.action, data=data, headers={"Referer": "http://localhost" + form.page},
                               content_type="multipart/form-data" if form.multipart else None)
        label = f"{form.action} (from {form.page})"
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
        elif 300 <= response.status_code < 400:
            continue  # the input was acceptable after all
        elif any(mark in response.text for mark in ERROR_PAGE_MARKS):
            problems.append(f"{label}: the generic error page ({response.status_code})")
        elif response.status_code == 404:
            continue  # what the form was about is gone (an earlier post removed it): the page says so
        elif not shows_form(form, response.text):
            problems.append(f"{label}: {response.status_code} without the form")
        else:
            lost = [text for text in kept if text not in response.text]
            if lost:
                problems.append(f"{label}: input lost: {lost}")
    assert not problems, "\n".join(problems)


def test_a_bad_route_file_keeps_the_page_with_a_message_next_to_the_field(staff_client) -> None:
    ensure_default_categories()
    walk = create_walk("Importfel")
    page = f"/staff/walks/{walk.slug}/plan"
    for name, body in (("rutt.gpx", JPEG), ("trasig.kml", b"<kml><Document><Placemark>"),
                       ("tom.geojson", b'{"type": "FeatureCollection", "features": []}')):
        response = staff_client.post(
            f"/staff/walks/{walk.slug}/route/import", data={"file": (body, name)},
            headers={"Referer": "http://localhost" + page}, content_type="multipart/form-data",
        )
        assert response.status_code == 422, name
        assert 'id="file-error"' in response.text and "flash-error" in response.text, name
        assert "Tillbaka till startsidan" not in response.text


def test_an_expired_form_comes_back_with_the_input(database_url: str, tmp_path: Path, app, organizer) -> None:
    secured = make_app(database_url, tmp_path / "uploads-csrf", WTF_CSRF_ENABLED=True)
    with secured.app_context():
        client = secured.test_client()
        login = client.get("/staff/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        credentials = {"email": "organizer@example.se", "password": "correct horse battery",
                       "csrf_token": token}
        assert client.post("/staff/login", data=credentials).status_code == 302
        ensure_default_categories()
        walk = create_walk("Utgånget formulär")
        base = f"/staff/walks/{walk.slug}"
        for page, posted, name in ((f"{base}/edit", f"{base}/edit", "title"),
                                   (f"{base}/plan", f"{base}/stops", "name")):
            response = client.post(posted, data={"csrf_token": "gammal", name: "Ny åäö"},
                                   headers={"Referer": "http://localhost" + page})
            assert response.status_code == 400, page
            assert 'value="Ny åäö"' in response.text, page
            assert response.text.count("Formuläret hade gått ut") == 1, page
        db.session.remove()
