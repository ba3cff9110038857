"""Who checks people in at a session, and when its check-in is open."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from community.accounts.models import User
from community.accounts.roles import is_organiser, is_staff
from community.core.errors import DomainError, NotAllowed
from community.db import utcnow
from community.sessions.models import Session, SessionStatus

#: Days after a session ended during which attendance can still be marked, undone or imported.
CHECKIN_DAYS_AFTER = 14
CHECK_IN, WALK_IN = "check-in", "walk-in"
#: How each way of marking attendance is shown.
SOURCE_LABELS = {CHECK_IN: "Checked in", WALK_IN: "Walk-in", "teams": "Teams report",
                 "zoom": "Zoom report"}


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
