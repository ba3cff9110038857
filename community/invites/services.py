"""The emails that follow a registration through its life, each carrying the calendar entry.

Per-person messages (seat, waitlist, promotion, cancellation) are written to the outbox in
the caller's transaction; sign-ups and sessions reach them through the signals connected in
`community.invites.init_app`. Messages to everyone at a session (a move, a cancellation, an
organiser's note) are recorded as one Announcement in the caller's transaction and expanded
into per-person outbox messages by the worker (`community.invites.worker.expand`).
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community import queue
from community.accounts.roles import require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.core.text import has_control_characters
from community.core.timeutil import format_local
from community.core.urls import external_url
from community.db import db, utcnow
from community.invites import ical
from community.invites.models import Announcement, AnnouncementKind
from community.mail.models import OutboxMessage
from community.mail.services import CalendarPart, send_email
from community.sessions.services import CALENDAR_FIELDS
from community.signups.models import Registration, RegistrationStatus
from community.signups.services import join_link
from community.signups.tokens import cancel_token

CONFIRMED, WAITLISTED = RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED
FIELD_LABELS = {"starts_at": "Starts", "ends_at": "Ends", "venue": "Venue", "join_url": "Join link",
                "format": "Format", "title": "Topic", "timezone": "Time zone"}


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


# Everyone at a session --------------------------------------------------------------

def _announce(session, kind: str, payload: dict, actor=None) -> Announcement:
    """Record a message to everyone at the session; the worker writes the emails after commit."""
    row = Announcement(session_id=session.id, kind=kind, payload=payload,
                       created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    queue.enqueue_after_commit("invites.expand", row.id)
    return row


def _plain(value) -> object:
    """A change value as JSON: instants as ISO text."""
    return value.isoformat() if isinstance(value, datetime) else value


def session_changed(session, changes=(), actor=None, **_ignored) -> Announcement | None:
    """The session moved or its place, link or topic changed: updates for everyone at it
    (a receiver of `signals.session_changed`; other edits send nothing). The payload holds
    one `[field, old, new]` triple per change, instants as ISO text."""
    notable = [c for c in changes if c.field in CALENDAR_FIELDS and c.field in FIELD_LABELS]
    if not notable:
        return None
    payload = {"changes": [[c.field, _plain(c.old), _plain(c.new)] for c in notable]}
    return _announce(session, AnnouncementKind.CHANGED, payload, actor)


def session_cancelled(session, actor=None, **_ignored) -> Announcement:
    """The organisers called the session off: CANCEL for everyone at it."""
    return _announce(session, AnnouncementKind.CANCELLED, {}, actor)


def message(session, actor, *, subject: str, body: str, include_waitlist: bool) -> Announcement:
    """An organiser's email to the attendees (and optionally the waitlist)."""
    require_organiser(actor)
    if has_control_characters(subject):
        raise DomainError("The subject is one line of text: remove the line breaks.", "subject")
    if has_control_characters(body, multiline=True):
        raise DomainError("Remove the control characters from the message.", "body")
    row = _announce(session, AnnouncementKind.MESSAGE,
                    {"subject": subject, "body": body, "include_waitlist": include_waitlist}, actor)
    signals.message_sent.send(row, actor=actor)
    return row


def _describe(field: str, old, new, zone: ZoneInfo) -> tuple[str, str, str]:
    """(what, old, new) in words for the update email, times in the recipient's zone (the
    caller leaves the join link out for those who may not join)."""
    if field in ("starts_at", "ends_at"):
        old = format_local(datetime.fromisoformat(old), "%a %-d %b %Y, %H:%M", zone) if old else ""
        new = format_local(datetime.fromisoformat(new), "%a %-d %b %Y, %H:%M", zone) if new else ""
    return FIELD_LABELS[field], str(old or "none"), str(new or "none")


def _only_the_link_changed(ann: Announcement) -> bool:
    """Whether a CHANGED announcement is about the join link alone (news for seats only)."""
    return ann.kind == AnnouncementKind.CHANGED and all(
        field == "join_url" for field, _, _ in ann.payload["changes"])


