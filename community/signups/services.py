"""Sign-up rules: one seat per person, capacity, an ordered waitlist, cancellation and promotion.

Every change to a session's sign-ups starts with `_lock`, a guarded UPDATE of the session
row: PostgreSQL then holds that row's lock and SQLite its write lock until the commit, so
concurrent sign-ups and cancellations are applied one after another and never overbook.
"""
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from community.accounts import services as accounts
from community.accounts.models import User
from community.accounts.roles import is_member, require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.db import db, utcnow
from community.sessions.models import Session, SessionStatus
from community.signups.models import Registration, RegistrationStatus, SeriesFollow
from community.signups.tokens import issued_mark, read_cancel_token

CONFIRMED, WAITLISTED, CANCELLED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                    RegistrationStatus.CANCELLED)


def _lock(session: Session) -> Session:
    """Serialise sign-up changes for one session and return it freshly read."""
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
    now = utcnow()
    _check_open(session, now)
    session = _lock(session)
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
    now = utcnow()
    _check_open(session, now)
    session = _lock(session)
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


def registration_for(user: User | None, session: Session) -> Registration | None:
    """The viewer's registration for a session, if any (None for a visitor)."""
    if user is None:
        return None
    return db.session.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == user.id))


def waitlist_position(reg: Registration) -> int | None:
    """1-based place on the waitlist, or None when not waitlisted."""
    if reg.status != WAITLISTED:
        return None
    ahead = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == reg.session_id, Registration.status == WAITLISTED,
        or_(Registration.waitlisted_at < reg.waitlisted_at,
            and_(Registration.waitlisted_at == reg.waitlisted_at, Registration.id < reg.id))))
    return ahead + 1


def seat_counts(session_ids) -> dict[int, tuple[int, int]]:
    """(confirmed, waitlisted) per session id, in one grouped query."""
    ids = list(session_ids)
    counts = {i: (0, 0) for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Registration.session_id, Registration.status, func.count(Registration.id))
        .where(Registration.session_id.in_(ids),
               Registration.status.in_([CONFIRMED, WAITLISTED]))
        .group_by(Registration.session_id, Registration.status))
    for session_id, status, n in rows:
        confirmed, waitlisted = counts[session_id]
        counts[session_id] = (n, waitlisted) if status == CONFIRMED else (confirmed, n)
    return counts


def attendees(session: Session) -> dict[str, list[Registration]]:
    """A session's registrations grouped: confirmed, waitlisted (in order), cancelled."""
    rows = db.session.scalars(
        select(Registration).options(selectinload(Registration.user))
        .where(Registration.session_id == session.id)
        .order_by(Registration.waitlisted_at, Registration.confirmed_at, Registration.id)).all()
    return {
        "confirmed": sorted((r for r in rows if r.status == CONFIRMED),
                            key=lambda r: (r.display_name.lower(), r.id)),
        "waitlisted": [r for r in rows if r.status == WAITLISTED],
        "cancelled": sorted((r for r in rows if r.status == CANCELLED),
                            key=lambda r: r.cancelled_at or r.created_at, reverse=True),
    }


# Who holds a seat: the one home of the rule that notes and polls ask about -------------

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


# Cancel links ---------------------------------------------------------------

def registration_for_token(token: str) -> Registration:
    """The registration a cancel link names; DomainError when forged or no longer valid."""
    data = read_cancel_token(token)
    if data is None:
        raise DomainError("This cancellation link is not valid. Check that you copied all of it, "
                          "or log in and cancel from the session page.")
    reg = db.session.get(Registration, data.get("r"))
    if reg is None or reg.user_id != data.get("u"):
        raise DomainError("This cancellation link does not match a sign-up.")
    if data.get("t") != issued_mark(reg):
        raise DomainError("This cancellation link belongs to an earlier sign-up. Use the link in "
                          "your latest email, or cancel from the session page.")
    return reg


def cancel_by_token(token: str) -> Registration:
    """Cancel through an emailed link."""
    reg = registration_for_token(token)
    if reg.status == CANCELLED:
        raise DomainError("This sign-up is already cancelled.")
    return _cancel_registration(reg, by_organiser=False)


# GDPR -------------------------------------------------------------------------

def export_signups(user: User) -> dict:
    """The member's sign-ups and follows, for the data export."""
    regs = db.session.scalars(select(Registration).options(selectinload(Registration.session))
                              .where(Registration.user_id == user.id).order_by(Registration.id))
    follows = db.session.scalars(select(SeriesFollow).options(selectinload(SeriesFollow.series))
                                 .where(SeriesFollow.user_id == user.id))
    return {
        "registrations": [{"session": r.session.title, "starts_at": r.session.starts_at.isoformat(),
                           "status": r.status, "signed_up_at": r.created_at.isoformat()}
                          for r in regs],
        "following": [f.series.title for f in follows],
    }


def erase_signups(user: User) -> None:
    """Before an account is deleted: give up its seats so the waitlist moves on (the member's
    own cancellation: their email says so and takes the session out of their calendar)."""
    for reg in db.session.scalars(select(Registration).where(
            Registration.user_id == user.id, Registration.status.in_([CONFIRMED, WAITLISTED]))):
        if reg.session.starts_at > utcnow():
            _cancel_registration(reg, by_organiser=False)
