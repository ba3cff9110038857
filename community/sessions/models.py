"""A series with a cadence, and the sessions (occurrences) it produces."""
import enum
import uuid
from datetime import date, datetime, time
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.core.markdown import StoredHtml
from community.db import db, utcnow


class Format(enum.StrEnum):
    """How people attend."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


FORMAT_LABELS = {Format.ONLINE: "Online", Format.IN_PERSON: "In person", Format.HYBRID: "Hybrid"}


class SessionStatus(enum.StrEnum):
    """Where a session is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    #: An occurrence of the cadence that will not take place and was never announced.
    SKIPPED = "skipped"


def new_ical_uid() -> str:
    """A globally unique iCalendar UID under the site's host name."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname if has_app_context() else None
    return f"session-{uuid.uuid4().hex}@{host or 'community.invalid'}"


class Series(db.Model):
    """A recurring programme, e.g. every other Tuesday at 14:00 Europe/London."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The description rendered to sanitised HTML when it is set (what the pages show).
    description_html: Mapped[str] = mapped_column(Text, default="")
    _keep_description_html = StoredHtml.keep("description", "description_html")
    #: The first date of the cadence; occurrences fall every `interval_weeks` from it.
    start_date: Mapped[date]
    #: Weekday of the occurrences, Monday = 0 (always the weekday of start_date).
    weekday: Mapped[int]
    #: Local wall-clock time the sessions start at, kept across daylight-saving changes.
    local_time: Mapped[time]
    timezone: Mapped[str] = mapped_column(String(64))
    interval_weeks: Mapped[int] = mapped_column(default=2)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    capacity: Mapped[int] = mapped_column(default=30)
    format: Mapped[str] = mapped_column(String(16), default=Format.ONLINE)
    venue: Mapped[str] = mapped_column(String(300), default="")
    join_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sessions: Mapped[list["Session"]] = relationship(back_populates="series",
                                                     order_by="Session.starts_at")

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.title!r}>"


session_hosts = Table(
    "session_hosts",
    db.metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Session(db.Model):
    """One topic session: a roundtable at a time, online, in a room or both."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("series_id", "occurrence_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"),
                                                  index=True)
    #: The cadence date this session was generated for; None for one-off sessions.
    occurrence_date: Mapped[date | None]
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The description rendered to sanitised HTML when it is set (what the pages show).
    description_html: Mapped[str] = mapped_column(Text, default="")
    _keep_description_html = StoredHtml.keep("description", "description_html")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    #: The IANA zone the session is scheduled in (its local time is shown in invites).
    timezone: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int]
    format: Mapped[str] = mapped_column(String(16), default=Format.ONLINE)
    venue: Mapped[str] = mapped_column(String(300), default="")
    #: Only confirmed attendees see it.
    join_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.DRAFT, index=True)
    #: iCalendar SEQUENCE: rises with every change of time, place, link or status.
    sequence: Mapped[int] = mapped_column(default=0)
    #: iCalendar UID shared by every invitation, download and feed entry of this session.
    ical_uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_ical_uid)
    #: Bumped by every sign-up change; its UPDATE is also the lock that serialises them.
    signup_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: When the last seat was first taken (None while seats remain or it never filled): how fast
    #: a topic fills is filled_at - published_at.
    filled_at: Mapped[datetime | None]

    series: Mapped[Series | None] = relationship(back_populates="sessions")
    hosts: Mapped[list[User]] = relationship(secondary=session_hosts, order_by=User.name)

    @property
    def is_published(self) -> bool:
        """Whether the public can see and sign up for it."""
        return self.status == SessionStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        """Whether the organisers called it off."""
        return self.status == SessionStatus.CANCELLED

    @property
    def format_label(self) -> str:
        """Human name of the format."""
        return FORMAT_LABELS.get(self.format, self.format)

    @property
    def duration_minutes(self) -> int:
        """Length in minutes."""
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.title!r} {self.starts_at:%Y-%m-%d %H:%M}>"
