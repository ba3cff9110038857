"""A member's sign-ups in their data export, and given up before their account is deleted."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.db import db, utcnow
from community.signups.models import Registration, SeriesFollow
from community.signups.services.queries import CONFIRMED, WAITLISTED
from community.signups.services.seats import _cancel_registration


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
