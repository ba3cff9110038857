"""Form pieces every feature uses: trimming text input, cleaning free-text queries and
accepting only real time zones."""
import unicodedata

from wtforms import SelectField
from wtforms.validators import DataRequired, ValidationError

from community.core.timeutil import is_zone, zone_choices


def strip(value):
    """Trim surrounding white space from text input (a WTForms filter)."""
    return value.strip() if isinstance(value, str) else value


def plain_query(value: str | None, limit: int = 200) -> str:
    """Free text from an address (a search box) as any database takes it: control characters
    (NUL, escape, DEL, the C1 range) and lone surrogates become spaces, then the text is
    trimmed and cut to `limit` characters. PostgreSQL refuses NUL; SQLite's FTS5 fails on it."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in value or "")
    return text.strip()[:limit].strip()


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
