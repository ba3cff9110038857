"""Sending email: build the message, write it to the outbox, deliver it from the queue."""
import os
import smtplib
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import or_, select, update

from community import queue
from community.db import db, utcnow
from community.extensions import mail
from community.mail.models import OutboxMessage, OutboxStatus

#: A claim older than this is taken as a crashed worker and handed out again.
CLAIM_LEASE = timedelta(minutes=10)
#: Tolerance for clocks of web and worker hosts that differ a little.
CLOCK_SKEW = timedelta(seconds=30)


@dataclass(frozen=True)
class Attachment:
    """A file attached to an email."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class CalendarPart:
    """An iCalendar body shown by mail clients as an invitation (iMIP)."""

    method: str
    ics: bytes
    filename: str = "invite.ics"


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def build_message(to: str, subject: str, text: str, html: str | None,
                  attachments=(), calendar: CalendarPart | None = None) -> EmailMessage:
    """A complete MIME message: plain text always, HTML and calendar as alternatives, then files."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(utcnow().timestamp(), usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender_address().rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if calendar:
        msg.add_alternative(
            calendar.ics, maintype="text", subtype="calendar", cte="base64",
            params={"method": calendar.method, "charset": "UTF-8"},
        )
        attachments = [Attachment(calendar.filename, calendar.ics, "application/ics"), *attachments]
    for item in attachments:
        maintype, _, subtype = item.mimetype.partition("/")
        msg.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
    return msg


def send_email(to: str, subject: str, template: str, context: dict | None = None, *,
               user=None, attachments=(), calendar: CalendarPart | None = None,
               dedupe_key: str | None = None) -> OutboxMessage:
    """Render `email/<template>.txt|.html`, add the message to the outbox in the caller's
    transaction and have it delivered once that transaction commits."""
    context = {"subject": subject, **(context or {})}
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    msg = build_message(to, subject, text, html, attachments, calendar)
    row = OutboxMessage(
        user_id=getattr(user, "id", None),
        recipient=to,
        subject=subject,
        kind=template,
        message_id=msg["Message-ID"].strip("<>"),
        raw=msg.as_bytes(policy=policy.SMTP),
        dedupe_key=dedupe_key,
    )
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit(row.id)
    return row


def enqueue_after_commit(outbox_id: int) -> None:
    """Have the row delivered by the queue once the current transaction commits."""
    queue.enqueue_after_commit("mail.deliver", outbox_id)


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
        db.session.commit()
        return False
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.claimed_at = None
    db.session.commit()
    return True


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


def resend(row: OutboxMessage) -> None:
    """Put a message back in line for delivery (an organiser's resend)."""
    row.status = OutboxStatus.PENDING
    row.next_attempt_at = utcnow()
    row.claimed_at = None
    row.sent_at = None
    db.session.flush()
    enqueue_after_commit(row.id)


def outbox_query(status: str | None = None, query: str = ""):
    """A select of outbox rows, newest first, filtered by status and words in recipient or subject."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(OutboxStatus):
        stmt = stmt.where(OutboxMessage.status == status)
    for word in query.split():
        like = f"%{word}%"
        stmt = stmt.where(or_(OutboxMessage.recipient.ilike(like), OutboxMessage.subject.ilike(like)))
    return stmt


def plain_text(row: OutboxMessage) -> str:
    """The text/plain body of a stored message, for the organisers' panel."""
    msg = message_from_bytes(row.raw, policy=policy.default)
    body = msg.get_body(preferencelist=("plain",))
    return body.get_content() if body else ""


def messages_for(user) -> list[OutboxMessage]:
    """Every message written to a member, oldest first (for their data export)."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    ))
