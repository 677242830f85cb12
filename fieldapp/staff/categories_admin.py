"""Admin page for the finding categories: add, rename, icon, Open311 service code, sub-choices, order, hide.

Admins only: the set is the municipality's (organizers choose from it per walk on the walk form).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from fieldapp.finding_rules import POLARITIES
from fieldapp.models import Category
from fieldapp.services import categories as category_service
from fieldapp.services.categories import CategoryError, CategoryInput
from fieldapp.staff import bp
from fieldapp.staff.access import admin_required
from fieldapp.staff.forms import ActionForm, CategoryForm, NewCategoryForm
from fieldapp.staff.labels import category_icon_names
from fieldapp.staff.views import locale


def _polarity_names() -> dict[str, str]:
    names = {"unsafe": gettext("Unsafe places (something to fix)"), "safe": gettext("Safe places (to keep)")}
    return {p: names[p] for p in POLARITIES}


def _fill_choices(form: CategoryForm, category: Category | None = None) -> CategoryForm:
    form.icon.choices = list(category_icon_names().items())
    form.polarity.choices = list(_polarity_names().items())
    tops = [c for c in category_service.every_category() if c.parent_id is None and c is not category]
    form.parent_code.choices = [("", gettext("– none, a top-level category –"))] + [
        (c.code, c.name(locale())) for c in tops]
    return form


def _input(form: CategoryForm) -> CategoryInput:
    return CategoryInput(
        name_sv=form.name_sv.data or "", name_en=form.name_en.data or "", icon=form.icon.data or "",
        polarity=form.polarity.data or "", service_code=form.service_code.data or "",
        parent_code=form.parent_code.data or "", code=getattr(form, "code", None) and form.code.data or "",
    )


def _refused(form: CategoryForm, err: CategoryError) -> None:
    """Show the service's refusal next to its field (the form is kept as typed)."""
    getattr(form, err.field).errors = [*getattr(form, err.field).errors, err.message]


@bp.route("/admin/categories", methods=["GET", "POST"])
@admin_required
def categories() -> str | Response | tuple[str, int]:
    form = _fill_choices(NewCategoryForm())
    if form.validate_on_submit():
        try:
            category = category_service.create_category(_input(form))
        except CategoryError as err:
            _refused(form, err)
        else:
            flash(gettext("%(name)s was added. Walks planned from now on offer it.",
                          name=category.name(locale())), "success")
            return redirect(url_for("staff.categories"))
    return render_template(
        "staff/admin_categories.html", form=form, categories=category_service.every_category(),
        action_form=ActionForm(), icon_names=category_icon_names(), locale=locale(),
    ), (422 if form.errors else 200)


@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category(category_id: int) -> str | Response | tuple[str, int]:
    item = category_service.category_by_id(category_id)
    form = _fill_choices(CategoryForm(obj=item), item)
    if not form.is_submitted():
        form.parent_code.data = item.parent.code if item.parent else ""
    if form.validate_on_submit():
        try:
            category_service.update_category(item, _input(form))
        except CategoryError as err:
            _refused(form, err)
        else:
            flash(gettext("%(name)s was saved.", name=item.name(locale())), "success")
            return redirect(url_for("staff.categories"))
    status = 422 if form.errors else 200
    return render_template("staff/admin_category.html", form=form, category=item), status


@bp.post("/admin/categories/<int:category_id>/move")
@admin_required
def move_category(category_id: int) -> Response:
    item = category_service.category_by_id(category_id)
    if ActionForm().validate_on_submit():
        category_service.move(item, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("staff.categories") + f"#category-{item.id}")


@bp.route("/admin/categories/<int:category_id>/hide", methods=["GET", "POST"])
@admin_required
def hide_category(category_id: int) -> str | Response:
    """Ask first (what hiding does), then hide."""
    item = category_service.category_by_id(category_id)
    form = ActionForm()
    if form.validate_on_submit():
        category_service.set_active(item, False)
        flash(gettext("%(name)s is hidden from walks planned from now on.", name=item.name(locale())),
              "success")
        return redirect(url_for("staff.categories"))
    subs = [c for c in category_service.every_category() if c.parent_id == item.id]
    return render_template("staff/admin_category_hide.html", form=form, category=item, subs=subs)


@bp.post("/admin/categories/<int:category_id>/show")
@admin_required
def show_category(category_id: int) -> Response:
    item = category_service.category_by_id(category_id)
    if ActionForm().validate_on_submit():
        category_service.set_active(item, True)
        flash(gettext("%(name)s is offered again on walks planned from now on.", name=item.name(locale())),
              "success")
    return redirect(url_for("staff.categories"))
