"""The message writer: what `mime.compose` writes, the standard library's parser reads back
unchanged (headers, structure, every part's content), in lines SMTP accepts."""
from email import message_from_bytes, policy
from email.utils import formataddr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.core.text import one_line
from community.mail import mime

#: Text as templates and organisers write it: any characters but the surrogates and NUL.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=3000)
#: Subjects as they reach a header: made one line (`core.text.one_line`) from anything.
SUBJECT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300).map(one_line).filter(bool)
#: Names a sender is configured with.
SENDER_NAMES = ["Digital Leadership Community", "Müller & Partner (CIO Forum)", "O'Brien, Analyst Desk",
                'The "Leaders" Circle', "デジタル・リーダーシップ"]


def _written(subject, to, text, html, ics=None, files=()):
    headers = [("From", mime.address("Digital Leadership Community <community@example.com>")),
               ("To", mime.address(to)), ("Subject", mime.text_header("Subject", subject))]
    alternatives = [mime.text(text, "plain")]
    if html is not None:
        alternatives.append(mime.text(html, "html"))
    attached = []
    if ics is not None:
        alternatives.append(mime.binary(ics, 'text/calendar; charset="UTF-8"; method=REQUEST'))
        attached.append(mime.attachment(ics, "application/ics", "invite.ics"))
    attached += [mime.attachment(content, kind, name) for name, content, kind in files]
    return mime.compose(headers, alternatives, attached)


def _lines_fit_smtp(raw: bytes) -> bool:
    """CRLF line ends only, no bare CR or LF, no line over 998 octets, ASCII throughout."""
    lines = raw.split(b"\r\n")
    return raw.isascii() and all(b"\r" not in line and b"\n" not in line and len(line) <= 998
                                 for line in lines)


def _lines(text: str) -> str:
    """Text with its line ends made LF, ending in one (as a message part carries it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


@settings(max_examples=150, deadline=None)
@given(subject=SUBJECT, text=TEXT, html=TEXT)
def test_any_text_reads_back_as_written(subject, text, html):
    raw = _written(subject, "ada@example.com", text, html)
    assert _lines_fit_smtp(raw)
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == subject
    assert msg["To"].addresses[0].addr_spec == "ada@example.com"
    assert msg.get_content_type() == "multipart/alternative"
    assert _lines(msg.get_body(("plain",)).get_content()) == _lines(text)
    assert _lines(msg.get_body(("html",)).get_content()) == _lines(html)


@pytest.mark.parametrize("name", SENDER_NAMES)
def test_the_senders_name_reads_back(name):
    raw = mime.compose([("From", mime.address(f'{formataddr((name, "community@example.com"))}'))],
                       [mime.text("x", "plain")], [])
    (sender,) = message_from_bytes(raw, policy=policy.default)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "community@example.com")


def test_an_invitation_has_the_calendar_as_alternative_and_attachment():
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Is good enough\\, enough?\r\nEND:VCALENDAR\r\n"
    deck = ("Präsentation – März.pdf", b"%PDF-1.4", "application/pdf")
    raw = _written("Updated: Is good enough, enough?", "ada@example.com", "Hello Ada", "<p>Hello Ada</p>",
                   ics, [deck])
    assert _lines_fit_smtp(raw)
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/mixed"
    alternative = next(msg.iter_parts())
    kinds = [p.get_content_type() for p in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar = list(alternative.iter_parts())[2]
    assert calendar.get_param("method") == "REQUEST" and calendar.get_content_charset() == "utf-8"
    assert calendar.get_payload(decode=True) == ics
    invite, deck = msg.iter_attachments()
    assert invite.get_filename() == "invite.ics" and invite.get_content() == ics
    assert deck.get_filename() == "Präsentation – März.pdf" and deck.get_content() == b"%PDF-1.4"


def test_plain_short_ascii_stays_readable_and_a_long_line_is_encoded():
    raw = _written("Hello", "ada@example.com", "Plain words.\nSecond line.", None)
    assert b"Content-Transfer-Encoding: 7bit\r\n\r\nPlain words.\r\nSecond line.\r\n" in raw
    long_line = "word " * 400
    raw = _written("Hello", "ada@example.com", long_line, None)
    assert _lines_fit_smtp(raw) and b"quoted-printable" in raw
    assert message_from_bytes(raw, policy=policy.default).get_content() == long_line + "\r\n"


def test_a_long_subject_is_folded_not_cut():
    subject = "Roundtable: " + "is technology-driven customer experience a challenge for the CIO? " * 3
    raw = _written(subject.strip(), "ada@example.com", "x", None)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject.strip()
