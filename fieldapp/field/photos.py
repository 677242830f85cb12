"""Serving stored photos: who may see which size of which photo is decided in services.photos."""
from __future__ import annotations

from flask import Response, request

from fieldapp.field import bp
from fieldapp.participant_session import current_participant, is_staff
from fieldapp.services import photos as photo_service


@bp.get("/photos/<photo_uuid>/<variant>.jpg")
def photo(photo_uuid: str, variant: str) -> Response:
    """A photo's display size or thumbnail, with ETag and caching; 404 for anything not visible to you."""
    served = photo_service.photo_for_viewer(photo_uuid, variant, staff=is_staff(),
                                            participates=lambda walk: current_participant(walk) is not None)
    response = Response(served.data, mimetype="image/jpeg")
    response.set_etag(served.etag)
    response.headers["Cache-Control"] = "public, max-age=3600" if served.public else "private, max-age=3600"
    response.headers["Content-Disposition"] = f'inline; filename="{photo_uuid}-{variant}.jpg"'
    return response.make_conditional(request)
