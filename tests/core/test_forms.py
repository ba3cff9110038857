"""The form pieces of community/core/forms.py: refusing control characters, on every text field
of every form."""
import importlib
import inspect
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import Form, PasswordField, StringField, TextAreaField

from community.core.forms import NoControlCharacters, multi_line, single_line, without_control_characters
from community.db import db
from community.invites.models import Announcement
from community.signups import services as signups
from tests.factories import make_session, make_user

PACKAGE = Path(__file__).resolve().parents[2] / "community"


class _Field:
    def __init__(self, data):
        self.data = data


def _refuses(validator, text: str) -> bool:
    try:
        validator(None, _Field(text))
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("text", ["\x00", "a\nb", "a\r\nb", "tab\there", "\x1b[31m", "\x7f", "\x85",
                                  "Subject\r\nBcc: victim@example.com"])
def test_one_line_fields_refuse_control_characters(text):
    assert _refuses(single_line, text)


@pytest.mark.parametrize("text", ["Zoë Ødegaard-Łukasz", "会议 🙂", "O'Brien & Co", "\u202eRTL", ""])
def test_one_line_fields_take_any_printable_text(text):
    assert not _refuses(single_line, text)


@pytest.mark.parametrize("text", ["Para one.\n\nPara two.", "Windows\r\nline ends", "- item\n\t- nested"])
def test_multi_line_fields_keep_line_breaks_and_tabs(text):
    assert not _refuses(multi_line, text)


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "lone\rreturn", "vertical\x0btab", "\x1b[2J"])
def test_multi_line_fields_refuse_other_control_characters(text):
    assert _refuses(multi_line, text)


def test_the_message_names_the_character():
    with pytest.raises(ValueError, match=r"U\+001B"):
        single_line(None, _Field("\x1b"))


def test_search_words_lose_their_control_characters():
    assert without_control_characters("mi\x00a\x1b\n 🙂") == "mia 🙂"


def _forms():
    """Every form class defined in a forms.py of the application."""
    for path in sorted(PACKAGE.rglob("forms.py")):
        module = importlib.import_module(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__ == module.__name__ and cls is not FlaskForm:
                yield cls


def test_every_text_field_of_every_form_refuses_control_characters(app):
    checked = 0
    with app.test_request_context():
        for cls in _forms():
            for field in cls():
                if not isinstance(field, StringField) or isinstance(field, PasswordField):
                    continue  # passwords are only hashed: never shown, sent or stored as text
                guards = [v for v in field.validators if isinstance(v, NoControlCharacters)]
                where = f"{cls.__module__}.{cls.__name__}.{field.name}"
                assert guards, f"{where} takes control characters: add single_line or multi_line"
                assert guards[0].multiline == isinstance(field, TextAreaField), where
                checked += 1
    assert checked >= 25


def test_a_message_subject_with_a_line_break_is_refused_and_nothing_is_sent(client, auth):
    session = make_session()
    signups.sign_up(make_user(), session)
    auth.log_in_new_user(role="organiser")
    response = client.post(f"/admin/sessions/{session.id}/message",
                           data={"subject": "Hello\r\nBcc: victim@example.com", "body": "Text."})
    assert response.status_code == 400
    assert "Keep this to one line of text" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Announcement.id))) == 0
