"""Public feedback (återkoppling): what happened to what residents reported, read live from the measures.

A walk is public once a public protocol version has been published (``published_condition``, the one
check). What is shown follows the external audience (DESIGN §15): numbered like the protocol, the
finding's public text, the measure's status, public answer and responsible party, the date it was done,
and only photos approved for publication (fieldapp.services.photo_visibility), as their published
rendition. No internal notes, no participant data. Changes to measures come from the history (Event).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import case, func, select

from fieldapp import municipality
from fieldapp.errors import N_, NotFound
from fieldapp.exporters.rows import FindingRow
from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Measure, Photo, Walk
from fieldapp.services import photo_visibility
from fieldapp.services.exports import iter_findings
from fieldapp.services.publication import published_condition

# How a measure's status reads to the public: the summary's buckets.
BUCKETS: dict[str, tuple[str, ...]] = {
    "done": ("done", "verified"),
    "planned": ("assessed", "sent", "planned"),
    "rejected": ("rejected",),
    "referred": ("referred",),
    "waiting": ("new", ""),
}
BUCKET_LABELS = {
    "done": lazy_gettext("Fixed"),
    "planned": lazy_gettext("Planned"),
    "rejected": lazy_gettext("Not possible"),
    "referred": lazy_gettext("Passed on to another owner"),
    "waiting": lazy_gettext("Not handled yet"),
    "safe": lazy_gettext("A safe place to keep"),
}
# History events that change what the public sees of a measure.
PUBLIC_CHANGE_KINDS = ("measure_status", "measure_edited", "measure_after_photo")


def bucket(status: str) -> str:
    """The summary bucket of a measure status ('' = no measure yet)."""
    return next(name for name, statuses in BUCKETS.items() if status in statuses)


def item_bucket(status: str, polarity: str) -> str:
    """The bucket of a finding: a safe place nobody has acted on is one to keep, not a problem waiting."""
    if polarity == "safe" and bucket(status) == "waiting":
        return "safe"
    return bucket(status)


def bucket_label(status: str) -> str:
    """How the public reads a measure status."""
    return str(BUCKET_LABELS[bucket(status)])


def public_walk(slug: str) -> Walk:
    """The published walk at ``slug``; NotFound for unknown and unpublished walks alike."""
    walk: Walk | None = db.session.scalar(select(Walk).where(Walk.slug == slug, published_condition()))
    if walk is None:
        raise NotFound(N_("There is no published walk at this address."), code="not_published")
    return walk


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class IndexWalk:
    slug: str
    title: str
    starts_at: datetime | None
    reported: int
    done: int


@dataclass
class AreaYears:
    area: str
    years: list[tuple[int, list[IndexWalk]]]


def _walk_year(walk: Walk) -> int:
    return (walk.starts_at or walk.created_at).astimezone(municipality.zone()).year


def public_index() -> list[AreaYears]:
    """Published walks by area (alphabetical) and year (newest first), with reported and done counts."""
    walks = list(db.session.scalars(select(Walk).where(published_condition())))
    counts = _counts([w.id for w in walks])
    grouped: dict[str, dict[int, list[IndexWalk]]] = defaultdict(lambda: defaultdict(list))
    for walk in walks:
        reported, done = counts.get(walk.id, (0, 0))
        grouped[walk.area_name or ""][_walk_year(walk)].append(
            IndexWalk(walk.slug, walk.title, walk.starts_at, reported, done)
        )
    result = []
    for area in sorted(grouped, key=lambda a: (a == "", a.casefold())):
        years = sorted(grouped[area].items(), reverse=True)
        result.append(AreaYears(area, [
            (year, sorted(items, key=lambda w: (w.starts_at is None, w.starts_at), reverse=True))
            for year, items in years
        ]))
    return result


def _counts(walk_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(visible canonical findings, of them done) per walk, in one grouped query."""
    if not walk_ids:
        return {}
    done = func.sum(case((Measure.status.in_(BUCKETS["done"]), 1), else_=0))
    rows = db.session.execute(
        select(Finding.walk_id, func.count(Finding.id), done)
        .outerjoin(Measure, Measure.finding_id == Finding.id)
        .where(Finding.walk_id.in_(walk_ids), Finding.canonical_id.is_(None), Finding.hidden.is_(False))
        .group_by(Finding.walk_id)
    )
    return {walk_id: (int(n), int(d or 0)) for walk_id, n, d in rows}


