"""Writing an outgoing message as MIME bytes, ready for SMTP.

Every email the platform sends has one shape: plain text, an HTML alternative, an iCalendar
alternative (iMIP) for the calendar emails, and files after them. The standard library's
`EmailMessage` builds such a message through its header registry and generator at about
2.5 ms a message, most of a move's invitation to 2,000 attendees (issue 11). Here the shape is
written directly, while the standard library still does every encoding: RFC 2047 headers
(`email.header.Header`, `email.utils.formataddr`), quoted-printable (`email.quoprimime`),
base64, RFC 2231 file names, dates and Message-IDs. The result is plain RFC 5322/2045 text
with CRLF line ends that any parser reads back (`tests/mail/test_mime.py`).
"""
import base64
import functools
import secrets
from dataclasses import dataclass
from email import quoprimime
from email.header import Header
from email.utils import encode_rfc2231, formataddr, parseaddr

CRLF = "\r\n"
#: Longest line that may go out as it is (RFC 5322 allows 998 octets; 7bit MIME the same).
MAX_PLAIN_LINE = 998


@dataclass(frozen=True)
class Part:
    """One leaf of the message: its headers after Content-Type, and its encoded body."""

    content_type: str
    body: str
    encoding: str
    disposition: str | None = None


@functools.lru_cache(maxsize=256)
def address(value: str) -> str:
    """An address header: a bare address (a member's), or `Name <addr>` (MAIL_DEFAULT_SENDER)
    whose name is RFC 2047-encoded outside ASCII and quoted where it holds specials."""
    if "<" not in value:
        return value
    name, addr = parseaddr(value)
    return formataddr((name, addr), charset="utf-8") if name and addr else value


def text_header(name: str, value: str) -> str:
    """An unstructured header's value (Subject, one line): as it is when short ASCII, else folded
    and, outside ASCII or where a reader would take it for an encoded word, RFC 2047-encoded."""
    plain = value.isascii() and "=?" not in value
    if plain and len(name) + 2 + len(value) <= 78:
        return value
    return Header(value, "us-ascii" if plain else "utf-8", header_name=name).encode(linesep=CRLF)


def text(content: str, subtype: str) -> Part:
    """A text part in UTF-8: 7bit when it is short-lined ASCII, quoted-printable otherwise."""
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    content_type = f'text/{subtype}; charset="utf-8"'
    if content.isascii() and all(len(line) <= MAX_PLAIN_LINE for line in content.split("\n")):
        return Part(content_type, content.replace("\n", CRLF), "7bit")
    # quoprimime encodes characters as octets: hand it the UTF-8 bytes, one character each.
    encoded = quoprimime.body_encode(content.encode("utf-8").decode("latin-1"), maxlinelen=76, eol=CRLF)
    return Part(content_type, encoded, "quoted-printable")


def binary(content: bytes, content_type: str, disposition: str | None = None) -> Part:
    """A part of bytes, base64 in lines of 76."""
    return Part(content_type, base64.encodebytes(content).decode("ascii").replace("\n", CRLF), "base64",
                disposition)


def attachment(content: bytes, mimetype: str, filename: str) -> Part:
    """A file attached to the message (an RFC 2231 name when it is not plain ASCII)."""
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        name = f'filename="{filename}"'
    else:
        name = f"filename*={encode_rfc2231(filename, 'utf-8')}"
    return binary(content, mimetype, f"attachment; {name}")


def _leaf(part: Part) -> str:
    headers = [f"Content-Type: {part.content_type}", f"Content-Transfer-Encoding: {part.encoding}"]
    if part.disposition:
        headers.append(f"Content-Disposition: {part.disposition}")
    body = part.body if part.body.endswith(CRLF) else part.body + CRLF
    return CRLF.join(headers) + CRLF + CRLF + body


def _multipart(subtype: str, parts: list[str]) -> str:
    """A multipart entity of already written parts (each with its headers)."""
    boundary = f"=_{secrets.token_hex(12)}"
    body = "".join(f"--{boundary}{CRLF}{part}" for part in parts)
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}{body}--{boundary}--{CRLF}'


def compose(headers: list[tuple[str, str]], alternatives: list[Part], files: list[Part]) -> bytes:
    """The whole message: `headers` (already encoded values) then the alternatives (text
    first), in a multipart/alternative when there are several, inside a multipart/mixed
    when files follow."""
    entity = _leaf(alternatives[0]) if len(alternatives) == 1 else \
        _multipart("alternative", [_leaf(p) for p in alternatives])
    if files:
        entity = _multipart("mixed", [entity, *(_leaf(f) for f in files)])
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers)
    return (head + "MIME-Version: 1.0" + CRLF + entity).encode("utf-8")