def recipient_ids(ann: Announcement) -> list[int]:
    """The registrations an announcement goes to, in order."""
    return list(db.session.scalars(
        select(Registration.id).where(Registration.session_id == ann.session_id,
                                      Registration.status.in_(_statuses(ann)))
        .order_by(Registration.id)))


def recipients(ann: Announcement, ids: list[int]) -> list[Registration]:
    """Those of `ids` an announcement still goes to, with their accounts and the session (one
    chunk of the expansion, loaded when it is written: a registration cancelled meanwhile is
    left out)."""
    return list(db.session.scalars(
        select(Registration).options(selectinload(Registration.user), selectinload(Registration.session))
        .where(Registration.id.in_(ids), Registration.session_id == ann.session_id,
               Registration.status.in_(_statuses(ann)))
        .order_by(Registration.id)))


def _statuses(ann: Announcement) -> list[str]:
    """Who an announcement goes to: the attendees, and the waitlist unless it is a message
    (or follow-up) that leaves it out, or news of the join link alone."""
    if ann.kind in (AnnouncementKind.MESSAGE, AnnouncementKind.FOLLOW_UP) \
            and not ann.payload.get("include_waitlist"):
        return [CONFIRMED]
    if _only_the_link_changed(ann):
        return [CONFIRMED]
    return [CONFIRMED, WAITLISTED]


def write_one(ann: Announcement, reg: Registration, key: str,
              calendars: ical.Invitations | None = None) -> None:
    """The outbox message one recipient gets for an announcement (`calendars`: the session's
    invitations shared by the recipients written together)."""
    session = reg.session
    if ann.kind == AnnouncementKind.CANCELLED:
        calendar = _cancel_part(reg, calendars) if reg.in_calendar else None
        _send(reg, f"Cancelled: {session.title}", "session_cancelled", calendar, dedupe_key=key)
    elif ann.kind == AnnouncementKind.CHANGED:
        seat = reg.status == CONFIRMED
        calendar = None
        if seat or reg.in_calendar:
            calendar = _request_part(reg, tentative=not seat, calendars=calendars)
        lines = [_describe(f, old, new, _zone_of(reg)) for f, old, new in ann.payload["changes"]
                 if f != "join_url" or join_link(reg)]
        _send(reg, f"Updated: {session.title}", "session_changed", calendar, dedupe_key=key,
              changes=lines)
    elif ann.kind == AnnouncementKind.MESSAGE:
        _send(reg, ann.payload["subject"], "organiser_message", dedupe_key=key,
              body=ann.payload["body"])
    else:
        subject, template, extra = _writers[ann.kind](ann, reg)
        _send(reg, subject, template, dedupe_key=key, **extra)


#: Announcement kinds that other features define: kind -> fn(announcement, registration)
#: returning (subject, email template, template values) for one recipient.
_writers: dict = {}


def register_writer(kind: str, writer) -> None:
    """Let another feature define the email of an announcement kind (the notes' follow-up),
    from its own `init_app`."""
    _writers[kind] = writer


def announce(session, kind: str, payload: dict, actor=None) -> Announcement:
    """Record an announcement of a kind with a registered writer (e.g. the notes' follow-up)."""
    if kind not in _writers:
        raise ValueError(f"no writer for announcements of kind {kind!r}")
    row = _announce(session, kind, payload, actor)
    signals.message_sent.send(row, actor=actor)
    return row




def export_announcements(user) -> list[dict]:
    """The messages the member (as an organiser) sent to a session's attendees, for the data
    export; the announcements stay, unlinked from the account, when it is deleted."""
    rows = db.session.scalars(select(Announcement).options(selectinload(Announcement.session))
                              .where(Announcement.created_by_id == user.id).order_by(Announcement.id))
    return [{"session": a.session.title, "kind": a.kind, "subject": a.payload.get("subject", ""),
             "created_at": a.created_at.isoformat()} for a in rows]
