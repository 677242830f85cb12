"""The base of every form: Flask-WTF (CSRF) plus the one input rule for text
(``fieldapp.text.clean_text``), and taking back the input of a failed submission (``fieldapp.form_again``)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from fieldapp import form_again
from fieldapp.errors import N_

EXPIRED = N_("The form had expired or could not be read. Check your input and send it again.")


def _clean(value: Any) -> Any:
    from fieldapp.text import clean_text

    return clean_text(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """A Flask-WTF form whose text fields (not passwords) drop control characters on the way in.

    While the page of a failed submission is rendered again, the form of the same class and prefix takes
    the posted input and its errors back (and counts as submitted); every other form starts empty.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):  # noqa: ANN001, ANN201 - WTForms' hook
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options = {**options, "filters": (*unbound_field.kwargs.get("filters", ()), _clean)}
            return unbound_field.bind(form=form, **options)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        failed = form_again.failed_form()
        prefix = kwargs.get("prefix", "")
        if prefix and prefix[-1] not in "-_;:/.":  # as WTForms completes it
            prefix += "-"
        self._again = failed is not None and (
            failed.form_class == type(self).__name__ and failed.prefix == prefix
            or not failed.form_class and self._takes_all(failed.data.keys(), prefix)
        )
        if failed is not None and not args and "formdata" not in kwargs:
            kwargs["formdata"] = failed.data if self._again else None
        super().__init__(*args, **kwargs)
        if self._again and failed is not None:
            for name, errors in failed.errors.items():
                if name in self._fields:
                    self._fields[name].errors = list(errors)

    def _takes_all(self, names: Any, prefix: str) -> bool:
        """Every posted name is a field of this form (to find a form whose class is not known: bad CSRF)."""
        fields = {prefix + name for name, _ in self._unbound_fields}  # set by WTForms' FormMeta
        return bool(fields) and set(names) <= fields

    def is_submitted(self) -> bool:
        if form_again.failed_form() is not None:
            return self._again
        return super().is_submitted()

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        if form_again.failed_form() is not None:
            return False
        return super().validate_on_submit(extra_validators)

    def validate(self, extra_validators: Any = None) -> bool:
        form_again.remember_submitted(self)
        ok = super().validate(extra_validators)
        if "csrf_token" in self.errors:  # not a field anyone sees: say it at the top of the page
            flash(gettext(EXPIRED), "error")
        return ok
