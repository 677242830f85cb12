"""Staff: a walk's measures with their Open311 send state; send one, or all unsent ones of a party.

Sending happens in the job queue (``services.open311_send``): these views only queue, and the page shows
each measure's state (queued, sent with the receiver's id, failed with the error).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response

from fieldapp.errors import Conflict, ValidationError
from fieldapp.services import open311_send
from fieldapp.services import responsible_parties as party_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.access import user_id
from fieldapp.staff.forms import ActionForm
from fieldapp.staff.labels import open311_state_names


@bp.get("/walks/<slug>/open311")
def open311(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template("staff/open311.html", walk=walk, measures=open311_send.walk_measures(walk),
                           bulk=open311_send.unsent_by_party(walk), state_names=open311_state_names())


@bp.post("/walks/<slug>/open311/<int:measure_id>/push")
def open311_push(slug: str, measure_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    if ActionForm().validate_on_submit():
        try:
            open311_send.request_send(measure_id, walk=walk, user_id=user_id())
        except (ValidationError, Conflict) as err:
            flash(err.message, "error")
        else:
            flash(gettext("The measure is queued and is sent in the background. Reload the page to see "
                          "its status."), "success")
    return redirect(url_for("staff.open311", slug=slug, _anchor=f"measure-{measure_id}"), code=303)


@bp.get("/walks/<slug>/open311/parties/<int:party_id>/send")
def open311_bulk_confirm(slug: str, party_id: int) -> str:
    """Before a bulk send: which measures go to which party and address."""
    walk = walk_service.walk_by_slug(slug)
    party = party_service.party_by_id(party_id)
    return render_template("staff/open311_bulk.html", walk=walk, party=party, form=ActionForm(),
                           measures=open311_send.unsent_measures(walk, party.id))


@bp.post("/walks/<slug>/open311/parties/<int:party_id>/send")
def open311_bulk_send(slug: str, party_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    party = party_service.party_by_id(party_id)
    if ActionForm().validate_on_submit():
        count = open311_send.queue_walk(walk, party.id, user_id=user_id(), start=True)
        flash(ngettext("%(num)d measure to %(party)s is queued and is sent in the background.",
                       "%(num)d measures to %(party)s are queued and are sent in the background.",
                       count, party=party.name) if count else gettext("There is nothing to send."),
              "success")
    return redirect(url_for("staff.open311", slug=slug), code=303)
