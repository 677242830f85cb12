"""What Alembic autogenerate compares (shared by migrations/env.py and the schema-drift test)."""
from __future__ import annotations

from geoalchemy2 import alembic_helpers


def include_object(obj, name, obj_type, reflected, compare_to) -> bool:  # noqa: ANN001 - Alembic's hook
    """Ignore Alembic's own version table, SpatiaLite/PostGIS internals and what GeoAlchemy2 ignores."""
    if obj_type == "table" and (name == "alembic_version" or not _is_ours(name, compare_to, reflected)):
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def _is_ours(name: str, compare_to, reflected: bool) -> bool:  # noqa: ANN001
    """Reflected tables with no model are database internals (spatial_ref_sys, idx_*_geom,
    geometry_columns…)."""
    return not (reflected and compare_to is None)
