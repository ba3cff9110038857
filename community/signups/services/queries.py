"""Reading sign-ups: the statuses, a member's place, the waitlist position, seat counts, attendees."""
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.db import db
from community.sessions.models import Session
from community.signups.models import Registration, RegistrationStatus

CONFIRMED, WAITLISTED, CANCELLED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                    RegistrationStatus.CANCELLED)


def registration_for(user: User | None, session: Session) -> Registration | None:
    """The viewer's registration for a session, if any (None for a visitor)."""
    if user is None:
        return None
    return db.session.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == user.id))


def waitlist_position(reg: Registration) -> int | None:
    """1-based place on the waitlist, or None when not waitlisted."""
    if reg.status != WAITLISTED:
        return None
    ahead = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == reg.session_id, Registration.status == WAITLISTED,
        or_(Registration.waitlisted_at < reg.waitlisted_at,
            and_(Registration.waitlisted_at == reg.waitlisted_at, Registration.id < reg.id))))
    return ahead + 1


def seat_counts(session_ids) -> dict[int, tuple[int, int]]:
    """(confirmed, waitlisted) per session id, in one grouped query."""
    ids = list(session_ids)
    counts = {i: (0, 0) for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Registration.session_id, Registration.status, func.count(Registration.id))
        .where(Registration.session_id.in_(ids),
               Registration.status.in_([CONFIRMED, WAITLISTED]))
        .group_by(Registration.session_id, Registration.status))
    for session_id, status, n in rows:
        confirmed, waitlisted = counts[session_id]
        counts[session_id] = (n, waitlisted) if status == CONFIRMED else (confirmed, n)
    return counts


def attendees(session: Session) -> dict[str, list[Registration]]:
    """A session's registrations grouped: confirmed, waitlisted (in order), cancelled."""
    rows = db.session.scalars(
        select(Registration).options(selectinload(Registration.user))
        .where(Registration.session_id == session.id)
        .order_by(Registration.waitlisted_at, Registration.confirmed_at, Registration.id)).all()
    return {
        "confirmed": sorted((r for r in rows if r.status == CONFIRMED),
                            key=lambda r: (r.display_name.lower(), r.id)),
        "waitlisted": [r for r in rows if r.status == WAITLISTED],
        "cancelled": sorted((r for r in rows if r.status == CANCELLED),
                            key=lambda r: r.cancelled_at or r.created_at, reverse=True),
    }
