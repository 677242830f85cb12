"""Municipality settings (fieldapp/municipality.py): configuration, overridden by the admin page, used by
every page's top bar, the time of day everywhere, the maps' start view, and the SWEREF zone of protocol and
exports."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pyogrio
import pytest
from PIL import Image

from fieldapp import create_app, municipality
from fieldapp.exporters import tabular
from fieldapp.services import municipality_settings, open311_read
from fieldapp.services.photos import _aware
from fieldapp.services.users import create_user
from fieldapp.ui import local_datetime
from tests.app.test_exports import SLUG, prepare_walk

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_client(app):
    create_user("admin@example.se", "admin password 123", role="admin", name="Admin")
    client = app.test_client()
    login = client.post("/staff/login", data={"email": "admin@example.se", "password": "admin password 123"})
    assert login.status_code == 302
    return client


def png(colour: str = "#1b5e8c", size: tuple[int, int] = (600, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def settings_form(**values) -> dict:
    form = {"name": "", "contact": "", "dpo_contact": "", "colour": "", "map_lat": "", "map_lon": "",
            "map_zoom": "", "time_zone": "", "sweref_epsg": "0"}
    form.update(values)
    return form


def save(client, **values):
    return client.post("/staff/admin/municipality", data=settings_form(**values),
                       content_type="multipart/form-data")


# ---------------------------------------------------------------------------------------------- configuration


def test_configured_values_are_used_until_the_admin_sets_their_own(app, client) -> None:
    app.config.update(MUNICIPALITY_NAME="Ale kommun", MUNICIPALITY_COLOUR="#ffd700",
                      MAP_CENTRE=(12.07, 57.89), MAP_ZOOM=13, SWEREF_EPSG=3007)
    municipality.forget()
    current = municipality.current()
    assert (current.name, current.colour, current.sweref_epsg, current.time_zone) == (
        "Ale kommun", "#ffd700", 3007, "Europe/Stockholm")
    assert current.colour_text == "#000000"  # dark text on gold reads better than white
    page = client.get("/").text
    assert re.search(
        r'<header class="topbar branded">\s*<a class="brand"[^>]*><span class="brand-name">Ale kommun', page)
    assert 'data-map-centre="57.89,12.07" data-map-zoom="13"' in page
    assert "<title>" in page and "· Ale kommun</title>" in page
    css = client.get("/municipality/colours.css?v=ffd700")
    assert css.mimetype == "text/css" and "--brand: #ffd700; --brand-fg: #000000;" in css.text
    assert client.get("/municipality/logo.png").status_code == 404


def test_without_a_name_the_top_bar_says_fieldapp_in_the_apps_own_colours(client) -> None:
    page = client.get("/").text
    assert re.search(r'<header class="topbar">\s*<a class="brand" href="/">fieldapp</a>', page)
    assert "colours.css" not in page
    assert 'data-map-centre="62.0,15.0" data-map-zoom="5"' in page  # all of Sweden
    assert client.get("/municipality/colours.css").status_code == 404


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("FIELDAPP_TIME_ZONE", "Europe/Stokholm", "FIELDAPP_TIME_ZONE"),
    ("FIELDAPP_SWEREF_EPSG", "3021", "FIELDAPP_SWEREF_EPSG"),
    ("FIELDAPP_MUNICIPALITY_COLOUR", "blue", "FIELDAPP_MUNICIPALITY_COLOUR"),
    ("FIELDAPP_MAP_CENTRE", "57.9", "FIELDAPP_MAP_CENTRE"),
])
def test_an_unusable_configured_value_stops_the_start_naming_the_variable(monkeypatch, tmp_path, variable,
                                                                          value, named) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=named):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "x"})


# ------------------------------------------------------------------------------------------------ admin page


def test_only_admins_see_the_settings_page(staff_client, admin_client) -> None:
    assert staff_client.get("/staff/admin/municipality").status_code == 403
    page = admin_client.get("/staff/admin/municipality")
    assert page.status_code == 200
    assert "Kommunens inställningar" in page.text and "Tidszon" in page.text
    assert "Konfigurerat: Europe/Stockholm" in page.text
    assert 'href="/staff/admin/municipality"' in admin_client.get("/staff/walks").text


def test_bad_values_come_back_next_to_their_fields_and_nothing_is_saved(admin_client) -> None:
    response = save(admin_client, name="Ale kommun", colour="blue", time_zone="Mars/Olympus", map_lat="57.9",
                    map_zoom="25", logo=(io.BytesIO(b"not an image"), "logo.png"))
    assert response.status_code == 422
    text = response.text
    for field_id, message in [
        ("colour", "sex hexadecimala"), ("time_zone", "inte namnet på en tidszon"),
        ("map_lon", "både longitud och latitud"), ("map_zoom", "mellan 3 och 18"),
        ("logo", "inte en bild vi kan använda"),
    ]:
        error = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', text)
        assert error and message in error.group(1), (field_id, error and error.group(1))
    assert 'value="Ale kommun"' in text  # what was typed is kept
    assert municipality_settings.settings_row() is None


def test_saved_settings_override_the_configuration_on_every_page(app, admin_client, client) -> None:
    response = save(admin_client, name="Ale kommun", contact="kommunen@ale.se", colour="#1B5E8C",
                    map_lat="57.894", map_lon="12.069", map_zoom="14", time_zone="Europe/Helsinki",
                    sweref_epsg="3007", logo=(io.BytesIO(png()), "logo.png"))
    assert response.status_code == 302, response.text[:2000]
    current = municipality.current()
    assert (current.colour, current.colour_text, current.sweref_epsg) == ("#1b5e8c", "#ffffff", 3007)
    page = client.get("/").text
    assert '<span class="brand-name">Ale kommun</span>' in page
    assert 'data-map-centre="57.894,12.069" data-map-zoom="14"' in page
    assert "kommunen@ale.se" in page  # the footer
    logo_url = re.search(r'<img class="brand-logo" src="([^"]+)"', page).group(1)
    logo = client.get(logo_url)
    assert logo.mimetype == "image/png" and "immutable" in logo.headers["Cache-Control"]
    with Image.open(io.BytesIO(logo.data)) as image:
        assert image.size == (480, 160) and not image.info.get("exif")
    assert "--brand: #1b5e8c; --brand-fg: #ffffff;" in client.get("/municipality/colours.css").text
    assert "Europe/Helsinki" in admin_client.get("/staff/admin/municipality").text

    removed = save(admin_client, name="Ale kommun", remove_logo="y")
    assert removed.status_code == 302
    assert client.get("/municipality/logo.png").status_code == 404
    assert municipality.current().time_zone == "Europe/Stockholm"  # emptied: as configured again


# ------------------------------------------------------------------------------------ who uses the values


def test_the_time_zone_is_the_one_of_the_settings_everywhere(app, admin_client) -> None:
    noon_utc = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    camera_time = datetime(2026, 1, 15, 12, 0)
    with app.test_request_context("/?lang=sv"):
        assert open311_read.w3c_datetime(noon_utc) == "2026-01-15T13:00:00+01:00"
        assert tabular.local_naive(noon_utc).hour == 13
        assert _aware(camera_time).utcoffset().total_seconds() == 3600
        assert "13:00" in local_datetime(noon_utc)
    assert save(admin_client, time_zone="Europe/Helsinki").status_code == 302
    with app.test_request_context("/?lang=sv"):
        municipality.forget()
        assert open311_read.w3c_datetime(noon_utc) == "2026-01-15T14:00:00+02:00"
        assert tabular.local_naive(noon_utc).hour == 14
        assert _aware(camera_time).utcoffset().total_seconds() == 7200
        assert "14:00" in local_datetime(noon_utc)


def test_exports_and_protocol_use_the_local_sweref_zone(app, admin_client, staff_client, tmp_path) -> None:
    prepare_walk()
    assert save(admin_client, sweref_epsg="3007").status_code == 302
    path = tmp_path / "walk.gpkg"
    path.write_bytes(staff_client.get(f"/staff/walks/{SLUG}/export.gpkg").data)  # no --crs: the default
    assert pyogrio.read_info(path, layer="findings")["crs"] == "EPSG:3007"
    exports_page = staff_client.get(f"/staff/walks/{SLUG}/exports").text
    assert re.search(r'<option value="3007" selected>SWEREF 99 12 00', exports_page)
    protocol = staff_client.get(f"/walks/{SLUG}/protocol").text  # the internal draft for staff
    assert "SWEREF 99 12 00 (EPSG:3007)" in protocol
    assert save(admin_client).status_code == 302  # back to the configuration: SWEREF 99 TM
    path.write_bytes(staff_client.get(f"/staff/walks/{SLUG}/export.gpkg").data)
    assert pyogrio.read_info(path, layer="findings")["crs"] == "EPSG:3006"


def test_the_time_zone_and_the_map_centre_are_written_in_one_place() -> None:
    """Grep proof: no module but fieldapp/municipality.py makes a time zone, only config.py names the default,
    and no script hard-codes a map centre."""
    code = {path: path.read_text(encoding="utf-8") for path in (ROOT / "fieldapp").rglob("*.py")}
    code.update({path: path.read_text(encoding="utf-8") for path in (ROOT / "gis").rglob("*.py")})
    assert [p.name for p, text in code.items() if "ZoneInfo(" in text] == ["municipality.py"]
    assert [p.name for p, text in code.items() if '"Europe/Stockholm"' in text] == ["config.py"]
    scripts = [p for p in (ROOT / "fieldapp" / "static" / "js").rglob("*.js")]
    centres = [p.name for p in scripts if re.search(r"setView\(\[\s*\d", p.read_text(encoding="utf-8"))
               or "57.89" in p.read_text(encoding="utf-8")]
    assert centres == []
