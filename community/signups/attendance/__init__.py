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

Split by step; import from here: `from community.signups import attendance`.

- `rules`: who checks people in at a session, and when check-in is open
- `listing`: the check-in list and its counts
- `marking`: marking attended or undoing it, and walk-ins
- `reports`: importing a meeting tool's participant list
"""
from community.signups.attendance.listing import Counts, counts, registration_of, roster
from community.signups.attendance.marking import WalkIn, mark, walk_in
from community.signups.attendance.reports import (
    ImportResult,
    Matched,
    Unmatched,
    import_participants,
)
from community.signups.attendance.rules import (
    CHECK_IN,
    CHECKIN_DAYS_AFTER,
    CLOSED_MESSAGES,
    SOURCE_LABELS,
    WALK_IN,
    may_check_in,
    require_check_in,
    state,
    window,
)

__all__ = [
    "CHECK_IN", "CHECKIN_DAYS_AFTER", "CLOSED_MESSAGES", "Counts", "counts", "import_participants",
    "ImportResult", "mark", "Matched", "may_check_in", "registration_of", "require_check_in",
    "roster", "SOURCE_LABELS", "state", "Unmatched", "WALK_IN", "walk_in", "WalkIn", "window",
]
