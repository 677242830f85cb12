"""Migrations run unchanged on SpatiaLite and PostGIS: from empty, one step down and back."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.app.conftest import fresh_database, make_app

EXPECTED_TABLES = {
    "users", "responsible_parties", "categories", "walks", "walk_categories", "routes", "stops",
    "participants", "findings", "photos", "photo_blobs", "measures", "events", "protocol_versions",
    "protocol_pdfs", "blur_suggestions", "follow_up_checks", "citizen_promises", "promise_measures",
    "municipality_settings", "party_service_codes", "subscriptions", "alembic_version",
}
SPATIAL_COLUMNS = {("routes", "geom"), ("stops", "geom"), ("findings", "geom")}


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, pytestconfig: pytest.Config):
    with fresh_database(backend, tmp_path, pytestconfig) as url:
        yield url


def table_names(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    names = set(inspector.get_table_names(schema=inspector.default_schema_name))
    return {n for n in names if n in EXPECTED_TABLES}


def schema_snapshot(engine: sa.Engine) -> set[tuple[str, str]]:
    """The app's tables, their columns and (non-spatial) indexes, as (table, '' / 'column X' / index name)."""
    inspector = sa.inspect(engine)
    found = set()
    for table in table_names(engine):
        found.add((table, ""))
        found |= {(table, ix["name"]) for ix in inspector.get_indexes(table) if ix["name"]}
        found |= {(table, f"column:{col['name']}") for col in inspector.get_columns(table)}
    return found


def spatial_index_ok(engine: sa.Engine, table: str, column: str) -> bool:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return bool(conn.execute(sa.text(
                "SELECT spatial_index_enabled FROM geometry_columns "
                "WHERE f_table_name = :t AND f_geometry_column = :c"), {"t": table, "c": column}).scalar())
        return bool(conn.execute(sa.text(
            "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t "
            "AND indexdef ILIKE '%USING gist%' "
            "AND indexdef ILIKE :c"), {"t": table, "c": f"%({column})%"}).scalar())


def head_revision(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_upgrade_from_empty_then_down_one_step_and_back(empty_database: str, tmp_path: Path) -> None:
    app = make_app(empty_database, tmp_path / "uploads")
    with app.app_context():
        from fieldapp.extensions import db

        assert table_names(db.engine) == set()
        upgrade()
        assert table_names(db.engine) == EXPECTED_TABLES
        head = head_revision(db.engine)
        at_head = schema_snapshot(db.engine)
        assert ("findings", "ix_findings_walk_created") in at_head
        for table, column in SPATIAL_COLUMNS:
            assert spatial_index_ok(db.engine, table, column), f"no spatial index on {table}.{column}"

        downgrade(revision="-1")
        assert head_revision(db.engine) != head
        assert schema_snapshot(db.engine) != at_head  # the last step's table, column or index changed
        upgrade()
        assert head_revision(db.engine) == head
        assert schema_snapshot(db.engine) == at_head

        downgrade(revision="base")
        assert table_names(db.engine) <= {"alembic_version"}
        upgrade()
        assert table_names(db.engine) == EXPECTED_TABLES
        for table, column in SPATIAL_COLUMNS:
            assert spatial_index_ok(db.engine, table, column), (
                f"no spatial index on {table}.{column} after re-upgrade"
            )
        db.engine.dispose()


def test_swedish_crs_are_known_to_the_database(app) -> None:
    """SWEREF 99 TM and the local zones 3007-3018 are in spatial_ref_sys on both backends."""
    from fieldapp.extensions import db

    with db.engine.connect() as conn:
        count = conn.execute(sa.text(
            "SELECT count(*) FROM spatial_ref_sys WHERE srid BETWEEN 3006 AND 3018")).scalar()
    assert count == 13


def test_models_and_migrations_agree(app) -> None:
    """Autogenerate finds nothing to do: every model change came with a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fieldapp.extensions import db
    from fieldapp.migrations_support import include_object

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
