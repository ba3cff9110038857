"""Forms of the organisers' panel."""
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from community.accounts.models import Role
from community.core.forms import TextAreaField, ZoneField, multi_line, single_line, strip
from community.sessions.models import FORMAT_LABELS, Format


class RoleForm(FlaskForm):
    """Change one account's role."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])


class ActionForm(FlaskForm):
    """A CSRF-protected button with no fields (resend, and the like)."""


def _web_url(form, field):
    """An optional link must be a full http(s) address."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    spaced = any(c.isspace() for c in field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc or spaced:
        raise ValidationError("Enter a full web address starting with https://.")


FORMAT_CHOICES = [SelectChoice(f.value, FORMAT_LABELS[f]) for f in Format]


class _Logistics:
    """Fields a series and a session share: zone, seats, format, place and link."""

    timezone = ZoneField()
    capacity = IntegerField("Seats", default=30, validators=[
        InputRequired("Enter the number of seats."),
        NumberRange(1, 10000, "Enter a number of seats between 1 and 10,000.")])
    format = SelectField("Format", choices=FORMAT_CHOICES, default=Format.ONLINE.value)
    venue = StringField("Venue", filters=[strip], validators=[Length(max=300), single_line])
    join_url = URLField("Join link", filters=[strip], validators=[Length(max=500), single_line, _web_url])


class SeriesForm(_Logistics, FlaskForm):
    """A series and its cadence."""

    title = StringField("Title", filters=[strip],
                        validators=[DataRequired("Enter a title."), Length(max=200), single_line])
    description = TextAreaField("Description", validators=[Length(max=20000), multi_line])
    start_date = DateField("First date",
                           validators=[InputRequired("Enter the date of the first session.")])
    local_time = TimeField("Start time", validators=[InputRequired("Enter the start time.")])
    interval_weeks = IntegerField("Every how many weeks", default=2, validators=[
        InputRequired("Enter how many weeks apart the sessions are."),
        NumberRange(1, 52, "Enter a number of weeks between 1 and 52.")])
    duration_minutes = IntegerField("Duration in minutes", default=60, validators=[
        InputRequired("Enter the duration in minutes."),
        NumberRange(5, 720, "Enter a duration between 5 and 720 minutes.")])


class SessionForm(_Logistics, FlaskForm):
    """One session: topic, local date and times in its zone, logistics and hosts."""

    title = StringField("Title", filters=[strip],
                        validators=[DataRequired("Enter a title."), Length(max=200), single_line])
    description = TextAreaField("Description", validators=[Length(max=20000), multi_line])
    date = DateField("Date", validators=[InputRequired("Enter the date.")])
    start_time = TimeField("Start time", validators=[InputRequired("Enter the start time.")])
    end_time = TimeField("End time", validators=[InputRequired("Enter the end time.")])
    hosts = SelectMultipleField("Hosts", coerce=int, widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())

    def __init__(self, *args, host_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hosts.choices = [SelectChoice(str(u.id), f"{u.name} ({u.role})") for u in host_options]


class GenerateForm(FlaskForm):
    """How many cadence dates to create drafts for."""

    count = IntegerField("Number of occurrences", default=6, validators=[
        InputRequired("Enter how many occurrences to generate."),
        NumberRange(1, 52, "Enter a number between 1 and 52.")])


class AddAttendeeForm(FlaskForm):
    """An address to give a seat to (a member, or someone without an account yet)."""

    email = EmailField("Email address", filters=[strip], validators=[
        DataRequired("Enter an email address."), Length(max=254), single_line,
        Email("Enter a valid email address, like name@company.com.")])


class MessageForm(FlaskForm):
    """An organiser's email to the people at a session."""

    subject = StringField("Subject", validators=[DataRequired("Write a subject."), Length(max=150),
                                                 single_line])
    body = TextAreaField("Message", validators=[DataRequired("Write the message."), Length(max=5000),
                                                multi_line],
                         description="Plain text; **bold**, lists and links in Markdown are shown "
                                     "in the HTML email.")
    include_waitlist = BooleanField("Also send it to the waitlist")
