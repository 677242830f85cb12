"""Field API endpoints: thin — parse, one service call, serialise."""
from __future__ import annotations

from flask import request
from flask_babel import get_locale

from fieldapp.api import ErrorSchema, bp
from fieldapp.api.schemas import (
    FindingCollectionSchema,
    FindingInSchema,
    FindingOutSchema,
    PhotoOutSchema,
    RejoinInSchema,
    RejoinOutSchema,
    WalkSchema,
)
from fieldapp.errors import N_, ValidationError
from fieldapp.extensions import limiter
from fieldapp.participant_session import remember_participant, require_participant, require_walk_access
from fieldapp.ratelimits import (
    FINDING_WRITES,
    PHOTO_UPLOADS,
    PHOTO_UPLOADS_PER_IP,
    REJOINS,
    ip_key,
    participant_key,
)
from fieldapp.services import findings as finding_service
from fieldapp.services import participants as participant_service
from fieldapp.services import photos as photo_service
from fieldapp.services import walks as walk_service
from gis import geojson

PHOTO_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/heic": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

FINDING_PATH = "#/paths/~1api~1v1~1walks~1{slug}~1findings~1{finding_uuid}"
PHOTO_PATH = "#/paths/~1api~1v1~1findings~1{finding_uuid}~1photos~1{photo_uuid}"
SAME_FINDING = {"slug": "$request.path.slug", "finding_uuid": "$request.path.finding_uuid"}
# OpenAPI links: what a client (and schemathesis' stateful tests) can do next with what it got back.
FINDING_LINKS = {
    "links": {
        "UpdateFinding": {"operationRef": f"{FINDING_PATH}/put", "parameters": SAME_FINDING},
        "AddPhoto": {"operationRef": f"{PHOTO_PATH}/put",
                     "parameters": {"finding_uuid": "$request.path.finding_uuid"}},
        "ListFindings": {"operationRef": "#/paths/~1api~1v1~1walks~1{slug}~1findings/get",
                         "parameters": {"slug": "$request.path.slug"}},
        "WithdrawFinding": {"operationRef": f"{FINDING_PATH}/delete", "parameters": SAME_FINDING},
    }
}
PHOTO_PARAMS = {"finding_uuid": "$request.path.finding_uuid", "photo_uuid": "$request.path.photo_uuid"}
PHOTO_LINKS = {
    "links": {
        "RepeatUpload": {"operationRef": f"{PHOTO_PATH}/put",
                         "parameters": {"finding_uuid": "$response.body#/finding_uuid",
                                        "photo_uuid": "$response.body#/uuid"}},
        "WithdrawPhoto": {"operationRef": f"{PHOTO_PATH}/delete", "parameters": PHOTO_PARAMS},
    }
}


def error(status: int, description: str):
    """Document an error response with fieldapp's error envelope."""
    return bp.alt_response(status, schema=ErrorSchema, description=description)


def _locale() -> str:
    return str(get_locale())


@bp.get("/walks/<slug>")
@bp.response(200, WalkSchema)
@error(403, "Not a participant of this walk")
@error(404, "No such walk")
def get_walk(slug: str) -> dict:
    """The walk: route, numbered stops and categories (GeoJSON, WGS84 lon/lat)."""
    walk = walk_service.walk_by_slug(slug)
    require_walk_access(walk)
    return walk_service.walk_map_data(walk, _locale())


@bp.get("/walks/<slug>/findings")
@bp.response(200, FindingCollectionSchema)
@error(403, "Not a participant of this walk")
@error(404, "No such walk")
def list_findings(slug: str) -> dict:
    """The walk's visible findings as a GeoJSON FeatureCollection; `mine` marks your own."""
    walk = walk_service.walk_by_slug(slug)
    participant = require_walk_access(walk)
    features = []
    for finding in finding_service.visible_findings(walk):
        feature = finding_service.finding_feature(finding, _locale())
        feature["properties"]["mine"] = participant is not None and finding.participant_id == participant.id
        features.append(feature)
    return geojson.feature_collection(features)


