"""The pages a first run shows: landing, staff login, walk list, the demo walk's map page."""
from __future__ import annotations

import json
import re

from shapely.geometry import shape

from fieldapp.extensions import db
from fieldapp.services.demo import DEMO_ROUTE, DEMO_SLUG, seed_demo


def walk_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="walk-data">(.*?)</script>', html, re.S)
    assert match, "the page carries no walk data"
    return json.loads(match.group(1))


def test_landing_page_in_swedish_and_english(client) -> None:
    sv = client.get("/")
    assert sv.status_code == 200
    assert 'lang="sv"' in sv.text and "Trygghetsvandringar" in sv.text
    en = client.get("/?lang=en")
    assert 'lang="en"' in en.text and "Safety walks" in en.text


def test_security_headers_on_pages(client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_pages_need_login(client) -> None:
    response = client.get("/staff/walks")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_login_with_wrong_password_is_refused(client, organizer) -> None:
    response = client.post(
        "/staff/login", data={"email": "organizer@example.se", "password": "nope nope nope"}
    )
    assert response.status_code == 401
    assert "Fel e-post eller lösenord" in response.text
    assert client.get("/staff/walks").status_code == 302


def test_login_then_walk_list_and_demo_walk_page_show_the_route(app, staff_client) -> None:
    seed_demo()
    listing = staff_client.get("/staff/walks")
    assert listing.status_code == 200
    assert "DEMO: Trygghetsvandring Nödinge centrum" in listing.text

    page = staff_client.get(f"/staff/walks/{DEMO_SLUG}")
    assert page.status_code == 200
    data = walk_data(page.text)
    assert shape(data["route"]["geometry"]).equals_exact(DEMO_ROUTE, tolerance=1e-7)
    assert [f["properties"]["seq"] for f in data["stops"]["features"]] == list(range(1, 8))
    assert len(data["findings"]["features"]) >= 12
    assert {f["properties"]["polarity"] for f in data["findings"]["features"]} == {"safe", "unsafe"}
    assert "leaflet-1.9.4/leaflet.js" in page.text


def test_join_link_opens_the_field_page(app, client) -> None:
    result = seed_demo()
    assert client.get(f"/w/{DEMO_SLUG}").status_code == 403
    join_path = result.join_url.removeprefix(app.config["PUBLIC_URL"])
    form = client.get(join_path)
    assert form.status_code == 200
    assert "Jag deltar som" in form.text and 'name="group"' in form.text
    from fieldapp.models import Participant

    demo_participants = {p.id for p in db.session.query(Participant)}  # the demo's own, who made its findings
    response = client.post(join_path, data={"group": "police", "language": "en"})
    assert response.status_code == 302 and f"/w/{DEMO_SLUG}" in response.headers["Location"]
    participant = db.session.query(Participant).filter(Participant.id.not_in(demo_participants)).one()
    assert (participant.group_type, participant.language) == ("police", "en")
    page = client.get(f"/w/{DEMO_SLUG}")
    assert page.status_code == 200
    assert walk_data(page.text)["route"]["geometry"]["type"] == "LineString"


def test_unknown_join_token_and_walk_give_readable_404(client) -> None:
    response = client.get("/j/not-a-token")
    assert response.status_code == 404 and "<html" in response.text
    assert client.get("/staff/walks/nope").status_code in (302, 404)


def test_api_paths_answer_json_errors(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_vendored_leaflet_is_served(client) -> None:
    response = client.get("/static/vendor/leaflet-1.9.4/leaflet.js")
    assert response.status_code == 200 and b"Leaflet 1.9.4" in response.data


def test_closed_walk_join_link_explains_and_allows_nothing(app, client) -> None:
    from fieldapp.models import Participant

    result = seed_demo()
    result.walk.status = "closed"
    db.session.commit()
    before = db.session.query(Participant).count()
    join_path = result.join_url.removeprefix(app.config["PUBLIC_URL"])
    response = client.get(join_path)
    assert response.status_code == 410
    assert "tar inte längre emot nya deltagare" in response.text
    assert client.post(join_path, data={"group": "resident"}).status_code == 410
    assert db.session.query(Participant).count() == before  # nobody joined


def test_field_page_without_joining_explains_how_to_join(app, client) -> None:
    seed_demo()
    response = client.get(f"/w/{DEMO_SLUG}")
    assert response.status_code == 403
    assert "Gå med i vandringen först" in response.text


def test_manifest_and_service_worker(app, client) -> None:
    walk = seed_demo().walk
    client.post(f"/j/{walk.join_token}", data={"group": ""})  # the manifest is for those who joined
    manifest = client.get(f"/w/{DEMO_SLUG}/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["start_url"] == f"/w/{DEMO_SLUG}" and data["display"] == "standalone"
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    # Every file the service worker pre-caches exists (a missing one would break its install).
    import re

    shell = re.search(r"const SHELL_FILES = \[(.*?)\];", worker.text, re.S).group(1)
    for path in re.findall(r'"(/static/[^"]+)"', shell):
        assert client.get(path).status_code == 200, path
