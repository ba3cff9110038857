"""Addresses that bounce: bounce counts, and calendar emails held until the address works."""
import base64
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import formatdate

from icalendar import Calendar, vCalAddress
from sqlalchemy import func, select

from community.db import db, utcnow
from community.mail.models import OutboxMessage, OutboxStatus
from community.mail.services.sending import enqueue_after_commit


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
