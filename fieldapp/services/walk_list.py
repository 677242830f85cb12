"""The staff's list of walks: search and filters (text, year, area, status, archived) and archiving.

Archiving takes a walk out of the working list (``archived=True`` shows it again); its data, public pages
and join link are untouched. A walk that still takes findings cannot be archived: close it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ColumnElement, func, or_, select

from fieldapp import municipality
from fieldapp.errors import Conflict
from fieldapp.extensions import db
from fieldapp.models import WALK_STATUSES, Walk, utcnow
from fieldapp.services import events

MAX_QUERY = 200


@dataclass(frozen=True)
class WalkFilter:
    """What the list shows; empty values do not filter."""

    text: str = ""
    year: int | None = None
    area: str = ""
    status: str = ""
    archived: bool = False

    @property
    def active(self) -> bool:
        return bool(self.text or self.year or self.area or self.status)


def parse_filter(args: dict[str, str]) -> WalkFilter:
    """A WalkFilter from query arguments; values that cannot be meant are ignored, not errors."""
    year = args.get("year", "")
    status = args.get("status", "")
    return WalkFilter(
        text=args.get("q", "").strip()[:MAX_QUERY],
        year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
        area=args.get("area", "")[:MAX_QUERY],
        status=status if status in WALK_STATUSES else "",
        archived=args.get("archived") == "1",
    )


def _when() -> ColumnElement[datetime]:
    return func.coalesce(Walk.starts_at, Walk.created_at)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_walks(wanted: WalkFilter) -> list[Walk]:
    """The walks matching ``wanted``, the next/most recent first."""
    archived = Walk.archived_at.is_not(None) if wanted.archived else Walk.archived_at.is_(None)
    stmt = select(Walk).where(archived)
    if wanted.text:
        pattern = _like(wanted.text)
        stmt = stmt.where(or_(Walk.title.ilike(pattern, escape="\\"),
                              Walk.area_name.ilike(pattern, escape="\\")))
    if wanted.year is not None:  # the year in Swedish time, as a range (portable, and it can use an index)
        start = datetime(wanted.year, 1, 1, tzinfo=municipality.zone())
        end = datetime(wanted.year + 1, 1, 1, tzinfo=municipality.zone())
        stmt = stmt.where(_when() >= start, _when() < end)
    if wanted.area:
        stmt = stmt.where(Walk.area_name == wanted.area)
    if wanted.status:
        stmt = stmt.where(Walk.status == wanted.status)
    return list(db.session.scalars(stmt.order_by(Walk.starts_at.desc().nulls_last(), Walk.id.desc())))


def areas() -> list[str]:
    """Every area name in use, alphabetical (the area filter's choices)."""
    names = db.session.scalars(select(Walk.area_name).where(Walk.area_name != "").distinct())
    return sorted(names, key=str.casefold)


def years() -> list[int]:
    """Every year with a walk, newest first (the year filter's choices)."""
    moments = db.session.scalars(select(_when()))
    return sorted({m.astimezone(municipality.zone()).year for m in moments if m is not None}, reverse=True)


def archive(walk: Walk, *, user_id: int | None) -> None:
    """Take the walk out of the working list (repeating is harmless)."""
    if walk.accepts_findings:
        raise Conflict(gettext("This walk still takes findings. Close it before archiving it."),
                       code="walk_open")
    if walk.archived_at is None:
        walk.archived_at = utcnow()
        events.record("walk_archived", walk_id=walk.id, user_id=user_id)
        db.session.commit()


def unarchive(walk: Walk, *, user_id: int | None) -> None:
    """Put an archived walk back in the working list."""
    if walk.archived_at is not None:
        walk.archived_at = None
        events.record("walk_unarchived", walk_id=walk.id, user_id=user_id)
        db.session.commit()
