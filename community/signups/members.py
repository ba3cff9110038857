"""One member's places across sessions: their history with its outcomes (for the organisers'
member page and the attendee export), and releasing them when the account is deactivated."""
import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from community.accounts.models import User
from community.db import db, utcnow
from community.sessions.models import Session, SessionStatus
from community.signups import services
from community.signups.models import Registration, RegistrationStatus


class Outcome(enum.StrEnum):
    """How a place at a session turned out (or stands, before the session is over)."""

    ATTENDED = "attended"
    NO_SHOW = "no-show"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    SESSION_CANCELLED = "session cancelled"


def outcome(reg: Registration, now: datetime | None = None) -> Outcome:
    """The one rule for a place's outcome: attended once marked there; a confirmed seat at a
    session that is over and was not marked is a no-show; otherwise the place as it stands
    (a confirmed seat, the waitlist, cancelled), or the session's own cancellation."""
    now = now or utcnow()
    if reg.attended_at is not None:
        return Outcome.ATTENDED
    if reg.status == RegistrationStatus.CANCELLED:
        return Outcome.CANCELLED
    if reg.session.status == SessionStatus.CANCELLED:
        return Outcome.SESSION_CANCELLED
    if reg.status == RegistrationStatus.WAITLISTED:
        return Outcome.WAITLISTED
    return Outcome.NO_SHOW if reg.session.ends_at <= now else Outcome.CONFIRMED


@dataclass(frozen=True)
class Place:
    """A member's registration for one session and its outcome."""

    registration: Registration
    outcome: Outcome

    @property
    def session(self) -> Session:
        """The session the place is at."""
        return self.registration.session


def history(user: User) -> list[Place]:
    """Every session the member signed up for, the latest first, with its outcome (one query)."""
    now = utcnow()
    regs = db.session.scalars(
        select(Registration).options(contains_eager(Registration.session))
        .join(Session, Session.id == Registration.session_id)
        .where(Registration.user_id == user.id)
        .order_by(Session.starts_at.desc(), Registration.id.desc())).all()
    return [Place(reg, outcome(reg, now)) for reg in regs]


def release_places(user: User, actor: User | None = None, **_ignored) -> list[Registration]:
    """When an account is deactivated: give up its seats and waitlist places at sessions that
    have not started, as an organiser's removal does (the waitlist moves on; no email reaches
    the deactivated account). A receiver of `signals.account_deactivated`."""
    regs = db.session.scalars(
        select(Registration).join(Session, Session.id == Registration.session_id)
        .where(Registration.user_id == user.id,
               Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]),
               Session.starts_at > utcnow())
        .order_by(Registration.id)).all()
    return [services.remove(actor, reg) for reg in regs]
