"""Checks that an email is an invitation real calendar clients accept (RFC 5545/5546/6047)."""
from email.utils import parseaddr

import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar


def calendar_part(message):
    """The text/calendar body part inside multipart/alternative, or None."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part
    return None


def check_lines(ics: bytes) -> None:
    """Every physical line at most 75 octets and ending in CRLF."""
    assert ics.endswith(b"\r\n")
    for line in ics.split(b"\r\n")[:-1]:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)


def check_with_other_parsers(ics: bytes) -> None:
    """A second and third independent parser accept it, with validation on."""
    vobject.readOne(ics.decode("utf-8"), validate=True)
    IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))


def assert_valid_imip(message) -> Calendar:
    """The structure Outlook, Gmail, Apple and Thunderbird need; returns the parsed calendar."""
    assert message.get_content_type() == "multipart/mixed", message.get_content_type()
    alternative, *attachments = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"], kinds
    part = calendar_part(message)
    method = part.get_param("method")
    assert part.get_param("charset").upper() == "UTF-8"
    assert part["Content-Transfer-Encoding"] in ("base64", "quoted-printable")
    ics = part.get_content()
    ics = ics.encode() if isinstance(ics, str) else ics
    check_lines(ics)
    check_with_other_parsers(ics)
    (attachment,) = attachments
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename().endswith(".ics")
    assert attachment.get_content() == ics
    cal = Calendar.from_ical(ics)
    assert str(cal["METHOD"]) == method
    events = cal.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    sender = parseaddr(message["From"])[1]
    assert str(event["ORGANIZER"]) == f"mailto:{sender}"
    assert event["ORGANIZER"].params.get("CN")
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list), "only the recipient may be an ATTENDEE"
    assert str(attendee) == f"mailto:{message['To']}"
    assert event["DTSTAMP"].dt.tzinfo is not None and event["DTSTAMP"].dt.utcoffset().total_seconds() == 0
    tzids = {p.params.get("TZID") for p in (event.get("DTSTART"), event.get("DTEND")) if p is not None}
    tzids.discard(None)
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert tzids <= zones, "every TZID needs a VTIMEZONE"
    if method == "REQUEST":
        assert str(event["STATUS"]) in ("CONFIRMED", "TENTATIVE")
    else:
        assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
        assert not event.walk("VALARM")
    return cal


def event_of(message):
    """The VEVENT of an invitation email."""
    return assert_valid_imip(message).walk("VEVENT")[0]
