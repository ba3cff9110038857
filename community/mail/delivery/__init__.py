"""Delivering the outbox from the worker: a batch of messages over one SMTP connection (the
connection itself, or the mail folder without a server, is `delivery.transport.Transport`).

These are the queue's loops, so they commit; services never do. A `mail.deliver` task carries
a chunk of outbox ids (DELIVERY_CHUNK at most; see `mail.services.enqueue_after_commit`, and
the sweeper's `sweep`). The worker thread running it goes through the chunk on one database
connection and ONE SMTP connection, message by message:

1. claim the message with a guarded UPDATE ... RETURNING (pending and due -> SENDING, with
   `claimed_at`), committed at once: of two workers handed the same id, only one gets it;
2. send it over the batch's SMTP connection, opened for the first message and, if the server
   drops it after it had taken messages (an idle timeout, a per-connection limit, a 421),
   opened again once; a refused recipient or another reply about this message alone leaves the
   connection in use for the next one;
3. record its own outcome, committed at once: SENT; back to PENDING with a backoff; or FAILED
   for good (a 5xx refusal of this message, or MAIL_MAX_ATTEMPTS reached).

If the connection cannot be opened (the server is down), each remaining message of the chunk
gets that error and its backoff recorded without the server being tried again; the sweeper
hands them out when they are due, so nothing is lost and nothing spins. Without MAIL_SERVER
each message is written as an `.eml` file instead.

Exactly once, and the window that remains. The server takes a message when it replies 250 to
its DATA; the SENT record is written (one statement, committed as it runs) right after that
reply, before the next message is even claimed. So wherever a worker is killed, the database
describes the server's mailbox exactly: every message the server took is SENT; at most one is
SENDING, the one in flight, which the server had not taken and which is sent once after its
claim's lease (CLAIM_LEASE) and the next sweep; every other message is PENDING and goes out
with its task if that is still queued, else at the next sweep. For instance:

- killed while the server holds its reply to DATA, or earlier in that transaction: the server
  drops the message with the connection; it is the one SENDING, and goes out once;
- killed between two messages: nothing is in flight; the rest of the chunk is PENDING.

One window remains: after the server's 250 and before that one UPDATE has run (well under a
millisecond). A kill there leaves SENDING a message the server did take, and it is sent again
after the lease. No client can close it: SMTP cannot ask the server whether it took a
message (RFC 1047), and recording "sent" before the reply would lose every message the server
did not take. Messages are claimed one at a time, not the whole chunk at once, so that a dead
worker strands only the message it had in flight, never the rest of its chunk; every SMTP
operation has a timeout (MAIL_TIMEOUT, 60 s by default), so a live worker holds a claim for far
less than the lease.
"""
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import Connection, bindparam, delete, select, update

from community import queue
from community.db import db, utcnow
from community.mail.delivery.transport import Claimed, Transport, permanent_refusal
from community.mail.models import OutboxMessage, OutboxStatus
from community.mail.services.sending import DELIVERY_CHUNK

#: A claim older than this is taken as a crashed worker and handed out again.
CLAIM_LEASE = timedelta(minutes=10)
#: Tolerance for clocks of web and worker hosts that differ a little.
CLOCK_SKEW = timedelta(seconds=30)

_outbox = OutboxMessage.__table__


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4, ... minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


@contextmanager
def _connection() -> Iterator[Connection]:
    """One database connection for a whole batch, in autocommit: the claim and the outcome are
    one statement each, atomic on its own and committed when it returns, so each costs one
    round trip. Its commits do not wait for the disk (SQLite's synchronous=NORMAL in WAL mode,
    PostgreSQL's synchronous_commit=off): a committed claim or outcome still survives the worker
    being killed, which is what they guard against, since the database (for SQLite, the
    operating system) already holds it. Only a crash of the database's host can lose the last
    fraction of a second of them, and each such loss makes a message be sent again, never lost:
    the same at-least-once as the SMTP window above. Waiting for the disk at every message would
    cost milliseconds each and cap delivery far below what one SMTP connection carries. The
    settings are put back before the connection returns to the pool."""
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        dialect = conn.dialect.name
        before = None
        if dialect == "sqlite":
            before = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        elif dialect == "postgresql":
            conn.exec_driver_sql("SET synchronous_commit TO off")
        try:
            yield conn
        finally:
            try:
                if dialect == "sqlite":
                    conn.exec_driver_sql(f"PRAGMA synchronous={int(before)}")
                elif dialect == "postgresql":
                    conn.exec_driver_sql("RESET synchronous_commit")
            except Exception:
                conn.invalidate()  # never back to the pool with the setting changed
                raise


