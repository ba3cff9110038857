"""Attendance: who was there. Check-in on the session day (mark attended or undo), walk-ins,
and the import of a meeting tool's participant list (Teams, Zoom).

Rules, said on the check-in page too:
- Organisers check in any session; an analyst checks in the sessions they host.
- Check-in opens at midnight of the session's day in the session's zone and closes
  CHECKIN_DAYS_AFTER days after the session ended (time to import a report, to correct);
  only published sessions are checked in.
- Confirmed seats and waitlist places can be marked (a waitlisted person who came is marked
  and keeps their waitlist status, so a seat is never given for a session already under way).
- A walk-in gets a confirmed seat, beyond the capacity if need be (they are in the room), and
  is marked attended; no invitation is sent for a session under way.
Every change sends `signals.attendance_marked` in the same transaction.
"""
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from community.accounts import services as accounts
from community.accounts.models import User
from community.accounts.roles import is_organiser, is_staff
from community.core import signals
from community.core.errors import DomainError, NotAllowed
from community.core.urls import external_url
from community.db import db, utcnow
from community.mail.services import send_email
from community.sessions.models import Session, SessionStatus
from community.signups.models import Registration
from community.signups.participants import ParticipantList, read_participants
from community.signups.services import CANCELLED, CONFIRMED, WAITLISTED
from community.signups.services.seats import _lock

#: Days after a session ended during which attendance can still be marked, undone or imported.
CHECKIN_DAYS_AFTER = 14
CHECK_IN, WALK_IN = "check-in", "walk-in"
#: How each way of marking attendance is shown.
SOURCE_LABELS = {CHECK_IN: "Checked in", WALK_IN: "Walk-in", "teams": "Teams report",
                 "zoom": "Zoom report"}


# Who and when ------------------------------------------------------------------------------

def may_check_in(user: User | None, session: Session) -> bool:
    """Whether the user checks people in at this session: an organiser, or an analyst hosting it."""
    if is_organiser(user):
        return True
    return is_staff(user) and any(host.id == user.id for host in session.hosts)


def window(session: Session) -> tuple[datetime, datetime]:
    """When check-in opens (midnight of the session's day, in its zone) and closes (UTC)."""
    zone = ZoneInfo(session.timezone)
    day = session.starts_at.astimezone(zone).date()
    opens = datetime.combine(day, time(0), tzinfo=zone).astimezone(session.starts_at.tzinfo)
    return opens, session.ends_at + timedelta(days=CHECKIN_DAYS_AFTER)


def state(session: Session, now: datetime | None = None) -> str:
    """Where check-in stands: "open", "not_yet", "closed", "cancelled" or "unpublished"."""
    if session.status == SessionStatus.CANCELLED:
        return "cancelled"
    if session.status != SessionStatus.PUBLISHED:
        return "unpublished"
    now = now or utcnow()
    opens, closes = window(session)
    if now < opens:
        return "not_yet"
    return "open" if now <= closes else "closed"


#: What each state that is not "open" tells the person trying to mark attendance.
CLOSED_MESSAGES = {
    "cancelled": "This session was cancelled; there is no attendance to record.",
    "unpublished": "Check-in opens once the session is published, on the session's day.",
    "not_yet": "Check-in opens on the day of the session.",
    "closed": f"Check-in closed {CHECKIN_DAYS_AFTER} days after the session ended.",
}


def require_check_in(actor: User | None, session: Session) -> None:
    """Refuse anyone who may not check in at this session, and any change outside the window."""
    if not may_check_in(actor, session):
        raise NotAllowed("Only organisers and the session's hosts can check people in.")
    current = state(session)
    if current != "open":
        raise DomainError(CLOSED_MESSAGES[current])


# The list --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """Attendance at a session: how many of the confirmed came, and who came from the waitlist."""

    expected: int
    attended: int
    from_waitlist: int
    waitlisted: int


