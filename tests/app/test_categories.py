"""The category set: plain top-level choices with sub-choices, adapted by admins, stable per walk."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from fieldapp.extensions import db
from fieldapp.services import categories as category_service
from fieldapp.services.categories import DEFAULT_CATEGORIES, ICONS, ensure_default_categories
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.users import create_user
from fieldapp.services.walks import create_walk, walk_map_data

ICON_TEMPLATE = Path(__file__).parents[2] / "fieldapp" / "templates" / "field" / "_icons.html"


@pytest.fixture
def admin_client(app):
    create_user("admin@example.se", "admin password 123", role="admin", name="Admin")
    client = app.test_client()
    response = client.post("/staff/login",
                           data={"email": "admin@example.se", "password": "admin password 123"})
    assert response.status_code == 302
    return client


def phone_set(walk) -> list[tuple[str, str, str | None]]:  # noqa: ANN001 - a Walk
    """(code, Swedish name, parent) of what the phone is given for ``walk``."""
    return [(c["code"], c["name"], c["parent"]) for c in walk_map_data(walk, "sv")["categories"]]


def test_default_set_is_short_plain_and_safe_places_first(app) -> None:
    ensure_default_categories()
    tops = [c for c in category_service.all_categories() if c.parent_id is None]
    assert len(tops) <= 11  # about ten choices, "something else" included
    assert tops[0].code == "safe_place" and tops[0].polarity == "safe"
    assert tops[-1].code == "other"
    subs = {c.code: c.parent.code for c in category_service.all_categories() if c.parent_id}
    # The overlaps the field test found are merged into one choice with sub-choices.
    assert subs == {"vegetation": "sightlines", "litter": "maintenance", "graffiti": "maintenance",
                    "vandalism": "maintenance", "abandoned": "maintenance", "signage": "walkway"}
    for _code, name_sv, name_en, icon, _polarity, _parent in DEFAULT_CATEGORIES:
        assert name_sv and name_en and len(name_sv) <= category_service.NAME_MAX_CHARS
        assert icon in ICONS


def test_every_icon_has_a_drawing() -> None:
    drawn = set(re.findall(r'^\s*"(\w+)": \'<', ICON_TEMPLATE.read_text(), re.MULTILINE))
    assert drawn == set(ICONS)


def test_a_walk_gets_chosen_categories_with_sub_choices_and_keeps_its_set(app) -> None:
    ensure_default_categories()
    chosen = ["safe_place", "maintenance", "lighting"]
    before = create_walk("Planerad före", category_codes=chosen, status="open")
    assert phone_set(before) == [
        ("safe_place", "Här känns det tryggt", None), ("lighting", "Belysning", None),
        ("maintenance", "Skräp, klotter, skador", None), ("litter", "Skräp", "maintenance"),
        ("graffiti", "Klotter", "maintenance"), ("vandalism", "Skadegörelse", "maintenance"),
        ("abandoned", "Övergivet hus eller fordon", "maintenance"),
    ]
    graffiti = category_service.category_by_code("graffiti")
    category_service.set_active(graffiti, False)
    category_service.create_category(category_service.CategoryInput(
        code="bicycle_parking", name_sv="Cykelparkering", name_en="Bicycle parking", icon="other",
        parent_code="maintenance"))
    after = create_walk("Planerad efter", category_codes=chosen)
    codes_after = [code for code, _name, _parent in phone_set(after)]
    assert "graffiti" not in codes_after and "bicycle_parking" in codes_after
    codes_before = [code for code, _name, _parent in phone_set(before)]
    assert "graffiti" in codes_before and "bicycle_parking" not in codes_before  # the walk's set is stable
    # The earlier walk still takes findings in its hidden category (a phone may be out there with it).
    saved = save_finding(before, str(uuid.uuid4()), FindingInput(lon=12.07, lat=57.9, category="graffiti"))
    assert saved.finding.category.code == "graffiti"


def test_a_finding_may_name_a_sub_choice(app) -> None:
    ensure_default_categories()
    walk = create_walk("Med underval", status="open")
    saved = save_finding(walk, str(uuid.uuid4()), FindingInput(lon=12.07, lat=57.9, category="vegetation",
                                                               felt_safety=2, felt_safety_scale=4))
    assert saved.finding.category.parent.code == "sightlines"
    assert saved.finding.felt == (2, 4)


def test_organizers_cannot_change_categories(app, staff_client) -> None:
    ensure_default_categories()
    assert staff_client.get("/staff/admin/categories").status_code == 403
    lighting = category_service.category_by_code("lighting")
    assert staff_client.post(f"/staff/admin/categories/{lighting.id}",
                             data={"name_sv": "X", "name_en": "X"}).status_code == 403


def test_admin_adds_a_category_and_bad_input_is_shown_next_to_the_field(app, admin_client) -> None:
    ensure_default_categories()
    page = admin_client.get("/staff/admin/categories")
    assert page.status_code == 200 and "Här känns det tryggt" in page.text and "<svg" in page.text
    good = {"name_sv": "Cykelparkering", "name_en": "Bicycle parking", "code": "bicycle_parking",
            "icon": "other", "polarity": "unsafe", "service_code": "", "parent_code": ""}
    bad_code = admin_client.post("/staff/admin/categories", data={**good, "code": "Cykel parkering!"})
    assert bad_code.status_code == 422
    assert re.search(r'id="code-error">[^<]*små bokstäver', bad_code.text)
    assert 'value="Cykelparkering"' in bad_code.text  # what was typed is kept
    taken = admin_client.post("/staff/admin/categories", data={**good, "code": "lighting"})
    assert taken.status_code == 422 and 'id="code-error"' in taken.text
    bad_service = admin_client.post("/staff/admin/categories", data={**good, "service_code": "a b"})
    assert bad_service.status_code == 422 and 'id="service_code-error"' in bad_service.text
    sub_of_sub = admin_client.post("/staff/admin/categories", data={**good, "parent_code": "graffiti"})
    assert sub_of_sub.status_code == 422 and 'id="parent_code-error"' in sub_of_sub.text
    assert category_service.category_by_code("bicycle_parking") is None  # nothing half-saved
    added = admin_client.post("/staff/admin/categories", data=good)
    assert added.status_code == 302
    category = category_service.category_by_code("bicycle_parking")
    assert category.service_code == "bicycle_parking" and category.active


def test_admin_renames_sets_service_code_and_nests_a_category(app, admin_client) -> None:
    ensure_default_categories()
    walk = create_walk("Pågående", status="open")
    transit = category_service.category_by_code("transit")
    form = {"name_sv": "Busshållplats", "name_en": "Bus stop", "icon": "transit", "polarity": "unsafe",
            "service_code": "GR-112", "parent_code": ""}
    assert admin_client.post(f"/staff/admin/categories/{transit.id}", data=form).status_code == 302
    db.session.refresh(transit)
    assert (transit.name_sv, transit.name_en, transit.service_code) == ("Busshållplats", "Bus stop", "GR-112")
    assert ("transit", "Busshållplats", None) in phone_set(walk)  # a wording fix reaches every walk
    nested = admin_client.post(f"/staff/admin/categories/{transit.id}",
                               data={**form, "parent_code": "traffic"})
    assert nested.status_code == 302
    db.session.refresh(transit)
    assert transit.parent.code == "traffic"
    # A category that has sub-choices cannot itself become one.
    walkway = category_service.category_by_code("walkway")
    refused = admin_client.post(f"/staff/admin/categories/{walkway.id}", data={
        "name_sv": walkway.name_sv, "name_en": walkway.name_en, "icon": "walkway", "polarity": "unsafe",
        "service_code": "walkway", "parent_code": "traffic"})
    assert refused.status_code == 422 and 'id="parent_code-error"' in refused.text
    db.session.refresh(walkway)
    assert walkway.parent_id is None


def test_admin_reorders_and_hides_with_confirmation(app, admin_client) -> None:
    ensure_default_categories()
    lighting = category_service.category_by_code("lighting")
    admin_client.post(f"/staff/admin/categories/{lighting.id}/move", data={"direction": "up"})
    tops = [c.code for c in category_service.all_categories() if c.parent_id is None]
    assert tops[:2] == ["lighting", "safe_place"]
    maintenance = category_service.category_by_code("maintenance")
    question = admin_client.get(f"/staff/admin/categories/{maintenance.id}/hide")
    assert question.status_code == 200 and "Vandringar som redan är planerade behåller den" in question.text
    assert "Dess 4 underval döljs också." in question.text
    assert category_service.category_by_code("maintenance").active  # asking changed nothing
    assert admin_client.post(f"/staff/admin/categories/{maintenance.id}/hide").status_code == 302
    codes = [c.code for c in category_service.all_categories()]
    assert "maintenance" not in codes and "graffiti" not in codes  # its sub-choices go with it
    admin_client.post(f"/staff/admin/categories/{maintenance.id}/show")
    assert "graffiti" in [c.code for c in category_service.all_categories()]


OLD_ROWS = [  # as the first default set stored them (and one a municipality had renamed, one of its own)
    ("safe_place", "Trygg plats – värna", "Safe place – keep", "safe", 15),
    ("maintenance", "Skötsel, underhåll", "Maintenance", "unsafe", 13),
    ("graffiti", "Klotter", "Graffiti", "unsafe", 5),
    ("transit", "Busshållplatser i Ale", "Bus stops in Ale", "unsafe", 12),
    ("bicycle", "Cykelställ", "Bicycle stands", "unsafe", 17),
]


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, pytestconfig: pytest.Config):
    from tests.app.conftest import fresh_database

    with fresh_database(backend, tmp_path, pytestconfig) as url:
        yield url


def test_migration_renames_untouched_defaults_and_nests_merged_ones(empty_database: str, tmp_path: Path,
                                                                    ) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from tests.app.conftest import make_app

    app = make_app(empty_database, tmp_path / "uploads")
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            for code, sv, en, polarity, order in OLD_ROWS:
                conn.execute(sa.text(
                    "INSERT INTO categories (code, name_sv, name_en, icon, polarity, sort_order, "
                    "service_code, active) "
                    "VALUES (:code, :sv, :en, :code, :polarity, :order, :code, :active)"),
                    {"code": code, "sv": sv, "en": en, "polarity": polarity, "order": order, "active": True})
        upgrade()
        with db.engine.connect() as conn:
            rows = {r.code: r for r in conn.execute(sa.text(
                "SELECT c.code, c.name_sv, c.name_en, p.code AS parent FROM categories c "
                "LEFT JOIN categories p ON p.id = c.parent_id"))}
        assert (rows["safe_place"].name_sv, rows["safe_place"].name_en) == ("Här känns det tryggt",
                                                                           "Feels safe here")
        assert rows["maintenance"].name_sv == "Skräp, klotter, skador" and rows["maintenance"].parent is None
        assert (rows["graffiti"].name_sv, rows["graffiti"].parent) == ("Klotter", "maintenance")
        assert rows["transit"].name_sv == "Busshållplatser i Ale"  # the municipality's own wording is kept
        assert (rows["bicycle"].name_sv, rows["bicycle"].parent) == ("Cykelställ", None)
        db.session.remove()
        db.engine.dispose()


def test_the_phone_api_gives_each_sub_choice_its_category(app, client) -> None:
    from fieldapp.services.demo import DEMO_SLUG, seed_demo

    demo = seed_demo()
    client.post(demo.join_url.removeprefix(app.config["PUBLIC_URL"]), data={"group": "resident"})
    data = client.get(f"/api/v1/walks/{DEMO_SLUG}").get_json()
    parents = {c["code"]: c["parent"] for c in data["categories"]}
    assert parents["graffiti"] == "maintenance" and parents["maintenance"] is None
