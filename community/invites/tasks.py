"""Queue tasks for invitations: expand announcements, send reminders, close waitlists."""
from community.invites import reminders, services
from community.queue import crontab, periodic_task, task


@task(name="invites.expand")
def expand(announcement_id: int) -> int:
    """Write the per-person emails of one announcement."""
    return services.expand(announcement_id)


@periodic_task(crontab(minute="*"))
def sweep_announcements() -> int:
    """Every minute: finish announcements whose expansion was interrupted or never enqueued."""
    ids = services.unexpanded()
    for announcement_id in ids:
        services.expand(announcement_id)
    return len(ids)


@periodic_task(crontab(minute="*/5"))
def send_reminders() -> int:
    """Every five minutes: reminders that are due, each sent once."""
    return reminders.send_due()


@periodic_task(crontab(minute="*/5"))
def close_waitlists() -> int:
    """Every five minutes: remove tentative entries of sessions that started without a seat."""
    return reminders.close_started_waitlists()
