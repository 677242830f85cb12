"""Staff forms (Flask-WTF: CSRF on every form). Labels are translated; choices are filled in by views."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired(), Length(max=254)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WalkForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    area_name = StringField(_l("Area"), validators=[Optional(), Length(max=200)])
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=5000)])
    date = DateField(_l("Date"), validators=[Optional()])
    time = TimeField(_l("Start time (Swedish time)"), validators=[Optional()])
    meeting_point_text = StringField(_l("Meeting point"), validators=[Optional(), Length(max=300)])
    categories = MultiCheckboxField(_l("Categories participants can choose"))

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001 - WTForms signature
        ok = super().validate(extra_validators)
        if (self.date.data is None) != (self.time.data is None):
            self.time.errors = [*self.time.errors, _l("Give both the date and the start time, or neither.")]
            return False
        return ok

    def starts_at(self) -> datetime | None:
        """Date + time as an aware datetime in Europe/Stockholm."""
        if self.date.data is None or self.time.data is None:
            return None
        return datetime.combine(self.date.data, self.time.data, tzinfo=STOCKHOLM)


class RouteForm(FlaskForm):
    route_geojson = HiddenField(validators=[DataRequired(message=_l("Draw the route on the map first."))])


class RouteImportForm(FlaskForm):
    file = FileField(_l("Route file (GPX, KML or GeoJSON)"), validators=[FileRequired(_l("Choose a file."))])


class StopForm(FlaskForm):
    name = StringField(_l("Name of the stop"), validators=[Optional(), Length(max=200)])
    questions = TextAreaField(_l("Questions to discuss here"), validators=[Optional(), Length(max=2000)])
    lon = FloatField(
        _l("Longitude"),
        validators=[InputRequired(_l("Click on the map to place the stop.")), NumberRange(-180, 180)],
    )
    lat = FloatField(
        _l("Latitude"),
        validators=[InputRequired(_l("Click on the map to place the stop.")), NumberRange(-90, 90)],
    )


class StopEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    questions = TextAreaField(_l("Questions"), validators=[Optional(), Length(max=2000)])
    lon = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)])


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class FindingForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    internal_note = TextAreaField(_l("Internal note (staff only)"), validators=[Optional(), Length(max=5000)])
    lon = FloatField(_l("Longitude"), validators=[InputRequired(), NumberRange(-180, 180)])
    lat = FloatField(_l("Latitude"), validators=[InputRequired(), NumberRange(-90, 90)])


class BlurForm(FlaskForm):
    x = FloatField(_l("From the left (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    y = FloatField(_l("From the top (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    width = FloatField(_l("Width (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    height = FloatField(_l("Height (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    suggestion = IntegerField(validators=[Optional()])  # the detector's suggestion this blur confirms


class PublicationForm(FlaskForm):
    """Staff's publication decision on one photo."""

    decision = SelectField(
        choices=[("approve_blurred", ""), ("approve", ""), ("reject", ""), ("internal", "")],
        validators=[DataRequired()],
    )
    confirmed = HiddenField()


class MergeForm(FlaskForm):
    canonical = HiddenField(validators=[DataRequired()])
    members = SelectMultipleField(validate_choice=False)


class MeasureForm(FlaskForm):
    proposal = TextAreaField(_l("Proposed measure"), validators=[Optional(), Length(max=5000)])
    responsible_party = SelectField(_l("Responsible party"), coerce=str, validators=[Optional()])
    priority = SelectField(_l("Priority"), validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    public_answer = TextAreaField(_l("Answer shown to the public"), validators=[Optional(), Length(max=5000)])


class MeasureStatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason (required when rejected or referred)"), validators=[Optional(), Length(max=5000)]
    )
    responsible_party = SelectField(_l("Referred to (new owner)"), coerce=str, validators=[Optional()])


class NewUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    password = PasswordField(
        _l("Password (at least 10 characters)"), validators=[DataRequired(), Length(max=200)]
    )


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    active = BooleanField(_l("Can log in"))


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least 10 characters)"), validators=[DataRequired(), Length(max=200)]
    )


class PartyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    active = BooleanField(_l("In use"), default=True)


class RadiusForm(FlaskForm):
    """GET form (no CSRF needed for reading): the duplicate distance."""

    class Meta:
        csrf = False

    radius = IntegerField(_l("Distance (metres)"), validators=[Optional(), NumberRange(1, 500)])


class ParticipantRemovalForm(FlaskForm):
    public_id = StringField(
        _l("Participant id"), validators=[DataRequired(), Length(min=36, max=36)],
        description=_l("The id shown under “My findings” on the participant's phone."),
    )
