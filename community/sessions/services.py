"""Rules for series and sessions: cadence generation, edits, moves, publishing, cancelling."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.accounts.models import Role, User
from community.core.errors import DomainError, NotAllowed
from community.core.timeutil import is_zone
from community.db import db, utcnow
from community.invites import services as invites
from community.sessions import cadence
from community.sessions.models import Format, Series, Session, SessionStatus
from community.signups import follows
from community.signups import services as signups

#: Fields whose change matters to an attendee's calendar (raises the iCalendar SEQUENCE).
CALENDAR_FIELDS = ("starts_at", "ends_at", "timezone", "venue", "join_url", "format", "title")


@dataclass(frozen=True)
class Change:
    """One field an organiser changed, old and new value."""

    field: str
    old: object
    new: object


def _require_organiser(actor: User) -> None:
    """Only organisers run sessions."""
    if actor is None or actor.role != Role.ORGANISER:
        raise NotAllowed("Only organisers can do this.")


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    """A session ends after it starts."""
    if ends_at <= starts_at:
        raise DomainError("The session must end after it starts.", "ends_at")


def _check_format(fmt: str, venue: str, join_url: str) -> None:
    """In-person sessions need a venue; a join link must be a web address."""
    if fmt not in set(Format):
        raise DomainError("Choose online, in person or hybrid.", "format")
    if fmt in (Format.IN_PERSON, Format.HYBRID) and not venue.strip():
        raise DomainError("An in-person or hybrid session needs a venue.", "venue")
    parts = urlsplit(join_url.strip())
    if join_url.strip() and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise DomainError("The join link must be a web address starting with https://.", "join_url")


def _check_numbers(capacity: int, duration_minutes: int | None = None, interval_weeks: int | None = None,
                   timezone: str | None = None) -> None:
    """Capacity, length, cadence and zone must make sense."""
    if capacity < 1:
        raise DomainError("Capacity must be at least 1.", "capacity")
    if duration_minutes is not None and not 5 <= duration_minutes <= 24 * 60:
        raise DomainError("A session lasts between 5 minutes and 24 hours.", "duration_minutes")
    if interval_weeks is not None and not 1 <= interval_weeks <= 52:
        raise DomainError("Repeat every 1 to 52 weeks.", "interval_weeks")
    if timezone is not None and not is_zone(timezone):
        raise DomainError("Choose a time zone from the list.", "timezone")


def create_series(actor: User, *, title: str, description: str, start_date: date, local_time: time,
                  timezone: str, interval_weeks: int = 2, duration_minutes: int = 60,
                  capacity: int = 30, format: str = Format.ONLINE, venue: str = "",
                  join_url: str = "") -> Series:
    """Add a series with its cadence."""
    _require_organiser(actor)
    _check_format(format, venue, join_url)
    _check_numbers(capacity, duration_minutes, interval_weeks, timezone)
    series = Series(title=title.strip(), slug=slugify(title)[:200], description=description,
                    start_date=start_date, weekday=start_date.weekday(), local_time=local_time,
                    timezone=timezone, interval_weeks=interval_weeks,
                    duration_minutes=duration_minutes, capacity=capacity, format=format,
                    venue=venue.strip(), join_url=join_url.strip())
    db.session.add(series)
    db.session.flush()
    return series


def update_series(actor: User, series: Series, **fields) -> Series:
    """Change a series' details; existing sessions keep theirs (edit them one by one)."""
    _require_organiser(actor)
    _check_format(fields.get("format", series.format), fields.get("venue", series.venue),
                  fields.get("join_url", series.join_url))
    _check_numbers(fields.get("capacity", series.capacity),
                   fields.get("duration_minutes", series.duration_minutes),
                   fields.get("interval_weeks", series.interval_weeks),
                   fields.get("timezone", series.timezone))
    for name, value in fields.items():
        setattr(series, name, value.strip() if isinstance(value, str) else value)
    series.slug = slugify(series.title)[:200]
    series.weekday = series.start_date.weekday()
    db.session.flush()
    return series


def generate_occurrences(actor: User, series: Series, count: int, *, today: date | None = None) -> list[Session]:
    """Create draft sessions for the next `count` cadence dates that have none yet."""
    _require_organiser(actor)
    if not 1 <= count <= 52:
        raise DomainError("Generate between 1 and 52 occurrences at a time.", "count")
    today = today or cadence.local_date(utcnow(), series.timezone)
    existing = set(db.session.scalars(
        select(Session.occurrence_date).where(Session.series_id == series.id)))
    now = utcnow()
    created = []
    for day in cadence.occurrence_dates(series.start_date, series.interval_weeks, today, count):
        starts = cadence.local_instant(day, series.local_time, series.timezone)
        if day in existing or starts <= now:
            continue
        session = Session(
            series=series, occurrence_date=day, title=series.title, slug=series.slug,
            description="", starts_at=starts,
            ends_at=starts + timedelta(minutes=series.duration_minutes),
            timezone=series.timezone, capacity=series.capacity, format=series.format,
            venue=series.venue, join_url=series.join_url, status=SessionStatus.DRAFT,
        )
        db.session.add(session)
        created.append(session)
    db.session.flush()
    return created


