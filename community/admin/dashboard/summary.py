"""The whole dashboard: every figure for one period."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from community.admin.dashboard.emails import EmailTrouble, email_trouble
from community.admin.dashboard.members import Week, weekly_members
from community.admin.dashboard.past import (
    Attendance,
    PollParticipation,
    attendance,
    past_sessions,
    poll_participation,
)
from community.admin.dashboard.periods import percent
from community.admin.dashboard.seats import Filled, Upcoming, filled_fastest, upcoming


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
