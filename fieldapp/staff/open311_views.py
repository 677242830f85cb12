"""Staff: a walk's measures with their Open311 push state; send one, retry, or queue all."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from fieldapp.errors import Conflict, ValidationError
from fieldapp.services import open311_send
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.access import user_id


def open311_state_names() -> dict[str | None, str]:
    """Push states in the current language."""
    return {
        None: str(lazy_gettext("Not sent")),
        open311_send.PENDING: str(lazy_gettext("Queued")),
        open311_send.SENDING: str(lazy_gettext("Sending")),
        open311_send.RETRYING: str(lazy_gettext("Will retry")),
        open311_send.AWAITING_ID: str(lazy_gettext("Received, waiting for id")),
        open311_send.SENT: str(lazy_gettext("Sent")),
        open311_send.FAILED: str(lazy_gettext("Failed")),
    }


@bp.get("/walks/<slug>/open311")
@login_required
def open311(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template("staff/open311.html", walk=walk, measures=open311_send.walk_measures(walk),
                           state_names=open311_state_names())


@bp.post("/walks/<slug>/open311/<int:measure_id>/push")
@login_required
def open311_push(slug: str, measure_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    try:
        result = open311_send.push_measure(measure_id, walk=walk, user_id=user_id())
    except (ValidationError, Conflict) as err:
        flash(err.message, "error")
    else:
        flash(result.message, "success" if result.state in (open311_send.SENT, open311_send.AWAITING_ID)
              else "error")
    return redirect(url_for("staff.open311", slug=slug, _anchor=f"measure-{measure_id}"), code=303)


@bp.post("/walks/<slug>/open311/queue")
@login_required
def open311_queue(slug: str) -> Response:
    count = open311_send.queue_walk(walk_service.walk_by_slug(slug))
    flash(gettext("Queued for sending: %(num)d. They are sent on the next run of the sender.", num=count)
          if count else gettext("There is nothing to queue."), "success")
    return redirect(url_for("staff.open311", slug=slug), code=303)
