"""The outbox: every message the platform sends, kept with its delivery state."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community.db import db, utcnow


class OutboxStatus(enum.StrEnum):
    """Where a message is in its delivery."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: The receiving server reported a permanent failure afterwards (a DSN read back in).
    BOUNCED = "bounced"
    #: A calendar email to an address that bounces: kept, not delivered, until the member
    #: confirms the address again or changes it (`mail.services.release_held`).
    HELD = "held"
    #: A held calendar email not sent on release: a later held one carries the same calendar
    #: entry in its newer state.
    SUPERSEDED = "superseded"
    #: A pending or held message not sent because an organiser deactivated the account
    #: (`mail.services.withdraw_for`); delivery never picks it up.
    WITHDRAWN = "withdrawn"


class OutboxMessage(db.Model):
    """One email, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    #: The name of the email template, to tell kinds of message apart in the panel.
    kind: Mapped[str] = mapped_column(String(60))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: Set for messages written from an announcement ("a<id>:r<registration id>"), so expanding
    #: the same announcement again after a crash writes no second copy.
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    #: The complete RFC 5322 message, built once so every attempt sends the same bytes.
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The sweeper hands the message to the queue again once this moment has passed.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a worker claimed the message; a claim older than the lease is taken as a crash.
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: Set on the last messages to a member whose account is being deleted (the calendar
    #: CANCEL of each seat given up): written without the account link, so the deletion does
    #: not take them along, and deleted by the delivery once sent or given up.
    erase_after_delivery: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} {self.recipient}>"
