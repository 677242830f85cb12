"""Staff: a participant's request to have their personal content removed (found by their participant id)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from fieldapp.errors import DomainError
from fieldapp.services import retention
from fieldapp.staff import bp
from fieldapp.staff.access import user_id
from fieldapp.staff.forms import ParticipantRemovalForm


@bp.route("/privacy/removal", methods=["GET", "POST"])
def participant_removal() -> str | Response | tuple[str, int]:
    """Form: the participant id shown on their phone → their notes, photos and group are emptied."""
    form = ParticipantRemovalForm()
    if form.validate_on_submit():
        try:
            participant = retention.participant_by_public_id(form.public_id.data)
        except DomainError as err:  # shown next to the field, the form kept
            form.public_id.errors = [err.message]
            return render_template("staff/participant_removal.html", form=form), 404
        removal = retention.remove_participant_content(participant, user_id=user_id())
        flash(
            gettext(
                "Removed: the notes of %(findings)d findings and %(photos)d photos. Positions and categories "
                "are kept for statistics.", findings=removal.findings, photos=removal.photos,
            ),
            "success",
        )
        return redirect(url_for("staff.participant_removal"))
    return render_template("staff/participant_removal.html", form=form)
