"""Building calendar replies and feeding raw messages to the real `flask inbound receive`."""
import itertools
from email.message import EmailMessage
from email.utils import formatdate

from sqlalchemy import select

from community.db import db
from community.inbound.models import InboundMessage
from tests.inbound.conftest import AUTHSERV_ID

_seq = itertools.count(1)


def ics_reply(uid: str, attendee: str, partstat: str, *, sequence: int = 0, method: str = "REPLY",
              organizer: bool = True, extra: str = "") -> bytes:
    """A METHOD:REPLY (or COUNTER) calendar with one VEVENT and one ATTENDEE."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Test client//EN", "VERSION:2.0", f"METHOD:{method}",
             "BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}", "DTSTAMP:20261201T100000Z",
             "DTSTART:20261210T140000Z", "DTEND:20261210T150000Z", "SUMMARY:A session"]
    if organizer:
        lines.append("ORGANIZER;CN=Digital Leadership Community:mailto:community@localhost")
    lines.append(f"ATTENDEE;PARTSTAT={partstat};CN=Someone:mailto:{attendee}")
    if extra:
        lines.extend(extra.split("\n"))
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def auth_header(domain: str, *, server: str = AUTHSERV_ID, result: str = "pass") -> str:
    """An Authentication-Results header as `server` would add it, for mail from `domain`."""
    return f"{server}; dkim={result} header.d={domain} header.s=sel; spf=none smtp.mailfrom={domain}"


def reply_message(uid: str, sender: str, partstat: str, *, attendee: str | None = None,
                  sequence: int = 0, authenticated: bool = True, method: str = "REPLY",
                  headers: dict | None = None, message_id: str | None = None) -> bytes:
    """An email carrying a calendar reply, as a client sends it to the ORGANIZER address."""
    msg = EmailMessage()
    if authenticated:
        msg["Authentication-Results"] = auth_header(sender.rpartition("@")[2])
    msg["From"] = sender
    msg["To"] = "community@localhost"
    msg["Subject"] = f"{partstat.title()}: A session"
    msg["Date"] = formatdate()
    msg["Message-ID"] = message_id or f"<reply-{next(_seq)}@client.example>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content("My answer.")
    msg.add_alternative(ics_reply(uid, attendee or sender, partstat, sequence=sequence, method=method),
                        maintype="text", subtype="calendar", cte="base64",
                        params={"method": method, "charset": "UTF-8"})
    return msg.as_bytes()


def plain_message(sender: str, subject: str = "Hello", *, headers: dict | None = None,
                  body: str = "Hello there.") -> bytes:
    """A plain person's (or machine's) email to the community address."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "community@localhost"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<plain-{next(_seq)}@client.example>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def receive(runner, raw: bytes):
    """Pipe the bytes to `flask inbound receive` (click's runner, real bytes on stdin);
    returns the click result and the recorded row. The command has an app context (and a
    database session) of its own, so the test's session ends its transaction first."""
    db.session.commit()
    result = runner.invoke(args=["inbound", "receive"], input=raw)
    db.session.expire_all()
    row = db.session.scalar(select(InboundMessage).order_by(InboundMessage.processed_at.desc(),
                                                            InboundMessage.id.desc()))
    return result, row
