"""Marking attendance: attended or undone, and walk-ins given a seat and marked."""
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select

from community.accounts import services as accounts
from community.accounts.models import User
from community.core import signals
from community.core.errors import DomainError
from community.core.urls import external_url
from community.db import db, utcnow
from community.mail.services import send_email
from community.sessions.models import Session
from community.signups.attendance.rules import CHECK_IN, WALK_IN, require_check_in
from community.signups.models import Registration
from community.signups.services import CANCELLED, CONFIRMED
from community.signups.services.seats import _lock


def _set(actor: User, reg: Registration, attended: bool, source: str) -> bool:
    """Record attendance (or its absence) and tell the listeners; False when nothing changed."""
    if (reg.attended_at is not None) == attended:
        return False
    reg.attended_at = utcnow() if attended else None
    reg.attendance_source = source if attended else ""
    db.session.flush()
    signals.attendance_marked.send(reg, actor=actor, attended=attended, source=source)
    return True


def mark(actor: User | None, reg: Registration, *, attended: bool = True,
         source: str = CHECK_IN) -> bool:
    """Mark a confirmed or waitlisted place as there (or undo it); False when it already was so."""
    require_check_in(actor, reg.session)
    if reg.status == CANCELLED:
        raise DomainError(f"{reg.display_name} cancelled their place; add them as a walk-in instead.")
    undone_source = reg.attendance_source
    return _set(actor, reg, attended, source if attended else undone_source or source)


@dataclass(frozen=True)
class WalkIn:
    """What a walk-in did: the place, whether an account was made, and what the place was before."""

    registration: Registration
    new_account: bool
    #: "new", "confirmed" (already had a seat), "waitlisted" or "cancelled".
    was: str
    #: False when the person was already marked attended.
    marked: bool


def walk_in(actor: User | None, session: Session, email: str, *, name: str = "",
            organisation: str = "") -> WalkIn:
    """Someone at the door: a member by their address, or a newcomer for whom an unconfirmed
    account is made (they get the usual confirmation email). Either gets a confirmed seat, even
    beyond the capacity, marked attended."""
    require_check_in(actor, session)
    email = accounts.normalise_email(email)
    user = accounts.get_by_email(email)
    if user is not None and user.deactivated_at is not None:
        raise DomainError(f"{email} belongs to a deactivated account; reactivate it first.", "email")
    new_account = user is None
    if new_account:
        if not name.strip():
            raise DomainError("Enter the name of the person, since they have no account yet.", "name")
        user = accounts.create_user(email=email, name=name, organisation=organisation,
                                    password=secrets.token_urlsafe(32))
    session = _lock(session)
    places = db.session.scalars(select(Registration).where(
        Registration.session_id == session.id,
        or_(Registration.user_id == user.id, Registration.invited_email == email))).all()
    reg = next((r for r in places if r.user_id == user.id), places[0] if places else None)
    was = "new" if reg is None else reg.status
    now = utcnow()
    if reg is None:
        reg = Registration(session_id=session.id, user_id=user.id, source=WALK_IN, signed_up_at=now)
        db.session.add(reg)
    if reg.user_id is None:  # a seat held for the address becomes the new account's
        reg.user, reg.invited_email = user, None
    if reg.status != CONFIRMED:
        reg.status, reg.confirmed_at, reg.waitlisted_at, reg.cancelled_at = CONFIRMED, now, None, None
        reg.source = WALK_IN
    db.session.flush()
    marked = _set(actor, reg, True, CHECK_IN if was == CONFIRMED else WALK_IN)
    if not user.is_confirmed:
        _send_confirmation(user, session)
    return WalkIn(reg, new_account, was, marked)


def _send_confirmation(user: User, session: Session) -> None:
    """The usual confirmation email, saying where the walk-in was checked in and how to choose
    a password (the account was made without one they know)."""
    send_email(user.email, "Confirm your email address", "confirm_email",
               {"user": user, "walk_in": session.title,
                "confirm_url": external_url("accounts.confirm", token=accounts.confirmation_token(user)),
                "password_url": external_url("accounts.forgot_password")}, user=user)
