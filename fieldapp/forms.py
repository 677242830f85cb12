"""The base of every form: Flask-WTF (CSRF) plus the one input rule for text
(``fieldapp.text.clean_text``)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


def _clean(value: Any) -> Any:
    from fieldapp.text import clean_text

    return clean_text(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """A Flask-WTF form whose text fields (not passwords) drop control characters on the way in."""

    class Meta:
        def bind_field(self, form, unbound_field, options):  # noqa: ANN001, ANN201 - WTForms' hook
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options = {**options, "filters": (*unbound_field.kwargs.get("filters", ()), _clean)}
            return unbound_field.bind(form=form, **options)