def create_session(actor: User, *, title: str, description: str, starts_at: datetime,
                   ends_at: datetime, timezone: str, capacity: int, format: str = Format.ONLINE,
                   venue: str = "", join_url: str = "", series: Series | None = None,
                   hosts: list[User] | None = None) -> Session:
    """Add a one-off draft session."""
    _require_organiser(actor)
    _check_times(starts_at, ends_at)
    _check_format(format, venue, join_url)
    _check_numbers(capacity, timezone=timezone)
    if starts_at <= utcnow():
        raise DomainError("A new session must start in the future.", "starts_at")
    session = Session(title=title.strip(), slug=slugify(title)[:200], description=description,
                      starts_at=starts_at, ends_at=ends_at, timezone=timezone, capacity=capacity,
                      format=format, venue=venue.strip(), join_url=join_url.strip(), series=series,
                      occurrence_date=cadence.local_date(starts_at, timezone) if series else None,
                      status=SessionStatus.DRAFT, hosts=list(hosts or []))
    db.session.add(session)
    db.session.flush()
    return session


def update_session(actor: User, session: Session, **fields) -> list[Change]:
    """Edit or move one session; returns what changed. Raises the SEQUENCE for calendar changes."""
    _require_organiser(actor)
    if session.status in (SessionStatus.CANCELLED, SessionStatus.SKIPPED):
        raise DomainError("A cancelled or skipped session cannot be edited.")
    hosts = fields.pop("hosts", None)
    starts_at = fields.get("starts_at", session.starts_at)
    ends_at = fields.get("ends_at", session.ends_at)
    _check_times(starts_at, ends_at)
    _check_format(fields.get("format", session.format), fields.get("venue", session.venue),
                  fields.get("join_url", session.join_url))
    moved = starts_at != session.starts_at or ends_at != session.ends_at
    if moved and starts_at <= utcnow():
        raise DomainError("A session cannot be moved to a time in the past.", "starts_at")
    _check_numbers(fields.get("capacity", session.capacity), timezone=fields.get("timezone"))
    changes = []
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        old = getattr(session, name)
        if old != value:
            changes.append(Change(name, old, value))
            setattr(session, name, value)
    if hosts is not None and {h.id for h in hosts} != {h.id for h in session.hosts}:
        session.hosts = list(hosts)
        changes.append(Change("hosts", None, None))
    if any(c.field == "title" for c in changes):
        session.slug = slugify(session.title)[:200]
    if session.status == SessionStatus.PUBLISHED and any(c.field in CALENDAR_FIELDS for c in changes):
        session.sequence += 1
    if changes:
        session.updated_at = utcnow()
    db.session.flush()
    if session.status == SessionStatus.PUBLISHED:
        if any(c.field == "capacity" and c.new > c.old for c in changes):
            signups.capacity_changed(session)
        notable = [c for c in changes if c.field in CALENDAR_FIELDS]
        if notable:
            invites.session_changed(session, notable, actor)
    return changes


def publish(actor: User, session: Session) -> None:
    """Make a draft session public."""
    _require_organiser(actor)
    if session.status != SessionStatus.DRAFT:
        raise DomainError("Only a draft session can be published.")
    if session.starts_at <= utcnow():
        raise DomainError("This session's time has passed; move it before publishing.")
    session.status = SessionStatus.PUBLISHED
    session.published_at = session.updated_at = utcnow()
    db.session.flush()
    follows.sign_up_followers(session)


def cancel(actor: User, session: Session) -> None:
    """Call a published session off (attendees are told; it stays visible as cancelled)."""
    _require_organiser(actor)
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError("Only a published session can be cancelled; skip a draft instead.")
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = session.updated_at = utcnow()
    session.sequence += 1
    db.session.flush()
    invites.session_cancelled(session, actor)


def skip(actor: User, session: Session) -> None:
    """Leave out one draft occurrence of the cadence; it is not generated again."""
    _require_organiser(actor)
    if session.status != SessionStatus.DRAFT:
        raise DomainError("Only a draft can be skipped; cancel a published session instead.")
    session.status = SessionStatus.SKIPPED
    session.updated_at = utcnow()
    db.session.flush()


def restore(actor: User, session: Session) -> None:
    """Bring a skipped occurrence back as a draft."""
    _require_organiser(actor)
    if session.status != SessionStatus.SKIPPED:
        raise DomainError("Only a skipped occurrence can be restored.")
    session.status = SessionStatus.DRAFT
    session.updated_at = utcnow()
    db.session.flush()


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


def visible_session(session_id: int, viewer: User | None) -> Session | None:
    """The session if this viewer may see it: published or cancelled for all, anything for organisers."""
    session = db.session.scalar(
        select(Session).options(selectinload(Session.hosts), selectinload(Session.series))
        .where(Session.id == session_id))
    if session is None:
        return None
    if session.status in (SessionStatus.PUBLISHED, SessionStatus.CANCELLED):
        return session
    if viewer is not None and getattr(viewer, "is_organiser", False):
        return session
    return None


def series_sessions(series: Series, now: datetime | None = None) -> tuple[list[Session], list[Session]]:
    """A series' upcoming and past published sessions."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Session).options(selectinload(Session.hosts))
        .where(Session.series_id == series.id,
               Session.status.in_([SessionStatus.PUBLISHED, SessionStatus.CANCELLED]))
        .order_by(Session.starts_at)).all()
    return [s for s in rows if s.ends_at > now], [s for s in reversed(rows) if s.ends_at <= now]


def hosts_choices():
    """Analysts and organisers who can host a session."""
    return db.session.scalars(select(User).where(User.role.in_([Role.ANALYST, Role.ORGANISER]))
                              .order_by(User.name)).all()
