"""Admin pages: staff accounts (admins only; organizers get 403). Parties: ``staff/parties.py``."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldapp.models import ROLES
from fieldapp.services import staff_accounts, staff_users
from fieldapp.services import users as user_service
from fieldapp.staff import bp
from fieldapp.staff.access import admin_required
from fieldapp.staff.forms import NewUserForm, PasswordForm, UserForm
from fieldapp.staff.labels import role_names


def _role_choices() -> list[tuple[str, str]]:
    names = role_names()
    return [(role, names[role]) for role in ROLES]


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users() -> str | Response | tuple[str, int]:
    form = NewUserForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        if form.invite.data:
            user = staff_accounts.invite_user(form.email.data, role=form.role.data, name=form.name.data or "",
                                              invited_by=current_user, lang=str(get_locale()))
            message = gettext("The account %(email)s was created and an invitation is on its way to it.",
                              email=user.email)
        else:
            user = user_service.create_user(
                form.email.data, form.password.data, role=form.role.data, name=form.name.data or ""
            )
            message = gettext("The account %(email)s was created. Tell the person their password.",
                              email=user.email)
        flash(message, "success")
        return redirect(url_for("staff.users"))
    return render_template(
        "staff/admin_users.html", form=form, users=staff_users.list_users(), role_names=role_names()
    ), (422 if form.errors else 200)


@bp.route("/admin/users/<int:account_id>", methods=["GET", "POST"])
@admin_required
def user(account_id: int) -> str | Response | tuple[str, int]:
    account = staff_users.user_by_id(account_id)
    form = UserForm(obj=account)
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        staff_users.update_user(
            account,
            name=form.name.data or "",
            role=form.role.data,
            active=form.active.data,
            acting_user_id=current_user.id,
        )
        flash(gettext("The account was saved."), "success")
        return redirect(url_for("staff.users"))
    return render_template(
        "staff/admin_user.html", form=form, account=account, password_form=PasswordForm(account=account)
    ), (422 if form.errors else 200)


@bp.post("/admin/users/<int:account_id>/password")
@admin_required
def user_password(account_id: int) -> str | Response | tuple[str, int]:
    account = staff_users.user_by_id(account_id)
    password_form = PasswordForm(account=account)
    if not password_form.validate_on_submit():
        form = UserForm(obj=account)
        form.role.choices = _role_choices()
        return render_template(
            "staff/admin_user.html", form=form, account=account, password_form=password_form
        ), 422
    staff_users.set_password(account, password_form.password.data)
    flash(gettext("The new password was saved. Tell the person their password."), "success")
    return redirect(url_for("staff.user", account_id=account.id))


@bp.post("/admin/users/<int:account_id>/invitation")
@admin_required
def user_invitation(account_id: int) -> Response:
    account = staff_users.user_by_id(account_id)
    staff_accounts.send_invitation(account, invited_by=current_user, lang=str(get_locale()))
    flash(gettext("A new invitation is on its way to %(email)s.", email=account.email), "success")
    return redirect(url_for("staff.user", account_id=account.id))
