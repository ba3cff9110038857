"""Queue tasks for email: deliver one message, and sweep up anything left unsent."""
from flask import Flask, current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from community.mail import services
from community.queue import crontab, periodic_task, task


@task()
def deliver(outbox_id: int) -> bool:
    """Deliver one outbox message (retries are scheduled by the outbox row, not by the queue)."""
    return services.deliver(outbox_id)


@periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    """Every minute: re-queue messages that are due again or were left behind by a crash."""
    ids = services.due_for_delivery()
    for outbox_id in ids:
        deliver(outbox_id)
    return len(ids)


def _enqueue_after_commit(session) -> None:
    """After a successful commit, hand the new outbox rows to the queue."""
    ids = session.info.pop(services.PENDING_KEY, None)
    for outbox_id in sorted(ids or ()):
        try:
            deliver(outbox_id)
        except Exception:  # noqa: BLE001 - the sweeper picks the row up later
            current_app.logger.exception("could not enqueue outbox %s; the sweeper will", outbox_id)


def _forget_after_rollback(session) -> None:
    """A rolled-back transaction wrote no outbox rows: nothing to enqueue."""
    session.info.pop(services.PENDING_KEY, None)


def init_app(app: Flask) -> None:
    """Connect the after-commit hand-over (once per process)."""
    if not event.contains(Session, "after_commit", _enqueue_after_commit):
        event.listen(Session, "after_commit", _enqueue_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)
