"""The join form: which group you belong to (optional) and your language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import Optional

from fieldapp.forms import Form

GROUP_CHOICES = [
    ("resident", _l("Resident")),
    ("police", _l("Police")),
    ("housing_company", _l("Housing company")),
    ("staff", _l("Municipal staff")),
    ("association", _l("Association")),
    ("politician", _l("Politician")),
    ("other", _l("Other")),
    ("", _l("I'd rather not say")),
]
LANGUAGE_CHOICES = [("sv", "Svenska"), ("en", "English")]


class JoinForm(Form):
    group = RadioField(_l("I take part as"), choices=GROUP_CHOICES, default="", validators=[Optional()])
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="sv")
