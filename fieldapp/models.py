"""The data model (DESIGN §4). Models describe rows; they never commit."""
from __future__ import annotations

import uuid as uuid_lib
from datetime import UTC, date, datetime

from flask_login import UserMixin
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from fieldapp.extensions import db
from fieldapp.finding_rules import FELT_SAFETY_COLUMNS, FINDING_CHECKS, POLARITIES, felt_answer

# Re-exported for older imports; the values live in fieldapp/finding_rules.py.
from fieldapp.finding_rules import LIGHTING_CHECKS as LIGHTING_CHECKS  # noqa: E402,I001
from fieldapp.finding_rules import POSITION_SOURCES as POSITION_SOURCES  # noqa: E402,I001

# The walk's own life: planned, taking findings, walked (late findings for a grace window), closed. Whether
# its protocol is published is a separate fact (ProtocolVersion rows), so publishing never closes a walk.
WALK_STATUSES = ("draft", "open", "walked", "closed")
PRIORITIES = ("acute", "high", "normal", "low")
MEASURE_STATUSES = ("new", "assessed", "sent", "planned", "done", "rejected", "referred", "verified")
ROLES = ("admin", "organizer")
GROUP_TYPES = ("resident", "police", "housing_company", "staff", "association", "politician", "other")
# When a finding reached the server, relative to the walk (services/late_sync.py decides).
ARRIVALS = ("on_time", "late", "after_close")
PUBLICATION_STATES = ("internal", "approved", "rejected")
BLUR_KINDS = ("face", "plate")
SUGGESTION_STATES = ("suggested", "confirmed", "dismissed")
# Whether the face/plate detector has examined a photo (fieldapp.services.photo_detection).
DETECTION_STATES = ("pending", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid_lib.uuid4())


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes, stored as UTC on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect, coltype):  # noqa: ANN001, ANN201
        """On SQLite, one step from the stored text to an aware datetime (exports read 100k of them)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def process(value: str | None) -> datetime | None:
            # The stored text is ISO 8601 without offset ("2025-10-15 17:30:00.000000"), always UTC.
            return None if value is None else datetime.fromisoformat(value + "+00:00")

        return process


def _in(column: str, values: tuple[str, ...]) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"ck_{column}_values")


class User(UserMixin, db.Model):
    """A staff account (organizer or admin)."""

    __tablename__ = "users"
    __table_args__ = (_in("role", ROLES),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="organizer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sessions carry the epoch they logged in with; logout, a new password or deactivation bump it,
    # which ends every session (and copied cookie) of this account.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class MunicipalitySettings(db.Model):
    """The admin page's municipality settings: one row (id 1); a NULL column means "as configured"
    (``fieldapp/municipality.py`` merges the two)."""

    __tablename__ = "municipality_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(500))
    dpo_contact: Mapped[str | None] = mapped_column(String(500))
    colour: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb", the top bar
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    map_lon: Mapped[float | None] = mapped_column(Float)
    map_lat: Mapped[float | None] = mapped_column(Float)
    map_zoom: Mapped[int | None] = mapped_column(SmallInteger)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    sweref_epsg: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ResponsibleParty(db.Model):
    """Who fixes things: a municipal department, a housing company, Trafikverket, police..."""

    __tablename__ = "responsible_parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50), default="municipal")
    email: Mapped[str | None] = mapped_column(String(254))
    open311_endpoint: Mapped[str | None] = mapped_column(String(500))
    # The API key only encrypted (fieldapp.secret_box), with its last characters to recognise it on pages.
    open311_api_key_encrypted: Mapped[str | None] = mapped_column(Text)
    open311_api_key_hint: Mapped[str | None] = mapped_column(String(8))
    open311_jurisdiction: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The Monday of the last week whose digest was mailed (fieldapp.services.digests): a week is sent once.
    digest_week: Mapped[date | None] = mapped_column(Date)

    service_codes: Mapped[list[PartyServiceCode]] = relationship(
        back_populates="party", cascade="all, delete-orphan", passive_deletes=True
    )


class PartyServiceCode(db.Model):
    """The Open311 service code a party's system uses for a category (wins over the category's default)."""

    __tablename__ = "party_service_codes"
    __table_args__ = (
        UniqueConstraint("party_id", "category_id", name="uq_party_service_codes_party_category"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(
        ForeignKey("responsible_parties.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(String(50))

    party: Mapped[ResponsibleParty] = relationship(back_populates="service_codes")


class Category(db.Model):
    """A finding category with names per language and an Open311 service code."""

    __tablename__ = "categories"
    __table_args__ = (_in("polarity", POLARITIES),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    icon: Mapped[str] = mapped_column(String(50), default="other")
    polarity: Mapped[str] = mapped_column(String(10), default="unsafe")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    service_code: Mapped[str] = mapped_column(String(50))
    default_responsible_party_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsible_parties.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A sub-choice (e.g. "Graffiti" under "Upkeep: litter, graffiti, damage") names its top-level category.
    # Categories are hidden, never deleted, so the parent always exists.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))

    default_responsible_party: Mapped[ResponsibleParty | None] = relationship()
    parent: Mapped[Category | None] = relationship(remote_side=[id])

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sv


walk_categories = Table(
    "walk_categories",
    db.Model.metadata,
    Column("walk_id", ForeignKey("walks.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Walk(db.Model):
    """A planned safety walk: route, stops, join link and what came out of it."""

    __tablename__ = "walks"
    __table_args__ = (_in("status", WALK_STATUSES),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    area_name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_point_text: Mapped[str] = mapped_column(String(300), default="")
    meeting_point_el: Mapped[WKBElement | None] = mapped_column(
        "meeting_point",
        Geometry("POINT", srid=4326, spatial_index=False)
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    join_token: Mapped[str] = mapped_column(String(64), unique=True)
    join_token_revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped whenever the join link is regenerated or revoked: participants who joined through an
    # older link (Participant.join_generation below it) lose access.
    join_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    weather: Mapped[str] = mapped_column(String(200), default="")
    # For the protocol (all optional): who organised it, whom to contact, who took part, the case number.
    organizer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    organisations: Mapped[str] = mapped_column(Text, default="", server_default="")  # one per line
    head_count: Mapped[int | None] = mapped_column(Integer)
    case_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # When the organizer marked the walk done: late findings are accepted for a grace window after it.
    walked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Archived walks leave the staff's working list (fieldapp.services.walk_list); nothing else changes.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_walk_id: Mapped[int | None] = mapped_column(ForeignKey("walks.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    route: Mapped[Route | None] = relationship(back_populates="walk", cascade="all, delete-orphan")
    stops: Mapped[list[Stop]] = relationship(
        back_populates="walk", cascade="all, delete-orphan", order_by="Stop.seq"
    )
    categories: Mapped[list[Category]] = relationship(
        secondary=walk_categories, order_by="Category.sort_order"
    )
    created_by: Mapped[User | None] = relationship()
    previous_walk: Mapped[Walk | None] = relationship(remote_side=[id])

    @property
    def accepts_findings(self) -> bool:
        return self.status == "open" and not self.join_token_revoked


class Route(db.Model):
    """The walk's route: one LINESTRING or MULTILINESTRING in WGS84."""

    __tablename__ = "routes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), unique=True)
    geom_el: Mapped[WKBElement] = mapped_column(
        "geom", Geometry("GEOMETRY", srid=4326, spatial_index=True, nullable=False)
    )
    length_m: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(200), default="")

    walk: Mapped[Walk] = relationship(back_populates="route")


