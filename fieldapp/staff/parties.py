"""Staff: responsible parties (organizers and admins), their Open311 connection, service codes and test.

Who may change what is decided in ``services.responsible_parties``; these views only hide from organizers
the fields they may not change (the API key; the endpoint once a key is stored).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldapp.errors import Conflict, Forbidden, ValidationError
from fieldapp.models import ResponsibleParty
from fieldapp.services import categories as category_service
from fieldapp.services import open311_connection
from fieldapp.services import responsible_parties as party_service
from fieldapp.staff import bp
from fieldapp.staff.forms import ActionForm, PartyForm
from fieldapp.staff.labels import party_kind_names

CODE_FIELD_PREFIX = "code-"


def _is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.is_admin)


def _party_form(party: ResponsibleParty | None = None, *, posted: bool = True) -> PartyForm:
    """The party form; ``posted=False`` shows the stored values even while answering another form's POST
    (an unchecked box is missing from a post, which would read as "not in use")."""
    if party is None:
        form = PartyForm()
    else:
        form = PartyForm(obj=party) if posted else PartyForm(formdata=None, obj=party)
    form.kind.choices = list(party_kind_names().items())
    return form


def _party_input(form: PartyForm, party: ResponsibleParty | None = None) -> party_service.PartyInput:
    endpoint = form.open311_endpoint.data or ""
    if party is not None and party.open311_api_key_encrypted and not _is_admin():
        endpoint = party.open311_endpoint or ""  # shown read-only to organizers; the stored one stands
    return party_service.PartyInput(
        name=form.name.data or "",
        kind=form.kind.data,
        email=form.email.data or "",
        active=bool(form.active.data),
        open311_endpoint=endpoint,
        open311_jurisdiction=form.open311_jurisdiction.data or "",
        open311_api_key=(form.open311_api_key.data or "") if _is_admin() else "",
        remove_open311_api_key=bool(form.remove_open311_api_key.data) if _is_admin() else False,
    )


def _field_for(err: ValidationError | Conflict | Forbidden, form: PartyForm):  # noqa: ANN202 - a form field
    """The form field a refusal belongs to, so the message stands next to it."""
    code = err.code or ""
    if "api_key" in code:
        return form.open311_api_key
    if "endpoint" in code:
        return form.open311_endpoint
    if "jurisdiction" in code:
        return form.open311_jurisdiction
    if "email" in code:
        return form.email
    if "kind" in code:
        return form.kind
    return form.name


def _save(form: PartyForm, party: ResponsibleParty | None) -> ResponsibleParty | None:
    """Create or update from the form; a refusal is put next to its field (None is returned)."""
    try:
        if party is None:
            return party_service.create_party(_party_input(form), admin=_is_admin())
        return party_service.update_party(party, _party_input(form, party), admin=_is_admin())
    except (ValidationError, Conflict, Forbidden) as err:
        _field_for(err, form).errors.append(err.message)
        return None


@bp.route("/parties", methods=["GET", "POST"])
def parties() -> str | Response | tuple[str, int]:
    form = _party_form()
    if form.validate_on_submit():
        created = _save(form, None)
        if created is not None:
            flash(gettext("%(name)s was added.", name=created.name), "success")
            return redirect(url_for("staff.party", party_id=created.id))
    return render_template(
        "staff/parties.html", form=form, parties=party_service.list_parties(), kind_names=party_kind_names(),
    ), (422 if form.errors else 200)


def _codes_from_request() -> dict[int, str]:
    codes = {}
    for key, value in request.form.items():
        if key.startswith(CODE_FIELD_PREFIX) and key[len(CODE_FIELD_PREFIX):].isdigit():
            codes[int(key[len(CODE_FIELD_PREFIX):])] = value
    return codes


def _party_page(party: ResponsibleParty, form: PartyForm, *, status: int = 200,
                check: open311_connection.ConnectionCheck | None = None,
                codes: dict[int, str] | None = None, code_errors: dict[int, str] | None = None,
                ) -> tuple[str, int]:
    return render_template(
        "staff/party.html", form=form, party=party, is_admin=_is_admin(),
        stored_key=party_service.masked_open311_api_key(party),
        categories=category_service.all_categories(),
        codes=codes if codes is not None else party_service.service_code_mapping(party),
        code_errors=code_errors or {}, action_form=ActionForm(), check=check,
    ), status


@bp.route("/parties/<int:party_id>", methods=["GET", "POST"])
def party(party_id: int) -> str | Response | tuple[str, int]:
    item = party_service.party_by_id(party_id)
    form = _party_form(item)
    if form.validate_on_submit() and _save(form, item) is not None:
        flash(gettext("%(name)s was saved.", name=item.name), "success")
        return redirect(url_for("staff.party", party_id=item.id))
    return _party_page(item, form, status=422 if form.errors else 200)


@bp.post("/parties/<int:party_id>/service-codes")
def party_service_codes(party_id: int) -> Response | tuple[str, int]:
    item = party_service.party_by_id(party_id)
    action = ActionForm()
    codes = _codes_from_request()
    if action.validate_on_submit():
        try:
            party_service.set_service_codes(item, codes)
        except party_service.ServiceCodeError as err:
            return _party_page(item, _party_form(item, posted=False), status=422, codes=codes,
                               code_errors={err.category_id: err.message})
        flash(gettext("The service codes of %(name)s were saved.", name=item.name), "success")
        return redirect(url_for("staff.party", party_id=item.id, _anchor="service-codes"))
    return _party_page(item, _party_form(item, posted=False), status=422, codes=codes)


@bp.post("/parties/<int:party_id>/open311/test")
def party_open311_test(party_id: int) -> tuple[str, int]:
    """"Test connection": the server's services, or why there is no connection (shown on the page)."""
    item = party_service.party_by_id(party_id)
    action = ActionForm()
    if not action.validate_on_submit():
        return _party_page(item, _party_form(item, posted=False), status=422)
    return _party_page(item, _party_form(item, posted=False), check=open311_connection.check_connection(item))
