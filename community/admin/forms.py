"""Forms of the organisers' panel."""
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from community.accounts.models import Role


class RoleForm(FlaskForm):
    """Change one account's role."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])


class ActionForm(FlaskForm):
    """A CSRF-protected button with no fields (resend, and the like)."""
