"""Delivery status notifications (RFC 3464) for messages we sent: a permanent failure (5.x.x)
marks the outbox row bounced, and enough of them mark the member's address as bouncing
(`accounts.addresses`); a delay (4.x.x) is noted on the row and never counts."""
from sqlalchemy import select

from community.accounts import addresses
from community.db import db
from community.inbound import parsing
from community.inbound.models import Kind, Outcome
from community.inbound.replies import Result
from community.mail.models import OutboxMessage, OutboxStatus


def handle(msg) -> Result:
    """Match the report to the outbox row by the Message-ID we sent, then record the status."""
    statuses, original_ids = parsing.delivery_report(msg)
    rows = list(db_rows(original_ids))
    if not rows:
        return Result(Kind.BOUNCE, Outcome.IGNORED, "A delivery report for a message we did not send.")
    row = rows[0]
    status = next((s for s in statuses if s.recipient == row.recipient.lower()), None) \
        or next(iter(statuses), None)
    if status is None:
        return Result(Kind.BOUNCE, Outcome.IGNORED,
                      f"A delivery report for outbox message {row.id} without a status.")
    code = status.status or ""
    diagnostic = f" ({status.diagnostic})" if status.diagnostic else ""
    if code.startswith("5") or (not code and status.action == "failed"):
        row.status = OutboxStatus.BOUNCED
        row.last_error = f"Bounced {code or 'permanently'}{diagnostic}"[:2000]
        db.session.flush()
        member = addresses.record_hard_bounce(row.recipient, status.diagnostic or code or "failed")
        paused = "; the member's address is marked as bouncing" if member is not None else ""
        return Result(Kind.BOUNCE, Outcome.DONE,
                      f"Outbox message {row.id} to {row.recipient} bounced: {code}{diagnostic}"[:450]
                      + paused)
    if code.startswith("4") or status.action == "delayed":
        row.last_error = f"Delayed {code}{diagnostic}; the receiving server is still trying"[:2000]
        return Result(Kind.BOUNCE, Outcome.DONE,
                      f"Outbox message {row.id} to {row.recipient} is delayed: {code}{diagnostic}"[:500])
    return Result(Kind.BOUNCE, Outcome.IGNORED,
                  f"Delivery report for outbox message {row.id}: {status.action or 'no action'} {code}.")


def db_rows(message_ids: list[str]):
    """Outbox rows sent with any of these Message-IDs."""
    if not message_ids:
        return []
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.message_id.in_(message_ids)))
