"""The one "within N metres" query: right answers, identical on both backends, spatial index used."""
from __future__ import annotations

import random
import uuid

import pytest
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import Point

from fieldapp.extensions import db
from fieldapp.models import Category, Finding
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.walks import create_walk
from gis import convert
from gis.nearby import within_metres

GEOD = Geod(ellps="WGS84")
CENTRE = Point(12.0690, 57.8945)


def scatter_findings(n: int, seed: int = 7) -> list[Point]:
    """n findings spread over ~1 km around Ale torg, inserted in one transaction."""
    ensure_default_categories()
    walk = create_walk("Nearby", status="open")
    category = db.session.scalar(sa.select(Category).where(Category.code == "lighting"))
    rng = random.Random(seed)
    points = [
        Point(CENTRE.x + rng.uniform(-0.01, 0.01), CENTRE.y + rng.uniform(-0.006, 0.006)) for _ in range(n)
    ]
    db.session.add_all(
        Finding(uuid=str(uuid.UUID(int=rng.getrandbits(128))), walk_id=walk.id, category_id=category.id,
                geom_el=convert.to_element(p), polarity="unsafe", position_source="gps")
        for p in points
    )
    db.session.commit()
    return points


def expected_within(points_by_id: dict[int, Point], centre: Point, metres: float) -> set[int]:
    result = set()
    for fid, p in points_by_id.items():
        _, _, dist = GEOD.inv(centre.x, centre.y, p.x, p.y)
        if dist <= metres:
            result.add(fid)
    return result


def query_within(centre: Point, metres: float) -> set[int]:
    clause = within_metres(
        db.engine.dialect.name, Finding.__table__.c.geom, Finding.__table__.c.id, centre, metres
    )
    return set(db.session.scalars(sa.select(Finding.id).where(clause)))


@pytest.mark.parametrize("metres", [15.0, 100.0, 350.0])
def test_within_matches_geodesic_brute_force(app, metres: float) -> None:
    scatter_findings(600)
    points_by_id = {f.id: convert.to_geom(f.geom_el) for f in db.session.scalars(sa.select(Finding))}
    found = query_within(CENTRE, metres)
    expected = expected_within(points_by_id, CENTRE, metres)
    # Ignore points within 1 cm of the circle, where ellipsoid implementations may round differently.
    borderline = {fid for fid, p in points_by_id.items()
                  if abs(GEOD.inv(CENTRE.x, CENTRE.y, p.x, p.y)[2] - metres) < 0.01}
    assert found - borderline == expected - borderline
    if metres >= 100:
        assert len(expected) > 5


def test_same_ids_on_both_backends(tmp_path, pytestconfig) -> None:
    """The same inserts and queries give identical id sets on SpatiaLite and PostGIS."""
    from tests.app.conftest import fresh_database, make_app, migrate_to_head

    results = {}
    for name in ("spatialite", "postgis"):
        with fresh_database(name, tmp_path, pytestconfig) as url:
            app = make_app(url, tmp_path / f"uploads-{name}")
            migrate_to_head(app)
            with app.app_context():
                scatter_findings(400, seed=11)
                results[name] = [sorted(query_within(Point(CENTRE.x + dx, CENTRE.y), r))
                                 for dx in (0.0, 0.003, -0.004) for r in (20.0, 120.0, 400.0)]
                db.session.remove()
                db.engine.dispose()
    assert results["spatialite"] == results["postgis"]
    assert sum(len(ids) for ids in results["spatialite"]) > 50


def test_query_plan_uses_the_spatial_index(app) -> None:
    scatter_findings(2000)
    clause = within_metres(
        db.engine.dialect.name, Finding.__table__.c.geom, Finding.__table__.c.id, CENTRE, 50.0
    )
    statement = sa.select(Finding.id).where(clause)
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "SpatialIndex" in plan and "VIRTUAL TABLE" in plan, plan
        else:
            conn.exec_driver_sql("ANALYZE findings")
            plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "idx_findings_geom" in plan, plan


def test_negative_radius_is_refused(app) -> None:
    from gis.errors import GeometryError

    with pytest.raises(GeometryError):
        within_metres(db.engine.dialect.name, Finding.__table__.c.geom, Finding.__table__.c.id, CENTRE, -1)


@pytest.mark.parametrize("metres", [15.0, 120.0])
def test_pairs_query_equals_one_query_per_point(app, metres: float) -> None:
    """pairs_within_metres (one query) finds exactly the pairs the per-point query finds."""
    from gis.nearby import pairs_within_metres

    scatter_findings(500, seed=3)
    table = Finding.__table__
    pairs = {
        tuple(row)
        for row in db.session.execute(pairs_within_metres(db.engine.dialect.name, table, metres, 58.0))
    }
    expected = set()
    for finding in db.session.scalars(sa.select(Finding)):
        for other in query_within(convert.to_geom(finding.geom_el), metres):
            if other > finding.id:
                expected.add((finding.id, other))
    assert pairs == expected
    assert len(pairs) > 10
