"""What came in: one row per inbound email, with what the pipeline did and why."""
import enum
from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community.db import db, utcnow


class Kind(enum.StrEnum):
    """What the message is, as the pipeline classified it."""

    CALENDAR_REPLY = "calendar_reply"
    CALENDAR_COUNTER = "calendar_counter"
    SIGNUP_REQUEST = "signup_request"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    OTHER = "other"


class Outcome(enum.StrEnum):
    """What the pipeline did with it."""

    #: Acted on: a seat released, a reply recorded, a bounce marked.
    DONE = "done"
    #: Not trusted enough to act: the member was emailed a link to confirm.
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    #: Kept for the organisers to read (a counter-proposal, a sign-up request, other mail).
    RECORDED = "recorded"
    #: Deliberately not acted on (auto-reply, stale, unknown UID, not the member ...).
    IGNORED = "ignored"
    #: Refused without reading it all (too large, too many from one sender).
    REJECTED = "rejected"
    #: Processing raised an error; an organiser may reprocess it.
    FAILED = "failed"


class InboundMessage(db.Model):
    """One email received at the community address (stdin pipe), processed once by Message-ID."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_sender_received_at", "sender", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The Message-ID without angle brackets, or "sha256:<digest>" of the bytes when it had none.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: The From address, lower-cased ("" when there was none).
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(24), default=Kind.OTHER)
    outcome: Mapped[str] = mapped_column(String(24), default=Outcome.RECORDED)
    #: Why: one sentence for the organisers ("seat released", "stale SEQUENCE 0 < 2" ...).
    detail: Mapped[str] = mapped_column(String(500), default="")
    #: The exception when the outcome is FAILED.
    error: Mapped[str] = mapped_column(Text, default="")
    #: Whether the sender's domain was authenticated by our own receiving server.
    authenticated: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    #: The session the message is about, when the pipeline found one (no foreign key: the row
    #: is a record of what came in and outlives a deleted session).
    session_id: Mapped[int | None] = mapped_column(index=True)
    #: The message as received; cleared after INBOUND_RAW_DAYS (None also for refused messages).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.kind} {self.outcome}>"
