"""Following a series: members signed up automatically for each newly published session."""
from sqlalchemy import func, select

from community.accounts.models import User
from community.core.errors import DomainError
from community.db import db
from community.sessions.models import Series, Session
from community.signups.models import Registration, SeriesFollow
from community.signups.services import sign_up


def follow(user: User, series: Series) -> SeriesFollow:
    """Follow a series: sign-up for each newly published session happens automatically."""
    if not user.is_confirmed:
        raise DomainError("Please confirm your email address before following a series.")
    existing = db.session.scalar(select(SeriesFollow).where(
        SeriesFollow.series_id == series.id, SeriesFollow.user_id == user.id))
    if existing:
        return existing
    row = SeriesFollow(series=series, user=user)
    db.session.add(row)
    db.session.flush()
    return row


def unfollow(user: User, series: Series) -> None:
    """Stop following a series (existing sign-ups stay)."""
    row = db.session.scalar(select(SeriesFollow).where(
        SeriesFollow.series_id == series.id, SeriesFollow.user_id == user.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def is_following(user: User | None, series: Series) -> bool:
    """Whether the viewer (None for a visitor) follows the series."""
    if user is None:
        return False
    return db.session.scalar(select(func.count(SeriesFollow.id)).where(
        SeriesFollow.series_id == series.id, SeriesFollow.user_id == user.id)) > 0


def sign_up_followers(session: Session, **_ignored) -> list[Registration]:
    """Sign the series' followers up for a newly published session, under the same capacity
    rules (a receiver of `signals.session_published`)."""
    if session.series_id is None:
        return []
    followers = db.session.scalars(
        select(User).join(SeriesFollow, SeriesFollow.user_id == User.id)
        .where(SeriesFollow.series_id == session.series_id, User.confirmed_at.is_not(None),
               User.deactivated_at.is_(None))
        .order_by(SeriesFollow.created_at, SeriesFollow.id)).all()
    return [sign_up(user, session, source="follow") for user in followers]
