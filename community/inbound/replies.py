"""Calendar replies (iTIP REPLY and COUNTER, RFC 5546) read back in and acted on.

The registration is found by UID (the session), then the ATTENDEE address, then the From
address. A seat changes only when our own receiving server authenticated the From domain and
From is the member's address; otherwise the member is emailed a signed link to confirm.
"""
from dataclasses import dataclass
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import or_, select

from community.accounts import services as accounts
from community.accounts.models import User
from community.core.errors import DomainError
from community.core.timeutil import format_local
from community.core.urls import external_url
from community.db import db, utcnow
from community.inbound import tokens
from community.inbound.models import InboundMessage, Kind, Outcome
from community.invites.services import sequence_of
from community.mail.services import send_email
from community.sessions.models import Session
from community.signups import services as signups
from community.signups.models import Registration, RegistrationStatus

CONFIRMED, WAITLISTED, CANCELLED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                    RegistrationStatus.CANCELLED)
#: At most one "did you mean to give up your seat?" email per sign-up in this time.
CONFIRMATION_PAUSE = timedelta(hours=12)


@dataclass
class Result:
    """What handling one message came to."""

    kind: str
    outcome: str
    detail: str
    #: The session the message is about, when one was found.
    session_id: int | None = None


def _address(value) -> str:
    """A CAL-ADDRESS as a bare lower-cased email address."""
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _as_list(value) -> list:
    """An iCalendar property that may occur once or many times, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _email_context(reg: Registration, **extra) -> dict:
    """What the pipeline's emails show about the session."""
    session = reg.session
    zone = reg.user.timezone if reg.user else session.timezone
    return {"reg": reg, "session": session, "name": reg.user.name if reg.user else "there",
            "when": format_local(session.starts_at, "%A %-d %B %Y, %H:%M", zone),
            "until": format_local(session.ends_at, "%H:%M", zone),
            "session_url": external_url("sessions.detail", session_id=session.id, slug=session.slug),
            **extra}


def find_registration(session: Session, attendee: str, sender: str) -> Registration | None:
    """The sign-up a reply is about: by the ATTENDEE address, else by the From address."""
    for address in dict.fromkeys(a for a in (attendee, sender) if a):
        reg = db.session.scalar(
            select(Registration).outerjoin(User, Registration.user_id == User.id)
            .where(Registration.session_id == session.id,
                   or_(User.email == address, Registration.invited_email == address)))
        if reg is not None:
            return reg
    return None


def handle(ics: bytes, content_method: str, sender: str, trusted_sender: bool) -> Result:
    """Act on one calendar reply. `trusted_sender`: our server authenticated the From domain."""
    found = _event_and_session(ics, content_method)
    if isinstance(found, Result):
        return found
    kind, event, session = found
    result = _act(kind, event, session, sender, trusted_sender)
    result.session_id = session.id
    return result


def _event_and_session(ics: bytes, content_method: str) -> Result | tuple[str, object, Session]:
    """The reply's kind, its one VEVENT and the session its UID names; a Result when not."""
    try:
        cal = Calendar.from_ical(ics)
        events = list(cal.walk("VEVENT"))
    except Exception as exc:  # noqa: BLE001 - any unreadable calendar is recorded, not raised
        return Result(Kind.CALENDAR_REPLY, Outcome.IGNORED,
                      f"The calendar part could not be read ({type(exc).__name__}).")
    method = str(cal.get("method") or content_method or "").upper()
    if method not in ("REPLY", "COUNTER"):
        return Result(Kind.OTHER, Outcome.RECORDED, f"A calendar message with METHOD {method or 'none'}.")
    kind = Kind.CALENDAR_COUNTER if method == "COUNTER" else Kind.CALENDAR_REPLY
    if len(events) != 1:
        return Result(kind, Outcome.IGNORED, f"The reply carries {len(events)} events, not one.")
    event = events[0]
    uid = str(event.get("uid") or "")
    session = db.session.scalar(select(Session).where(Session.ical_uid == uid)) if uid else None
    if session is None:
        return Result(kind, Outcome.IGNORED, "No session has this UID.")
    return kind, event, session


def _act(kind: str, event, session: Session, sender: str, trusted_sender: bool) -> Result:
    """Match the ATTENDEE to a sign-up of `session` and act on its answer."""
    attendees = _as_list(event.get("attendee"))
    if len(attendees) > 1:
        return Result(kind, Outcome.IGNORED, "The reply names more than one ATTENDEE.")
    attendee = _address(attendees[0]) if attendees else ""
    partstat = str(attendees[0].params.get("PARTSTAT", "")).upper() if attendees else ""
    reg = find_registration(session, attendee, sender)
    if reg is None or reg.user is None:
        return Result(kind, Outcome.IGNORED, "Neither the ATTENDEE nor the sender has a sign-up "
                                             f"for “{session.title}”.")
    sender_account = accounts.get_by_email(sender) if sender else None
    if sender_account is not None and sender_account.id != reg.user_id:
        return Result(kind, Outcome.IGNORED, f"The sender is another member than the ATTENDEE "
                                             f"(registration {reg.id}); nothing changed.")
    if session.is_cancelled:
        return Result(kind, Outcome.IGNORED, f"“{session.title}” is cancelled.")
    try:
        sequence = int(event.get("sequence", 0))
    except (TypeError, ValueError):
        sequence = 0
    current = sequence_of(reg)
    if sequence < current:
        return Result(kind, Outcome.IGNORED,
                      f"A reply to an older version (SEQUENCE {sequence}, current {current}).")
    if session.starts_at <= utcnow():
        return Result(kind, Outcome.IGNORED, f"“{session.title}” has already started.")
    if kind == Kind.CALENDAR_COUNTER:
        proposed = event.get("dtstart")
        when = proposed.dt.isoformat() if proposed is not None else "no time given"
        comment = str(event.get("comment") or "")[:200]
        return Result(kind, Outcome.RECORDED, f"{reg.user.name} proposes a new time for "
                                              f"“{session.title}”: {when}. {comment}".strip())
    if reg.status == CANCELLED:
        return Result(kind, Outcome.IGNORED, "The sign-up is already cancelled.")
    verified = trusted_sender and sender == reg.user.email
    if partstat == "DECLINED":
        return _declined(reg, verified)
    if partstat in ("ACCEPTED", "TENTATIVE"):
        return _accepted(reg, partstat, verified)
    return Result(kind, Outcome.IGNORED, f"PARTSTAT {partstat or 'missing'} is not acted on.")


