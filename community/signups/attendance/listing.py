"""The check-in list: a session's seats and waitlist places, searchable, and its counts."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.db import db
from community.sessions.models import Session
from community.signups.models import Registration
from community.signups.services import CONFIRMED, WAITLISTED


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


def registration_of(session: Session, reg_id: int) -> Registration | None:
    """A registration of this session, or None."""
    reg = db.session.get(Registration, reg_id)
    return reg if reg is not None and reg.session_id == session.id else None
