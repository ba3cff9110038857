"""The audit log: one row per change an organiser or analyst made, with before and after."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import db, utcnow
from community.sessions.models import Session


class AuditEntry(db.Model):
    """Who changed what, when, on which session, from which values to which."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The organiser or analyst who acted (None once their account is erased; the name stays).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    #: What happened, dotted: "session.moved", "seat.added", "note.published", ...
    kind: Mapped[str] = mapped_column(String(40), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"),
                                                   index=True)
    #: What was changed: "session", "registration", "user", "note", "poll", "message".
    target_type: Mapped[str] = mapped_column(String(24), default="")
    target_id: Mapped[int | None]
    #: A readable name of the target at the time ("Ada Lovelace", "Is good enough, enough?").
    target_label: Mapped[str] = mapped_column(String(255), default="")
    #: One sentence for the log's reader.
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: The changed fields' values before and after (None where there is no before or after).
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    session: Mapped[Session | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.kind}>"
