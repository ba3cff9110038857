"""Sending email: build the message and write it to the outbox in the caller's transaction.

The worker side (claiming, sending, retrying, sweeping) is `community.mail.delivery`.
"""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, render_template
from sqlalchemy import delete, false, func, or_, select

from community import queue
from community.core.text import one_line
from community.db import db, utcnow
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


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def build_message(to: str, subject: str, text: str, html: str | None,
                  attachments=(), calendar: CalendarPart | None = None) -> EmailMessage:
    """A complete MIME message: plain text always, HTML and calendar as alternatives, then files."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    msg = EmailMessage()
    msg["From"] = sender
    # A header never carries a line break, whatever a title or subject was stored with.
    msg["To"] = one_line(to)
    msg["Subject"] = one_line(subject)
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
    last = to.lower() in _last_messages_to.get()
    row = OutboxMessage(
        user_id=None if last else getattr(user, "id", None),
        erase_after_delivery=last,
        recipient=to,
        subject=one_line(subject),
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


#: What the organisers' panel shows in place of the secret part of a link.
HIDDEN = "[hidden]"
#: A route variable in a rule such as `/calendar/<token>.ics` or `/s/<int:session_id>`.
_RULE_VARIABLE = re.compile(r"<(?:[A-Za-z_]\w*(?:\([^)]*\))?:)?([A-Za-z_]\w*)>")
#: What a path segment can be made of in an email's text or HTML.
_SEGMENT = r"[^/\s?#\"'<>]+"


def _secret_link_patterns() -> list[re.Pattern]:
    """One pattern per route whose path carries a secret (a `<token>` variable: confirmation,
    password reset, cancel links, personal calendar feeds), with the token as its own group."""
    patterns = []
    for rule in current_app.url_map.iter_rules():
        if "token" not in rule.arguments:
            continue
        pieces, last = [], 0
        for variable in _RULE_VARIABLE.finditer(rule.rule):
            pieces.append(re.escape(rule.rule[last:variable.start()]))
            name = variable.group(1)
            pieces.append(f"(?P<token>{_SEGMENT})" if name == "token" else _SEGMENT)
            last = variable.end()
        pieces.append(re.escape(rule.rule[last:]))
        patterns.append(re.compile("".join(pieces)))
    return patterns


def hide_link_secrets(text: str) -> str:
    """The text with the token of every secret-carrying link replaced by HIDDEN, so whoever
    reads a stored message cannot use its links to take over an account or a seat."""
    for pattern in _secret_link_patterns():
        text = pattern.sub(
            lambda m: m.group(0)[:m.start("token") - m.start()] + HIDDEN
            + m.group(0)[m.end("token") - m.start():], text)
    return text


def panel_text(row: OutboxMessage) -> str:
    """The text/plain body of a stored message as the organisers' panel shows it: link
    tokens hidden (the email itself keeps its working links)."""
    msg = message_from_bytes(row.raw, policy=policy.default)
    body = msg.get_body(preferencelist=("plain",))
    return hide_link_secrets(body.get_content()) if body else ""


def _to_member(user_id: int, address: str | None):
    """The condition for messages linked to an account or, given its proven `address`, sent to it
    (such as a held-seat invitation written before the account existed)."""
    condition = OutboxMessage.user_id == user_id
    if address:
        condition = or_(condition, func.lower(OutboxMessage.recipient) == address.lower())
    return condition


def messages_for(user_id: int, address: str | None = None) -> list[OutboxMessage]:
    """Every message written to a member, oldest first (for their data export)."""
    return list(db.session.scalars(
        select(OutboxMessage).where(_to_member(user_id, address)).order_by(OutboxMessage.id)))


def erase_messages(user_id: int, address: str | None = None) -> None:
    """Delete every message written to a member, except their last ones still to be delivered."""
    db.session.execute(
        delete(OutboxMessage)
        .where(_to_member(user_id, address), OutboxMessage.erase_after_delivery == false())
        .execution_options(synchronize_session=False))


def status_counts() -> dict[str, int]:
    """How many outbox messages are in each status."""
    return dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
