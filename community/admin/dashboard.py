"""The dashboard's figures: each is a fixed number of grouped queries, whatever the size of the
community, so the overview costs the same on ten members as on ten thousand.

Definitions (the page states them too):
- fill rate = confirmed seats / capacity, for the next published sessions;
- show-up rate = confirmed seats marked attended / confirmed seats, over the published sessions
  that ended in the period and whose attendance was taken (at least one person marked);
  cancelled sessions and sessions whose attendance was never taken are left out;
- no-show rate of a session = confirmed seats not marked attended / confirmed seats;
- poll participation of a session = its confirmed attendees who answered any of its polls /
  its confirmed attendees, for sessions that ended in the period and put a poll to members;
- time to fill = when the last seat was first taken - when the session was published;
- emails failed or bouncing = outbox messages written in the period that failed or bounced,
  beside the addresses bouncing now.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, select

from community.accounts.models import User
from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus
from community.polls.models import Poll, PollAnswer, PollStatus
from community.sessions.models import Session, SessionStatus
from community.signups import services as signups
from community.signups.models import Registration, RegistrationStatus

#: The periods an organiser picks from, in days, and the one shown first.
PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
#: The weekly members chart covers the last six months.
WEEKS = 26
UPCOMING_LIMIT = 10
FASTEST_LIMIT = 10

CONFIRMED = RegistrationStatus.CONFIRMED


def period_days(value: str | None) -> int:
    """The period asked for in the query string, or the default for anything else."""
    try:
        days = int(value or "")
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage, rounded half up; None when `whole` is 0."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


# Upcoming sessions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upcoming:
    """A published session still to come, with its seats taken and its waitlist."""

    session: Session
    confirmed: int
    waitlisted: int

    @property
    def fill_rate(self) -> int | None:
        """Confirmed seats as a percentage of the capacity."""
        return percent(self.confirmed, self.session.capacity)


def upcoming(now: datetime, limit: int = UPCOMING_LIMIT) -> list[Upcoming]:
    """The next published sessions, soonest first, with their seats (two queries)."""
    sessions = list(db.session.scalars(
        select(Session).where(Session.status == SessionStatus.PUBLISHED, Session.starts_at > now)
        .order_by(Session.starts_at, Session.id).limit(limit)))
    counts = signups.seat_counts(s.id for s in sessions)
    return [Upcoming(s, *counts[s.id]) for s in sessions]


# Members per week ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Week:
    """Accounts made and addresses confirmed in one week (Monday to Sunday, community's zone)."""

    starts: date
    joined: int
    confirmed: int


def week_starts(now: datetime, zone: ZoneInfo, weeks: int = WEEKS) -> list[date]:
    """The Mondays that begin the last `weeks` weeks, the current one last."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _per_bucket(column, bounds: list[datetime]) -> dict[int, int]:
    """How many rows have `column` in each [bounds[i], bounds[i + 1]), in one grouped query.
    The bucket is a CASE over the bounds (computed in the community's zone, so daylight saving
    and midnight fall where they should on SQLite and PostgreSQL alike), grouped in an outer
    query because PostgreSQL will not match a GROUP BY to a select-list CASE with parameters."""
    bucket = case(*[(column < bound, i) for i, bound in enumerate(bounds[1:])]).label("bucket")
    inner = select(bucket).where(column >= bounds[0], column < bounds[-1]).subquery()
    rows = db.session.execute(select(inner.c.bucket, func.count()).group_by(inner.c.bucket))
    return {int(i): n for i, n in rows}


def weekly_members(now: datetime, zone: ZoneInfo, weeks: int = WEEKS) -> list[Week]:
    """Members who joined and who confirmed their address, per week (two queries)."""
    starts = week_starts(now, zone, weeks)
    bounds = [datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
              for d in [*starts, starts[-1] + timedelta(weeks=1)]]
    joined = _per_bucket(User.created_at, bounds)
    confirmed = _per_bucket(User.confirmed_at, bounds)
    return [Week(d, joined.get(i, 0), confirmed.get(i, 0)) for i, d in enumerate(starts)]


# Past sessions: attendance, no-shows, polls ------------------------------------------------------

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


# Filled fastest ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filled:
    """A session whose last seat was taken in the period, and how long that took."""

    session: Session

    @property
    def time_to_fill(self) -> timedelta:
        """From publication to the last seat taken (never negative)."""
        return max(self.session.filled_at - self.session.published_at, timedelta(0))

    @property
    def words(self) -> str:
        """The time to fill for people."""
        return duration_words(self.time_to_fill)


def filled_fastest(since: datetime, now: datetime, limit: int = FASTEST_LIMIT) -> list[Filled]:
    """The published sessions that filled in the period, fastest first (one query; the
    difference of two timestamps is taken here, the same on every database)."""
    sessions = db.session.scalars(
        select(Session).where(Session.status == SessionStatus.PUBLISHED,
                              Session.published_at.is_not(None), Session.filled_at > since,
                              Session.filled_at <= now))
    filled = sorted((Filled(s) for s in sessions), key=lambda f: (f.time_to_fill, f.session.id))
    return filled[:limit]


def duration_words(value: timedelta) -> str:
    """A time to fill for people: "45 min", "5 h 10 min", "3 days 4 h"."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


# Emails ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailTrouble:
    """Failed and bounced messages of one kind, written in the period."""

    kind: str
    failed: int
    bounced: int

    @property
    def label(self) -> str:
        """The kind for people: "seat_confirmed" -> "Seat confirmed"."""
        return self.kind.replace("_", " ").capitalize()

    @property
    def total(self) -> int:
        """Failed and bounced together."""
        return self.failed + self.bounced


def email_trouble(since: datetime, now: datetime) -> list[EmailTrouble]:
    """Failed and bounced messages per kind, most first (one grouped query)."""
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.BOUNCED]),
               OutboxMessage.created_at > since, OutboxMessage.created_at <= now)
        .group_by(OutboxMessage.kind, OutboxMessage.status))
    kinds: dict[str, dict[str, int]] = {}
    for kind, status, n in rows:
        kinds.setdefault(kind, {})[status] = n
    troubles = [EmailTrouble(k, v.get(OutboxStatus.FAILED, 0), v.get(OutboxStatus.BOUNCED, 0))
                for k, v in kinds.items()]
    return sorted(troubles, key=lambda t: (-t.total, t.kind))


# The whole dashboard ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    """Every figure of the overview for one period."""

    days: int
    now: datetime
    zone: ZoneInfo
    upcoming: list[Upcoming]
    weeks: list[Week]
    attendance: Attendance
    polls: list[PollParticipation]
    fastest: list[Filled]
    emails: list[EmailTrouble]

    @property
    def since(self) -> datetime:
        """The start of the period."""
        return self.now - timedelta(days=self.days)

    @property
    def poll_rate(self) -> int | None:
        """Participation over every session with polls in the period."""
        return percent(sum(p.answered for p in self.polls), sum(p.session.confirmed for p in self.polls))


def build(days: int, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Every figure for the last `days` days (the weekly chart: the last 26 weeks): nine queries."""
    since = now - timedelta(days=days)
    past = past_sessions(since, now)
    return Dashboard(days=days, now=now, zone=zone, upcoming=upcoming(now),
                     weeks=weekly_members(now, zone), attendance=attendance(past),
                     polls=poll_participation(past), fastest=filled_fastest(since, now),
                     emails=email_trouble(since, now))
