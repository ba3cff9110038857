"""Seats: the fill of the next sessions, and the sessions that filled fastest."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from community.admin.dashboard.periods import percent
from community.db import db
from community.sessions.models import Session, SessionStatus
from community.signups import services as signups

UPCOMING_LIMIT = 10
FASTEST_LIMIT = 10


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
