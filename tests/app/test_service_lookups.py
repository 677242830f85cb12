"""The small shared service helpers the type checker asked for: a finding's walk, DML row counts and an
event's details mapping."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from fieldapp.errors import NotFound
from fieldapp.extensions import db
from fieldapp.models import Finding, Walk
from fieldapp.services import events
from fieldapp.services.demo import seed_demo
from fieldapp.services.dml import changed_rows
from fieldapp.services.walks import walk_of


def test_walk_of_gives_the_walk_and_not_found_when_it_is_gone(app: Flask) -> None:
    with app.app_context():
        walk = seed_demo().walk
        finding = db.session.scalars(sa.select(Finding).where(Finding.walk_id == walk.id)).first()
        assert finding is not None
        assert walk_of(finding) is walk
        orphan = Finding(walk_id=walk.id + 1000)
        with pytest.raises(NotFound) as raised:
            walk_of(orphan)
        assert raised.value.message == "There is no such walk."


def test_changed_rows_counts_what_an_update_matched(app: Flask) -> None:
    with app.app_context():
        walk = seed_demo().walk
        assert changed_rows(sa.update(Walk).where(Walk.id == walk.id).values(title="Ny titel")) == 1
        assert changed_rows(sa.update(Walk).where(Walk.id == walk.id + 1000).values(title="x")) == 0
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Walk, walk.id).title == "Ny titel"


def test_record_merges_details_with_keywords_and_drops_none(app: Flask) -> None:
    with app.app_context():
        walk = seed_demo().walk
        details = {"note": "a", "gone": None}
        event = events.record("test_kind", walk_id=walk.id, details=details, position=[1, 2])
        assert event.data == {"note": "a", "position": [1, 2]}
        db.session.rollback()
