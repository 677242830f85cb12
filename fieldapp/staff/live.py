"""During the walk: a live map and list that polls the staff findings feed."""

from __future__ import annotations

from flask import Response, jsonify, render_template

from fieldapp.services import counting
from fieldapp.services import findings as findings_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.views import locale
from gis import geojson


@bp.get("/walks/<slug>/live")
def live(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template("staff/live.html", walk=walk, map_data=walk_service.walk_map_data(walk, locale()))


@bp.get("/walks/<slug>/findings.json")
def findings_feed(slug: str) -> Response:
    """The walk's visible findings as GeoJSON, with confirmations (for the live view and review map)."""
    walk = walk_service.walk_by_slug(slug)
    counts = counting.confirmation_counts(walk)
    features = []
    for finding in findings_service.visible_findings(walk):
        feature = findings_service.finding_feature(finding, locale())
        feature["properties"]["confirmations"] = counts.get(finding.id, 1)
        features.append(feature)
    response = jsonify(geojson.feature_collection(features))
    response.headers["Cache-Control"] = "no-store"
    return response
