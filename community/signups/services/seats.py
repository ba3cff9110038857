"""Taking and giving up seats: sign-up, capacity, the waitlist, cancellation and promotion."""
from datetime import datetime

from sqlalchemy import func, select, update

from community.accounts import services as accounts
from community.accounts.models import User
from community.accounts.roles import require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.db import db, utcnow
from community.sessions.models import Session, SessionStatus
from community.signups.models import Registration
from community.signups.services.queries import (
    CANCELLED,
    CONFIRMED,
    WAITLISTED,
    registration_for,
    waitlist_position,
)


def _lock(session: Session) -> Session:
    """Serialise sign-up changes for one session and return it freshly read. Read the clock for
    a place's timestamps after this (a waitlist place stamped before waiting for the lock would
    queue ahead of the places given while it waited, after they were told their positions)."""
    db.session.execute(
        update(Session).where(Session.id == session.id)
        .values(signup_version=Session.signup_version + 1)
        .execution_options(synchronize_session=False))
    return db.session.get(Session, session.id, populate_existing=True)


def _confirmed_count(session_id: int) -> int:
    """Seats taken."""
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == session_id, Registration.status == CONFIRMED))


def _check_open(session: Session, now: datetime) -> None:
    """Sign-up is open for published sessions that have not started."""
    if session.status == SessionStatus.CANCELLED:
        raise DomainError("This session has been cancelled.")
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError("This session is not open for sign-up.")
    if session.starts_at <= now:
        raise DomainError("Sign-up closed when the session started.")


def _note_if_full(session: Session, confirmed: int, now: datetime) -> None:
    """Record when the last seat was first taken (how fast a topic fills); a seat that frees
    later leaves it as it was."""
    if session.filled_at is None and confirmed >= session.capacity:
        session.filled_at = now


def _seat_or_waitlist(reg: Registration, session: Session, now: datetime) -> None:
    """Give the registration a seat if one is free, otherwise the end of the waitlist.
    Call it before adding a new row to the session (the count must not autoflush it)."""
    taken = _confirmed_count(session.id)
    if taken < session.capacity:
        reg.status, reg.confirmed_at, reg.waitlisted_at = CONFIRMED, now, None
        _note_if_full(session, taken + 1, now)
    else:
        reg.status, reg.confirmed_at, reg.waitlisted_at = WAITLISTED, None, now
    reg.cancelled_at = None


def sign_up(user: User, session: Session, *, source: str = "member") -> Registration:
    """Sign a member up: a seat while seats remain, else the waitlist. Idempotent for an active sign-up.
    Only an account whose address is confirmed gets a place, however it is signed up (anyone
    can register someone else's address; an organiser's invitation holds a seat instead)."""
    if not user.is_confirmed:
        raise DomainError("Please confirm your email address before signing up.")
    if not user.is_active:
        raise DomainError(f"{user.email} belongs to a deactivated account; reactivate it first.")
    _check_open(session, utcnow())
    session = _lock(session)
    now = utcnow()
    _check_open(session, now)
    reg = db.session.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == user.id))
    if reg is not None and reg.status != CANCELLED:
        return reg
    if reg is None:
        reg = Registration(session_id=session.id, user_id=user.id, source=source)
    reg.source, reg.signed_up_at = source, now
    _seat_or_waitlist(reg, session, now)
    db.session.add(reg)
    db.session.flush()
    _announce_new(reg)
    return reg


def _announce_new(reg: Registration) -> None:
    """Tell the person about their seat or waitlist place."""
    if reg.status == CONFIRMED:
        signals.seat_confirmed.send(reg)
    else:
        signals.waitlisted.send(reg, position=waitlist_position(reg))


def fill_free_seats(session: Session) -> list[Registration]:
    """Promote from the head of the waitlist while seats are free (caller holds the lock)."""
    if session.status != SessionStatus.PUBLISHED or session.starts_at <= utcnow():
        return []
    free = session.capacity - _confirmed_count(session.id)
    if free <= 0:
        return []
    promoted = list(db.session.scalars(
        select(Registration).where(Registration.session_id == session.id,
                                   Registration.status == WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id).limit(free)))
    now = utcnow()
    for reg in promoted:
        reg.status, reg.confirmed_at, reg.waitlisted_at = CONFIRMED, now, None
    _note_if_full(session, session.capacity - free + len(promoted), now)
    db.session.flush()
    for reg in promoted:
        signals.promoted.send(reg)
    return promoted


