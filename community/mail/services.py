"""Sending email: build the message and write it to the outbox in the caller's transaction.

The worker side (claiming, sending, retrying, sweeping) is `community.mail.delivery`.
"""
import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, render_template
from icalendar import Calendar, vCalAddress
from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.orm import defer

from community import queue
from community.core.errors import DomainError
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
        message_id=msg["Message-ID"].strip("<>"),
        raw=msg.as_bytes(policy=policy.SMTP),
        dedupe_key=dedupe_key,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        last_error=HELD_NOTE if held else "",
    )
    db.session.add(row)
    db.session.flush()
    if not held:
        enqueue_after_commit(row.id)
    return row


def enqueue_after_commit(outbox_id: int) -> None:
    """Have the row delivered by the queue once the current transaction commits."""
    queue.enqueue_after_commit("mail.deliver", outbox_id)


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


def recent_messages_for(user_id: int, address: str | None = None,
                        limit: int = 20) -> tuple[list[OutboxMessage], int]:
    """The latest `limit` messages written to a member, newest first (without their bytes), and
    how many there are in all (for the organisers' member page)."""
    condition = _to_member(user_id, address)
    rows = db.session.scalars(select(OutboxMessage).options(defer(OutboxMessage.raw))
                              .where(condition).order_by(OutboxMessage.id.desc()).limit(limit))
    return list(rows), db.session.scalar(select(func.count(OutboxMessage.id)).where(condition))


def erase_messages(user_id: int, address: str | None = None) -> None:
    """Delete every message written to a member, except their last ones still to be delivered."""
    db.session.execute(
        delete(OutboxMessage)
        .where(_to_member(user_id, address), OutboxMessage.erase_after_delivery == false())
        .execution_options(synchronize_session=False))


# Addresses that bounce --------------------------------------------------------------------

def bounced_count(address: str, since: datetime | None = None) -> int:
    """How many messages to `address` bounced permanently (of those sent at or after `since`)."""
    stmt = select(func.count(OutboxMessage.id)).where(
        func.lower(OutboxMessage.recipient) == address.lower(),
        OutboxMessage.status == OutboxStatus.BOUNCED)
    if since is not None:
        stmt = stmt.where(OutboxMessage.sent_at >= since)
    return db.session.scalar(stmt)


def held_counts(user_ids) -> dict[int, int]:
    """How many messages are held for each of these accounts."""
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(OutboxMessage.user_id, func.count()).where(
            OutboxMessage.user_id.in_(ids), OutboxMessage.status == OutboxStatus.HELD)
        .group_by(OutboxMessage.user_id)).all())


def calendar_uid(raw: bytes) -> str | None:
    """The UID of the calendar entry a stored message carries (None for a message without one)."""
    msg = message_from_bytes(raw, policy=policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            for event in Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT"):
                return str(event.get("UID", "")) or None
    return None


def _readdressed_calendar(ics: bytes, old: str, new: str) -> bytes:
    """The iCalendar data with the ATTENDEE `old` renamed `new` (its parameters kept)."""
    cal = Calendar.from_ical(ics)
    for event in cal.walk("VEVENT"):
        attendees = event.get("ATTENDEE")
        if attendees is None:
            continue
        renamed = []
        for attendee in attendees if isinstance(attendees, list) else [attendees]:
            if str(attendee).lower() == f"mailto:{old.lower()}":
                replacement = vCalAddress(f"mailto:{new}")
                replacement.params.update(attendee.params)
                attendee = replacement
            renamed.append(attendee)
        del event["ATTENDEE"]
        for attendee in renamed:
            event.add("ATTENDEE", attendee, encode=False)
    return cal.to_ical()


def _redated(raw: bytes, old: str, new: str | None) -> bytes:
    """A stored message dated now and, given a `new` address, sent to it in place of `old`
    (the To header and the calendar entry's ATTENDEE, so the calendar takes it as its own)."""
    msg = message_from_bytes(raw, policy=policy.default)
    msg.replace_header("Date", formatdate(utcnow().timestamp(), usegmt=True))
    if new is not None:
        msg.replace_header("To", new)
        for part in msg.walk():
            if part.get_content_type() not in ("text/calendar", "application/ics"):
                continue
            ics = _readdressed_calendar(part.get_payload(decode=True), old, new)
            if part.get("Content-Transfer-Encoding", "").lower() == "base64":
                part.set_payload(base64.encodebytes(ics).decode("ascii"))
            else:
                part.set_payload(ics.decode("utf-8"))
    return msg.as_bytes(policy=policy.SMTP)


def release_held(user_id: int, address: str) -> int:
    """Send the messages held for an account while its address bounced, oldest first, to
    `address` (its address now: confirmed again, or the new one). Of several held messages
    carrying the same calendar entry only the newest goes (it holds the entry's latest state
    and SEQUENCE); the older ones are marked SUPERSEDED. Returns how many go out."""
    rows = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user_id,
                                    OutboxMessage.status == OutboxStatus.HELD)
        .order_by(OutboxMessage.id)))
    uids = {row.id: calendar_uid(row.raw) for row in rows}
    newest = {uid: row_id for row_id, uid in uids.items() if uid}
    released = 0
    for row in rows:
        uid = uids[row.id]
        if uid and newest[uid] != row.id:
            row.status = OutboxStatus.SUPERSEDED
            row.last_error = (f"Not sent: outbox message {newest[uid]} carries this calendar entry "
                              "in its later state.")
            continue
        changed = row.recipient.lower() != address.lower()
        row.raw = _redated(row.raw, row.recipient, address if changed else None)
        row.recipient = address
        row.status = OutboxStatus.PENDING
        row.last_error = ""
        row.next_attempt_at = utcnow()
        released += 1
        enqueue_after_commit(row.id)
    db.session.flush()
    return released


#: Why a message to an account deactivated before it went out was not sent (the outbox page).
WITHDRAWN_NOTE = "Not sent: the account was deactivated."


def withdraw_for(user_id: int) -> int:
    """Mark every message still waiting for an account (pending or held) WITHDRAWN, so none is
    delivered after the account is deactivated. A message a worker has already claimed is left
    to finish: the guarded UPDATE touches only rows still pending or held, in the caller's
    transaction. Returns how many were withdrawn."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user_id,
               OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.HELD]))
        .values(status=OutboxStatus.WITHDRAWN, last_error=WITHDRAWN_NOTE, claimed_at=None))
    return result.rowcount


def status_counts() -> dict[str, int]:
    """How many outbox messages are in each status."""
    return dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