#: Take one message for sending if it is still pending and due; the claim reads back what
#: sending it needs. Guarded by the status, so of two workers handed the same id only one gets it.
_CLAIM = (update(_outbox)
          .where(_outbox.c.id == bindparam("outbox_id"), _outbox.c.status == OutboxStatus.PENDING,
                 _outbox.c.next_attempt_at <= bindparam("due"))
          .values(status=OutboxStatus.SENDING, claimed_at=bindparam("now"))
          .returning(_outbox.c.id, _outbox.c.recipient, _outbox.c.raw, _outbox.c.kind,
                     _outbox.c.attempts, _outbox.c.erase_after_delivery))


def _claim(conn: Connection, outbox_id: int) -> Claimed | None:
    """Claim one message (committed before anything is sent); None if it is not ours to send
    (sent already, another worker has it, not due, withdrawn, gone)."""
    now = utcnow()
    rows = conn.execute(_CLAIM, {"outbox_id": outbox_id, "due": now + CLOCK_SKEW, "now": now}).all()
    return Claimed(*rows[0]) if rows else None


#: The one statement of the usual outcome, built once.
_SENT = (update(_outbox).where(_outbox.c.id == bindparam("outbox_id"))
         .values(status=OutboxStatus.SENT, sent_at=bindparam("now"), claimed_at=None,
                 attempts=bindparam("attempts_after")))


def _record(conn: Connection, message: Claimed, error: Exception | None = None, *,
            permanent: bool = False) -> None:
    """Write one message's outcome, one statement committed at once (see the module's note on
    the window):
    sent, or `error` with a backoff, given up for good when `permanent` or after the last
    attempt. A last message to a deleted account is deleted instead, once sent or given up."""
    now = utcnow()
    attempts = message.attempts + 1
    if error is None and not message.erase_after_delivery:
        conn.execute(_SENT, {"outbox_id": message.id, "now": now, "attempts_after": attempts})
        return
    if error is None:
        values = {"status": OutboxStatus.SENT, "sent_at": now}
    else:
        give_up = permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        values = {"status": OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
                  "next_attempt_at": now + backoff(attempts),
                  "last_error": f"{type(error).__name__}: {error}"[:2000]}
    if message.erase_after_delivery and values["status"] != OutboxStatus.PENDING:
        conn.execute(delete(_outbox).where(_outbox.c.id == message.id))
    else:
        conn.execute(update(_outbox).where(_outbox.c.id == message.id)
                     .values(attempts=attempts, claimed_at=None, **values))


def deliver_batch(outbox_ids: Iterable[int]) -> int:
    """Send the pending, due messages among `outbox_ids` over one SMTP connection, each claimed
    just before it is sent and its outcome committed just after. Returns how many were sent."""
    sent = 0
    reported = False  # whether the server being down was logged
    with _connection() as conn, Transport() as transport:
        for outbox_id in dict.fromkeys(int(i) for i in outbox_ids):
            message = _claim(conn, outbox_id)
            if message is None:
                continue
            try:
                transport.send(message)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
                if exc is not transport.down or not reported:
                    current_app.logger.warning("delivery of outbox %s failed: %s", message.id, exc)
                    reported = exc is transport.down
                # A refusal of this message can be final; the server being out of reach never is.
                _record(conn, message, exc, permanent=transport.down is None and permanent_refusal(exc))
            else:
                _record(conn, message)
                sent += 1
    return sent


def deliver(outbox_id: int) -> bool:
    """Send one outbox message if it is still pending; record the outcome. True when sent."""
    return deliver_batch([outbox_id]) == 1


def deliver_task(outbox_ids: int | list[int]) -> int:
    """The queue's `mail.deliver`: a chunk of outbox ids (or one id, as tasks queued before
    chunks carried)."""
    return deliver_batch([outbox_ids] if isinstance(outbox_ids, int) else outbox_ids)


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
    """Hand every message that is due again, or was left behind by a crash, back to the queue:
    one task per chunk of DELIVERY_CHUNK ids. Returns how many messages were handed over."""
    ids = due_for_delivery()
    for start in range(0, len(ids), DELIVERY_CHUNK):
        queue.enqueue("mail.deliver", ids[start:start + DELIVERY_CHUNK])
    return len(ids)
