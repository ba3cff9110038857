"""Forms of the check-in page: a walk-in and a participant list to import."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from community.core.forms import single_line, strip
from community.signups.participants import MAX_BYTES


class WalkInForm(FlaskForm):
    """Someone at the door: an address, and a name for a newcomer."""

    email = EmailField("Email address", filters=[strip], validators=[
        DataRequired("Enter the person's email address."), Length(max=254), single_line,
        Email("Enter a valid email address, like name@company.com.")])
    name = StringField("Name", filters=[strip], validators=[Optional(), Length(max=120), single_line],
                       description="Only for someone without an account.")
    organisation = StringField("Organisation", filters=[strip],
                               validators=[Optional(), Length(max=160), single_line])


class ImportForm(FlaskForm):
    """A participant list exported from Teams or Zoom."""

    file = FileField("Participant list (.csv)", validators=[
        FileRequired("Choose the .csv file the meeting tool exported."),
        FileAllowed(["csv"], "Upload a .csv file: the participant list as Teams or Zoom exports it.")],
        description=f"A Teams attendance report or a Zoom participants export, up to "
                    f"{MAX_BYTES // (1024 * 1024)} MB.")