def roster(session: Session, query: str = "") -> list[Registration]:
    """Confirmed and waitlisted places, by name, with every word of `query` found in the name,
    email address or organisation (ignoring case)."""
    stmt = (select(Registration).outerjoin(User, Registration.user_id == User.id)
            .options(selectinload(Registration.user))
            .where(Registration.session_id == session.id,
                   Registration.status.in_([CONFIRMED, WAITLISTED])))
    for word in query.lower().split():
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(column.like(like, escape="\\") for column in (
            func.lower(User.name), User.email, func.lower(User.organisation),
            Registration.invited_email))))
    rows = db.session.scalars(stmt).all()
    return sorted(rows, key=lambda r: (r.display_name.lower(), r.id))


def counts(session: Session) -> Counts:
    """Confirmed seats, how many of them attended, and attended waitlist places, in one query."""
    rows = db.session.execute(
        select(Registration.status, Registration.attended_at.is_not(None), func.count(Registration.id))
        .where(Registration.session_id == session.id,
               Registration.status.in_([CONFIRMED, WAITLISTED]))
        .group_by(Registration.status, Registration.attended_at.is_not(None)))
    tally = {(status, bool(came)): n for status, came, n in rows}
    return Counts(expected=tally.get((CONFIRMED, True), 0) + tally.get((CONFIRMED, False), 0),
                  attended=tally.get((CONFIRMED, True), 0),
                  from_waitlist=tally.get((WAITLISTED, True), 0),
                  waitlisted=tally.get((WAITLISTED, True), 0) + tally.get((WAITLISTED, False), 0))


# Marking -----------------------------------------------------------------------------------

def _set(actor: User, reg: Registration, attended: bool, source: str) -> bool:
    """Record attendance (or its absence) and tell the listeners; False when nothing changed."""
    if (reg.attended_at is not None) == attended:
        return False
    reg.attended_at = utcnow() if attended else None
    reg.attendance_source = source if attended else ""
    db.session.flush()
    signals.attendance_marked.send(reg, actor=actor, attended=attended, source=source)
    return True


def mark(actor: User | None, reg: Registration, *, attended: bool = True,
         source: str = CHECK_IN) -> bool:
    """Mark a confirmed or waitlisted place as there (or undo it); False when it already was so."""
    require_check_in(actor, reg.session)
    if reg.status == CANCELLED:
        raise DomainError(f"{reg.display_name} cancelled their place; add them as a walk-in instead.")
    undone_source = reg.attendance_source
    return _set(actor, reg, attended, source if attended else undone_source or source)


@dataclass(frozen=True)
class WalkIn:
    """What a walk-in did: the place, whether an account was made, and what the place was before."""

    registration: Registration
    new_account: bool
    #: "new", "confirmed" (already had a seat), "waitlisted" or "cancelled".
    was: str
    #: False when the person was already marked attended.
    marked: bool


def walk_in(actor: User | None, session: Session, email: str, *, name: str = "",
            organisation: str = "") -> WalkIn:
    """Someone at the door: a member by their address, or a newcomer for whom an unconfirmed
    account is made (they get the usual confirmation email). Either gets a confirmed seat, even
    beyond the capacity, marked attended."""
    require_check_in(actor, session)
    email = accounts.normalise_email(email)
    user = accounts.get_by_email(email)
    if user is not None and user.deactivated_at is not None:
        raise DomainError(f"{email} belongs to a deactivated account; reactivate it first.", "email")
    new_account = user is None
    if new_account:
        if not name.strip():
            raise DomainError("Enter the name of the person, since they have no account yet.", "name")
        user = accounts.create_user(email=email, name=name, organisation=organisation,
                                    password=secrets.token_urlsafe(32))
    session = _lock(session)
    places = db.session.scalars(select(Registration).where(
        Registration.session_id == session.id,
        or_(Registration.user_id == user.id, Registration.invited_email == email))).all()
    reg = next((r for r in places if r.user_id == user.id), places[0] if places else None)
    was = "new" if reg is None else reg.status
    now = utcnow()
    if reg is None:
        reg = Registration(session_id=session.id, user_id=user.id, source=WALK_IN, signed_up_at=now)
        db.session.add(reg)
    if reg.user_id is None:  # a seat held for the address becomes the new account's
        reg.user, reg.invited_email = user, None
    if reg.status != CONFIRMED:
        reg.status, reg.confirmed_at, reg.waitlisted_at, reg.cancelled_at = CONFIRMED, now, None, None
        reg.source = WALK_IN
    db.session.flush()
    marked = _set(actor, reg, True, CHECK_IN if was == CONFIRMED else WALK_IN)
    if not user.is_confirmed:
        _send_confirmation(user, session)
    return WalkIn(reg, new_account, was, marked)


