"""The one place that builds iCalendar events: invitations, cancellations and feeds.

Times are written in UTC (`DTSTART:20261126T140000Z`), which every client reads the same
way and which needs no VTIMEZONE; the session's own zone is named in the description.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vDuration, vText
from icalendar.parser import Contentline

from community.core.timeutil import format_local
from community.core.urls import external_url
from community.sessions.models import Format, Session

PRODID = "-//Digital Leadership Community//Sessions//EN"
REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"


@dataclass(frozen=True)
class Attendee:
    """The one person an invitation is addressed to."""

    email: str
    name: str
    #: ACCEPTED for a seat, TENTATIVE for a waitlist place.
    partstat: str = "ACCEPTED"


def session_uid(session: Session) -> str:
    """The UID every invitation and feed entry of this session carries."""
    return session.ical_uid


def _organizer() -> vCalAddress:
    """ORGANIZER as a bare mailto: with a CN, the same address as the email's From."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or address)
    return organizer


def _location(session: Session, with_link: bool) -> str:
    """Where: the venue, the join link (for those who may see it), or both."""
    parts = []
    if session.format in (Format.IN_PERSON, Format.HYBRID) and session.venue:
        parts.append(session.venue)
    if session.format in (Format.ONLINE, Format.HYBRID):
        parts.append(session.join_url if with_link and session.join_url else "Online")
    return " · ".join(parts)


def _description(session: Session, page: str, with_link: bool) -> str:
    """Plain-text description: when in the session's zone, the join link, the page."""
    lines = [f"{session.title}",
             f"{format_local(session.starts_at, '%A %-d %B %Y, %H:%M', session.timezone)} "
             f"({session.timezone})"]
    if with_link and session.join_url:
        lines.append(f"Join: {session.join_url}")
    lines.append(f"Session page: {page}")
    return "\n".join(lines)


def build_event(session: Session, *, sequence: int, stamp: datetime, status: str,
                with_link: bool = False) -> Event:
    """One VEVENT for a session (no attendee: see `Invitations`)."""
    page = external_url("sessions.detail", session_id=session.id, slug=session.slug)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.title)
    event.add("description", _description(session, page, with_link))
    location = _location(session, with_link)
    if location:
        event.add("location", location)
    event.add("url", page)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    event.add("organizer", _organizer())
    event.add("last-modified", session.updated_at)
    return event


def _attendee_lines(attendee: Attendee) -> bytes:
    """The ATTENDEE property of one person, as icalendar writes it (escaped and folded)."""
    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["cn"] = vText(attendee.name or attendee.email)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText(attendee.partstat)
    address.params["rsvp"] = vText("FALSE")
    line = Contentline.from_parts("ATTENDEE", address.params, address.to_ical().decode(), sorted=True)
    return line.to_ical() + b"\r\n"


_END = b"END:VEVENT\r\n"


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    """An empty VCALENDAR."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(timedelta(hours=1)))
    return cal


class Invitations:
    """The invitations and cancellations of one session as it stands now, to any number of
    attendees. Each person's copy differs from the others' only in its ATTENDEE (and, rarely,
    its SEQUENCE, status or link), so the calendar is written once for each of those and each
    person's ATTENDEE added to it: the expansion of a move to 2,000 attendees writes it a few
    times rather than 2,000 (icalendar's writer was about 0.5 ms of each invitation)."""

    def __init__(self, session: Session, stamp: datetime):
        self.session = session
        self.stamp = stamp
        self._written: dict[tuple, bytes] = {}

    def request(self, attendee: Attendee, *, sequence: int, tentative: bool = False,
                with_link: bool = False) -> bytes:
        """METHOD:REQUEST with exactly one VEVENT, addressed to one attendee; the join link only
        when `with_link` (the caller asks `signups.services.join_link`), never in a tentative
        entry."""
        return self._to(attendee, REQUEST, sequence, "TENTATIVE" if tentative else "CONFIRMED",
                        with_link and not tentative)

    def cancel(self, attendee: Attendee, *, sequence: int) -> bytes:
        """METHOD:CANCEL with STATUS:CANCELLED for the same UID (no alarm)."""
        return self._to(attendee, CANCEL, sequence, "CANCELLED", False)

    def _to(self, attendee: Attendee, method: str, sequence: int, status: str, with_link: bool) -> bytes:
        key = (method, sequence, status, with_link)
        if key not in self._written:
            cal = _calendar(method)
            cal.add_component(build_event(self.session, sequence=sequence, stamp=self.stamp,
                                          status=status, with_link=with_link))
            self._written[key] = cal.to_ical()
        head, _, tail = self._written[key].rpartition(_END)
        return head + _attendee_lines(attendee) + _END + tail


def feed(name: str, entries: list[tuple[Session, int, bool]]) -> bytes:
    """A subscribable calendar: (session, sequence, with_link) per entry, no attendees.
    DTSTAMP is each session's last change, so the bytes stay the same until something changes."""
    cal = _calendar(PUBLISH, name)
    for session, sequence, with_link in entries:
        status = "CANCELLED" if session.is_cancelled else "CONFIRMED"
        cal.add_component(build_event(session, sequence=sequence, stamp=session.updated_at,
                                      status=status, with_link=with_link))
    return cal.to_ical()


def single(session: Session, *, sequence: int, with_link: bool) -> bytes:
    """The downloadable .ics of one session (PUBLISH, same UID as the invitations)."""
    cal = _calendar(PUBLISH)
    status = "CANCELLED" if session.is_cancelled else "CONFIRMED"
    cal.add_component(build_event(session, sequence=sequence, stamp=session.updated_at,
                                  status=status, with_link=with_link))
    return cal.to_ical()