def capacity_changed(session: Session, changes=(), **_ignored) -> list[Registration]:
    """After an organiser raised the capacity of a published session: give the new seats to
    the waitlist (a receiver of `signals.session_changed`)."""
    if not any(c.field == "capacity" and c.new > c.old for c in changes):
        return []
    return fill_free_seats(_lock(session))


def _cancel_registration(reg: Registration, *, by_organiser: bool, actor: User | None = None) -> Registration:
    """Cancel a registration under the session lock and pass its seat on (`actor`: the
    organiser who removed the person)."""
    session = _lock(reg.session)
    db.session.refresh(reg)
    if reg.status == CANCELLED:
        raise DomainError("This sign-up is already cancelled.")
    if session.starts_at <= utcnow() and not by_organiser:
        raise DomainError("This session has started; the sign-up can no longer be cancelled.")
    before, had_seat = str(reg.status), reg.status == CONFIRMED
    reg.status, reg.cancelled_at, reg.waitlisted_at = CANCELLED, utcnow(), None
    db.session.flush()
    signals.seat_cancelled.send(reg, by_organiser=by_organiser, had_seat=had_seat)
    if actor is not None:
        signals.seat_managed.send(reg, actor=actor, action="removed", before=before, after=str(CANCELLED))
    if had_seat:
        fill_free_seats(session)
    return reg


def cancel(user: User, session: Session) -> Registration:
    """A member cancels their own seat or waitlist place."""
    reg = registration_for(user, session)
    if reg is None or reg.status == CANCELLED:
        raise DomainError("You are not signed up for this session.")
    return _cancel_registration(reg, by_organiser=False)


def remove(actor: User | None, reg: Registration) -> Registration:
    """An organiser removes someone from a session."""
    require_organiser(actor)
    return _cancel_registration(reg, by_organiser=True, actor=actor)


def promote(actor: User | None, reg: Registration) -> Registration:
    """An organiser gives a waitlisted person a seat now, even beyond the capacity."""
    require_organiser(actor)
    session = _lock(reg.session)
    db.session.refresh(reg)
    if reg.status != WAITLISTED:
        raise DomainError("Only someone on the waitlist can be promoted.")
    reg.status, reg.confirmed_at, reg.waitlisted_at = CONFIRMED, utcnow(), None
    db.session.flush()
    _note_if_full(session, _confirmed_count(session.id), reg.confirmed_at)
    signals.promoted.send(reg)
    signals.seat_managed.send(reg, actor=actor, action="promoted", before=str(WAITLISTED),
                              after=str(CONFIRMED))
    return reg


def add_by_email(actor: User | None, session: Session, email: str) -> Registration:
    """An organiser signs someone up by email: a member directly, any other address with a held
    seat. An account that never confirmed its address counts as no account (whoever registered
    it may not own the address): the seat is held for the address and becomes the account's
    when the address is confirmed (`claim_invitations`)."""
    require_organiser(actor)
    email = accounts.normalise_email(email)
    user = accounts.get_by_email(email)
    if user is not None and user.is_confirmed:
        existing = registration_for(user, session)
        if existing is not None and existing.status != CANCELLED:
            raise DomainError(f"{email} is already signed up for this session.", "email")
        before = str(existing.status) if existing is not None else None
        reg = sign_up(user, session, source="organiser")
        signals.seat_managed.send(reg, actor=actor, action="added", before=before, after=str(reg.status))
        return reg
    _check_open(session, utcnow())
    session = _lock(session)
    now = utcnow()
    reg = db.session.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.invited_email == email))
    if reg is not None and reg.status != CANCELLED:
        raise DomainError(f"{email} has already been invited to this session.", "email")
    before = str(reg.status) if reg is not None else None
    if reg is None:
        reg = Registration(session_id=session.id, invited_email=email, source="organiser")
    reg.signed_up_at = now
    _seat_or_waitlist(reg, session, now)
    db.session.add(reg)
    db.session.flush()
    signals.seat_held.send(reg, position=waitlist_position(reg) if reg.status == WAITLISTED else None)
    signals.seat_managed.send(reg, actor=actor, action="added", before=before, after=str(reg.status))
    return reg


def claim_invitations(user: User, **_ignored) -> int:
    """When an invited address confirms its new account, its held seats become its own
    (a receiver of `signals.account_confirmed`)."""
    held = db.session.scalars(select(Registration).where(Registration.invited_email == user.email))
    count = 0
    for reg in held:
        reg.user, reg.invited_email = user, None
        count += 1
    db.session.flush()
    return count