def _send_confirmation(user: User, session: Session) -> None:
    """The usual confirmation email, saying where the walk-in was checked in and how to choose
    a password (the account was made without one they know)."""
    send_email(user.email, "Confirm your email address", "confirm_email",
               {"user": user, "walk_in": session.title,
                "confirm_url": external_url("accounts.confirm", token=accounts.confirmation_token(user)),
                "password_url": external_url("accounts.forgot_password")}, user=user)


# Importing a meeting tool's list -------------------------------------------------------------

@dataclass
class Matched:
    """A place found in the participant list."""

    registration: Registration
    rows: int
    #: Whether this import marked it (False: it was marked already).
    marked: bool
    was_waitlisted: bool


@dataclass
class Unmatched:
    """A person in the participant list without a place at the session."""

    name: str
    email: str
    rows: int
    reason: str


@dataclass
class ImportResult:
    """What an import found and did."""

    participants: ParticipantList
    matched: list[Matched] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Rows that repeated a person already counted (a rejoin, a second device)."""
        return (sum(m.rows - 1 for m in self.matched)
                + sum(u.rows - 1 for u in self.unmatched if u.email))

    @property
    def newly_marked(self) -> int:
        """Places this import marked attended."""
        return sum(1 for m in self.matched if m.marked)


def import_participants(actor: User | None, session: Session, data: bytes) -> ImportResult:
    """Mark attended every confirmed or waitlisted place whose address is in the participant
    list (case ignored; a person on several rows counts once) and list the rows that match no
    place. A malformed or unrecognised file raises DomainError and marks nobody."""
    require_check_in(actor, session)
    participants = read_participants(data)
    result = ImportResult(participants)
    by_email: dict[str, list] = {}
    nameless = []
    for row in participants.rows:
        if row.email:
            by_email.setdefault(row.email, []).append(row)
        else:
            nameless.append(row)
    places = {}
    for reg in db.session.scalars(select(Registration).options(selectinload(Registration.user))
                                  .where(Registration.session_id == session.id)):
        places[reg.email.lower()] = reg
    for email, rows in sorted(by_email.items()):
        name = next((r.name for r in rows if r.name), email)
        reg = places.get(email)
        in_meeting = [r for r in rows if not r.waiting_room]
        if reg is None or reg.status == CANCELLED:
            reason = "No place at this session" if reg is None else "Cancelled their place"
            result.unmatched.append(Unmatched(name, email, len(rows), reason))
        elif not in_meeting:
            result.unmatched.append(Unmatched(name, email, len(rows), "Only in the waiting room"))
        else:
            was_waitlisted = reg.status == WAITLISTED
            marked = _set(actor, reg, True, participants.tool)
            result.matched.append(Matched(reg, len(rows), marked, was_waitlisted))
    for row in nameless:
        result.unmatched.append(Unmatched(row.name or f"Line {row.line}", "", 1,
                                          "No email address in the file"))
    result.matched.sort(key=lambda m: (m.registration.display_name.lower(), m.registration.id))
    return result


def registration_of(session: Session, reg_id: int) -> Registration | None:
    """A registration of this session, or None."""
    reg = db.session.get(Registration, reg_id)
    return reg if reg is not None and reg.session_id == session.id else None

