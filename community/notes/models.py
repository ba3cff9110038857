"""Briefing notes, their revisions, attachments and who opened them."""
import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.core.markdown import StoredHtml
from community.db import db, utcnow
from community.sessions.models import Session


class NoteKind(enum.StrEnum):
    """Before or after the session."""

    PRE_READ = "pre_read"
    SUMMARY = "summary"


KIND_LABELS = {NoteKind.PRE_READ: "Pre-read briefing", NoteKind.SUMMARY: "Post-session summary"}


class Visibility(enum.StrEnum):
    """Who may read a note."""

    DRAFT = "draft"
    PUBLIC = "public"
    MEMBERS = "members"
    ATTENDEES = "attendees"


VISIBILITY_LABELS = {
    Visibility.DRAFT: "Draft (authors and organisers only)",
    Visibility.PUBLIC: "Public (anyone, also without an account)",
    Visibility.MEMBERS: "Members (anyone with a confirmed account)",
    Visibility.ATTENDEES: "Attendees (those who held a seat at a linked session)",
}

note_authors = Table(
    "note_authors", db.metadata,
    Column("note_id", ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

note_sessions = Table(
    "note_sessions", db.metadata,
    Column("note_id", ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
)


class Note(db.Model):
    """A briefing: research and questions before a session, or its summary afterwards."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Markdown; rendered with markdown-it-py and sanitised with nh3 into `body_html` when set.
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    _keep_body_html = StoredHtml.keep("body", "body_html")
    kind: Mapped[str] = mapped_column(String(16), default=NoteKind.PRE_READ)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.DRAFT, index=True)
    #: Until this instant only authors and organisers can read it, whatever its visibility.
    embargo_until: Mapped[datetime | None]
    #: Shown as a banner: what is said may be used, but not who said it.
    chatham_house: Mapped[bool] = mapped_column(default=False)
    #: Who wrote it first: with organisers, the only one who changes its authors.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    authors: Mapped[list[User]] = relationship(secondary=note_authors, order_by=User.name)
    sessions: Mapped[list[Session]] = relationship(secondary=note_sessions,
                                                   order_by=Session.starts_at)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="Attachment.id")

    @property
    def kind_label(self) -> str:
        """Human name of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Note {self.id} {self.title!r} {self.visibility}>"


class NoteRevision(db.Model):
    """The state of a note after one save: who, when, what."""

    __tablename__ = "note_revisions"
    __table_args__ = (UniqueConstraint("note_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 ... per note.
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Why the author saved, or "Restored revision N".
    message: Mapped[str] = mapped_column(String(200), default="")

    saved_by: Mapped[User | None] = relationship()


class Attachment(db.Model):
    """A file attached to a note (slides, PDF, spreadsheet, image), stored under a safe name."""

    __tablename__ = "note_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    #: The uploader's file name, cleaned; used only for display and downloads.
    filename: Mapped[str] = mapped_column(String(200))
    #: Random name on disk, never derived from user input.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: Detected from the content, not from the name.
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship(back_populates="attachments")


class NoteOpen(db.Model):
    """A reader opened a note (counted for authors, never listed by name)."""

    __tablename__ = "note_opens"
    __table_args__ = (UniqueConstraint("note_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
