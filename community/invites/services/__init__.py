"""The emails that follow a registration through its life, each carrying the calendar entry.

Per-person messages (seat, waitlist, promotion, cancellation) are written to the outbox in
the caller's transaction (`places`); sign-ups and sessions reach them through the signals
connected in `community.invites.init_app`. Messages to everyone at a session (a move, a
cancellation, an organiser's note) are recorded as one Announcement in the caller's
transaction and expanded into per-person outbox messages by the worker
(`community.invites.worker.expand`; `announcements`). Import them from here:
`from community.invites import services as invites`.
"""
from community.invites.services.announcements import (
    announce,
    export_announcements,
    message,
    recipient_ids,
    recipients,
    register_writer,
    session_cancelled,
    session_changed,
    write_one,
)
from community.invites.services.places import (
    held_seat_invitation,
    promoted,
    reminder,
    seat_cancelled,
    seat_confirmed,
    sequence_of,
    waitlist_closed,
    waitlisted,
)

__all__ = ["announce", "export_announcements", "held_seat_invitation", "message",
           "promoted", "recipient_ids", "recipients", "register_writer", "reminder", "seat_cancelled",
           "seat_confirmed", "sequence_of", "session_cancelled", "session_changed", "waitlist_closed",
           "waitlisted", "write_one"]
