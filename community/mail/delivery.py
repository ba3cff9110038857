"""Delivering the outbox from the worker: claim a message, send it, record the outcome.

These are the queue's loops, so they commit; services never do. A message is claimed with a
guarded UPDATE (so two workers never send it twice), sent through SMTP or written as an
`.eml` file, and marked sent, or given back with a backoff after a failure.
"""
import os
import smtplib
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from community import queue
from community.db import db, utcnow
from community.extensions import mail
from community.mail.models import OutboxMessage, OutboxStatus
from community.mail.services import sender_address

#: A claim older than this is taken as a crashed worker and handed out again.
CLAIM_LEASE = timedelta(minutes=10)
#: Tolerance for clocks of web and worker hosts that differ a little.
CLOCK_SKEW = timedelta(seconds=30)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4, ... minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _claim(outbox_id: int) -> OutboxMessage | None:
    """Atomically take a pending message for sending; None if another worker has it or it is done."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now + CLOCK_SKEW,
        )
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, outbox_id, populate_existing=True)


def _write_eml(row: OutboxMessage) -> None:
    """Write the message as an .eml file under the mail folder (when no SMTP server is set)."""
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(row.raw)
    os.replace(tmp, folder / f"{stamp}-{row.id:06d}-{row.kind}.eml")


def _transmit(row: OutboxMessage) -> None:
    """Hand the message to the SMTP server, or to a file when none is configured."""
    if not current_app.config.get("MAIL_SERVER"):
        _write_eml(row)
        return
    with mail.connect() as conn:
        conn.host.sendmail(sender_address(), [row.recipient], row.raw)


def _permanent(exc: Exception) -> bool:
    """Whether an SMTP error means retrying cannot help (the server refused the recipient for good)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600 \
        and not isinstance(exc, smtplib.SMTPSenderRefused)


def deliver(outbox_id: int) -> bool:
    """Send one outbox message if it is still pending; record the outcome. True when sent."""
    row = _claim(outbox_id)
    if row is None:
        return False
    try:
        _transmit(row)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        current_app.logger.warning("delivery of outbox %s failed: %s", row.id, exc)
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.claimed_at = None
        give_up = _permanent(exc) or row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        row.status = OutboxStatus.FAILED if give_up else OutboxStatus.PENDING
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        _forget_if_done(row)
        db.session.commit()
        return False
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.claimed_at = None
    _forget_if_done(row)
    db.session.commit()
    return True


def _forget_if_done(row: OutboxMessage) -> None:
    """Delete a last message to a deleted account once it is sent or given up for good."""
    if row.erase_after_delivery and row.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
        db.session.delete(row)


def due_for_delivery(limit: int = 500) -> list[int]:
    """Ids of messages to hand to the queue again: pending and due, or claimed by a dead worker."""
    now = utcnow()
    stale = now - CLAIM_LEASE
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < stale)
        .values(status=OutboxStatus.PENDING, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return list(ids)


def sweep() -> int:
    """Hand every message that is due again, or was left behind by a crash, back to the queue."""
    ids = due_for_delivery()
    for outbox_id in ids:
        queue.enqueue("mail.deliver", outbox_id)
    return len(ids)
