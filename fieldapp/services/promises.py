"""Citizen promises (medborgarlöften): a named, dated public commitment that groups measures from any
walks, and its progress as residents see it.

In Ale's model (Trygg i Ale) police and municipality choose a few problems from the local situation
picture and promise publicly to work on them for a period; BRÅ found the feedback on such promises
weak. A promise here is made by staff, filled with measures (from any walk), and published: its public
page reads the measures live, so it stays current without republishing. Residents see only what the
external audience may see: category, area, the measure's status and its public answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.errors import N_, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import CitizenPromise, Finding, Measure, Walk
from fieldapp.services.walks import slugify
from fieldapp.text import clean_text

MAX_TITLE, MAX_DESCRIPTION = 200, 5000
# How a measure's status reads on the public page: kept, in progress, not possible, not started.
PUBLIC_BUCKETS = {"done": "done", "verified": "done", "planned": "in_progress", "sent": "in_progress",
                  "assessed": "in_progress", "rejected": "not_possible", "referred": "in_progress",
                  "new": "not_started"}


@dataclass(frozen=True)
class PromiseInput:
    title: str
    starts_on: date
    ends_on: date
    description: str = ""
    area_name: str = ""


def _checked(data: PromiseInput) -> PromiseInput:
    title = clean_text(data.title).strip()
    if not title:
        raise ValidationError(N_("The promise needs a title."))
    if len(title) > MAX_TITLE or len(data.description) > MAX_DESCRIPTION:
        raise ValidationError(N_("The text is too long."))
    if data.ends_on < data.starts_on:
        raise ValidationError(N_("The promise must end after it starts."))
    return PromiseInput(title, data.starts_on, data.ends_on, clean_text(data.description).strip(),
                        clean_text(data.area_name).strip()[:200])


def _unique_slug(title: str, year: int) -> str:
    base = f"{slugify(title)[:60]}-{year}"
    slug, n = base, 1
    while db.session.scalar(select(CitizenPromise.id).where(CitizenPromise.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_promise(data: PromiseInput) -> CitizenPromise:
    data = _checked(data)
    promise = CitizenPromise(slug=_unique_slug(data.title, data.starts_on.year), title=data.title,
                             description=data.description, area_name=data.area_name,
                             starts_on=data.starts_on, ends_on=data.ends_on)
    db.session.add(promise)
    db.session.commit()
    return promise


def update_promise(promise: CitizenPromise, data: PromiseInput) -> CitizenPromise:
    data = _checked(data)
    promise.title, promise.description, promise.area_name = data.title, data.description, data.area_name
    promise.starts_on, promise.ends_on = data.starts_on, data.ends_on
    db.session.commit()
    return promise


def list_promises() -> list[CitizenPromise]:
    return list(db.session.scalars(select(CitizenPromise).order_by(CitizenPromise.starts_on.desc(),
                                                                   CitizenPromise.id.desc())))


def published_promises() -> list[CitizenPromise]:
    """The promises residents can read, the newest period first."""
    return list(db.session.scalars(select(CitizenPromise).where(CitizenPromise.published_at.is_not(None))
                                   .order_by(CitizenPromise.starts_on.desc(), CitizenPromise.id.desc())))


def promise_by_slug(slug: str, *, public: bool = False) -> CitizenPromise:
    """The promise; for the public only a published one (else 404, as if it did not exist)."""
    query = select(CitizenPromise).where(CitizenPromise.slug == slug)
    promise: CitizenPromise | None = db.session.scalar(query)
    if promise is None or (public and promise.published_at is None):
        raise NotFound(N_("There is no such promise."))
    return promise


def set_measures(promise: CitizenPromise, measure_ids: list[int]) -> CitizenPromise:
    """The promise covers exactly these measures (from any walks)."""
    measures = list(db.session.scalars(select(Measure).where(Measure.id.in_(measure_ids or [0]))))
    if len(measures) != len(set(measure_ids)):
        raise ValidationError(N_("A chosen measure no longer exists. Reload the page."))
    promise.measures = measures
    db.session.commit()
    return promise


def publish(promise: CitizenPromise, published: bool) -> CitizenPromise:
    if published and not promise.measures:
        raise ValidationError(gettext("Add at least one measure before publishing the promise."))
    promise.published_at = datetime.now(UTC) if published else None
    db.session.commit()
    return promise


def candidate_measures() -> list[Measure]:
    """Every measure a promise could take up (any status), newest first, with finding and walk loaded."""
    return list(db.session.scalars(
        select(Measure).join(Finding, Finding.id == Measure.finding_id)
        .where(Finding.hidden.is_(False), Finding.canonical_id.is_(None))
        .options(selectinload(Measure.finding).selectinload(Finding.category),
                 selectinload(Measure.responsible_party))
        .order_by(Measure.created_at.desc(), Measure.id.desc())
    ))


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    in_progress: int
    not_possible: int
    not_started: int

    @property
    def share_done(self) -> float:
        return self.done / self.total if self.total else 0.0


def progress(promise: CitizenPromise) -> Progress:
    buckets = [PUBLIC_BUCKETS.get(m.status, "not_started") for m in promise.measures]
    return Progress(len(buckets), buckets.count("done"), buckets.count("in_progress"),
                    buckets.count("not_possible"), buckets.count("not_started"))


def walks_of(measures: list[Measure]) -> dict[int, Walk]:
    """The walk of each measure's finding (walk id → walk), read in one query."""
    ids = {m.finding.walk_id for m in measures}
    return {w.id: w for w in db.session.scalars(select(Walk).where(Walk.id.in_(ids)))} if ids else {}
