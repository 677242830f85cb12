"""Staff account pages reached from e-mail: forgotten password, reset link, invitation link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from fieldapp.extensions import limiter
from fieldapp.services import staff_accounts
from fieldapp.staff import bp
from fieldapp.staff.forms import ChoosePasswordForm, ForgotPasswordForm


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password() -> str | Response | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        staff_accounts.request_password_reset(form.email.data, lang=str(get_locale()))
        flash(gettext("If %(email)s belongs to a staff account, a link to choose a new password is on its "
                      "way. It works for one hour.", email=form.email.data), "success")
        return redirect(url_for("staff.login"))
    return render_template("staff/password_forgot.html", form=form), (422 if form.errors else 200)


def _choose_password(token: str, purpose: staff_accounts.Purpose) -> str | Response | tuple[str, int]:
    account = staff_accounts.user_for_token(token, purpose)  # a used or expired link: 404 with a message
    form = ChoosePasswordForm(account=account)
    if form.validate_on_submit():
        staff_accounts.set_password_by_link(token, purpose, form.password.data)
        flash(gettext("Your password is saved. Log in with it."), "success")
        return redirect(url_for("staff.login"))
    return render_template("staff/password_choose.html", form=form, account=account, purpose=purpose), (
        422 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def password_reset(token: str) -> str | Response | tuple[str, int]:
    return _choose_password(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    return _choose_password(token, "invite")
