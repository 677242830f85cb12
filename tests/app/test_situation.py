"""The situation picture across walks: hotspots against a hand-made fixture, filters, clusters, figures."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from shapely.geometry import Point

from fieldapp.extensions import db
from fieldapp.models import Category, Event, Finding, Measure, ResponsibleParty, Walk
from fieldapp.services import situation
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.situation import SituationFilter
from fieldapp.services.walks import create_walk
from gis import convert

# The hotspot grid as documented in fieldapp/services/situation.py: 50 m cells, longitude scaled at the
# reference latitude (the mean latitude of all findings to whole degrees: 58 here).
CELL_LON = 50 / (111_320 * math.cos(math.radians(58)))
CELL_LAT = 50 / 110_574
METRE_LON, METRE_LAT = CELL_LON / 50, CELL_LAT / 50


def cell_centre(lon: float, lat: float) -> tuple[float, float]:
    return ((math.floor(lon / CELL_LON) + 0.5) * CELL_LON, (math.floor(lat / CELL_LAT) + 0.5) * CELL_LAT)


A = cell_centre(12.0700, 57.8950)  # the tunnel: reported on three walks
B = cell_centre(12.0750, 57.8990)  # the car park: twice unsafe (two walks), once safe
C = cell_centre(12.0650, 57.8900)  # a safe square
D = cell_centre(12.0800, 57.8920)  # one walk only (plus a hidden and a merged finding)


def at(place: tuple[float, float], east_m: float = 0, north_m: float = 0) -> Point:
    return Point(place[0] + east_m * METRE_LON, place[1] + north_m * METRE_LAT)


@dataclass
class Fixture:
    walks: dict[str, Walk]
    findings: dict[str, Finding]


def _finding(walk: Walk, point: Point, code: str, polarity: str, when: datetime, **extra) -> Finding:
    category = db.session.query(Category).filter_by(code=code).one()
    finding = Finding(uuid=str(uuid.uuid4()), walk_id=walk.id, geom_el=convert.to_element(point),
                      category_id=category.id, polarity=polarity, created_at=when, **extra)
    db.session.add(finding)
    db.session.flush()
    return finding


@pytest.fixture
def picture(app) -> Fixture:
    ensure_default_categories()
    oct24 = datetime(2024, 10, 15, 18, tzinfo=UTC)
    oct25 = datetime(2025, 10, 14, 18, tzinfo=UTC)
    nov25 = datetime(2025, 11, 4, 18, tzinfo=UTC)
    w1 = create_walk("Nödinge 2024", area_name="Nödinge", status="closed", starts_at=oct24)
    w2 = create_walk("Nödinge 2025", area_name="Nödinge", status="closed", starts_at=oct25)
    w3 = create_walk("Alafors 2025", area_name="Alafors", status="closed", starts_at=nov25)
    f = {
        "f1": _finding(w1, at(A), "lighting", "unsafe", oct24),
        "f2": _finding(w1, at(B), "vegetation", "unsafe", oct24),
        "f3": _finding(w1, at(C), "safe_place", "safe", oct24),
        "f4": _finding(w2, at(A, east_m=5), "lighting", "unsafe", oct25),
        "f5": _finding(w2, at(A, east_m=10), "underpass", "unsafe", oct25),
        "f6": _finding(w2, at(B, north_m=5), "safe_place", "safe", oct25),
        "f7": _finding(w2, at(D), "lighting", "unsafe", oct25),
        "f8": _finding(w3, at(B, east_m=-8), "vegetation", "unsafe", nov25),
        "f9": _finding(w3, at(A, north_m=5), "lighting", "unsafe", nov25),
    }
    f["f1"].felt_safety, f["f2"].felt_safety = 1, 2  # the older 3-point scale
    f["f4"].felt_safety4, f["f5"].felt_safety4 = 1, 3  # today's 4-point scale
    f["f10"] = _finding(w3, at(D), "lighting", "unsafe", nov25, hidden=True)
    f["f11"] = _finding(w3, at(D, east_m=3), "lighting", "unsafe", nov25, canonical_id=f["f9"].id)
    tech = ResponsibleParty(name="Tekniska förvaltningen", kind="municipal")
    park = ResponsibleParty(name="Parkenheten", kind="municipal")
    db.session.add_all([tech, park])
    db.session.flush()
    db.session.add_all([
        Measure(finding_id=f["f1"].id, responsible_party_id=tech.id, status="done"),
        Measure(finding_id=f["f2"].id, responsible_party_id=tech.id, status="planned",
                deadline=date(2025, 6, 1)),
        Measure(finding_id=f["f7"].id, responsible_party_id=park.id, status="new", deadline=date(2027, 1, 1)),
        Measure(finding_id=f["f4"].id, status="rejected", status_reason="Trafikverket äger tunneln"),
    ])
    # f1's measure became done 90 days after its walk (the history says when)
    db.session.add(Event(walk_id=w1.id, finding_id=f["f1"].id, kind="measure_status",
                         data={"old": "planned", "new": "done"}, created_at=oct24 + timedelta(days=90)))
    db.session.commit()
    return Fixture({"w1": w1, "w2": w2, "w3": w3}, f)


def test_hotspots_are_the_places_reported_unsafe_on_several_walks(picture) -> None:
    spots = situation.hotspots(SituationFilter())
    assert [(s.findings, s.walks) for s in spots] == [(4, 3), (2, 2)]  # A (f1 f4 f5 f9), B (f2 f8)
    tunnel, car_park = spots
    assert tunnel.lon == pytest.approx(A[0] + 3.75 * METRE_LON, abs=1e-9)  # the mean of 0, 5, 10, 0 m east
    assert tunnel.lat == pytest.approx(A[1] + 1.25 * METRE_LAT, abs=1e-9)
    assert (tunnel.first, tunnel.last) == (datetime(2024, 10, 15, 18, tzinfo=UTC),
                                           datetime(2025, 11, 4, 18, tzinfo=UTC))
    assert car_park.lon == pytest.approx(B[0] - 4 * METRE_LON, abs=1e-9)
    # D: one walk, and its hidden and merged findings do not count; C: safe only.
    assert situation.hotspots(SituationFilter(), min_walks=3) == [tunnel]


def count(the_filter: SituationFilter) -> int:
    return situation.overview(the_filter)[0]


def test_filters_narrow_every_figure(picture) -> None:
    this_year = SituationFilter(year_from=2025, year_to=2025)
    assert [(s.findings, s.walks) for s in situation.hotspots(this_year)] == [(3, 2)]  # f4 f5 f9
    assert situation.hotspots(SituationFilter(area="Alafors")) == []  # one walk cannot recur
    assert count(SituationFilter()) == 9
    assert count(SituationFilter(area="Nödinge")) == 7
    assert count(SituationFilter(category="lighting")) == 4  # f1 f4 f7 f9
    assert count(SituationFilter(category="sightlines")) == 2  # its sub-choice "vegetation": f2 f8
    assert count(SituationFilter(polarity="safe")) == 2
    assert count(SituationFilter(measure_status="none")) == 5
    assert count(SituationFilter(measure_status="planned")) == 1
    tech = db.session.query(ResponsibleParty).filter_by(name="Tekniska förvaltningen").one()
    assert count(SituationFilter(party_id=tech.id)) == 2
    assert count(SituationFilter(year_to=2024)) == 3
    assert situation.overview(SituationFilter(area="Nope")) == (0, None)
    # the safe ones: f3 at C, f6 5 m north of B
    west, south, east, north = situation.overview(SituationFilter(polarity="safe"))[1]
    assert (west, south) == pytest.approx(C) and (east, north) == pytest.approx((B[0], B[1] + 5 * METRE_LAT))


def test_map_clusters_group_by_zoom_and_keep_every_finding(picture) -> None:
    everywhere = (11.9, 57.8, 12.2, 58.0)
    [one] = situation.map_clusters(SituationFilter(), everywhere, zoom=8)
    assert (one.count, one.unsafe, one.finding_id) == (9, 7, None)
    close = situation.map_clusters(SituationFilter(), everywhere, zoom=21)
    assert sorted(c.count for c in close) == [1] * 9
    assert {c.finding_id for c in close} == {picture.findings[k].id for k in
                                             ("f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9")}
    west_of_d = (11.9, 57.8, D[0] - 0.001, 58.0)
    assert sum(c.count for c in situation.map_clusters(SituationFilter(), west_of_d, zoom=14)) == 8


def test_figures_per_party_and_year(picture) -> None:
    figures = situation.party_figures(SituationFilter(), today=date(2026, 11, 30))
    summary = [(p.party, p.measures, p.fixed, p.open, p.overdue, p.median_days_to_fix) for p in figures]
    assert summary == [("Tekniska förvaltningen", 2, 1, 1, 1, 90.0), ("", 1, 0, 0, 0, None),
                       ("Parkenheten", 1, 0, 1, 0, None)]
    rows = situation.felt_safety_by_area(SituationFilter())
    felt = [(r.area, r.year, r.answers, r.very_unsafe) for r in rows]
    assert felt == [("Nödinge", 2025, 2, 1), ("Nödinge", 2024, 2, 1)]  # one "very unsafe" on each scale
    overdue = situation.overdue_measures(SituationFilter(), today=date(2026, 11, 30))
    assert [finding.id for finding, _, _ in overdue] == [picture.findings["f2"].id]
    by_year = situation.categories_by_year(SituationFilter(), "en")
    table = situation.year_table(by_year)
    assert table.years == [2025, 2024] and table.rows[0] == ("Lighting", [3, 1], 4)
    assert by_year[0][0] == 2025 and sum(n for y, _, n in by_year if y == 2025) == 6
    assert sum(n for y, _, n in by_year if y == 2024) == 3


def test_staff_see_the_situation_picture_and_its_map_data(picture, staff_client) -> None:
    page = staff_client.get("/staff/situation")
    assert page.status_code == 200
    text = page.text
    assert "Lägesbild" in text and "9 iakttagelser" in text
    assert 'id="situation-map"' in text and "/staff/situation/figures" in text
    figures = staff_client.get("/staff/situation/figures").text
    assert "Platser som återkommer" in figures and "Tekniska förvaltningen" in figures
    assert "50\u00a0%" in figures  # Tekniska förvaltningen: 1 of 2 measures done
    filtered = staff_client.get("/staff/situation?area=Alafors")
    assert "2 iakttagelser" in filtered.text and "/staff/situation/figures?area=Alafors" in filtered.text
    assert "Ingen plats återkommer" in staff_client.get("/staff/situation/figures?area=Alafors").text
    empty = staff_client.get("/staff/situation?area=Alafors&polarity=safe")
    assert "Inga iakttagelser matchar filtret" in empty.text and 'id="situation-map"' not in empty.text
    bad = staff_client.get("/staff/situation?year_from=1066")
    assert bad.status_code == 422

    url = "/staff/situation/clusters.json?bbox=11.9,57.8,12.2,58.0&zoom=21"
    collection = staff_client.get(url).get_json()
    assert len(collection["features"]) == 9
    single = collection["features"][0]["properties"]
    assert single["count"] == 1 and single["url"].startswith("/staff/walks/")
    assert staff_client.get("/staff/situation/clusters.json?bbox=x&zoom=3").status_code == 422
    whole = staff_client.get("/staff/situation/clusters.json").get_json()  # no view given: all, zoom 12
    assert sum(f["properties"]["count"] for f in whole["features"]) == 9
    assert staff_client.get("/staff/situation/clusters.json?zoom=x").status_code == 200  # zoom 12


def test_the_situation_picture_is_for_staff_only(picture, client) -> None:
    assert client.get("/staff/situation").status_code == 302
    assert client.get("/staff/situation/figures").status_code == 302
    assert client.get("/staff/situation/clusters.json?bbox=11.9,57.8,12.2,58.0&zoom=3").status_code == 302


def test_the_action_plan_lists_open_measures_by_party_most_overdue_first(picture, staff_client) -> None:
    plans = situation.action_plan(SituationFilter(), today=date(2026, 11, 30))
    summary = [(p.party.name if p.party else None, [r.finding.id for r in p.rows], p.overdue) for p in plans]
    # done (f1) and rejected (f4) are not open; f2's deadline passed, f7's has not
    assert summary == [("Tekniska förvaltningen", [picture.findings["f2"].id], 1),
                       ("Parkenheten", [picture.findings["f7"].id], 0)]
    assert situation.action_plan(SituationFilter(area="Alafors"), today=date(2026, 11, 30)) == []
    page = staff_client.get("/staff/action-plan").text
    assert "Åtgärdsplan" in page and "1 öppen åtgärd" in page and "1 försenad" in page
    assert 'id="party-1">Tekniska förvaltningen' in page and 'id="party-2">Parkenheten' in page
    assert "Inga öppna åtgärder matchar filtret" in staff_client.get("/staff/action-plan?area=Alafors").text


def test_the_action_plan_downloads_for_responsible_parties_and_for_staff(picture, staff_client) -> None:
    import csv
    import io

    import openpyxl

    from fieldapp.extensions import db as database

    picture.findings["f2"].internal_note = "Intern: budgeten räcker inte"
    picture.findings["f2"].note = "Buskarna skymmer gångvägen"
    database.session.commit()
    external = staff_client.get("/staff/action-plan.csv?lang=en")
    assert external.status_code == 200 and "attachment" in external.headers["Content-Disposition"]
    text = external.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Swedish Excel's dialect, as the walk exports
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["Responsible party"], r["Past the deadline"], r["status_code"]) for r in rows] == [
        ("Tekniska förvaltningen", "yes", "planned"), ("Parkenheten", "", "new")]
    assert "Internal note" not in rows[0] and "Observation" not in rows[0]
    assert "budgeten" not in text and "Buskarna" not in text  # the external audience gets no notes
    assert rows[0]["N (SWEREF 99 TM)"].replace(",", "").replace(".", "").isdigit()

    internal = staff_client.get("/staff/action-plan.xlsx?audience=internal&lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(internal.data)).active
    header = [c.value for c in sheet[1]]
    assert "Internal note" in header and sheet.auto_filter.ref.startswith("A1:")
    notes = [row[header.index("Internal note")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Intern: budgeten räcker inte" in notes
    assert staff_client.get("/staff/action-plan.csv?audience=everyone").status_code == 422
    only_header = staff_client.get("/staff/action-plan.csv?area=Alafors").data.decode()
    assert only_header.count("\n") == 1
