"""Building a message and writing it to the outbox, delivered once the transaction commits."""
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, render_template

from community import queue
from community.core.errors import DomainError
from community.core.text import one_line
from community.db import db, utcnow
from community.mail import mime
from community.mail.models import OutboxMessage, OutboxStatus


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


#: The rows written inside `written_together` (None outside it).
_together: ContextVar[list | None] = ContextVar("written_together", default=None)
#: Addresses whose messages are written as their last ones (see `last_messages_to`).
_last_messages_to: ContextVar[frozenset[str]] = ContextVar("last_messages_to", default=frozenset())


@contextmanager
def last_messages_to(address: str) -> Iterator[None]:
    """Inside the block, messages to `address` are written unlinked from any account and marked
    to be erased once delivered: the last emails to a member whose account is being deleted
    reach them, and then nothing keeps the address."""
    marker = _last_messages_to.set(_last_messages_to.get() | {address.lower()})
    try:
        yield
    finally:
        _last_messages_to.reset(marker)


@contextmanager
def written_together() -> Iterator[None]:
    """Inside the block, `send_email` adds its rows to the transaction without inserting each
    on its own; when the block ends they are inserted together (one multi-row INSERT where the
    database allows) and handed to the queue after the commit as usual. For many messages at
    once: a chunk of an announcement's recipients. Queries inside the block do not flush (so
    loading an account does not insert the messages one by one), and so do not see the
    messages written in it."""
    rows: list[OutboxMessage] = []
    marker = _together.set(rows)
    try:
        with db.session.no_autoflush:
            yield
    finally:
        _together.reset(marker)
    db.session.flush()
    for row in rows:
        enqueue_after_commit(row.id)


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER."""
    return _bare(current_app.config["MAIL_DEFAULT_SENDER"])


@functools.lru_cache(maxsize=16)
def _bare(value: str) -> str:
    """The address in `Name <address>` (parsed once per value: every message asks)."""
    return parseaddr(value)[1]


@dataclass(frozen=True)
class Message:
    """A message ready for the outbox: its Message-ID (without brackets) and its bytes."""

    message_id: str
    raw: bytes


def build_message(to: str, subject: str, text: str, html: str | None,
                  attachments=(), calendar: CalendarPart | None = None) -> Message:
    """A complete MIME message: plain text always, HTML and calendar as alternatives, then files
    (the calendar again as invite.ics, for clients that only look at attachments)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = sender_address().rpartition("@")[2] or "localhost"
    message_id = make_msgid(domain=domain)
    headers = [
        ("From", mime.address(sender)),
        # A header never carries a line break, whatever a title or subject was stored with.
        ("To", mime.address(one_line(to))),
        ("Subject", mime.text_header("Subject", one_line(subject))),
        ("Date", formatdate(utcnow().timestamp(), usegmt=True)),
        ("Message-ID", message_id),
        ("Auto-Submitted", "auto-generated"),
    ]
    alternatives = [mime.text(text, "plain")]
    if html:
        alternatives.append(mime.text(html, "html"))
    files = []
    if calendar:
        kind = f'text/calendar; charset="UTF-8"; method={calendar.method}'
        alternatives.append(mime.binary(calendar.ics, kind))
        files.append(mime.attachment(calendar.ics, "application/ics", calendar.filename))
    files += [mime.attachment(item.content, item.mimetype, item.filename) for item in attachments]
    return Message(message_id.strip("<>"), mime.compose(headers, alternatives, files))


#: What the organisers' panel shows on a message held for an address that bounces.
HELD_NOTE = "Held: the address bounces; sent once the member confirms it again or changes it."


def _held_for(user, to: str) -> bool:
    """Whether a message to `to` must wait: it is the account's own address and that bounces."""
    return bool(user is not None and getattr(user, "is_bouncing", False)
                and to.lower() == (user.email or "").lower())


def send_email(to: str, subject: str, template: str, context: dict | None = None, *,
               user=None, attachments=(), calendar: CalendarPart | None = None,
               dedupe_key: str | None = None, held_while_bouncing: bool = False) -> OutboxMessage | None:
    """Render `email/<template>.txt|.html`, add the message to the outbox in the caller's
    transaction and have it delivered once that transaction commits. With
    `held_while_bouncing` (the calendar emails), a message to an account whose address bounces
    is written as HELD instead, and goes out when `release_held` lets it. Nothing is written
    (None) for an account an organiser deactivated: it is no longer emailed."""
    if user is not None and not getattr(user, "is_active", True):
        return None
    context = {"subject": subject, **(context or {})}
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    msg = build_message(to, subject, text, html, attachments, calendar)
    last = to.lower() in _last_messages_to.get()
    held = held_while_bouncing and not last and _held_for(user, to)
    row = OutboxMessage(
        user_id=None if last else getattr(user, "id", None),
        erase_after_delivery=last,
        recipient=to,
        subject=one_line(subject),
        kind=template,
        message_id=msg.message_id,
        raw=msg.raw,
        dedupe_key=dedupe_key,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        last_error=HELD_NOTE if held else "",
    )
    db.session.add(row)
    together = _together.get()
    if together is not None:
        if not held:
            together.append(row)
        return row
    db.session.flush()
    if not held:
        enqueue_after_commit(row.id)
    return row


#: Outbox ids per `mail.deliver` task: a worker thread sends them over one SMTP connection.
DELIVERY_CHUNK = 50


def enqueue_after_commit(outbox_id: int) -> None:
    """Have the row delivered by the queue once the current transaction commits. The rows of
    one transaction travel together, DELIVERY_CHUNK ids per task: a single message is a task
    of its own and goes out at once; an announcement's chunk of recipients is a few tasks."""
    pending = db.session.info.get(queue.AFTER_COMMIT_KEY) or ()
    for name, args in reversed(pending):
        if name == "mail.deliver":
            if len(args[0]) < DELIVERY_CHUNK:
                args[0].append(outbox_id)
                return
            break
    queue.enqueue_after_commit("mail.deliver", [outbox_id])


def resend(row: OutboxMessage, user=None) -> None:
    """Put a message back in line for delivery (an organiser's resend). Refused while `user`,
    the account the message is linked to, is deactivated: it is no longer emailed."""
    if user is not None and not getattr(user, "is_active", True):
        raise DomainError(f"{row.recipient} belongs to a deactivated account; reactivate it "
                          "before resending.")
    row.status = OutboxStatus.PENDING
    row.next_attempt_at = utcnow()
    row.claimed_at = None
    row.sent_at = None
    db.session.flush()
    enqueue_after_commit(row.id)
