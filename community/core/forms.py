"""Form pieces every feature uses: trimming text input, refusing control characters, cleaning
free-text queries and accepting only real time zones."""
import unicodedata

from wtforms import SelectField
from wtforms import TextAreaField as _TextAreaField
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


class NoControlCharacters:
    """Refuse control characters (NUL, escape, CR, LF and the rest of Unicode's category Cc):
    they break email headers and calendar files, and PostgreSQL refuses NUL in text. A multi-line
    field keeps its line breaks (LF, or CRLF as browsers send a textarea) and tabs."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline
        self.allowed = "\n\t" if multiline else ""

    def __call__(self, form, field) -> None:
        """Validate the field's text."""
        text = field.data
        if not isinstance(text, str):
            return
        if self.multiline:
            text = text.replace("\r\n", "\n")
        bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in self.allowed), None)
        if bad is None:
            return
        if self.multiline:
            raise ValidationError(f"Remove the invisible control character (U+{ord(bad):04X}); line "
                                  "breaks and tabs are fine.")
        raise ValidationError(f"Keep this to one line of text: remove the line break, tab or other "
                              f"invisible control character (U+{ord(bad):04X}).")


def without_control_characters(text: str) -> str:
    """`text` with its control characters dropped (where `plain_query` puts spaces instead)."""
    return "".join(c for c in text if unicodedata.category(c) != "Cc")


#: For one-line fields (names, titles, subjects, email addresses, links).
single_line = NoControlCharacters()
#: For textareas (descriptions, bodies, one option per line).
multi_line = NoControlCharacters(multiline=True)


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


class TextAreaField(_TextAreaField):
    """WTForms' text area, with the CRLF line ends browsers send made LF: text stored from the
    demo, the API or a file has LF, so saving a form without touching it is not a change."""

    def process_formdata(self, valuelist):
        """Read the submitted text with its line ends made LF."""
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.replace("\r\n", "\n")
