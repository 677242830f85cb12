"""The action list: every (merged) finding with its measure, owner, priority, deadline and status."""

from __future__ import annotations

from flask import render_template

from fieldapp.services import counting
from fieldapp.services import measures as measure_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.labels import measure_status_names, open311_state_names, priority_names


@bp.get("/walks/<slug>/measures")
def measures(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template(
        "staff/measures.html",
        walk=walk,
        findings=measure_service.action_list(walk),
        confirmations=counting.confirmation_counts(walk),
        measure_status_names=measure_status_names(),
        priority_names=priority_names(),
        open311_state_names=open311_state_names(),
    )
