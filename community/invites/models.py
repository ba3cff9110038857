"""Announcements: a message to everyone at a session, expanded into the outbox by the worker."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import db, utcnow
from community.sessions.models import Session


class AnnouncementKind(enum.StrEnum):
    """What the announcement tells the attendees."""

    CHANGED = "changed"
    CANCELLED = "cancelled"
    MESSAGE = "message"
    #: After the session: summary, notes and poll results (its writer is registered by
    #: community.notes.init_app).
    FOLLOW_UP = "follow_up"


class Announcement(db.Model):
    """One change or message for all attendees of a session, written in the same transaction as
    the change; the worker writes one outbox message per recipient from it, so a session with
    thousands of attendees is moved in a single quick request and nothing is lost."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: For CHANGED: [[field, old, new], ...] with the raw values (instants as ISO text), put in
    #: words in each recipient's zone when the emails are written; for MESSAGE: subject, body
    #: and the waitlist flag.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set once every recipient has an outbox message; until then the sweeper retries it.
    expanded_at: Mapped[datetime | None] = mapped_column(index=True)
    recipients: Mapped[int] = mapped_column(default=0)
    #: Failed expansions so far; after MAX_ATTEMPTS the sweeper sets failed_at and stops trying.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(2000), default="")
    #: Set when the worker gave up on it (it is logged and shown with its error).
    failed_at: Mapped[datetime | None]

    session: Mapped[Session] = relationship()
