"""Admin pages: staff accounts and responsible parties (admins only; organizers get 403)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldapp.models import ROLES
from fieldapp.services import responsible_parties as party_service
from fieldapp.services import staff_accounts, staff_users
from fieldapp.services import users as user_service
from fieldapp.staff import bp
from fieldapp.staff.access import admin_required
from fieldapp.staff.forms import NewUserForm, PartyForm, PasswordForm, UserForm
from fieldapp.staff.labels import party_kind_names, role_names


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


def _party_form(party=None) -> PartyForm:  # noqa: ANN001 - ResponsibleParty or None
    form = PartyForm(obj=party) if party is not None else PartyForm()
    form.kind.choices = list(party_kind_names().items())
    return form


def _party_input(form: PartyForm) -> party_service.PartyInput:
    return party_service.PartyInput(
        name=form.name.data or "",
        kind=form.kind.data,
        email=form.email.data or "",
        active=bool(form.active.data),
        open311_endpoint=form.open311_endpoint.data or "",
        open311_jurisdiction=form.open311_jurisdiction.data or "",
        open311_api_key=form.open311_api_key.data or "",
        remove_open311_api_key=bool(form.remove_open311_api_key.data),
    )


@bp.route("/admin/parties", methods=["GET", "POST"])
@admin_required
def parties() -> str | Response | tuple[str, int]:
    form = _party_form()
    if form.validate_on_submit():
        party = party_service.create_party(_party_input(form))
        flash(gettext("%(name)s was added.", name=party.name), "success")
        return redirect(url_for("staff.parties"))
    return render_template(
        "staff/admin_parties.html",
        form=form,
        parties=party_service.list_parties(),
        kind_names=party_kind_names(),
    ), (422 if form.errors else 200)


@bp.route("/admin/parties/<int:party_id>", methods=["GET", "POST"])
@admin_required
def party(party_id: int) -> str | Response | tuple[str, int]:
    item = party_service.party_by_id(party_id)
    form = _party_form(item)
    if form.validate_on_submit():
        party_service.update_party(item, _party_input(form))
        flash(gettext("%(name)s was saved.", name=item.name), "success")
        return redirect(url_for("staff.parties"))
    stored_key = party_service.masked_open311_api_key(item)
    return render_template("staff/admin_party.html", form=form, party=item, stored_key=stored_key), (
        422 if form.errors else 200)
