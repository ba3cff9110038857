"""Sign-up rules: one seat per person, capacity, an ordered waitlist, cancellation and promotion.

Every change to a session's sign-ups starts with `seats._lock`, a guarded UPDATE of the session
row: PostgreSQL then holds that row's lock and SQLite its write lock until the commit, so
concurrent sign-ups and cancellations are applied one after another and never overbook.

Split by concern; import from here: `from community.signups import services`.

- `seats`: taking and giving up seats: sign-up, capacity, the waitlist, cancellation, promotion
- `queries`: reading sign-ups: statuses, a member's place, waitlist position, seat counts, attendees
- `seated`: who holds a seat, the one home of the rule that notes and polls ask about
- `links`: the cancel links in the emails
- `gdpr`: a member's sign-ups in their data export and at the deletion of their account
"""
from community.signups.services.gdpr import erase_signups, export_signups
from community.signups.services.links import cancel_by_token, registration_for_token
from community.signups.services.queries import (
    CANCELLED,
    CONFIRMED,
    WAITLISTED,
    attendees,
    registration_for,
    seat_counts,
    waitlist_position,
)
from community.signups.services.seated import (
    holds_seat,
    join_link,
    may_join,
    seated_session_ids,
    seated_user_ids,
)
from community.signups.services.seats import (
    add_by_email,
    cancel,
    capacity_changed,
    claim_invitations,
    fill_free_seats,
    promote,
    remove,
    sign_up,
)

__all__ = [
    "add_by_email", "attendees", "cancel", "cancel_by_token", "CANCELLED", "capacity_changed",
    "claim_invitations", "CONFIRMED", "erase_signups", "export_signups", "fill_free_seats",
    "holds_seat", "join_link", "may_join", "promote", "registration_for", "registration_for_token",
    "remove", "seat_counts", "seated_session_ids", "seated_user_ids", "sign_up",
    "waitlist_position", "WAITLISTED",
]