@bp.put("/walks/<slug>/findings/<finding_uuid>")
@limiter.limit(FINDING_WRITES, key_func=participant_key)
@bp.arguments(FindingInSchema)
@bp.response(200, FindingOutSchema, description="Updated, or the same request repeated")
@bp.alt_response(201, schema=FindingOutSchema, description="Created")
@bp.alt_response(
    202,
    schema=FindingOutSchema,
    description="Kept for the organizer: arrived after the walk closed (`arrival` = after_close)",
)
@bp.doc(responses={200: FINDING_LINKS, 201: FINDING_LINKS})
@error(403, "Not a participant, not your finding, or the walk is closed")
@error(404, "No such walk")
@error(409, "The finding changed since `base_version`, or the id is used elsewhere")
@error(429, "Too many requests from this participant; retry later")
def put_finding(body: dict, slug: str, finding_uuid: str):
    """Create or update a finding by its client UUID (idempotent)."""
    walk = walk_service.walk_by_slug(slug)
    participant = require_participant(walk)
    data = finding_service.FindingInput(
        lon=body["lon"],
        lat=body["lat"],
        accuracy_m=body["accuracy_m"],
        position_source=body["position_source"],
        stop_seq=body["stop"],
        category=body["category"],
        polarity=body["polarity"],
        felt_safety=body["felt_safety"],
        felt_safety_scale=body["felt_safety_scale"],
        lighting_check=body["lighting_check"],
        note=body["note"],
        created_at=body["created_at"],
        base_version=body["base_version"],
    )
    result = finding_service.save_finding(walk, finding_uuid, data, participant_id=participant.id)
    feature = finding_service.finding_feature(result.finding, _locale())
    feature["properties"]["mine"] = True
    return feature, 202 if result.held else 201 if result.created else 200


@bp.delete("/walks/<slug>/findings/<finding_uuid>")
@bp.response(204)
@bp.alt_response(202, description="Kept for the organizer: the walk closed before the withdrawal arrived")
@error(403, "Not your finding, or the walk is closed")
@error(404, "No such walk")
def delete_finding(slug: str, finding_uuid: str):
    """Withdraw your own finding (repeating is harmless)."""
    walk = walk_service.walk_by_slug(slug)
    participant = require_participant(walk)
    applied = finding_service.delete_own_finding(walk, finding_uuid, participant.id)
    return "", 204 if applied else 202


@bp.put("/findings/<finding_uuid>/photos/<photo_uuid>")
@limiter.limit(PHOTO_UPLOADS, key_func=participant_key)
@limiter.limit(PHOTO_UPLOADS_PER_IP, key_func=ip_key)
@bp.doc(**PHOTO_BODY_DOC)
@bp.response(200, PhotoOutSchema, description="Already stored (same photo UUID)")
@bp.alt_response(201, schema=PhotoOutSchema, description="Stored")
@bp.doc(responses={200: PHOTO_LINKS, 201: PHOTO_LINKS})
@error(400, "Empty body")
@error(403, "Not your finding, or the walk is closed")
@error(404, "No such walk or finding")
@error(413, "Too large (bytes or pixels)")
@error(415, "Not a supported image type")
@error(422, "Corrupt image")
@error(429, "Too many uploads from this participant or address; retry after Retry-After seconds")
@error(503, "The server is busy decoding other photos; retry after Retry-After seconds")
def put_photo(finding_uuid: str, photo_uuid: str):
    """Upload one photo of your finding (multipart field `file`, or the raw image as the body)."""
    walk, finding = finding_service.finding_with_walk(finding_uuid)
    participant = require_participant(walk)
    finding_service.check_owner(finding, participant.id)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else request.get_data(cache=False)
    if request.mimetype == "multipart/form-data" and upload is None:
        raise ValidationError(N_("Send the photo in the multipart field 'file'."), code="no_file", status=400)
    photo, created = photo_service.add_photo(finding, photo_uuid, data)
    return photo_service.photo_out(photo), 201 if created else 200


@bp.delete("/findings/<finding_uuid>/photos/<photo_uuid>")
@bp.response(204)
@error(403, "Not your finding, or not a participant of its walk")
@error(404, "No such finding")
@error(409, "The photo id belongs to another finding")
def delete_photo(finding_uuid: str, photo_uuid: str) -> None:
    """Withdraw a photo of your own finding (hidden from everyone but staff; repeating is harmless)."""
    photo_service.withdraw_photo(finding_uuid, photo_uuid, lambda walk: require_participant(walk).id)


@bp.post("/walks/<slug>/rejoin")
@limiter.limit(REJOINS)
@bp.arguments(RejoinInSchema)
@bp.response(200, RejoinOutSchema, description="The session cookie is restored for the same participant")
@error(403, "`link_revoked`: the join link was replaced or withdrawn; `bad_participant_key`: not a key of "
            "this walk")
@error(404, "No such walk")
@error(429, "Too many attempts; retry later")
def rejoin(body: dict, slug: str) -> dict:
    """Get your participant session back (e.g. after the cookie expired) with the key the field page gave you.

    Works after the walk has closed, so a phone that was offline can still send what it kept.
    """
    walk = walk_service.walk_by_slug(slug)
    participant = participant_service.rejoin(walk, body["join_token"], body["participant_key"])
    remember_participant(walk, participant)
    return {"participant_key": participant_service.participant_key(participant)}
