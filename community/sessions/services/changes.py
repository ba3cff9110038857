"""Changing series and sessions: cadence generation, edits, moves, publishing, cancelling, skipping."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from slugify import slugify
from sqlalchemy import select

from community.accounts.models import User
from community.accounts.roles import require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.core.text import has_control_characters
from community.core.timeutil import is_zone
from community.db import db, utcnow
from community.sessions import cadence
from community.sessions.models import Format, Series, Session, SessionStatus

#: Fields whose change matters to an attendee's calendar (raises the iCalendar SEQUENCE).
CALENDAR_FIELDS = ("starts_at", "ends_at", "timezone", "venue", "join_url", "format", "title")


@dataclass(frozen=True)
class Change:
    """One field an organiser changed, old and new value."""

    field: str
    old: object
    new: object


def _check_text(fields: dict) -> None:
    """Titles, venues and links are one line; descriptions may have line breaks but no other
    control characters (they end up in email headers, calendar files and search)."""
    for name, value in fields.items():
        if isinstance(value, str) and has_control_characters(value, multiline=name == "description"):
            raise DomainError("Remove the line breaks or control characters from this field.", name)


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


def create_series(actor: User | None, *, title: str, description: str, start_date: date, local_time: time,
                  timezone: str, interval_weeks: int = 2, duration_minutes: int = 60,
                  capacity: int = 30, format: str = Format.ONLINE, venue: str = "",
                  join_url: str = "") -> Series:
    """Add a series with its cadence."""
    require_organiser(actor)
    _check_text({"title": title, "description": description, "venue": venue, "join_url": join_url})
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
    require_organiser(actor)
    _check_text(fields)
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


def generate_occurrences(actor: User | None, series: Series, count: int, *,
                         today: date | None = None) -> list[Session]:
    """Create draft sessions for the next `count` cadence dates that have none yet."""
    require_organiser(actor)
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
    require_organiser(actor)
    _check_text({"title": title, "description": description, "venue": venue, "join_url": join_url})
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
    require_organiser(actor)
    if session.status in (SessionStatus.CANCELLED, SessionStatus.SKIPPED):
        raise DomainError("A cancelled or skipped session cannot be edited.")
    hosts = fields.pop("hosts", None)
    _check_text(fields)
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
        changes.append(Change("hosts", [h.name for h in session.hosts], [h.name for h in hosts]))
        session.hosts = list(hosts)
    if any(c.field == "title" for c in changes):
        session.slug = slugify(session.title)[:200]
    if session.status == SessionStatus.PUBLISHED and any(c.field in CALENDAR_FIELDS for c in changes):
        session.sequence += 1
    if changes:
        session.updated_at = utcnow()
    db.session.flush()
    if session.status == SessionStatus.PUBLISHED and changes:
        # Sign-ups give raised capacity to the waitlist; invites tell everyone of calendar changes.
        signals.session_changed.send(session, changes=changes, actor=actor)
    elif session.status == SessionStatus.DRAFT and changes:
        signals.draft_changed.send(session, changes=changes, actor=actor)
    return changes


def publish(actor: User, session: Session) -> None:
    """Make a draft session public."""
    require_organiser(actor)
    if session.status != SessionStatus.DRAFT:
        raise DomainError("Only a draft session can be published.")
    if session.starts_at <= utcnow():
        raise DomainError("This session's time has passed; move it before publishing.")
    session.status = SessionStatus.PUBLISHED
    session.published_at = session.updated_at = utcnow()
    db.session.flush()
    signals.session_published.send(session, actor=actor)


def cancel(actor: User, session: Session) -> None:
    """Call a published session off (attendees are told; it stays visible as cancelled)."""
    require_organiser(actor)
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError("Only a published session can be cancelled; skip a draft instead.")
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = session.updated_at = utcnow()
    session.sequence += 1
    db.session.flush()
    signals.session_cancelled.send(session, actor=actor)


def skip(actor: User, session: Session) -> None:
    """Leave out one draft occurrence of the cadence; it is not generated again."""
    require_organiser(actor)
    if session.status != SessionStatus.DRAFT:
        raise DomainError("Only a draft can be skipped; cancel a published session instead.")
    session.status = SessionStatus.SKIPPED
    session.updated_at = utcnow()
    db.session.flush()


def restore(actor: User, session: Session) -> None:
    """Bring a skipped occurrence back as a draft."""
    require_organiser(actor)
    if session.status != SessionStatus.SKIPPED:
        raise DomainError("Only a skipped occurrence can be restored.")
    session.status = SessionStatus.DRAFT
    session.updated_at = utcnow()
    db.session.flush()
