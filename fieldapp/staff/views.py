"""Staff pages: login, the walk list, one walk."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from fieldapp.extensions import limiter
from fieldapp.services import findings as findings_service
from fieldapp.services import users
from fieldapp.services import walks as walk_service
from fieldapp.staff.forms import LoginForm
from fieldapp.ui import status_names

from fieldapp.staff import bp


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.walks")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = gettext("Wrong e-mail or password.")
    elif request.method == "POST":
        error = gettext("Fill in e-mail and password.")
    return render_template("staff/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    return redirect(url_for("public.landing"))


@bp.get("/")
@bp.get("/walks")
@login_required
def walks() -> str:
    all_walks = walk_service.list_walks()
    counts = findings_service.count_by_walk()
    return render_template("staff/walks.html", walks=all_walks, counts=counts, status_names=status_names())


@bp.get("/walks/<slug>")
@login_required
def walk(slug: str) -> str:
    the_walk = walk_service.walk_by_slug(slug)
    return render_template(
        "staff/walk.html",
        walk=the_walk,
        findings=findings_service.visible_findings(the_walk),
        map_data=walk_service.walk_map_data(the_walk, str(get_locale()), with_findings=True),
        join_url=walk_service.join_url(the_walk, current_app.config["PUBLIC_URL"]),
        status_names=status_names(),
    )
