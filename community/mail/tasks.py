"""Queue tasks for email: deliver one message, and sweep up anything left unsent."""
from community.mail import services
from community.queue import crontab, periodic_task, task


@task(name="mail.deliver")
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