def area_walks(area: str) -> list[Walk]:
    """The published walks of one area (exact name); NotFound when there are none."""
    walks = list(db.session.scalars(
        select(Walk).where(published_condition(), Walk.area_name == area).order_by(Walk.id)
    ))
    if not walks:
        raise NotFound(N_("There are no published walks in this area."), code="no_area")
    return walks


# --------------------------------------------------------------------------- one walk


@dataclass(frozen=True)
class PublicPhoto:
    uuid: str
    alt_text: str
    after: bool


@dataclass
class FeedbackItem:
    row: FindingRow
    bucket: str
    done_at: datetime | None
    before: list[PublicPhoto] = field(default_factory=list)
    after: list[PublicPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    reported: int
    counts: dict[str, int]
    fix_rate: float | None  # done / unsafe findings reported (safe places are kept, not fixed)
    median_days_to_fix: float | None

    @property
    def days_to_fix_shown(self) -> int | None:
        """The median in whole days as people say it: within 1 day at least."""
        if self.median_days_to_fix is None:
            return None
        return max(1, math.ceil(self.median_days_to_fix))


@dataclass
class Feedback:
    walk: Walk
    items: list[FeedbackItem]
    summary: Summary
    updated_at: datetime | None


def _public_photos(walk: Walk) -> dict[int, list[PublicPhoto]]:
    """Approved photos of the walk's findings (duplicates' under their canonical finding)."""
    canonical = func.coalesce(Finding.canonical_id, Finding.id)
    rows = db.session.execute(
        select(canonical, Photo.uuid, Photo.alt_text, Photo.after_measure)
        .join(Finding, Photo.finding_id == Finding.id)
        .where(Finding.walk_id == walk.id, photo_visibility.external_condition())
        .order_by(canonical, Photo.id)
    )
    photos: dict[int, list[PublicPhoto]] = defaultdict(list)
    for finding_id, uuid, alt, after in rows:
        photos[finding_id].append(PublicPhoto(uuid, alt, bool(after)))
    return photos


def _done_times(walk: Walk) -> dict[int, datetime]:
    """When each measure of the walk last became done (its finding id → time), from the history."""
    rows = db.session.execute(
        select(Event.finding_id, Event.data, Event.created_at)
        .where(Event.walk_id == walk.id, Event.kind == "measure_status")
        .order_by(Event.created_at, Event.id)
    )
    done: dict[int, datetime] = {}
    for finding_id, data, at in rows:
        if finding_id is not None and (data or {}).get("new") == "done":
            done[finding_id] = at
    return done


def walk_start(walk: Walk) -> datetime:
    """The moment the time to fix counts from: the walk's start, else when it was marked walked."""
    return walk.starts_at or walk.walked_at or walk.created_at


def summarize(walk: Walk, items: Iterable[FeedbackItem]) -> Summary:
    """Counts per bucket, fix rate and median days from the walk to the fix."""
    items = list(items)
    counts = {name: 0 for name in BUCKET_LABELS}
    for item in items:
        counts[item.bucket] += 1
    unsafe = sum(1 for i in items if i.row.polarity == "unsafe")
    done_unsafe = sum(1 for i in items if i.row.polarity == "unsafe" and i.bucket == "done")
    start = walk_start(walk)
    days = [(i.done_at - start).total_seconds() / 86400 for i in items if i.bucket == "done" and i.done_at]
    return Summary(
        reported=len(items),
        counts=counts,
        fix_rate=done_unsafe / unsafe if unsafe else None,
        median_days_to_fix=max(0.0, statistics.median(days)) if days else None,
    )


def walk_feedback(walk: Walk, locale: str) -> Feedback:
    """The feedback page's content for a published walk, read live."""
    photos = _public_photos(walk)
    done_times = _done_times(walk)
    items = []
    for row in iter_findings(walk, locale=locale, audience="external"):
        status_bucket = item_bucket(row.status, row.polarity)
        own = photos.get(row.id, [])
        items.append(FeedbackItem(
            row=row,
            bucket=status_bucket,
            done_at=done_times.get(row.id) if status_bucket == "done" else None,
            before=[p for p in own if not p.after],
            after=[p for p in own if p.after],
        ))
    changes = public_changes([walk.id], limit=1)
    return Feedback(walk, items, summarize(walk, items), changes[0].at if changes else None)


def local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(municipality.zone()).date() if moment else None


# --------------------------------------------------------------------------- changes (feeds, mail)


@dataclass(frozen=True)
class Change:
    """One public change of a measure: its finding's number and category, what it is now."""

    event_id: int
    at: datetime
    walk: Walk
    finding_id: int
    kind: str
    status: str


def _is_public_change(kind: str, data: dict[str, Any], public_photos: set[str]) -> bool:
    if kind == "measure_edited":
        return "public_answer" in data or "responsible_party" in data
    if kind == "measure_after_photo":  # news only once the photo may be shown
        return data.get("photo") in public_photos
    return kind in PUBLIC_CHANGE_KINDS


def _public_photo_uuids(walk_ids: list[int]) -> set[str]:
    return set(db.session.scalars(
        select(Photo.uuid).join(Finding, Photo.finding_id == Finding.id)
        .where(Finding.walk_id.in_(walk_ids), Photo.after_measure.is_(True),
               photo_visibility.external_condition())
    ))


def public_changes(
    walk_ids: list[int], *, since: datetime | None = None, until: datetime | None = None, limit: int = 50
) -> list[Change]:
    """The newest public changes of measures on these (published) walks, newest first."""
    if not walk_ids:
        return []
    stmt = (
        select(Event, Walk, Measure.status)
        .join(Walk, Event.walk_id == Walk.id)
        .join(Finding, Event.finding_id == Finding.id)
        .join(Measure, Measure.finding_id == Finding.id)
        .where(
            Event.walk_id.in_(walk_ids), Event.kind.in_(PUBLIC_CHANGE_KINDS), published_condition(),
            Finding.hidden.is_(False), Finding.canonical_id.is_(None),
        )
        .order_by(Event.created_at.desc(), Event.id.desc())
    )
    if since is not None:
        stmt = stmt.where(Event.created_at > since)
    if until is not None:
        stmt = stmt.where(Event.created_at <= until)
    changes: list[Change] = []
    public_photos = _public_photo_uuids(walk_ids)
    for event, walk, status in db.session.execute(stmt.limit(limit * 3)):
        if event.finding_id is not None and _is_public_change(event.kind, event.data or {}, public_photos):
            changes.append(Change(event.id, event.created_at, walk, event.finding_id, event.kind, status))
        if len(changes) >= limit:
            break
    return changes


def numbered(walk: Walk, locale: str) -> dict[int, FindingRow]:
    """The walk's public findings by id, numbered as in the protocol (for feeds and mails)."""
    return {row.id: row for row in iter_findings(walk, locale=locale, audience="external")}


@dataclass(frozen=True)
class FeedItem:
    """One public change for a feed: which finding, and what its measure says now."""

    event_id: int
    at: datetime
    walk: Walk
    number: int
    category: str
    status_label: str
    public_answer: str
    responsible: str


def feed_items(walks: list[Walk], locale: str, limit: int = 50) -> list[FeedItem]:
    """The newest public changes on ``walks``, newest first, each with its finding's current state."""
    changes = public_changes([w.id for w in walks], limit=limit)
    rows_by_walk: dict[int, dict[int, FindingRow]] = {}
    items = []
    for change in changes:
        if change.walk.id not in rows_by_walk:
            rows_by_walk[change.walk.id] = numbered(change.walk, locale)
        row = rows_by_walk[change.walk.id].get(change.finding_id)
        if row is None:
            continue
        items.append(FeedItem(change.event_id, change.at, change.walk, row.number, row.category_name,
                              bucket_label(row.status), row.public_answer, row.responsible))
    return items
