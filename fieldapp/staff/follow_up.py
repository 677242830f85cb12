"""Staff pages of the follow-up walk: plan one from a walk, and compare it with the walk before."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from fieldapp.services import follow_up
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.access import user_id
from fieldapp.staff.forms import ActionForm
from fieldapp.staff.views import checked


@bp.post("/walks/<slug>/follow-up")
def plan_follow_up(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    new_walk = follow_up.plan_follow_up(walk, created_by_id=user_id())
    flash(gettext("The follow-up walk is planned with the same route and stops. Set its date and open it "
                  "when it is time."), "success")
    return redirect(url_for("staff.plan", slug=new_walk.slug))


@bp.get("/walks/<slug>/follow-up")
def follow_up_comparison(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template("staff/follow_up.html", walk=walk, comparison=follow_up.comparison(walk))
