"""One member's messages: their data export, the panel's list, erasure and withdrawal."""
from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.orm import defer

from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus


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
