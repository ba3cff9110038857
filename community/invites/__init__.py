"""Calendar invites: the one iCalendar builder, the emails that carry it through a sign-up's
life, announcements to everyone at a session, reminders and the calendar feeds."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Connect the invitation emails to the sign-up and session changes that cause them,
    register the announcement task, and the invites' part of a member's data."""
    from community import queue
    from community.accounts import gdpr
    from community.core import signals
    from community.invites import feeds, services, worker

    signals.seat_confirmed.connect(services.seat_confirmed)
    signals.waitlisted.connect(services.waitlisted)
    signals.promoted.connect(services.promoted)
    signals.seat_cancelled.connect(services.seat_cancelled)
    signals.seat_held.connect(services.held_seat_invitation)
    signals.session_changed.connect(services.session_changed)
    signals.session_cancelled.connect(services.session_cancelled)
    signals.session_page.connect(feeds.session_page_values)
    queue.register_task("invites.expand", worker.expand)
    gdpr.register("announcements", tables=("announcements",), export=services.export_announcements)
