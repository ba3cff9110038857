"""The worker's periodic schedule, in one place: what runs when, from every feature.

It sits beside `create_app` because it names work of several features; each job is a worker
loop of its feature (`mail.delivery`, `invites.worker`) that commits as it goes.
"""
from flask import Flask

from community import queue
from community.queue import crontab


def init_app(app: Flask) -> None:
    """Register every periodic job with the queue (once per process)."""
    from community.audit import worker as audit_worker
    from community.inbound import worker as inbound_worker
    from community.invites import worker as invites_worker
    from community.mail import delivery

    jobs = [
        # Every minute: re-queue mail that is due again or was left behind by a crash.
        ("mail.sweep_outbox", crontab(minute="*"), delivery.sweep),
        # Every minute: finish announcements whose expansion was interrupted or never enqueued.
        ("invites.sweep_announcements", crontab(minute="*"), invites_worker.sweep_announcements),
        # Every five minutes: reminders that are due, each sent once.
        ("invites.send_reminders", crontab(minute="*/5"), invites_worker.send_due),
        # Every five minutes: remove tentative entries of sessions that started without a seat.
        ("invites.close_waitlists", crontab(minute="*/5"), invites_worker.close_started_waitlists),
        # Daily: forget the raw bytes of inbound messages once their keeping time is over.
        ("inbound.purge_raw", crontab(minute="17", hour="3"), inbound_worker.purge_raw),
        # Daily: delete audit entries older than AUDIT_RETENTION_DAYS.
        ("audit.purge", crontab(minute="37", hour="3"), audit_worker.purge),
    ]
    for name, schedule, job in jobs:
        queue.register_periodic(name, schedule, job)
