"""Emails written in the period that failed or bounced, per kind."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class EmailTrouble:
    """Failed and bounced messages of one kind, written in the period."""

    kind: str
    failed: int
    bounced: int

    @property
    def label(self) -> str:
        """The kind for people: "seat_confirmed" -> "Seat confirmed"."""
        return self.kind.replace("_", " ").capitalize()

    @property
    def total(self) -> int:
        """Failed and bounced together."""
        return self.failed + self.bounced


def email_trouble(since: datetime, now: datetime) -> list[EmailTrouble]:
    """Failed and bounced messages per kind, most first (one grouped query)."""
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.BOUNCED]),
               OutboxMessage.created_at > since, OutboxMessage.created_at <= now)
        .group_by(OutboxMessage.kind, OutboxMessage.status))
    kinds: dict[str, dict[str, int]] = {}
    for kind, status, n in rows:
        kinds.setdefault(kind, {})[status] = n
    troubles = [EmailTrouble(k, v.get(OutboxStatus.FAILED, 0), v.get(OutboxStatus.BOUNCED, 0))
                for k, v in kinds.items()]
    return sorted(troubles, key=lambda t: (-t.total, t.kind))
