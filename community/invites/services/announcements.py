"""Everyone at a session: a move, a cancellation, an organiser's note or another feature's
message is recorded as one Announcement in the caller's transaction, and the worker
(`community.invites.worker.expand`) writes each recipient's email with `write_one`."""
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
from community.db import db
from community.invites import ical
from community.invites.models import Announcement, AnnouncementKind
from community.invites.services.places import (
    CONFIRMED,
    WAITLISTED,
    _cancel_part,
    _request_part,
    _send,
    _zone_of,
)
from community.sessions.services import CALENDAR_FIELDS
from community.signups.models import Registration
from community.signups.services import join_link

FIELD_LABELS = {"starts_at": "Starts", "ends_at": "Ends", "venue": "Venue", "join_url": "Join link",
                "format": "Format", "title": "Topic", "timezone": "Time zone"}


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
