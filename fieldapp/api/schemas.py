"""Request and response schemas of the field API (validation and OpenAPI in one declaration)."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from fieldapp.errors import N_
from fieldapp.models import LIGHTING_CHECKS, POLARITIES, POSITION_SOURCES
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
    accuracy_m = ma.fields.Float(allow_none=True, load_default=None, validate=validate.Range(0, 100_000))
    position_source = ma.fields.String(load_default="gps", validate=validate.OneOf(POSITION_SOURCES))
    stop = ma.fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 1000),
                             metadata={"description": "stop number (sequence) the finding belongs to"})
    category = Text(required=True, validate=validate.Length(1, 50))
    polarity = ma.fields.String(allow_none=True, load_default=None, validate=validate.OneOf(POLARITIES))
    felt_safety = ma.fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 3))
    lighting_check = ma.fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(LIGHTING_CHECKS)
    )
    note = Text(load_default="", validate=validate.Length(max=5000))
    created_at = UTCDateTime(allow_none=True, load_default=None,
                                         metadata={"description": "device time with offset (ISO 8601)"})
    base_version = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, 1_000_000),
        metadata={"description": "version the client edited; a newer server version gives 409"},
    )


class GeoJSONFeatureSchema(ma.Schema):
    type = ma.fields.String(required=True)
    id = ma.fields.Raw()
    geometry = ma.fields.Dict(allow_none=True)
    properties = ma.fields.Dict(required=True)


class FindingOutSchema(GeoJSONFeatureSchema):
    """A finding as a GeoJSON Feature (WGS84)."""


class FeatureCollectionSchema(ma.Schema):
    type = ma.fields.String(required=True)
    features = ma.fields.List(ma.fields.Nested(GeoJSONFeatureSchema), required=True)


class CategorySchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    icon = ma.fields.String(required=True)
    polarity = ma.fields.String(required=True)


class WalkSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    area_name = ma.fields.String()
    purpose = ma.fields.String()
    status = ma.fields.String(required=True)
    accepts_findings = ma.fields.Boolean(required=True)
    starts_at = ma.fields.String(allow_none=True)
    meeting_point = ma.fields.String()
    is_demo = ma.fields.Boolean()
    route = ma.fields.Nested(GeoJSONFeatureSchema, allow_none=True)
    stops = ma.fields.Nested(FeatureCollectionSchema, required=True)
    categories = ma.fields.List(ma.fields.Nested(CategorySchema), required=True)


class ExifSchema(ma.Schema):
    lon = ma.fields.Float(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    taken_at = ma.fields.String(allow_none=True)


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
