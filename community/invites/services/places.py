"""One person's place: the emails that follow a registration through its life (seat,
waitlist, promotion, cancellation, reminder), each carrying the person's copy of the calendar
entry, written to the outbox in the caller's transaction."""
from zoneinfo import ZoneInfo

from community.core.timeutil import format_local
from community.core.urls import external_url
from community.db import utcnow
from community.invites import ical
from community.mail.models import OutboxMessage
from community.mail.services import CalendarPart, send_email
from community.signups.models import RegistrationStatus
from community.signups.services import join_link
from community.signups.tokens import cancel_token

CONFIRMED, WAITLISTED = RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED


def _zone_of(reg) -> ZoneInfo:
    """The zone to show the recipient times in: theirs, else the session's."""
    return ZoneInfo(reg.user.timezone if reg.user else reg.session.timezone)


def _name(reg) -> str:
    return reg.user.name if reg.user else ""


def _context(reg, **extra) -> dict:
    """What every registration email shows; `join_url` is "" unless the person holds a seat
    (templates show no other join link)."""
    session = reg.session
    zone = _zone_of(reg)
    return {
        "reg": reg,
        "session": session,
        "name": _name(reg) or "there",
        "when": format_local(session.starts_at, "%A %-d %B %Y, %H:%M", zone),
        "until": format_local(session.ends_at, "%H:%M", zone),
        "session_url": external_url("sessions.detail", session_id=session.id, slug=session.slug),
        "join_url": join_link(reg),
        "cancel_url": external_url("signups.cancel_link", token=cancel_token(reg)),
        **extra,
    }


# Calendar parts ---------------------------------------------------------------

def sequence_of(reg) -> int:
    """The SEQUENCE of this person's copy of the event."""
    return reg.session.sequence + reg.personal_sequence


def _next_personal(reg) -> None:
    """A change of this person's own place: their copy's SEQUENCE must rise."""
    if reg.calendar_sent:
        reg.personal_sequence += 1


def _attendee(reg, tentative: bool) -> ical.Attendee:
    return ical.Attendee(reg.email, _name(reg), "TENTATIVE" if tentative else "ACCEPTED")


def _calendars(reg, calendars: ical.Invitations | None) -> ical.Invitations:
    """The session's invitations being written (an announcement's chunk shares one), or new ones."""
    return calendars if calendars is not None else ical.Invitations(reg.session, utcnow())


def _request_part(reg, *, tentative: bool = False, calendars: ical.Invitations | None = None) -> CalendarPart:
    """A REQUEST for this person's copy (CONFIRMED for a seat, TENTATIVE for the waitlist);
    the join link only in a seat's copy."""
    ics = _calendars(reg, calendars).request(_attendee(reg, tentative), sequence=sequence_of(reg),
                                             tentative=tentative,
                                             with_link=not tentative and bool(join_link(reg)))
    reg.in_calendar = reg.calendar_sent = True
    return CalendarPart(ical.REQUEST, ics)


def _cancel_part(reg, calendars: ical.Invitations | None = None) -> CalendarPart:
    """A CANCEL that removes this person's copy."""
    ics = _calendars(reg, calendars).cancel(_attendee(reg, False), sequence=sequence_of(reg))
    reg.in_calendar = False
    reg.calendar_sent = True
    return CalendarPart(ical.CANCEL, ics)


def _wants_tentative(reg) -> bool:
    """Whether a waitlist place goes into the person's calendar."""
    return reg.user.waitlist_in_calendar if reg.user else True


def _send(reg, subject: str, template: str, calendar: CalendarPart | None = None, *,
          dedupe_key: str | None = None, **extra) -> OutboxMessage:
    """Write one registration email to the outbox (held while the member's address bounces)."""
    return send_email(reg.email, subject, template, _context(reg, **extra), user=reg.user,
                      calendar=calendar, dedupe_key=dedupe_key, held_while_bouncing=True)


# One person's place -------------------------------------------------------------

def seat_confirmed(reg) -> None:
    """Your seat is confirmed: the invitation."""
    _next_personal(reg)
    _send(reg, f"Your seat is confirmed: {reg.session.title}", "seat_confirmed", _request_part(reg))


def waitlisted(reg, position: int | None = None) -> None:
    """You are on the waitlist, at this position (with a tentative entry unless turned off)."""
    _next_personal(reg)
    calendar = _request_part(reg, tentative=True) if _wants_tentative(reg) else None
    _send(reg, f"You are on the waitlist: {reg.session.title}", "waitlisted", calendar,
          position=position)


def promoted(reg) -> None:
    """A seat freed up and is now yours: the entry becomes CONFIRMED."""
    _next_personal(reg)
    _send(reg, f"A seat is now yours: {reg.session.title}", "promoted", _request_part(reg))


def seat_cancelled(reg, *, by_organiser: bool, had_seat: bool) -> None:
    """Your sign-up is cancelled (by you or an organiser): the entry leaves your calendar."""
    _next_personal(reg)
    calendar = _cancel_part(reg) if reg.in_calendar else None
    _send(reg, f"Sign-up cancelled: {reg.session.title}", "seat_cancelled", calendar,
          by_organiser=by_organiser, had_seat=had_seat)


def held_seat_invitation(reg, position: int | None = None) -> None:
    """An organiser added an address with no account: a seat (or waitlist place) is held."""
    _next_personal(reg)
    calendar = _request_part(reg, tentative=position is not None)
    _send(reg, f"A seat is held for you: {reg.session.title}", "held_seat", calendar,
          position=position,
          register_url=external_url("accounts.register"))


def waitlist_closed(reg) -> None:
    """The session started without a seat for this person: remove the tentative entry."""
    _next_personal(reg)
    _send(reg, f"No seat this time: {reg.session.title}", "waitlist_closed", _cancel_part(reg))


def reminder(reg, *, hours: int) -> None:
    """The session is soon (with the join link for those with a seat at online sessions)."""
    _send(reg, f"Reminder: {reg.session.title} {'tomorrow' if hours >= 24 else 'starts soon'}",
          "reminder", hours=hours)