class Stop(db.Model):
    """A numbered stop along the route where the group talks about the place."""

    __tablename__ = "stops"
    __table_args__ = (UniqueConstraint("walk_id", "seq", name="uq_stops_walk_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    geom_el: Mapped[WKBElement] = mapped_column(
        "geom", Geometry("POINT", srid=4326, spatial_index=True, nullable=False)
    )

    walk: Mapped[Walk] = relationship(back_populates="stops")


class Participant(db.Model):
    """A pseudonymous person on one walk (no account); contact only with recorded consent."""

    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    group_type: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(5), default="sv")
    display_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    join_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Finding(db.Model):
    """One observation on the walk, identified by the phone's UUID (the idempotency key)."""

    __tablename__ = "findings"
    __table_args__ = (
        # Every CHECK on a finding's values comes from fieldapp/finding_rules.py (one definition).
        *(CheckConstraint(sql, name=name) for name, sql in FINDING_CHECKS.items()),
        # Findings are numbered and listed in the order they were made: exports and the protocol read
        # them in index order instead of sorting the whole walk first.
        Index("ix_findings_walk_created", "walk_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    geom_el: Mapped[WKBElement] = mapped_column(
        "geom", Geometry("POINT", srid=4326, spatial_index=True, nullable=False)
    )
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    position_source: Mapped[str] = mapped_column(String(10), default="gps")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    polarity: Mapped[str] = mapped_column(String(10), default="unsafe")
    # Felt safety, one column per scale it was asked on (fieldapp.finding_rules.FELT_SAFETY_COLUMNS):
    # ``felt_safety`` the 3-point answers of older walks, ``felt_safety4`` the 4-point word scale.
    felt_safety: Mapped[int | None] = mapped_column(SmallInteger)
    felt_safety4: Mapped[int | None] = mapped_column(SmallInteger)
    lighting_check: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    canonical_id: Mapped[int | None] = mapped_column(
        ForeignKey("findings.id", ondelete="SET NULL"), index=True
    )
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # on_time; late (synced after the walk was marked done, inside the grace window); after_close (kept
    # hidden in the staff's "arrived after closing" list until staff take it into the walk).
    arrival: Mapped[str] = mapped_column(String(12), default="on_time", server_default="on_time")

    # Optimistic locking: every UPDATE bumps `version`, so an edit made on an older copy (offline
    # phone, another staff tab) is detected instead of silently overwriting.
    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship()
    stop: Mapped[Stop | None] = relationship()
    participant: Mapped[Participant | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(back_populates="finding", order_by="Photo.id")
    measure: Mapped[Measure | None] = relationship(back_populates="finding", uselist=False)

    @property
    def felt(self) -> tuple[int, int] | None:
        """The felt-safety answer as (value, scale), or None."""
        return felt_answer([getattr(self, column) for column in FELT_SAFETY_COLUMNS.values()])


class Photo(db.Model):
    """A processed photo of a finding: stored display size and thumbnail, no metadata.

    ``publication`` is staff's decision (fieldapp.services.photo_visibility): ``internal`` (not decided,
    staff and the walk's participants only), ``approved`` (``published_sha256`` is the one file the
    public and responsible parties get) or ``rejected``. ``publishable`` mirrors ``approved``.
    ``detection_state``: has the face/plate detector examined the display image (``pending``, ``done``,
    ``failed`` with ``detection_error``); ``detection_requested_at`` is when its job was last queued.
    """

    __tablename__ = "photos"
    __table_args__ = (_in("publication", PUBLICATION_STATES), _in("detection_state", DETECTION_STATES),
                      Index("ix_photos_detection_state", "detection_state"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    thumb_sha256: Mapped[str] = mapped_column(String(64))
    blurred_sha256: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source_format: Mapped[str] = mapped_column(String(10), default="JPEG")
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    blurred: Mapped[bool] = mapped_column(Boolean, default=False)
    publishable: Mapped[bool] = mapped_column(Boolean, default=False)
    publication: Mapped[str] = mapped_column(String(10), default="internal")
    publication_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    publication_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_sha256: Mapped[str | None] = mapped_column(String(64))
    originals_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    alt_text: Mapped[str] = mapped_column(String(300), default="")
    # Taken by staff after the measure was carried out (the "after" of a before/after on the feedback page).
    after_measure: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    detection_state: Mapped[str] = mapped_column(String(10), default="pending")
    detection_error: Mapped[str | None] = mapped_column(Text)
    detection_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="photos")
    suggestions: Mapped[list[BlurSuggestion]] = relationship(
        back_populates="photo", order_by="BlurSuggestion.id", cascade="all, delete-orphan"
    )


class BlurSuggestion(db.Model):
    """A face or number plate the detector found on a photo's display image, for staff to blur or dismiss.

    x, y, w, h are fractions (0…1) of the display image's width and height. A box is stored once per
    photo (the detector is deterministic, so a repeated run could only repeat its boxes).
    """

    __tablename__ = "blur_suggestions"
    __table_args__ = (_in("kind", BLUR_KINDS), _in("state", SUGGESTION_STATES),
                      UniqueConstraint("photo_id", "kind", "x", "y", "w", "h",
                                       name="uq_blur_suggestions_box"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    w: Mapped[float] = mapped_column(Float)
    h: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(10), default="suggested")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    photo: Mapped[Photo] = relationship(back_populates="suggestions")


class PhotoBlob(db.Model):
    """Photo bytes kept in the database (the PostgreSQL photo store), keyed by sha256."""

    __tablename__ = "photo_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Measure(db.Model):
    """The action for a (canonical) finding: proposal, owner, priority, deadline, status."""

    __tablename__ = "measures"
    __table_args__ = (_in("priority", PRIORITIES), _in("status", MEASURE_STATUSES))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), unique=True)
    proposal: Mapped[str] = mapped_column(Text, default="")
    responsible_party_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsible_parties.id", ondelete="SET NULL")
    )
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="new")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    public_answer: Mapped[str] = mapped_column(Text, default="")
    external_ticket_id: Mapped[str | None] = mapped_column(String(100))
    open311_state: Mapped[str | None] = mapped_column(String(20))
    open311_attempts: Mapped[int] = mapped_column(Integer, default=0)
    open311_last_error: Mapped[str | None] = mapped_column(Text)
    open311_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="measure")
    responsible_party: Mapped[ResponsibleParty | None] = relationship()


