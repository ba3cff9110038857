"""Forms for registration, login, password reset and the account page."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from community.accounts.services import password_problem
from community.core.forms import ZoneField, single_line, strip

EMAIL = [DataRequired("Enter your email address."), Length(max=254), single_line,
         Email("Enter a valid email address, like name@company.com.")]


class StrongPassword:
    """Refuse weak passwords, naming the rule that was broken."""

    def __call__(self, form, field):
        """Validate the field against the password policy."""
        email = form.email.data if hasattr(form, "email") else getattr(form, "_email", "")
        name = form.name.data if hasattr(form, "name") else ""
        problem = password_problem(field.data or "", email or "", name or "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(FlaskForm):
    """A new member's details and consent."""

    name = StringField("Full name",
                       validators=[DataRequired("Enter your name."), Length(max=120), single_line])
    email = EmailField("Work email", validators=EMAIL, filters=[strip])
    organisation = StringField(
        "Organisation", validators=[DataRequired("Enter your organisation."), Length(max=160), single_line]
    )
    job_title = StringField(
        "Job title", validators=[DataRequired("Enter your job title."), Length(max=120), single_line]
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Choose a password."), StrongPassword()]
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[InputRequired("Repeat the password."),
                    EqualTo("password", "The two passwords do not match.")],
    )
    consent = BooleanField(
        "I have read the privacy notice and agree to my data being used as it describes.",
        validators=[DataRequired("You need to agree to the privacy notice to join.")],
    )


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=EMAIL, filters=[strip])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."),
                                                     Length(max=128)])
    remember = BooleanField("Keep me logged in on this device")


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField("Email", validators=EMAIL, filters=[strip])


class ResetPasswordForm(FlaskForm):
    """A new password, entered twice."""

    password = PasswordField("New password", validators=[InputRequired("Choose a password."),
                                                         StrongPassword()])
    confirm = PasswordField(
        "Repeat new password",
        validators=[InputRequired("Repeat the password."),
                    EqualTo("password", "The two passwords do not match.")],
    )


class ProfileForm(FlaskForm):
    """The member's own details."""

    name = StringField("Full name",
                       validators=[DataRequired("Enter your name."), Length(max=120), single_line])
    organisation = StringField(
        "Organisation", validators=[DataRequired("Enter your organisation."), Length(max=160), single_line]
    )
    job_title = StringField(
        "Job title", validators=[DataRequired("Enter your job title."), Length(max=120), single_line]
    )
    timezone = ZoneField()
    waitlist_in_calendar = BooleanField("Put waitlist places in my calendar as tentative entries")


class ChangePasswordForm(FlaskForm):
    """Current password and a new one, twice."""

    current_password = PasswordField("Current password",
                                     validators=[InputRequired("Enter your current password.")])
    password = PasswordField("New password", validators=[InputRequired("Choose a password."),
                                                         StrongPassword()])
    confirm = PasswordField(
        "Repeat new password",
        validators=[InputRequired("Repeat the password."),
                    EqualTo("password", "The two passwords do not match.")],
    )


class DeleteAccountForm(FlaskForm):
    """Password and an explicit confirmation before erasing an account."""

    password = PasswordField("Your password", validators=[InputRequired("Enter your password.")])
    understand = BooleanField(
        "I understand this cannot be undone.",
        validators=[DataRequired("Tick the box to confirm.")],
    )


class ChangeEmailForm(FlaskForm):
    """A new address for the account, with the password to show it is the member asking."""

    email = EmailField("New email address", validators=EMAIL, filters=[strip])
    password = PasswordField("Your password", validators=[InputRequired("Enter your password."),
                                                          Length(max=128)])
