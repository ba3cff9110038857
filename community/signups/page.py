"""What sign-ups show on the pages the sessions feature owns: the viewer's place on the
session page, seat counts on session lists and following on a series page. Each function is
a receiver of a page signal (`community.core.signals`) and returns template values."""
from dataclasses import dataclass
from datetime import datetime

from community.accounts.models import User
from community.db import utcnow
from community.sessions.models import Series, Session, SessionStatus
from community.signups import attendance
from community.signups.follows import is_following
from community.signups.models import Registration, RegistrationStatus
from community.signups.services import (
    CONFIRMED,
    WAITLISTED,
    join_link,
    registration_for,
    seat_counts,
    waitlist_position,
)


@dataclass(frozen=True)
class MemberState:
    """Where the viewer stands with a session, for the session page."""

    #: One of: session_cancelled, past, started, draft, confirmed, waitlisted, anonymous,
    #: unconfirmed, cancelled, cancelled_full, full, eligible.
    state: str
    registration: Registration | None = None
    position: int | None = None


def member_state(user: User | None, session: Session, confirmed: int,
                 now: datetime | None = None) -> MemberState:
    """Where the viewer (None for a visitor) stands with the session, given its seats taken."""
    now = now or utcnow()
    reg = registration_for(user, session)
    if session.status == SessionStatus.CANCELLED:
        return MemberState("session_cancelled", reg)
    if session.ends_at <= now:
        return MemberState("past", reg)
    if session.starts_at <= now:
        return MemberState("started", reg)
    if session.status != SessionStatus.PUBLISHED:
        return MemberState("draft", reg)
    if reg is not None and reg.status == CONFIRMED:
        return MemberState("confirmed", reg)
    if reg is not None and reg.status == WAITLISTED:
        return MemberState("waitlisted", reg, waitlist_position(reg))
    if user is None:
        return MemberState("anonymous")
    if not user.is_confirmed:
        return MemberState("unconfirmed", reg)
    full = confirmed >= session.capacity
    if reg is not None and reg.status == RegistrationStatus.CANCELLED:
        return MemberState("cancelled_full" if full else "cancelled", reg)
    return MemberState("full" if full else "eligible")


def session_page_values(session: Session, viewer: User | None = None, **_ignored) -> dict:
    """Seats, waitlist, the viewer's place, the join link if their place may see it, whether
    they follow the session's series, and whether they check people in at it."""
    confirmed, waitlisted = seat_counts([session.id])[session.id]
    state = member_state(viewer, session, confirmed)
    return {
        "confirmed": confirmed, "waitlisted": waitlisted,
        "seats_left": max(session.capacity - confirmed, 0),
        "state": state, "join_url": join_link(state.registration),
        #: A seat whose holder must confirm their address before the link is shown.
        "join_after_confirming": bool(session.join_url) and state.state == "confirmed"
        and viewer is not None and not viewer.is_confirmed,
        "following": is_following(viewer, session.series) if session.series else False,
        #: Organisers and the session's hosts, while check-in has not closed.
        "check_in": attendance.may_check_in(viewer, session)
        and attendance.state(session) in ("open", "not_yet"),
    }


def listing_values(sessions: list[Session], **_ignored) -> dict:
    """(confirmed, waitlisted) per session id, for the cards of a session list."""
    return {"counts": seat_counts(s.id for s in sessions)}


def series_page_values(series: Series, viewer: User | None = None, **_ignored) -> dict:
    """Whether the viewer follows the series."""
    return {"following": is_following(viewer, series)}
