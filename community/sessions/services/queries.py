"""Reading sessions: what each viewer may see, the lists of the pages and the panel, exports."""
from datetime import datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.accounts.roles import is_organiser
from community.db import db, utcnow
from community.sessions.models import Series, Session, SessionStatus


def upcoming(now: datetime | None = None, limit: int = 50) -> list[Session]:
    """Published sessions that have not ended, soonest first, with hosts loaded."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Session).options(selectinload(Session.hosts))
        .where(Session.status == SessionStatus.PUBLISHED, Session.ends_at > now)
        .order_by(Session.starts_at).limit(limit)))


def past(now: datetime | None = None):
    """A select of published sessions that have ended, latest first."""
    now = now or utcnow()
    return (select(Session).options(selectinload(Session.hosts))
            .where(Session.status == SessionStatus.PUBLISHED, Session.ends_at <= now)
            .order_by(Session.starts_at.desc()))


#: What everyone may see of a session; drafts and skipped occurrences are for organisers.
PUBLIC_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.CANCELLED)


def is_visible(session: Session, viewer: User | None) -> bool:
    """Who may see a session: published or cancelled ones everyone, drafts and skipped
    occurrences organisers only (pages, feeds, search, notes, polls and the API all ask this,
    wherever a session is named)."""
    return session.status in PUBLIC_STATUSES or is_organiser(viewer)


def visible_to(viewer: User | None):
    """`is_visible` as a SQL condition on sessions, for queries that list them."""
    return true() if is_organiser(viewer) else Session.status.in_(PUBLIC_STATUSES)


def visible_session(session_id: int, viewer: User | None) -> Session | None:
    """The session with its hosts and series if this viewer (None for a visitor) may see it."""
    session = db.session.scalar(
        select(Session).options(selectinload(Session.hosts), selectinload(Session.series))
        .where(Session.id == session_id))
    return session if session is not None and is_visible(session, viewer) else None


def visible_series(series_id: int, viewer: User | None) -> Series | None:
    """The series if this viewer may see it, else None. A series goes by the topic of its
    sessions, so others than organisers see it once one of its sessions is visible to them."""
    series = db.session.get(Series, series_id)
    if series is None or is_organiser(viewer):
        return series
    shown = db.session.scalar(select(Session.id).where(Session.series_id == series.id,
                                                       visible_to(viewer)).limit(1))
    return series if shown is not None else None


def series_sessions(series: Series, viewer: User | None = None,
                    now: datetime | None = None) -> tuple[list[Session], list[Session]]:
    """A series' upcoming and past sessions that the viewer may see (skipped ones left out)."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Session).options(selectinload(Session.hosts))
        .where(Session.series_id == series.id, visible_to(viewer),
               Session.status != SessionStatus.SKIPPED)
        .order_by(Session.starts_at)).all()
    return [s for s in rows if s.ends_at > now], [s for s in reversed(rows) if s.ends_at <= now]


def panel_sessions(status: str = "", when: str = "upcoming"):
    """A select of sessions of every status (or one) for the organisers' list: upcoming soonest
    first, or past latest first."""
    query = select(Session).options(selectinload(Session.series))
    if status in set(SessionStatus):
        query = query.where(Session.status == status)
    if when == "past":
        return query.where(Session.ends_at <= utcnow()).order_by(Session.starts_at.desc())
    return query.where(Session.ends_at > utcnow()).order_by(Session.starts_at)


def next_sessions(limit: int = 5) -> list[Session]:
    """The next draft or published sessions, soonest first (the panel's overview)."""
    return list(db.session.scalars(
        select(Session).where(Session.ends_at > utcnow(),
                              Session.status.in_([SessionStatus.DRAFT, SessionStatus.PUBLISHED]))
        .order_by(Session.starts_at).limit(limit)))


def export_hosted(user: User) -> list[dict]:
    """The sessions the member hosts or hosted, for the data export (hosting ends with the account)."""
    rows = db.session.scalars(select(Session).where(Session.hosts.any(User.id == user.id))
                              .order_by(Session.starts_at))
    return [{"session": s.title, "starts_at": s.starts_at.isoformat()} for s in rows]


def upcoming_counts_by_status(series_ids) -> dict[int, dict[str, int]]:
    """For each series id: how many sessions that have not ended it has, by status."""
    counts: dict[int, dict[str, int]] = {i: {} for i in series_ids}
    if counts:
        for series_id, status, n in db.session.execute(
                select(Session.series_id, Session.status, func.count(Session.id))
                .where(Session.series_id.in_(list(counts)), Session.ends_at > utcnow())
                .group_by(Session.series_id, Session.status)):
            counts[series_id][status] = n
    return counts


def panel_series_sessions(series: Series, past_limit: int = 10) -> tuple[list[Session], list[Session]]:
    """A series' sessions of every status for the panel: upcoming soonest first, and the
    latest `past_limit` that have ended."""
    now = utcnow()
    query = select(Session).where(Session.series_id == series.id)
    upcoming = db.session.scalars(query.where(Session.ends_at > now).order_by(Session.starts_at)).all()
    past = db.session.scalars(query.where(Session.ends_at <= now)
                              .order_by(Session.starts_at.desc()).limit(past_limit)).all()
    return list(upcoming), list(past)


def linkable_sessions(since: timedelta, viewer: User | None) -> list[Session]:
    """Sessions the viewer may see that started no longer than `since` ago or are still to
    come, except skipped ones, latest first (what the viewer can link a briefing note to)."""
    return list(db.session.scalars(select(Session).where(
        Session.starts_at > utcnow() - since, visible_to(viewer),
        Session.status != SessionStatus.SKIPPED)
        .order_by(Session.starts_at.desc())))


def all_series():
    """A select of every series by title (the panel's list)."""
    return select(Series).order_by(Series.title)


def next_start_or_end(now: datetime | None = None) -> datetime | None:
    """The next moment a session that anyone can see starts or ends (pages move it from
    upcoming to under way to past then, with no write)."""
    now = now or utcnow()
    shown = (Session.status != SessionStatus.DRAFT)
    starts = select(func.min(Session.starts_at)).where(shown, Session.starts_at > now).scalar_subquery()
    ends = select(func.min(Session.ends_at)).where(shown, Session.ends_at > now).scalar_subquery()
    moments = [m for m in db.session.execute(select(starts, ends)).one() if m is not None]
    return min(moments) if moments else None
