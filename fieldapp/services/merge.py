"""Duplicates: suggest groups of nearby findings of the same category, merge them, unmerge them.

A merged finding points at its canonical finding (``canonical_id``); nothing is deleted, so the
canonical finding shows every photo of its group and unmerging restores the originals exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.errors import Conflict, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Measure, Photo, Walk
from fieldapp.services import events
from fieldapp.services.review import finding_by_uuid
from gis import convert
from gis.nearby import pairs_within_metres

DEFAULT_RADIUS_M = 15.0
MAX_RADIUS_M = 500.0


@dataclass(frozen=True)
class MergedGroup:
    canonical: Finding
    members: list[Finding]


def _check_radius(radius_m: float) -> float:
    if not (0 < radius_m <= MAX_RADIUS_M):
        raise ValidationError(
            gettext("The distance must be between 1 and %(max)d metres.", max=int(MAX_RADIUS_M))
        )
    return float(radius_m)


def _open_findings(walk: Walk) -> list[Finding]:
    return list(
        db.session.scalars(
            select(Finding)
            .where(Finding.walk_id == walk.id, Finding.canonical_id.is_(None), Finding.hidden.is_(False))
            .options(selectinload(Finding.category), selectinload(Finding.photos))
            .order_by(Finding.created_at, Finding.id)
        )
    )


def suggest_duplicates(walk: Walk, radius_m: float = DEFAULT_RADIUS_M) -> list[list[Finding]]:
    """Groups (≥ 2) of visible, unmerged findings of one category lying within ``radius_m`` of each other.

    One query asks the database (spatial index, geodesic test) for every pair of neighbours; findings
    linked by a chain of neighbours form one group. Largest groups first.
    """
    radius_m = _check_radius(radius_m)
    findings = _open_findings(walk)
    by_id = {f.id: f for f in findings}
    table = Finding.__table__
    dialect = db.engine.dialect.name
    parent = {f.id: f.id for f in findings}

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    if findings:
        max_abs_lat = max(abs(convert.to_point(f.geom_el).y) for f in findings)
        pairs = pairs_within_metres(
            dialect, table, radius_m, max_abs_lat, same=("category_id",),
            where=lambda side: [side.c.walk_id == walk.id, side.c.canonical_id.is_(None),
                                side.c.hidden.is_(False)],
        )
        for first, second in db.session.execute(pairs):
            if first in parent and second in parent:
                parent[root(second)] = root(first)
    groups: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[root(finding.id)].append(by_id[finding.id])
    result = [group for group in groups.values() if len(group) > 1]
    result.sort(key=lambda group: (-len(group), group[0].created_at, group[0].id))
    return result


def merge(walk: Walk, canonical_uuid: str, member_uuids: list[str], *, user_id: int | None) -> Finding:
    """Merge ``member_uuids`` into the canonical finding; members that were canonical bring their groups."""
    canonical = finding_by_uuid(walk, canonical_uuid)
    if canonical.canonical_id is not None:
        raise Conflict(gettext("This finding is already merged into another one."))
    members = [finding_by_uuid(walk, u) for u in dict.fromkeys(member_uuids) if u != canonical.uuid]
    if not members:
        raise ValidationError(gettext("Choose at least two findings to merge."))
    measure_from = None
    for member in members:
        if member.canonical_id is not None and member.canonical_id != canonical.id:
            raise Conflict(gettext("One of the findings is already merged into another one."))
        if member.measure is not None:
            if canonical.measure is not None:
                raise Conflict(
                    gettext("Two of the findings have measures; keep the measure on one of them only.")
                )
            _move_measure(member.measure, member, canonical)
            measure_from = member.uuid
    regrouped: dict[str, str] = {}
    for member in members:
        for child in _members_of(member):
            child.canonical_id = canonical.id
            regrouped[child.uuid] = member.uuid
        member.canonical_id = canonical.id
        events.record(
            "merged_into", walk_id=walk.id, finding_id=member.id, user_id=user_id, canonical=canonical.uuid
        )
    # What unmerge needs to put back exactly: where the measure came from, and earlier groups.
    events.record(
        "merged",
        walk_id=walk.id,
        finding_id=canonical.id,
        user_id=user_id,
        members=[m.uuid for m in members],
        measure_from=measure_from,
        regrouped=regrouped or None,
    )
    db.session.commit()
    return canonical


def unmerge(walk: Walk, canonical_uuid: str, *, user_id: int | None) -> list[Finding]:
    """Undo a merge: every finding merged into this one stands on its own again."""
    canonical = finding_by_uuid(walk, canonical_uuid)
    members = _members_of(canonical)
    if not members:
        raise Conflict(gettext("Nothing is merged into this finding."))
    by_uuid = {m.uuid: m for m in members}
    measure_from, regrouped = _merge_record(canonical)
    if canonical.measure is not None and measure_from in by_uuid:
        _move_measure(canonical.measure, canonical, by_uuid[measure_from])
    for member in members:
        earlier = by_uuid.get(regrouped.get(member.uuid, ""))
        member.canonical_id = earlier.id if earlier is not None else None
        events.record(
            "unmerged", walk_id=walk.id, finding_id=member.id, user_id=user_id, canonical=canonical.uuid
        )
    events.record(
        "group_unmerged",
        walk_id=walk.id,
        finding_id=canonical.id,
        user_id=user_id,
        members=[m.uuid for m in members],
    )
    db.session.commit()
    return members


def _move_measure(measure: Measure, source: Finding, target: Finding) -> None:
    """Give ``source``'s measure to ``target``."""
    measure.finding_id = target.id
    db.session.flush()
    db.session.expire(source, ["measure"])
    db.session.expire(target, ["measure"])