def _declined(reg: Registration, verified: bool) -> Result:
    """Give the seat (or waitlist place) up, or ask the member to confirm when unverified."""
    if not verified:
        return _ask_to_confirm(reg)
    had_seat = reg.status == CONFIRMED
    give_up(reg)
    if had_seat:
        return Result(Kind.CALENDAR_REPLY, Outcome.DONE,
                      f"Seat of {reg.user.name} released (declined in their calendar).")
    return Result(Kind.CALENDAR_REPLY, Outcome.DONE,
                  f"{reg.user.name} left the waitlist (declined in their calendar).")


def give_up(reg: Registration) -> Registration:
    """Release the seat exactly as "Cancel my seat" does, record the DECLINED answer, and for
    a seat email the member a link to take it back while seats remain."""
    had_seat = reg.status == CONFIRMED
    signups.cancel(reg.user, reg.session)
    reg.calendar_reply, reg.calendar_replied_at = "DECLINED", utcnow()
    if had_seat:
        rejoin_url = external_url("inbound.rejoin", token=tokens.rejoin_token(reg))
        send_email(reg.user.email, f"You gave up your seat: {reg.session.title}", "inbound_gave_up_seat",
                   _email_context(reg, rejoin_url=rejoin_url), user=reg.user)
    db.session.flush()
    return reg


def _ask_to_confirm(reg: Registration) -> Result:
    """Email the member (at their own address) a signed link; change nothing until clicked."""
    marker = f"Confirmation emailed to {reg.user.email} for registration {reg.id}."
    recent = db.session.scalar(select(InboundMessage.id).where(
        InboundMessage.detail == marker, InboundMessage.received_at > utcnow() - CONFIRMATION_PAUSE))
    if recent is not None:
        return Result(Kind.CALENDAR_REPLY, Outcome.IGNORED,
                      f"Not verified; a confirmation link for registration {reg.id} was sent recently.")
    confirm_url = external_url("inbound.confirm_decline", token=tokens.decline_token(reg))
    question = ("Did you mean to give up your seat?" if reg.status == CONFIRMED
                else "Did you mean to leave the waitlist?")
    send_email(reg.user.email, f"{question} {reg.session.title}",
               "inbound_confirm_decline", _email_context(reg, confirm_url=confirm_url), user=reg.user)
    return Result(Kind.CALENDAR_REPLY, Outcome.AWAITING_CONFIRMATION, marker)


def _accepted(reg: Registration, partstat: str, verified: bool) -> Result:
    """Record an acceptance; a waitlisted member stays waitlisted and is told their position."""
    if not verified:
        return Result(Kind.CALENDAR_REPLY, Outcome.IGNORED,
                      f"{partstat} not recorded: the sender could not be verified.")
    reg.calendar_reply, reg.calendar_replied_at = partstat, utcnow()
    db.session.flush()
    if reg.status == CONFIRMED:
        return Result(Kind.CALENDAR_REPLY, Outcome.DONE,
                      f"{reg.user.name} answered {partstat} in their calendar.")
    position = signups.waitlist_position(reg)
    send_email(reg.user.email, f"You are still on the waitlist: {reg.session.title}",
               "inbound_waitlist_position", _email_context(reg, position=position), user=reg.user)
    return Result(Kind.CALENDAR_REPLY, Outcome.DONE,
                  f"{reg.user.name} answered {partstat} but is waitlisted (position {position}); told so.")


def registration_for_link(token: str, salt: str, max_age: int) -> Registration:
    """The registration a pipeline link names; DomainError when it is not valid (any more)."""
    data = tokens.read(token, salt, max_age)
    reg = db.session.get(Registration, data.get("r")) if data else None
    if reg is None or reg.user is None:
        raise DomainError("This link is not valid. Check that you copied all of it, or use the "
                          "session page.")
    matches = tokens.matches_decline if salt == tokens.DECLINE_SALT else tokens.matches_rejoin
    ok = matches(data, reg)
    if not ok:
        raise DomainError("This link belongs to an earlier sign-up. Use the session page instead.")
    return reg


def confirm_decline(token: str) -> Registration:
    """The member clicked "yes, give up my seat" in the confirmation email."""
    reg = registration_for_link(token, tokens.DECLINE_SALT, tokens.DECLINE_MAX_AGE)
    if reg.status == CANCELLED:
        raise DomainError("This sign-up is already cancelled.")
    return give_up(reg)


def take_back(token: str) -> Registration:
    """The member takes back the seat they gave up: a seat while seats remain, else the waitlist."""
    reg = registration_for_link(token, tokens.REJOIN_SALT, tokens.REJOIN_MAX_AGE)
    if reg.status != CANCELLED:
        raise DomainError("You already have a place at this session.")
    reg = signups.sign_up(reg.user, reg.session)
    reg.calendar_reply, reg.calendar_replied_at = "", None
    return reg
