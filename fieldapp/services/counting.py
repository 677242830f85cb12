"""How findings are counted — the one definition every page, protocol and export uses.

* A walk's **findings** are its visible canonical findings: not hidden, not merged into another one.
* A finding's **confirmations** are the reports it stands for: itself plus every *visible* finding merged
  into it. A hidden duplicate (staff hid it) confirms nothing. Five people reporting one dark lamp, merged,
  make one finding with 5 confirmations; a finding nobody else reported has 1.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from fieldapp.extensions import db
from fieldapp.models import Finding, Walk


def visible_findings(walk_id: int) -> ColumnElement[bool]:
    """SQL condition on Finding: one of the walk's counted findings (visible, canonical)."""
    return and_(Finding.walk_id == walk_id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))


def count_findings(walk: Walk) -> int:
    """Number of the walk's findings (the rows of every export, the numbered items of the protocol)."""
    return db.session.scalar(select(func.count(Finding.id)).where(visible_findings(walk.id))) or 0


def merged_counts_query(walk_id: int) -> Select[int | None, int]:
    """(canonical id, number of visible findings merged into it): one grouped pass."""
    merged = aliased(Finding)
    return (
        select(merged.canonical_id, func.count(merged.id))
        .where(merged.walk_id == walk_id, merged.canonical_id.is_not(None), merged.hidden.is_(False))
        .group_by(merged.canonical_id)
    )


def merged_counts(walk_id: int) -> dict[int, int]:
    """Canonical finding id → visible findings merged into it (only ids that have any)."""
    rows = db.session.execute(merged_counts_query(walk_id)).all()
    return {row[0]: row[1] for row in rows if row[0] is not None}


def confirmations_from(merged: int) -> int:
    """The confirmations of a finding with ``merged`` visible duplicates merged into it."""
    return 1 + merged


def confirmation_counts(walk: Walk) -> dict[int, int]:
    """Confirmations per canonical finding id of the walk (hidden canonical findings included, so staff
    pages that still list them show their count)."""
    merged = merged_counts(walk.id)
    ids = db.session.scalars(
        select(Finding.id).where(Finding.walk_id == walk.id, Finding.canonical_id.is_(None))
    )
    return {finding_id: confirmations_from(merged.get(finding_id, 0)) for finding_id in ids}


def confirmations(finding: Finding) -> int:
    """Confirmations of one finding."""
    merged = db.session.scalar(
        select(func.count(Finding.id)).where(Finding.canonical_id == finding.id, Finding.hidden.is_(False))
    )
    return confirmations_from(merged or 0)