class Event(db.Model):
    """History: who changed what and when, for walks, findings and measures."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


VERDICTS = ("fixed", "still_problem")


class FollowUpCheck(db.Model):
    """A participant's verdict, during a follow-up walk, on a finding of the walk before it.

    Identified by the phone's UUID like a finding (retries never duplicate); ``arrival`` as for findings
    (fieldapp.services.late_sync).
    """

    __tablename__ = "follow_up_checks"
    __table_args__ = (_in("verdict", VERDICTS),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    earlier_finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(15))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    arrival: Mapped[str] = mapped_column(String(12), default="on_time", server_default="on_time")

    earlier_finding: Mapped[Finding] = relationship()
    participant: Mapped[Participant | None] = relationship()


promise_measures = Table(
    "promise_measures",
    db.Model.metadata,
    Column("promise_id", ForeignKey("citizen_promises.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
)


class CitizenPromise(db.Model):
    """A medborgarlöfte: a named, dated public commitment by police and municipality that groups
    measures from any walks; its public page shows their progress once it is published."""

    __tablename__ = "citizen_promises"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    area_name: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    measures: Mapped[list[Measure]] = relationship(secondary=promise_measures, order_by="Measure.id")


class Subscription(db.Model):
    """An e-mail address that asked to hear when something on one walk changes (double opt-in).

    The address is kept for this purpose only and deleted by fieldapp.services.retention: unconfirmed
    ones after a few days, confirmed ones when nothing has changed on the walk for a long time.
    ``notified_until``: changes up to this moment have been mailed (or predate the subscription).
    """

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("walk_id", "email", name="uq_subscriptions_walk_email"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="sv")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_until: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    walk: Mapped[Walk] = relationship()


class ProtocolVersion(db.Model):
    """A published protocol: numbered and dated per walk and audience; republishing makes a new one."""

    __tablename__ = "protocol_versions"
    __table_args__ = (
        UniqueConstraint("walk_id", "audience", "number", name="uq_protocol_versions_walk_audience_number"),
        CheckConstraint("audience IN ('public', 'internal')", name="ck_audience_values"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(10), default="public")
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    html: Mapped[str] = mapped_column(Text, default="")
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))


PDF_STATES = ("queued", "rendering", "ready", "failed")


class ProtocolPdf(db.Model):
    """One protocol PDF, rendered once in the job queue: a published version's, or a staff draft's.

    The row holds what to render (the protocol document HTML, its audience and language), where the
    render stands (state, progress, error, attempts, the claim of the worker rendering it, ``touched_at``
    as its lease) and, once ready, the bytes with their sha256. A published version has exactly one;
    drafts are keyed by the sha256 of what they show, so the same draft content is rendered once.
    """

    __tablename__ = "protocol_pdfs"
    __table_args__ = (
        UniqueConstraint(
            "walk_id", "audience", "source_sha256", name="uq_protocol_pdfs_walk_audience_source"
        ),
        CheckConstraint("audience IN ('public', 'internal')", name="ck_protocol_pdfs_audience"),
        CheckConstraint(
            "state IN ('queued', 'rendering', 'ready', 'failed')", name="ck_protocol_pdfs_state"
        ),
        Index("ix_protocol_pdfs_state", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("protocol_versions.id", ondelete="CASCADE"), unique=True
    )
    audience: Mapped[str] = mapped_column(String(10))
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    source_sha256: Mapped[str] = mapped_column(String(64))
    document_html: Mapped[str] = mapped_column(Text, default="", deferred=True)  # emptied once ready
    state: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(32))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    version: Mapped[ProtocolVersion | None] = relationship(
        backref=backref("pdf", uselist=False, passive_deletes=True)
    )
