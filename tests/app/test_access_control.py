"""Access control, generated from ``app.url_map`` so a new staff route is covered without editing this file.

Every /staff/ URL (except the login page): anonymous → login redirect; a participant who joined a walk
but is not staff → 403; an organizer → 403 on the admin pages. One test runs with CSRF switched on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, Rule

from fieldapp.extensions import db
from fieldapp.models import Finding, Photo, Stop
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from fieldapp.services.responsible_parties import PartyInput, create_party
from tests.app.conftest import make_app

# Reached without a login: the login page and the pages of e-mailed links (a signed token gates them).
OPEN = {"staff.login", "staff.forgot_password", "staff.password_reset", "staff.accept_invitation"}
CHECKED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")




@pytest.fixture
def demo(app: Flask) -> dict[str, str]:
    """Real objects to put into URLs."""
    result = seed_demo()
    party = create_party(PartyInput("Tekniska förvaltningen"))
    finding = Finding.query.filter_by(walk_id=result.walk.id).first()
    return {
        "slug": DEMO_SLUG,
        "finding_uuid": finding.uuid,
        "photo_uuid": Photo.query.first().uuid,
        "stop_id": str(Stop.query.first().id),
        "account_id": "1",
        "party_id": str(party.id),
        "join_path": result.join_url.removeprefix(app.config["PUBLIC_URL"]),
    }


def staff_rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/") and r.endpoint not in OPEN]


def build(rule: Rule, values: dict[str, str]) -> str:
    """The rule's URL with existing objects (or harmless dummies) for its parameters."""
    args = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            args[name] = sorted(converter.items)[0]
        else:
            args[name] = values.get(name, "1" if converter and converter.regex == r"\d+" else "x")
    return rule.build(args, append_unknown=False)[1]


def requests(app: Flask, values: dict[str, str], *, only: str = "/staff/"):
    for rule in staff_rules(app):
        if not rule.rule.startswith(only):
            continue
        url = build(rule, values)
        for method in CHECKED_METHODS:
            if method in rule.methods:
                yield method, url


def test_the_map_has_staff_routes(app: Flask) -> None:
    assert len(staff_rules(app)) >= 25


def test_anonymous_visitors_are_sent_to_login(app: Flask, demo: dict[str, str]) -> None:
    client = app.test_client()
    for method, url in requests(app, demo):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/staff/login" in response.headers["Location"], (method, url)


def test_participants_get_403_everywhere(app: Flask, demo: dict[str, str]) -> None:
    participant = app.test_client()
    assert participant.post(demo["join_path"], data={"language": "sv"}).status_code == 302
    assert participant.get(f"/w/{DEMO_SLUG}").status_code == 200
    for method, url in requests(app, demo):
        response = participant.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)


def test_organizer_cannot_manage_staff_accounts(app: Flask, demo: dict[str, str], staff_client) -> None:
    """Responsible parties are organizers' work (tests/app/test_parties.py); staff accounts are not."""
    checked = list(requests(app, demo, only="/staff/admin/"))
    assert len(checked) >= 5
    for method, url in checked:
        response = staff_client.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)
    assert staff_client.get("/staff/walks").status_code == 200


def test_csrf_token_is_required_on_staff_forms(
    database_url: str, backend: str, tmp_path: Path, app, organizer
):
    secured = make_app(database_url, tmp_path / "uploads-csrf", WTF_CSRF_ENABLED=True)
    with secured.app_context():
        client = secured.test_client()
        credentials = {"email": "organizer@example.se", "password": "correct horse battery"}
        assert client.post("/staff/login", data=credentials).status_code == 400
        page = client.get("/staff/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/staff/login", data={**credentials, "csrf_token": token}).status_code == 302
        form = {"title": "Utan token", "categories": ["lighting"]}
        refused = client.post("/staff/walks/new", data=form)
        assert refused.status_code == 400
        page = client.get("/staff/walks/new").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        ensure_default_categories()
        assert client.post("/staff/walks/new", data={**form, "csrf_token": token}).status_code == 302
        assert client.post("/staff/logout").status_code == 400
        db.session.remove()
