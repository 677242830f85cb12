"""Staff forms (Flask-WTF: CSRF on every form). Labels are translated; choices are filled in by views."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from shapely.geometry import Point
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
from wtforms.validators import URL, DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from fieldapp import municipality
from fieldapp.errors_http import geometry_message
from fieldapp.forms import Form
from fieldapp.services.passwords import password_problem
from gis.crs import parse_position
from gis.errors import GeometryError


class LoginForm(Form):
    email = EmailField(validators=[DataRequired(), Length(max=254)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WalkForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    area_name = StringField(_l("Area"), validators=[Optional(), Length(max=200)])
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=5000)])
    date = DateField(_l("Date"), validators=[Optional()])
    time = TimeField(_l("Start time (Swedish time)"), validators=[Optional()])
    meeting_point_text = StringField(_l("Meeting point"), validators=[Optional(), Length(max=300)])
    categories = MultiCheckboxField(_l("Categories participants can choose"))
    # For the protocol; all optional, often filled in after the walk.
    weather = StringField(_l("Weather"), validators=[Optional(), Length(max=200)])
    organizer = StringField(_l("Organizer"), validators=[Optional(), Length(max=200)])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=300)])
    organisations = TextAreaField(
        _l("Participating organisations"), validators=[Optional(), Length(max=3000)]
    )
    head_count = IntegerField(
        _l("Number of people who walked"), validators=[Optional(), NumberRange(0, 100000)]
    )
    case_number = StringField(_l("Case number"), validators=[Optional(), Length(max=100)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001 - WTForms signature
        ok = super().validate(extra_validators)
        if (self.date.data is None) != (self.time.data is None):
            self.time.errors = [*self.time.errors, _l("Give both the date and the start time, or neither.")]
            return False
        return ok

    def starts_at(self) -> datetime | None:
        """Date + time as an aware datetime in the municipality's time zone."""
        if self.date.data is None or self.time.data is None:
            return None
        return datetime.combine(self.date.data, self.time.data, tzinfo=municipality.zone())


class RouteForm(Form):
    route_geojson = HiddenField(validators=[DataRequired(message=_l("Draw the route on the map first."))])


class RouteImportForm(Form):
    file = FileField(_l("Route file (GPX, KML or GeoJSON)"), validators=[FileRequired(_l("Choose a file."))])


class RouteImportConfirmForm(Form):
    """The second step of an import: the file's content as read, waypoints to add, warnings accepted."""

    filename = HiddenField()
    route_geojson = HiddenField()
    waypoints_geojson = HiddenField()
    waypoints = MultiCheckboxField(_l("Add as stops"), coerce=int, validate_choice=False)
    accept_warnings = BooleanField(_l("Import anyway: the file is right"))


def typed_position(form: Form, field: StringField) -> None:
    """A position typed or filled in from the map (WGS 84 or SWEREF 99 TM), kept as ``field.point``."""
    field.point = None
    if field.data:
        try:
            field.point = parse_position(field.data)
        except GeometryError as err:
            raise FieldError(geometry_message(err)) from err


class StopForm(Form):
    name = StringField(_l("Name of the stop"), validators=[Optional(), Length(max=200)])
    questions = TextAreaField(_l("Questions to discuss here"), validators=[Optional(), Length(max=2000)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=100), typed_position])
    # Longitude/latitude as numbers (scripts and older pages); the position field wins when both are given.
    lon = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001 - WTForms signature
        ok = super().validate(extra_validators)
        if ok and self.point() is None:
            self.position.errors = [*self.position.errors, _l(
                "Click on the map where the stop is (press “Place a stop on the map” first), or type its "
                "coordinates.")]
            return False
        return ok

    def point(self) -> Point | None:
        if getattr(self.position, "point", None) is not None:
            return self.position.point
        if self.lon.data is not None and self.lat.data is not None:
            return Point(self.lon.data, self.lat.data)
        return None


