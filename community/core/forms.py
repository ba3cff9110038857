"""Form pieces every feature uses: trimming text input and accepting only real time zones."""
from wtforms import SelectField
from wtforms.validators import DataRequired, ValidationError

from community.core.timeutil import is_zone, zone_choices


def strip(value):
    """Trim surrounding white space from text input (a WTForms filter)."""
    return value.strip() if isinstance(value, str) else value


def valid_zone(form, field) -> None:
    """Only IANA zone names are accepted."""
    if not is_zone(field.data or ""):
        raise ValidationError("Choose a time zone from the list.")


class ZoneField(SelectField):
    """A required select of IANA time zones, with an empty "Choose a time zone" first option."""

    def __init__(self, label="Time zone", validators=None, **kwargs):
        super().__init__(label, validators=validators or [DataRequired("Choose a time zone."), valid_zone],
                         validate_choice=False, **kwargs)
        self.choices = [("", "Choose a time zone"), *zone_choices()]
