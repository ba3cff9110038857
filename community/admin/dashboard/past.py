"""The period's past sessions: show-up and no-show rates, and poll participation."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, select

from community.admin.dashboard.periods import CONFIRMED, percent
from community.db import db
from community.polls.models import Poll, PollAnswer, PollStatus
from community.sessions.models import Session, SessionStatus
from community.signups.models import Registration


@dataclass(frozen=True)
class PastSession:
    """A session that ended in the period, with its seats and its attendance."""

    id: int
    title: str
    starts_at: datetime
    timezone: str
    status: str
    confirmed: int
    #: Confirmed seats marked attended.
    attended: int
    #: Anyone marked attended (waitlisted people who came included): 0 means never taken.
    marked: int

    @property
    def attendance_taken(self) -> bool:
        """Whether anyone was marked attended at this session."""
        return self.marked > 0

    @property
    def no_shows(self) -> int:
        """Confirmed seats not marked attended."""
        return self.confirmed - self.attended

    @property
    def no_show_rate(self) -> int | None:
        """No-shows as a percentage of the confirmed seats."""
        return percent(self.no_shows, self.confirmed)

    @property
    def show_up_rate(self) -> int | None:
        """Confirmed seats attended as a percentage of the confirmed seats."""
        return percent(self.attended, self.confirmed)


@dataclass(frozen=True)
class Attendance:
    """The period's show-up figures."""

    #: Published sessions that ended in the period and whose attendance was taken.
    sessions: list[PastSession]
    #: Published sessions that ended in the period with nobody marked attended.
    not_taken: list[PastSession]
    #: Sessions in the period that were cancelled.
    cancelled: int

    @property
    def confirmed(self) -> int:
        """Confirmed seats at the counted sessions."""
        return sum(s.confirmed for s in self.sessions)

    @property
    def attended(self) -> int:
        """Confirmed seats marked attended at the counted sessions."""
        return sum(s.attended for s in self.sessions)

    @property
    def rate(self) -> int | None:
        """The show-up rate of the period."""
        return percent(self.attended, self.confirmed)

    @property
    def no_show_rate(self) -> int | None:
        """The no-show rate of the period."""
        return percent(self.confirmed - self.attended, self.confirmed)


def past_sessions(since: datetime, now: datetime) -> list[PastSession]:
    """Published and cancelled sessions that ended in (since, now], with seats and attendance
    (one grouped query)."""
    confirmed = Registration.status == CONFIRMED
    rows = db.session.execute(
        select(Session.id, Session.title, Session.starts_at, Session.timezone, Session.status,
               func.count(case((confirmed, Registration.id))),
               func.count(case((and_(confirmed, Registration.attended_at.is_not(None)), Registration.id))),
               func.count(Registration.attended_at))
        .outerjoin(Registration, Registration.session_id == Session.id)
        .where(Session.status.in_([SessionStatus.PUBLISHED, SessionStatus.CANCELLED]),
               Session.ends_at > since, Session.ends_at <= now)
        .group_by(Session.id, Session.title, Session.starts_at, Session.timezone, Session.status)
        .order_by(Session.starts_at, Session.id))
    return [PastSession(*row) for row in rows]


def attendance(past: list[PastSession]) -> Attendance:
    """Split the period's sessions into counted, attendance not taken, and cancelled."""
    held = [s for s in past if s.status == SessionStatus.PUBLISHED]
    return Attendance(sessions=[s for s in held if s.attendance_taken],
                      not_taken=[s for s in held if not s.attendance_taken],
                      cancelled=sum(1 for s in past if s.status == SessionStatus.CANCELLED))


@dataclass(frozen=True)
class PollParticipation:
    """How many of a session's confirmed attendees answered any of its polls."""

    session: PastSession
    polls: int
    #: Confirmed attendees who answered at least one poll.
    answered: int
    #: Everyone who answered (polls open to all members reach people without a seat too).
    answered_anyone: int

    @property
    def rate(self) -> int | None:
        """Confirmed attendees who answered, as a percentage of the confirmed attendees."""
        return percent(self.answered, self.session.confirmed)


def poll_participation(past: list[PastSession]) -> list[PollParticipation]:
    """Participation per held session of the period that put at least one poll to members
    (one grouped query)."""
    held = {s.id: s for s in past if s.status == SessionStatus.PUBLISHED}
    if not held:
        return []
    rows = db.session.execute(
        select(Poll.session_id, func.count(distinct(Poll.id)), func.count(distinct(Registration.user_id)),
               func.count(distinct(PollAnswer.user_id)))
        .outerjoin(PollAnswer, and_(PollAnswer.poll_id == Poll.id, PollAnswer.user_id.is_not(None)))
        .outerjoin(Registration, and_(Registration.session_id == Poll.session_id,
                                      Registration.user_id == PollAnswer.user_id,
                                      Registration.status == CONFIRMED))
        .where(Poll.session_id.in_(list(held)), Poll.status != PollStatus.DRAFT)
        .group_by(Poll.session_id))
    found = {session_id: (polls, answered, anyone) for session_id, polls, answered, anyone in rows}
    return [PollParticipation(s, *found[s.id]) for s in held.values() if s.id in found]