class MeetingPointForm(Form):
    position = StringField(_l("Meeting point on the map"),
                           validators=[Optional(), Length(max=100), typed_position])

    def point(self) -> Point | None:
        """The typed or clicked position; None when the field was left empty (removes the point)."""
        return getattr(self.position, "point", None)


class StopEditForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    questions = TextAreaField(_l("Questions"), validators=[Optional(), Length(max=2000)])
    lon = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)])


class StatusForm(Form):
    status = HiddenField(validators=[DataRequired()])


class FindingForm(Form):
    category = SelectField(_l("Category"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    internal_note = TextAreaField(_l("Internal note (staff only)"), validators=[Optional(), Length(max=5000)])
    lon = FloatField(_l("Longitude"), validators=[InputRequired(), NumberRange(-180, 180)])
    lat = FloatField(_l("Latitude"), validators=[InputRequired(), NumberRange(-90, 90)])
    # The version the form was opened on: a save over someone else's later change shows both instead.
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class BlurForm(Form):
    x = FloatField(_l("From the left (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    y = FloatField(_l("From the top (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    width = FloatField(_l("Width (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    height = FloatField(_l("Height (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    suggestion = IntegerField(validators=[Optional()])  # the detector's suggestion this blur confirms


class PublicationForm(Form):
    """Staff's publication decision on one photo."""

    decision = SelectField(
        choices=[("approve_blurred", ""), ("approve", ""), ("reject", ""), ("internal", "")],
        validators=[DataRequired()],
    )
    confirmed = HiddenField()


class MergeForm(Form):
    canonical = HiddenField(validators=[DataRequired()])
    members = SelectMultipleField(validate_choice=False)


class MeasureForm(Form):
    proposal = TextAreaField(_l("Proposed measure"), validators=[Optional(), Length(max=5000)])
    responsible_party = SelectField(_l("Responsible party"), coerce=str, validators=[Optional()])
    priority = SelectField(_l("Priority"), validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    public_answer = TextAreaField(_l("Answer shown to the public"), validators=[Optional(), Length(max=5000)])


class AfterPhotoForm(Form):
    """Staff's photo of the place after the measure was carried out."""

    photo = FileField(_l("Photo after the measure"), validators=[FileRequired(_l("Choose a photo."))])
    publish = BooleanField(_l("Publish it on the feedback page (it shows no people or number plates)"))


class MeasureStatusForm(Form):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason (required when rejected or referred)"), validators=[Optional(), Length(max=5000)]
    )
    responsible_party = SelectField(_l("Referred to (new owner)"), coerce=str, validators=[Optional()])


def acceptable_password(form: Form, field: PasswordField) -> None:
    """The staff password rule (fieldapp.services.passwords), shown next to the field."""
    problem = password_problem(field.data or "", form.password_user_inputs())
    if problem is not None:
        raise FieldError(problem)


class NewUserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    invite = BooleanField(_l("Send an invitation by e-mail: the person chooses their own password"),
                          default=True)
    password = PasswordField(
        _l("Or set a password yourself (at least 10 characters)"),
        validators=[Optional(), Length(max=200), acceptable_password],
    )

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001 - WTForms signature
        valid = super().validate(extra_validators)
        if not self.invite.data and not self.password.data:
            self.password.errors = [*self.password.errors, _l("Enter a password, or send an invitation.")]
            return False
        return valid

    def password_user_inputs(self) -> tuple[str, ...]:
        return (self.email.data or "", self.name.data or "")


class UserForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    active = BooleanField(_l("Can log in"))


class PasswordForm(Form):
    """A new password for ``account`` (its e-mail and name may not be the password)."""

    password = PasswordField(
        _l("New password (at least 10 characters)"),
        validators=[DataRequired(), Length(max=200), acceptable_password],
    )

    def __init__(self, *args, account=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003 - WTForms
        super().__init__(*args, **kwargs)
        self.account = account

    def password_user_inputs(self) -> tuple[str, ...]:
        return (self.account.email, self.account.name or "") if self.account is not None else ()


class PartyForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    active = BooleanField(_l("In use"), default=True)
    open311_endpoint = StringField(_l("Open311 endpoint"), validators=[
        Optional(), URL(require_tld=False, message=_l("Enter a web address (https://…).")), Length(max=500)])
    open311_jurisdiction = StringField(_l("Open311 jurisdiction id"),
                                       validators=[Optional(), Length(max=100)])
    # Write-only: never filled from the stored key; empty keeps it.
    open311_api_key = PasswordField(_l("Open311 API key"), validators=[Optional(), Length(max=500)])
    remove_open311_api_key = BooleanField(_l("Remove the stored API key"))


class MunicipalityForm(Form):
    """The admin's municipality settings; an empty field means "as configured" (fieldapp/municipality.py)."""

    name = StringField(_l("Name of the municipality"), validators=[Optional(), Length(max=200)])
    contact = StringField(_l("Contact for the public"), validators=[Optional(), Length(max=500)])
    dpo_contact = StringField(_l("Data protection officer"), validators=[Optional(), Length(max=500)])
    colour = StringField(_l("Colour of the top bar"), validators=[Optional(), Length(max=7)])
    logo = FileField(_l("Logo (PNG, JPEG or WebP)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    map_lat = FloatField(_l("Latitude"), validators=[Optional()])
    map_lon = FloatField(_l("Longitude"), validators=[Optional()])
    map_zoom = IntegerField(_l("Zoom level"), validators=[Optional()])
    time_zone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)])
    sweref_epsg = SelectField(_l("Local SWEREF 99 zone"), coerce=int)


class PublishForm(Form):
    """Confirming a publication: the version number the confirmation page offered."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(1, 100_000)])


class RadiusForm(Form):
    """GET form (no CSRF needed for reading): the duplicate distance."""

    class Meta:
        csrf = False

    radius = IntegerField(_l("Distance (metres)"), validators=[Optional(), NumberRange(1, 500)])


class ParticipantRemovalForm(Form):
    public_id = StringField(
        _l("Participant id"), validators=[DataRequired(), Length(min=36, max=36)],
        description=_l("The id shown under “My findings” on the participant's phone."),
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class ChoosePasswordForm(PasswordForm):
    """A password chosen through a reset or invitation link, typed twice."""

    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class SituationFilterForm(Form):
    """GET form of the situation picture; choices are filled in by the view. Empty = all."""

    class Meta:
        csrf = False

    year_from = SelectField(_l("From year"), coerce=str, validators=[Optional()])
    year_to = SelectField(_l("To year"), coerce=str, validators=[Optional()])
    area = SelectField(_l("Area"), coerce=str, validators=[Optional()])
    category = SelectField(_l("Category"), coerce=str, validators=[Optional()])
    polarity = SelectField(_l("Unsafe or safe"), coerce=str, validators=[Optional()])
    measure_status = SelectField(_l("Measure status"), coerce=str, validators=[Optional()])
    party = SelectField(_l("Responsible party"), coerce=str, validators=[Optional()])


class PromiseForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    area_name = StringField(_l("Area"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until"), validators=[DataRequired()])
    description = TextAreaField(_l("What police and municipality promise"),
                                validators=[Optional(), Length(max=5000)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001 - WTForms signature
        valid = super().validate(extra_validators)
        if valid and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors = [*self.ends_on.errors, _l("The promise must end after it starts.")]
            return False
        return valid


class CategoryForm(Form):
    """A finding category (admin): names, icon, safe/unsafe, Open311 service code, top-level category."""

    name_sv = StringField(_l("Name in Swedish"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=60)])
    icon = SelectField(_l("Icon"), validators=[DataRequired()], default="other")
    polarity = SelectField(_l("About"), validators=[DataRequired()], default="unsafe")
    service_code = StringField(_l("Open311 service code"), validators=[Optional(), Length(max=50)])
    parent_code = SelectField(_l("Sub-choice of"), validators=[Optional()])


class NewCategoryForm(CategoryForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=50)])
