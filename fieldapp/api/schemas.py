"""Request and response schemas of the field API (validation and OpenAPI in one declaration)."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from fieldapp import finding_rules as rules
from fieldapp.errors import N_
from fieldapp.models import ARRIVALS, WALK_STATUSES
from fieldapp.text import clean_text, has_lone_surrogate


class Text(ma.fields.String):
    """A string from a phone, cleaned by the one input rule (``fieldapp.text.clean_text``)."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's signature
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_lone_surrogate(text):
            raise ma.ValidationError(N_("The text contains an invalid character (half of a UTF-16 pair)."))
        return clean_text(text)


class UTCDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with offset, converted to UTC; years that cannot be represented are refused."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's signature
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ma.ValidationError(N_("Not a valid date and time.")) from None


class FindingInSchema(ma.Schema):
    """Body of ``PUT /walks/<slug>/findings/<uuid>``."""

    class Meta:
        unknown = ma.EXCLUDE

    lon = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(-180, 180),
                          metadata={"description": "WGS84 longitude; omit when `stop` is given"})
    lat = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(-90, 90))
    accuracy_m = ma.fields.Float(allow_none=True, load_default=None,
                                 validate=validate.Range(0, rules.ACCURACY_MAX_M))
    position_source = ma.fields.String(load_default="gps", validate=validate.OneOf(rules.POSITION_SOURCES))
    stop = ma.fields.Integer(allow_none=True, load_default=None,
                             validate=validate.Range(1, rules.STOP_SEQ_MAX),
                             metadata={"description": "stop number (sequence) the finding belongs to"})
    category = Text(required=True, validate=validate.Length(1, rules.CATEGORY_CODE_MAX_CHARS))
    polarity = ma.fields.String(allow_none=True, load_default=None, validate=validate.OneOf(rules.POLARITIES))
    felt_safety = ma.fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(1, max(rules.FELT_SAFETY_SCALES)),
        metadata={"description": "1 = most unsafe … `felt_safety_scale` = most safe"})
    felt_safety_scale = ma.fields.Integer(
        allow_none=True, load_default=None, validate=validate.OneOf(rules.FELT_SAFETY_SCALES),
        metadata={"description": "the scale of `felt_safety`; omitted = the 3-point scale of older pages"})
    lighting_check = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(rules.LIGHTING_CHECKS)
    )
    note = Text(load_default="", validate=validate.Length(max=rules.NOTE_MAX_CHARS))

    @ma.validates_schema
    def _felt_safety_fits_scale(self, data: dict, **kwargs: object) -> None:
        value = data.get("felt_safety")
        scale = rules.felt_safety_scale_of(value, data.get("felt_safety_scale"))
        problem = rules.felt_safety_problem(value, scale)
        if problem:
            raise ma.ValidationError(problem, field_name="felt_safety")
    created_at = UTCDateTime(allow_none=True, load_default=None,
                                         metadata={"description": "device time with offset (ISO 8601)"})
    base_version = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, 1_000_000),
        metadata={"description": "version the client edited; a newer server version gives 409"},
    )


# ------------------------------------------------------------------------------------------------ responses
# Every member typed: flask-smorest dumps responses through these schemas (an undeclared key would be
# dropped) and schemathesis checks real responses against them (tests/app/test_api_schemas.py keeps the
# declared properties equal to what the services return).


def _nullable_choice(values: tuple[str, ...]) -> ma.fields.String:
    return ma.fields.String(required=True, allow_none=True, validate=validate.OneOf(values))


class PointSchema(ma.Schema):
    """A GeoJSON Point (RFC 7946): [longitude, latitude] in WGS84."""

    type = ma.fields.String(required=True, validate=validate.Equal("Point"))
    coordinates = ma.fields.List(ma.fields.Float(), required=True, validate=validate.Length(2, 2))


