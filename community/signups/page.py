"""Where the viewer stands with a session, for the session page."""
from dataclasses import dataclass
from datetime import datetime

from community.db import utcnow
from community.sessions.models import Session, SessionStatus
from community.signups.models import Registration, RegistrationStatus
from community.signups.services import CONFIRMED, WAITLISTED, registration_for, waitlist_position


@dataclass(frozen=True)
class MemberState:
    """Where the viewer stands with a session, for the session page."""

    state: str
    registration: Registration | None = None
    position: int | None = None


def member_state(user, session: Session, confirmed: int, now: datetime | None = None) -> MemberState:
    """One of: session_cancelled, past, started, confirmed, waitlisted, anonymous, unconfirmed,
    cancelled, full, eligible, draft."""
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
    if user is None or not user.is_authenticated:
        return MemberState("anonymous")
    if not user.is_confirmed:
        return MemberState("unconfirmed", reg)
    full = confirmed >= session.capacity
    if reg is not None and reg.status == RegistrationStatus.CANCELLED:
        return MemberState("cancelled_full" if full else "cancelled", reg)
    return MemberState("full" if full else "eligible")
