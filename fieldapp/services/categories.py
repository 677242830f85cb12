"""The finding categories: the default set (docs/CATEGORIES.md), the admin's changes, each walk's set.

A walk keeps the set it was planned with (``walk_categories``, chosen when the walk is created or its
details are edited): categories an admin adds later do not appear in it, and categories hidden later stay
in it, so a walk's phones, review, protocol and exports keep one set. Names, icons and service codes are
the category's own, so fixing a wording reaches every walk; a change of meaning is a new category (and the
old one hidden). Categories are never deleted: findings point at them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, or_, select

from fieldapp.errors import NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.finding_rules import CATEGORY_CODE_MAX_CHARS, POLARITIES
from fieldapp.models import Category, Walk

# The icons drawn in fieldapp/templates/field/_icons.html (a test checks each has a drawing).
ICONS: tuple[str, ...] = (
    "safe", "lighting", "sightlines", "vegetation", "isolation", "underpass", "maintenance", "litter",
    "graffiti", "vandalism", "abandoned", "traffic", "walkway", "signage", "transit", "social", "other",
)

# code, Swedish, English, icon, polarity, parent code. Top-level choices first in tile order (safe places
# first), each followed by its sub-choices. Why these: docs/CATEGORIES.md.
DEFAULT_CATEGORIES: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("safe_place", "Här känns det tryggt", "Feels safe here", "safe", "safe", None),
    ("lighting", "Belysning", "Lighting", "lighting", "unsafe", None),
    ("sightlines", "Skymd sikt, buskage", "Can't see ahead, bushes", "sightlines", "unsafe", None),
    ("vegetation", "Buskar och träd", "Bushes and trees", "vegetation", "unsafe", "sightlines"),
    ("isolation", "Ensamt, folktomt", "Lonely, no one around", "isolation", "unsafe", None),
    ("underpass", "Tunnel, passage", "Tunnel, passage", "underpass", "unsafe", None),
    ("maintenance", "Skräp, klotter, skador", "Litter, graffiti, damage", "maintenance", "unsafe", None),
    ("litter", "Skräp", "Litter", "litter", "unsafe", "maintenance"),
    ("graffiti", "Klotter", "Graffiti", "graffiti", "unsafe", "maintenance"),
    ("vandalism", "Skadegörelse", "Vandalism", "vandalism", "unsafe", "maintenance"),
    ("abandoned", "Övergivet hus eller fordon", "Abandoned building or vehicle", "abandoned", "unsafe",
     "maintenance"),
    ("traffic", "Trafik, övergångsställen", "Traffic, crossings", "traffic", "unsafe", None),
    ("walkway", "Gångväg: hinder, halka", "Footpath: obstacles, ice", "walkway", "unsafe", None),
    ("signage", "Skyltar, svårt att hitta", "Signs, hard to find the way", "signage", "unsafe", "walkway"),
    ("transit", "Hållplats, station", "Bus stop, station", "transit", "unsafe", None),
    ("social", "Stök, störningar", "Rowdiness, disturbance", "social", "unsafe", None),
    ("other", "Något annat", "Something else", "other", "unsafe", None),
)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
SERVICE_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")
NAME_MAX_CHARS = 60  # a tile on a phone shows about two lines of this
SERVICE_CODE_MAX_CHARS = 50


def ensure_default_categories() -> list[Category]:
    """Insert the default categories that are missing (idempotent) and return the active ones, in order."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, name_sv, name_en, icon, polarity, parent) in enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            category = Category(code=code, name_sv=name_sv, name_en=name_en, icon=icon, polarity=polarity,
                                sort_order=order, service_code=code, parent=existing.get(parent or ""))
            db.session.add(category)
            existing[code] = category
    db.session.commit()
    return all_categories()


def in_display_order(categories: Iterable[Category]) -> list[Category]:
    """Top-level categories by their order, each followed by its sub-choices (those in ``categories``)."""
    items = list(categories)
    codes = {c.id for c in items}
    tops = sorted((c for c in items if c.parent_id is None or c.parent_id not in codes),
                  key=lambda c: (c.sort_order, c.id))
    result: list[Category] = []
    for top in tops:
        result.append(top)
        result += sorted((c for c in items if c.parent_id == top.id), key=lambda c: (c.sort_order, c.id))
    return result


def every_category() -> list[Category]:
    """All categories, hidden ones included, in display order (the admin page)."""
    return in_display_order(db.session.scalars(select(Category)))


def all_categories() -> list[Category]:
    """Active categories in display order; a sub-choice of a hidden category is hidden with it."""
    return [c for c in every_category() if c.active and (c.parent is None or c.parent.active)]


def top_level(categories: Iterable[Category]) -> list[Category]:
    return [c for c in categories if c.parent_id is None]


def planning_choices(walk: Walk | None = None) -> list[Category]:
    """The top-level categories an organizer may choose for ``walk`` (each brings its sub-choices): the
    active ones, and those the walk already has even if hidden since."""
    pool = {c.id: c for c in [*all_categories(), *(walk.categories if walk else [])]}
    return top_level(in_display_order(pool.values()))


def category_by_code(code: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.code == code))


def category_by_id(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(gettext("There is no such category."))
    return category


def walk_set(codes: Iterable[str], keep: Sequence[Category] = ()) -> list[Category]:
    """The category set of a walk for the chosen (top-level) ``codes``: the chosen categories with their
    sub-choices, from the active set plus ``keep`` (the walk's current set, which may hold hidden ones)."""
    wanted = set(codes)
    pool = {c.id: c for c in [*all_categories(), *keep]}
    chosen = {c.id for c in pool.values() if c.code in wanted}
    return in_display_order(c for c in pool.values() if c.id in chosen or c.parent_id in chosen)


@dataclass(frozen=True)
class CategoryInput:
    """What an admin enters for a category (codes are fixed once a category exists)."""

    name_sv: str
    name_en: str
    icon: str = "other"
    polarity: str = "unsafe"
    service_code: str = ""
    parent_code: str = ""
    code: str = ""


class CategoryError(ValidationError):
    """A category field was refused; ``field`` names the form field for the message."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, details={"field": field})
        self.field = field


def _apply(category: Category, data: CategoryInput) -> None:
    for field, value in (("name_sv", data.name_sv), ("name_en", data.name_en)):
        name = value.strip()
        if not name:
            raise CategoryError(gettext("Enter a name."), field)
        if len(name) > NAME_MAX_CHARS:
            raise CategoryError(gettext(
                "At most %(n)d characters: the name must fit on a phone's tile.", n=NAME_MAX_CHARS), field)
        setattr(category, field, name)
    if data.icon not in ICONS:
        raise CategoryError(gettext("Choose an icon from the list."), "icon")
    if data.polarity not in POLARITIES:
        raise CategoryError(
            gettext("Choose whether the category is about unsafe or safe places."), "polarity")
    service_code = data.service_code.strip() or category.code
    if len(service_code) > SERVICE_CODE_MAX_CHARS or not SERVICE_CODE_PATTERN.match(service_code):
        raise CategoryError(gettext(
            "Use at most %(n)d letters, digits and . _ : - (as the Open311 server lists them).",
            n=SERVICE_CODE_MAX_CHARS), "service_code")
    category.icon, category.polarity, category.service_code = data.icon, data.polarity, service_code
    _set_parent(category, data.parent_code.strip())


def _set_parent(category: Category, parent_code: str) -> None:
    if not parent_code:
        category.parent = None
        return
    parent = category_by_code(parent_code)
    if parent is None or parent.parent_id is not None or parent.id == category.id:
        raise CategoryError(gettext("Choose a top-level category."), "parent_code")
    if category.id is not None and db.session.scalar(
            select(func.count()).select_from(Category).where(Category.parent_id == category.id)):
        raise CategoryError(
            gettext("This category has sub-choices of its own; it can only be a top-level category."),
            "parent_code")
    category.parent = parent


def create_category(data: CategoryInput) -> Category:
    code = data.code.strip().lower()
    if not code or len(code) > CATEGORY_CODE_MAX_CHARS or not CODE_PATTERN.match(code):
        raise CategoryError(gettext(
            "Use at most %(n)d small letters a–z, digits and _, starting with a letter.",
            n=CATEGORY_CODE_MAX_CHARS), "code")
    if category_by_code(code) is not None:
        raise CategoryError(gettext("This code is already used by another category."), "code")
    last = db.session.scalar(select(func.max(Category.sort_order))) or 0
    category = Category(code=code, sort_order=last + 1, active=True)
    _apply(category, data)
    db.session.add(category)
    db.session.commit()
    return category


def update_category(category: Category, data: CategoryInput) -> Category:
    try:
        _apply(category, data)
    except CategoryError:
        db.session.rollback()
        raise
    db.session.commit()
    return category


def set_active(category: Category, active: bool) -> None:
    """Hide a category from walks planned from now on (or show it again); existing walks keep theirs."""
    category.active = active
    db.session.commit()


def move(category: Category, step: int) -> None:
    """Move a category one place up (-1) or down (+1) among its siblings."""
    siblings = [c for c in every_category() if c.parent_id == category.parent_id]
    index = siblings.index(category)
    other = index + step
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for order, item in enumerate(siblings):
        item.sort_order = order
    db.session.commit()


def ids_under(code: str) -> list[int]:
    """The category ``code`` and its sub-choices: what a filter on that category means (a top-level choice
    includes the details under it)."""
    top = select(Category.id).where(Category.code == code)
    query = select(Category.id).where(or_(Category.id.in_(top), Category.parent_id.in_(top)))
    return list(db.session.scalars(query))
