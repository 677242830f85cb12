"""The category list (DESIGN §8) and lookups."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Category

# code, Swedish, English, icon, polarity, Open311 service_code
DEFAULT_CATEGORIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("lighting", "Belysning", "Lighting", "lighting", "unsafe"),
    ("vegetation", "Vegetation, buskage", "Vegetation, shrubbery", "vegetation", "unsafe"),
    ("sightlines", "Skymd sikt, gömställen", "Blocked sightlines, hiding places", "sightlines", "unsafe"),
    ("underpass", "Gångtunnlar, passager", "Underpasses, passages", "underpass", "unsafe"),
    ("litter", "Nedskräpning", "Litter", "litter", "unsafe"),
    ("graffiti", "Klotter", "Graffiti", "graffiti", "unsafe"),
    ("vandalism", "Skadegörelse", "Vandalism", "vandalism", "unsafe"),
    (
        "abandoned",
        "Övergivna platser, byggnader, fordon",
        "Abandoned places, buildings, vehicles",
        "abandoned",
        "unsafe",
    ),
    ("traffic", "Trafiksäkerhet, övergångsställen", "Traffic safety, crossings", "traffic", "unsafe"),
    (
        "walkway",
        "Gångväg: framkomlighet, halka, snö",
        "Walkway: accessibility, ice, snow",
        "walkway",
        "unsafe",
    ),
    ("signage", "Skyltning, orienterbarhet", "Signage, wayfinding", "signage", "unsafe"),
    ("isolation", "Avskildhet, folktomt", "Isolation, no one around", "isolation", "unsafe"),
    ("transit", "Hållplatser, kollektivtrafik", "Stops, public transport", "transit", "unsafe"),
    ("maintenance", "Skötsel, underhåll", "Maintenance", "maintenance", "unsafe"),
    ("social", "Social miljö, störningar", "Social environment, disturbance", "social", "unsafe"),
    ("safe_place", "Trygg plats – värna", "Safe place – keep", "safe", "safe"),
    ("other", "Övrigt", "Other", "other", "unsafe"),
)


def ensure_default_categories() -> list[Category]:
    """Insert the default categories that are missing (idempotent) and return all, in order."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, name_sv, name_en, icon, polarity) in enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            db.session.add(
                Category(code=code, name_sv=name_sv, name_en=name_en, icon=icon, polarity=polarity,
                         sort_order=order, service_code=code)
            )
    db.session.commit()
    return all_categories()


def all_categories() -> list[Category]:
    """Active categories in display order."""
    return list(db.session.scalars(select(Category).where(Category.active).order_by(Category.sort_order)))


def category_by_code(code: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.code == code))
