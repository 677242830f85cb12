"""Staff pages for citizen promises (medborgarlöften): make one, choose its measures, publish it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from fieldapp.errors import ValidationError
from fieldapp.services import promises as promise_service
from fieldapp.staff import bp
from fieldapp.staff.forms import ActionForm, PromiseForm
from fieldapp.staff.labels import measure_status_names
from fieldapp.staff.views import checked


def _input(form: PromiseForm) -> promise_service.PromiseInput:
    return promise_service.PromiseInput(title=form.title.data, starts_on=form.starts_on.data,
                                        ends_on=form.ends_on.data, description=form.description.data or "",
                                        area_name=form.area_name.data or "")


@bp.route("/promises", methods=["GET", "POST"])
def promises() -> str | Response | tuple[str, int]:
    form = PromiseForm()
    if form.validate_on_submit():
        promise = promise_service.create_promise(_input(form))
        flash(gettext("The promise is made. Choose the measures it covers, then publish it."), "success")
        return redirect(url_for("staff.promise", promise_slug=promise.slug))
    return render_template("staff/promises.html", form=form, promises=promise_service.list_promises(),
                           progress=promise_service.progress), (422 if form.errors else 200)


@bp.route("/promises/<promise_slug>", methods=["GET", "POST"])
def promise(promise_slug: str) -> str | Response | tuple[str, int]:
    the_promise = promise_service.promise_by_slug(promise_slug)
    form = PromiseForm(obj=the_promise)
    if form.validate_on_submit():
        promise_service.update_promise(the_promise, _input(form))
        flash(gettext("The promise is saved."), "success")
        return redirect(url_for("staff.promise", promise_slug=promise_slug))
    candidates = promise_service.candidate_measures()
    return render_template(
        "staff/promise.html", promise=the_promise, form=form, candidates=candidates,
        walks=promise_service.walks_of(candidates), chosen={m.id for m in the_promise.measures},
        progress=promise_service.progress(the_promise), status_names=measure_status_names(),
    ), (422 if form.errors else 200)


@bp.post("/promises/<promise_slug>/measures")
def promise_measures(promise_slug: str) -> Response:
    the_promise = promise_service.promise_by_slug(promise_slug)
    checked(ActionForm())
    try:
        ids = [int(value) for value in request.form.getlist("measure")]
    except ValueError as err:
        raise ValidationError(gettext("A chosen measure no longer exists. Reload the page.")) from err
    promise_service.set_measures(the_promise, ids)
    flash(gettext("The promise's measures are saved."), "success")
    return redirect(url_for("staff.promise", promise_slug=promise_slug))


@bp.post("/promises/<promise_slug>/publication")
def promise_publication(promise_slug: str) -> Response:
    the_promise = promise_service.promise_by_slug(promise_slug)
    checked(ActionForm())
    publish = request.form.get("publish") == "1"
    promise_service.publish(the_promise, publish)
    flash(gettext("The promise is public.") if publish else gettext("The promise is no longer public."),
          "success")
    return redirect(url_for("staff.promise", promise_slug=promise_slug))
