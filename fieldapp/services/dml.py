"""Run an UPDATE or DELETE and count the rows it changed (compare-and-set claims, bulk deletes)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.sql.dml import UpdateBase

from fieldapp.extensions import db


def changed_rows(statement: UpdateBase) -> int:
    """Execute ``statement`` in the session (no commit) and return its row count."""
    # Session.execute is typed as returning Result for every statement; for DML it is a CursorResult,
    # the only kind that has rowcount.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount
