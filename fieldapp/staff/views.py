"""Staff pages: login, the walk list, one walk's overview."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from fieldapp.errors import ValidationError
from fieldapp.extensions import limiter
from fieldapp.forms import EXPIRED
from fieldapp.security import start_staff_session
from fieldapp.services import counting, publication, users, walk_list
from fieldapp.services import findings as findings_service
from fieldapp.services import planning as planning_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.access import safe_next_url
from fieldapp.staff.forms import ActionForm, LoginForm
from fieldapp.staff.labels import describe_event
from fieldapp.ui import status_names


def locale() -> str:
    return str(get_locale())


def checked(form: FlaskForm) -> FlaskForm:
    """The form if it validates (CSRF included); otherwise a 422 listing what is wrong."""
    if not form.validate_on_submit():
        messages = []
        for name, errors in form.errors.items():
            if name == "csrf_token":  # said by the form itself (fieldapp.forms.EXPIRED)
                continue
            text = " ".join(str(e) for e in errors)
            label = getattr(form, name).label.text if hasattr(form, name) else ""
            messages.append(f"{label}: {text}" if label else text)
        raise ValidationError(" ".join(messages) or gettext(EXPIRED))
    return form


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_staff_session(user)
            return redirect(safe_next_url(request.args.get("next"), url_for("staff.walks")))
        error = gettext("Wrong e-mail or password.")
    elif request.method == "POST":
        error = gettext("Fill in e-mail and password.")
    return render_template("staff/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout() -> Response:
    users.end_sessions(current_user)  # every session of the account ends, copied cookies included
    logout_user()
    return redirect(url_for("public.landing"))


@bp.get("/")
@bp.get("/walks")
@login_required
def walks() -> str:
    wanted = walk_list.parse_filter(request.args)
    return render_template(
        "staff/walks.html", walks=walk_list.filter_walks(wanted), wanted=wanted,
        counts=findings_service.count_by_walk(), status_names=status_names(),
        areas=walk_list.areas(), years=walk_list.years(),
    )


@bp.post("/walks/<slug>/<any(archive, unarchive):action>")
@login_required
def archive_walk(slug: str, action: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    if action == "archive":
        walk_list.archive(walk, user_id=current_user.id)
        flash(gettext("The walk is archived. Find it under “Archived walks”."), "success")
    else:
        walk_list.unarchive(walk, user_id=current_user.id)
        flash(gettext("The walk is back in the list of walks."), "success")
    return redirect(url_for("staff.walk", slug=slug))


@bp.get("/walks/<slug>")
@login_required
def walk(slug: str) -> str:
    the_walk = walk_service.walk_by_slug(slug)
    return render_template(
        "staff/walk.html",
        walk=the_walk,
        findings=findings_service.visible_findings(the_walk),
        confirmations=counting.confirmation_counts(the_walk),
        map_data=walk_service.walk_map_data(the_walk, locale(), with_findings=True),
        join_url=walk_service.join_url(the_walk, current_app.config["PUBLIC_URL"]),
        status_names=status_names(),
        next_statuses=planning_service.allowed_statuses(the_walk),
        published_number=publication.latest_number(the_walk),
    )


bp.add_app_template_filter(describe_event, "describe_event")
