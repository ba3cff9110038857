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

Split by figure; import from here: `from community.admin import dashboard`.

- `periods`: the periods an organiser picks from, confirmed seats, percentages
- `seats`: the upcoming sessions' fill, the sessions that filled fastest
- `members`: members joined and confirmed per week
- `past`: the period's past sessions: show-up and no-show rates, poll participation
- `emails`: emails failed or bounced per kind
- `summary`: the whole dashboard for one period
"""
from community.admin.dashboard.emails import EmailTrouble
from community.admin.dashboard.members import Week
from community.admin.dashboard.past import Attendance, PastSession, PollParticipation
from community.admin.dashboard.periods import DEFAULT_PERIOD, PERIODS, percent, period_days
from community.admin.dashboard.seats import Filled, Upcoming, duration_words
from community.admin.dashboard.summary import Dashboard, build

__all__ = [
    "Attendance", "build", "Dashboard", "DEFAULT_PERIOD", "duration_words", "EmailTrouble",
    "Filled", "PastSession", "percent", "period_days", "PERIODS", "PollParticipation", "Upcoming",
    "Week",
]