def _merge_record(canonical: Finding) -> tuple[str | None, dict[str, str]]:
    """Since the last unmerge of ``canonical``: which member's measure moved to it, and child → earlier
    group."""
    measure_from: str | None = None
    regrouped: dict[str, str] = {}
    history = db.session.scalars(
        select(Event).where(Event.finding_id == canonical.id, Event.kind.in_(("merged", "group_unmerged",
                                                                                "promoted")))
        .order_by(Event.id)
    )
    for event in history:
        if event.kind == "group_unmerged":
            measure_from, regrouped = None, {}
            continue
        measure_from = event.data.get("measure_from") or measure_from
        regrouped.update(event.data.get("regrouped") or {})
    return measure_from, regrouped


def promote_members(finding: Finding) -> Finding | None:
    """Before ``finding`` is withdrawn: the oldest finding merged into it takes its place (no commit).

    The others are merged into the promoted one and the measure moves with the group, so withdrawing
    one report never hides the reports of everyone else who confirmed the place.
    """
    members = _members_of(finding)
    if not members:
        return None
    promoted, rest = members[0], members[1:]
    promoted.canonical_id = None
    for member in rest:
        member.canonical_id = promoted.id
    measure_from = None
    if finding.measure is not None and promoted.measure is None:
        _move_measure(finding.measure, finding, promoted)
        measure_from = finding.uuid
    events.record("promoted", walk_id=finding.walk_id, finding_id=promoted.id, replaces=finding.uuid,
                  members=[m.uuid for m in rest], measure_from=None)
    if measure_from:
        events.record("measure_moved", walk_id=finding.walk_id, finding_id=promoted.id, source=measure_from)
    return promoted


def _members_of(finding: Finding) -> list[Finding]:
    return list(
        db.session.scalars(
            select(Finding).where(Finding.canonical_id == finding.id).order_by(Finding.created_at, Finding.id)
        )
    )


def members_of(finding: Finding) -> list[Finding]:
    """The findings merged into ``finding``, oldest first."""
    return _members_of(finding)


def group_photos(finding: Finding) -> list[Photo]:
    """Photos of the finding and of every finding merged into it."""
    ids = [finding.id, *(m.id for m in _members_of(finding))]
    return list(db.session.scalars(select(Photo).where(Photo.finding_id.in_(ids)).order_by(Photo.id)))


def merged_groups(walk: Walk) -> list[MergedGroup]:
    """Every canonical finding of the walk that has merged findings, with them."""
    members = list(
        db.session.scalars(
            select(Finding)
            .where(Finding.walk_id == walk.id, Finding.canonical_id.is_not(None))
            .order_by(Finding.created_at, Finding.id)
        )
    )
    grouped: dict[int, list[Finding]] = defaultdict(list)
    for member in members:
        if member.canonical_id is not None:  # always, by the query
            grouped[member.canonical_id].append(member)
    canonicals = {f.id: f for f in db.session.scalars(select(Finding).where(Finding.id.in_(grouped)))}
    return [MergedGroup(canonicals[cid], group) for cid, group in grouped.items()]
