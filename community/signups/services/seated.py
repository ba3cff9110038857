"""Who holds a seat: the one home of the rule that notes and polls ask about."""
from sqlalchemy import select

from community.accounts.models import User
from community.accounts.roles import is_member
from community.db import db
from community.sessions.models import Session
from community.signups.models import Registration
from community.signups.services.queries import CONFIRMED


def holds_seat(user: User | None, session: Session) -> bool:
    """Whether the user is a confirmed member with a confirmed seat at the session."""
    if not is_member(user):
        return False
    return db.session.scalar(select(Registration.id).where(
        Registration.session_id == session.id, Registration.user_id == user.id,
        Registration.status == CONFIRMED)) is not None


def may_join(reg: Registration | None) -> bool:
    """Whether this place at a session may see its join link (page, feed, emails, calendar
    parts): a confirmed seat of a member who confirmed their address, or one an organiser holds
    for an invited address (its emails reach only that address). Never the waitlist, a
    cancelled place, a visitor (None) or an unproven account."""
    if reg is None or reg.status != CONFIRMED:
        return False
    return reg.user.is_confirmed if reg.user is not None else bool(reg.invited_email)


def join_link(reg: Registration | None) -> str:
    """The session's join link as this place may see it ("" when `may_join` says no)."""
    return (reg.session.join_url or "") if may_join(reg) else ""


def seated_session_ids(user: User | None) -> set[int]:
    """Ids of the sessions at which the user (a confirmed member) holds a confirmed seat."""
    if not is_member(user):
        return set()
    return set(db.session.scalars(select(Registration.session_id).where(
        Registration.user_id == user.id, Registration.status == CONFIRMED)))


def seated_user_ids(session_ids):
    """A select of the ids of members holding a confirmed seat at any of these sessions."""
    return select(Registration.user_id).where(Registration.session_id.in_(list(session_ids)),
                                              Registration.status == CONFIRMED)
