"""Demo data: an organizer account and a walk around Ale torg, Nödinge (Ale kommun).

Everything here is invented and labelled DEMO; the photos are generated drawings. Demo data is only
ever written to a development installation (``FIELDAPP_ENV=development``, config ``ENVIRONMENT``). The
demo account is an organizer (never an admin) whose random password is shown once, when it is created;
later runs neither reset nor re-activate it.
"""
from __future__ import annotations

import io
import random
import secrets
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from shapely.geometry import LineString, Point
from sqlalchemy import select, update

from fieldapp import municipality
from fieldapp.errors import N_, Forbidden
from fieldapp.extensions import db
from fieldapp.models import Finding, Participant, User, Walk
from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.photos import add_photo
from fieldapp.services.users import create_user, user_by_email
from fieldapp.services.walks import StopInput, create_walk, join_url

DEMO_SLUG = "demo-nodinge"
DEMO_EMAIL = "demo@fieldapp.example"
DEVELOPMENT = "development"
DEMO_NAMESPACE = uuid_lib.UUID("6f1c2a52-8d0e-4a4e-9d7a-0c9e3f1d2b10")

# A ~2 km loop around Ale torg (lon, lat). Invented for the demo; not a surveyed path.
DEMO_ROUTE = LineString([
    (12.06870, 57.89440), (12.06780, 57.89620), (12.06850, 57.89810), (12.07100, 57.89900),
    (12.07420, 57.89850), (12.07560, 57.89650), (12.07500, 57.89420), (12.07350, 57.89220),
    (12.07080, 57.89130), (12.06820, 57.89200), (12.06760, 57.89320), (12.06870, 57.89440),
])
DEMO_STOPS = (
    StopInput("Ale torg, entrén", Point(12.06870, 57.89440), "Hur känns torget efter stängning?"),
    StopInput("Gångvägen mot Nödinge kyrka", Point(12.06850, 57.89810)),
    StopInput("Gångtunneln under vägen", Point(12.07100, 57.89900), "Ser du vem som kommer?"),
    StopInput("Parkeringen vid idrottsplatsen", Point(12.07560, 57.89650)),
    StopInput("Lekplatsen", Point(12.07350, 57.89220)),
    StopInput("Busshållplatsen", Point(12.06820, 57.89200)),
    StopInput("Stationsvägen", Point(12.06760, 57.89320)),
)
# category, lon, lat, stop, felt safety, lighting, note, photos
DEMO_FINDINGS = (
    ("lighting", 12.06795, 57.89600, 1, 1, "out", "Två lyktstolpar släckta längs gångvägen.", 1),
    ("lighting", 12.06799, 57.89603, 1, 1, "out", "Trasig lampa, helt mörkt här.", 0),
    ("vegetation", 12.06830, 57.89740, 2, 2, None, "Höga buskar skymmer gångvägen.", 1),
    ("underpass", 12.07095, 57.89893, 3, 1, None, "Tunneln är mörk och man ser inte ut.", 1),
    ("graffiti", 12.07110, 57.89905, 3, 2, None, "Klotter på tunnelns väggar.", 0),
    ("sightlines", 12.07430, 57.89840, None, 2, None, "Containrar skapar gömställen.", 0),
    ("traffic", 12.07555, 57.89660, 4, 2, None, "Övergångsställe utan belysning.", 0),
    ("isolation", 12.07520, 57.89500, None, 1, None, "Folktomt och långt till närmaste hus.", 0),
    ("litter", 12.07340, 57.89230, 5, 3, None, "Nedskräpat runt lekplatsen.", 0),
    ("safe_place", 12.07360, 57.89215, 5, None, None, "Ny belysning vid lekplatsen – känns tryggt.", 1),
    ("transit", 12.06825, 57.89205, 6, 2, None, "Hållplatsen saknar tak och belysning.", 0),
    ("walkway", 12.06950, 57.89160, None, 2, None, "Ojämn gångväg, halt vid regn.", 0),
    ("safe_place", 12.06880, 57.89450, 1, None, None, "Torget är välbelyst och folk rör sig här.", 0),
    ("maintenance", 12.06765, 57.89330, 7, 3, None, "Trasigt staket längs Stationsvägen.", 0),
)


@dataclass(frozen=True)
class DemoResult:
    walk: Walk
    join_url: str
    email: str
    password: str | None  # only when this run created the demo account; never shown again


def is_development() -> bool:
    """This installation says it is a development one (FIELDAPP_ENV=development)."""
    return current_app.config.get("ENVIRONMENT") == DEVELOPMENT


def require_development() -> None:
    """Demo data (and its known account) must never reach a database with real walks."""
    if not is_development():
        raise Forbidden(N_("Demo data is only for development databases. Set FIELDAPP_ENV=development "
                           "on a database of your own, never on one with real walks."),
                        code="not_development")


def _demo_user() -> tuple[User, str | None]:
    """The demo organizer, created with a random password on the first run (returned only then)."""
    user = user_by_email(DEMO_EMAIL)
    if user is not None:
        return user, None  # left as it is: not re-activated, password not reset
    password = secrets.token_urlsafe(12)
    return create_user(DEMO_EMAIL, password, role="organizer", name="Demo Organizer"), password