class RouteGeometrySchema(ma.Schema):
    """The route: a GeoJSON LineString, or a MultiLineString for a route in parts (WGS84)."""

    type = ma.fields.String(required=True, validate=validate.OneOf(("LineString", "MultiLineString")))
    coordinates = ma.fields.Raw(required=True, metadata={
        "description": "LineString: [[lon, lat], …]; MultiLineString: [[[lon, lat], …], …]",
        "oneOf": [
            {"type": "array", "minItems": 2, "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                       "items": {"type": "number"}}},
            {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 2, "items": {
                "type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}}}},
        ],
    })


class PhotoRefSchema(ma.Schema):
    """A photo of a finding: where its two sizes are served (access is checked there)."""

    uuid = ma.fields.String(required=True)
    display_url = ma.fields.String(required=True)
    thumb_url = ma.fields.String(required=True)


class FindingPropertiesSchema(ma.Schema):
    uuid = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    category_name = ma.fields.String(required=True)
    polarity = _nullable_choice(rules.POLARITIES)
    felt_safety = ma.fields.Integer(required=True, allow_none=True)
    felt_safety_scale = ma.fields.Integer(required=True, allow_none=True,
                                          validate=validate.OneOf(rules.FELT_SAFETY_SCALES),
                                          metadata={"description": "the scale of `felt_safety` (points)"})
    lighting_check = _nullable_choice(rules.LIGHTING_CHECKS)
    note = ma.fields.String(required=True)
    stop = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "stop number"})
    accuracy_m = ma.fields.Float(required=True, allow_none=True)
    position_source = ma.fields.String(required=True, validate=validate.OneOf(rules.POSITION_SOURCES))
    created_at = ma.fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    photo_count = ma.fields.Integer(required=True)
    photos = ma.fields.List(ma.fields.Nested(PhotoRefSchema), required=True)
    version = ma.fields.Integer(required=True)
    arrival = ma.fields.String(required=True, validate=validate.OneOf(ARRIVALS))
    is_demo = ma.fields.Boolean(required=True)
    mine = ma.fields.Boolean(required=True, metadata={"description": "made by the participant asking"})


class FindingOutSchema(ma.Schema):
    """A finding as a GeoJSON Feature (WGS84)."""

    type = ma.fields.String(required=True, validate=validate.Equal("Feature"))
    id = ma.fields.String(required=True, metadata={"description": "the finding's UUID"})
    geometry = ma.fields.Nested(PointSchema, required=True)
    properties = ma.fields.Nested(FindingPropertiesSchema, required=True)


class FindingCollectionSchema(ma.Schema):
    """The walk's visible findings as a GeoJSON FeatureCollection."""

    type = ma.fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = ma.fields.List(ma.fields.Nested(FindingOutSchema), required=True)


class StopPropertiesSchema(ma.Schema):
    seq = ma.fields.Integer(required=True, metadata={"description": "the stop's number on the walk"})
    name = ma.fields.String(required=True)
    questions = ma.fields.String(required=True)


class StopFeatureSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=validate.Equal("Feature"))
    id = ma.fields.Integer(required=True)
    geometry = ma.fields.Nested(PointSchema, required=True)
    properties = ma.fields.Nested(StopPropertiesSchema, required=True)


class StopCollectionSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = ma.fields.List(ma.fields.Nested(StopFeatureSchema), required=True)


class RoutePropertiesSchema(ma.Schema):
    length_m = ma.fields.Float(required=True, metadata={"description": "geodesic length in metres"})


class RouteFeatureSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=validate.Equal("Feature"))
    geometry = ma.fields.Nested(RouteGeometrySchema, required=True)
    properties = ma.fields.Nested(RoutePropertiesSchema, required=True)


class CategorySchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    icon = ma.fields.String(required=True)
    polarity = ma.fields.String(required=True, validate=validate.OneOf(rules.POLARITIES))
    parent = ma.fields.String(
        allow_none=True, metadata={"description": "the category this is a sub-choice of (null: top level)"})


class WalkSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    area_name = ma.fields.String(required=True)
    purpose = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(WALK_STATUSES))
    accepts_findings = ma.fields.Boolean(required=True)
    starts_at = ma.fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    meeting_point = ma.fields.String(required=True, metadata={"description": "the meeting point in words"})
    meeting_point_geometry = ma.fields.Nested(PointSchema, required=True, allow_none=True,
                                              metadata={"description": "the meeting point on the map"})
    is_demo = ma.fields.Boolean(required=True)
    follows_up = ma.fields.Boolean(required=True, metadata={
        "description": "a follow-up walk: its earlier walk's findings are at `earlier-findings`"})
    route = ma.fields.Nested(RouteFeatureSchema, required=True, allow_none=True)
    stops = ma.fields.Nested(StopCollectionSchema, required=True)
    categories = ma.fields.List(ma.fields.Nested(CategorySchema), required=True)


class ExifSchema(ma.Schema):
    lon = ma.fields.Float(required=True, allow_none=True)
    lat = ma.fields.Float(required=True, allow_none=True)
    taken_at = ma.fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


class PhotoOutSchema(ma.Schema):
    uuid = ma.fields.String(required=True)
    finding_uuid = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    display_url = ma.fields.String(required=True)
    thumb_url = ma.fields.String(required=True)
    exif = ma.fields.Nested(ExifSchema, required=True)


UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class RejoinInSchema(ma.Schema):
    """Body of ``POST /walks/<slug>/rejoin``: what the phone kept when it joined."""

    class Meta:
        unknown = ma.EXCLUDE

    join_token = ma.fields.String(required=True, validate=validate.Length(1, 64),
                                  metadata={"description": "the token of the join link the phone used"})
    participant_key = ma.fields.String(required=True, validate=validate.Length(1, 200),
                                       metadata={"description": "the key the field page gave this phone"})


class RejoinOutSchema(ma.Schema):
    participant_key = ma.fields.String(required=True)
