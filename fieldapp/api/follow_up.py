"""Field API of follow-up walks: the earlier walk's findings; participants' "fixed" / "still a problem"."""
from __future__ import annotations

import marshmallow as ma
from flask_babel import get_locale
from marshmallow import validate

from fieldapp.api import bp
from fieldapp.api.schemas import Text, UTCDateTime
from fieldapp.api.views import error
from fieldapp.extensions import limiter
from fieldapp.models import VERDICTS
from fieldapp.participant_session import require_participant, require_walk_access
from fieldapp.ratelimits import FINDING_WRITES, participant_key
from fieldapp.services import follow_up
from fieldapp.services import walks as walk_service


class EarlierFindingSchema(ma.Schema):
    uuid = ma.fields.String(required=True)
    lon = ma.fields.Float(required=True)
    lat = ma.fields.Float(required=True)
    category = ma.fields.String(required=True)
    polarity = ma.fields.String(required=True, validate=validate.OneOf(("unsafe", "safe")))
    status = ma.fields.String(allow_none=True, metadata={"description": "the measure's status code"})
    status_label = ma.fields.String(required=True)
    public_answer = ma.fields.String(required=True)


class EarlierFindingsSchema(ma.Schema):
    findings = ma.fields.List(ma.fields.Nested(EarlierFindingSchema), required=True)


class CheckInSchema(ma.Schema):
    """Body of ``PUT /walks/<slug>/checks/<uuid>``."""

    class Meta:
        unknown = ma.EXCLUDE

    earlier_finding = ma.fields.UUID(required=True, metadata={"description": "the earlier walk's finding"})
    verdict = ma.fields.String(required=True, validate=validate.OneOf(VERDICTS))
    note = Text(load_default="", validate=validate.Length(max=follow_up.MAX_NOTE))
    created_at = UTCDateTime(allow_none=True, load_default=None)


class CheckOutSchema(ma.Schema):
    uuid = ma.fields.String(required=True)
    earlier_finding = ma.fields.String(required=True)
    verdict = ma.fields.String(required=True)
    note = ma.fields.String(required=True)
    arrival = ma.fields.String(required=True)


@bp.get("/walks/<slug>/earlier-findings")
@bp.response(200, EarlierFindingsSchema)
@error(403, "Not a participant of this walk")
@error(404, "No such walk")
def earlier_findings(slug: str) -> dict:
    """On a follow-up walk: the findings of the walk it follows up, with their measure's status."""
    walk = walk_service.walk_by_slug(slug)
    require_walk_access(walk)
    return {"findings": follow_up.earlier_findings_for_phone(walk, str(get_locale()))}


@bp.put("/walks/<slug>/checks/<check_uuid>")
@limiter.limit(FINDING_WRITES, key_func=participant_key)
@bp.arguments(CheckInSchema)
@bp.response(200, CheckOutSchema, description="Changed, or the same request repeated")
@bp.alt_response(201, schema=CheckOutSchema, description="Stored")
@error(403, "Not a participant of this walk")
@error(404, "No such walk, or the finding is not from the walk this one follows up")
@error(409, "The id is used for something else")
def put_check(body: dict, slug: str, check_uuid: str):
    """Say whether an earlier finding is fixed or still a problem (idempotent by the check's UUID)."""
    walk = walk_service.walk_by_slug(slug)
    participant = require_participant(walk)
    data = follow_up.CheckInput(earlier_finding=str(body["earlier_finding"]), verdict=body["verdict"],
                                note=body["note"], created_at=body["created_at"])
    check, created = follow_up.record_check(walk, check_uuid, data, participant_id=participant.id)
    return {"uuid": check.uuid, "earlier_finding": check.earlier_finding.uuid, "verdict": check.verdict,
            "note": check.note, "arrival": check.arrival}, 201 if created else 200