def demo_photo_bytes(seed: int, caption: str) -> bytes:
    """A generated evening street drawing, clearly marked as a demo image (JPEG)."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable drawing, not a secret
    width, height = 1600, 1200
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(20 + 50 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade // 2, shade // 2, shade))
    draw.polygon([(0, height), (width, height), (width, 850), (0, 900)], fill=(45, 45, 50))
    for _ in range(6):
        x = rng.randint(50, width - 150)
        draw.rectangle([x, 500 + rng.randint(0, 150), x + rng.randint(80, 200), 880], fill=(30, 35, 30))
    pole_x = rng.randint(300, 1300)
    draw.rectangle([pole_x, 300, pole_x + 14, 880], fill=(80, 80, 85))
    draw.ellipse([pole_x - 40, 260, pole_x + 54, 330], fill=(200, 190, 120) if seed % 2 else (60, 60, 60))
    font = ImageFont.load_default(size=56)
    draw.text((60, 60), "DEMO – generated image", fill=(255, 255, 255), font=font)
    draw.text((60, 140), caption[:40], fill=(230, 230, 230), font=ImageFont.load_default(size=40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _demo_walk(user: User) -> Walk:
    walk = db.session.scalars(select(Walk).where(Walk.slug == DEMO_SLUG)).first()
    if walk is not None:
        return walk
    starts = (datetime.now(municipality.zone()) + timedelta(days=7)).replace(
        hour=18, minute=30, second=0, microsecond=0
    )
    return create_walk(
        "DEMO: Trygghetsvandring Nödinge centrum",
        slug=DEMO_SLUG,
        route=DEMO_ROUTE,
        route_source="demo",
        stops=DEMO_STOPS,
        area_name="Nödinge, Ale torg (demodata)",
        purpose="Demonstration: exempel på en trygghetsvandring. Alla uppgifter är påhittade.",
        municipality="Ale kommun",
        starts_at=starts,
        meeting_point_text="Ale torg, vid huvudentrén",
        meeting_point=Point(12.06870, 57.89440),
        status="open",
        created_by_id=user.id,
        is_demo=True,
    )


# Who "walked" the demo: the protocol counts participants by group, so the demo shows a realistic mix.
DEMO_GROUPS = ("resident", "resident", "police", "housing_company", "resident", "staff", "association")


def _demo_participants(walk: Walk) -> list[Participant]:
    participants = []
    for k, group in enumerate(DEMO_GROUPS):
        public_id = str(uuid_lib.uuid5(DEMO_NAMESPACE, f"participant-{k}"))
        participant = db.session.scalar(select(Participant).where(Participant.public_id == public_id))
        if participant is None:
            participant = Participant(public_id=public_id, walk_id=walk.id, group_type=group, language="sv")
            db.session.add(participant)
        participants.append(participant)
    db.session.commit()  # before save_finding, which may roll back its own failed attempt
    return participants


def _demo_findings(walk: Walk) -> None:
    """The demo findings, written like any participant's, then marked as demo data."""
    if not walk.accepts_findings:
        return  # closed since the first run, which added them
    # Stamped an hour ago (a try-out before the walk): the findings API accepts no times in the future.
    base_time = datetime.now(municipality.zone()) - timedelta(hours=1)
    participants = _demo_participants(walk)
    uuids = [str(uuid_lib.uuid5(DEMO_NAMESPACE, f"finding-{n}")) for n in range(len(DEMO_FINDINGS))]
    for n, (code, lon, lat, stop, felt, lighting, note, photos) in enumerate(DEMO_FINDINGS):
        if db.session.scalar(select(Finding.id).where(Finding.uuid == uuids[n])) is not None:
            continue
        finding = save_finding(
            walk, uuids[n],
            FindingInput(lon=lon, lat=lat, category=code, accuracy_m=8.0, stop_seq=stop, felt_safety=felt,
                         lighting_check=lighting, note=note, created_at=base_time + timedelta(minutes=4 * n)),
            participant_id=participants[n % len(participants)].id,
        ).finding
        for k in range(photos):
            add_photo(finding, str(uuid_lib.uuid5(DEMO_NAMESPACE, f"photo-{n}-{k}")),
                      demo_photo_bytes(n * 10 + k, note))
    db.session.execute(update(Finding).where(Finding.walk_id == walk.id, Finding.uuid.in_(uuids))
                       .values(is_demo=True))
    db.session.commit()


def seed_demo() -> DemoResult:
    """Create (or find) the demo organizer and demo walk with findings and photos. Idempotent.

    Refused (Forbidden) unless this is a development installation.
    """
    require_development()
    ensure_default_categories()
    user, password = _demo_user()
    walk = _demo_walk(user)
    _demo_findings(walk)
    return DemoResult(walk=walk, join_url=join_url(walk, current_app.config["PUBLIC_URL"]),
                      email=DEMO_EMAIL, password=password)
