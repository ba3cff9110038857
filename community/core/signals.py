"""Named signals: how a feature reacts to another without the two importing each other.

A lower feature sends (sessions: "a session moved"; signups: "a seat is confirmed"); a higher
one connects a receiver in its own `init_app` (invites writes the calendar email, signups
promotes the waitlist). Receivers run synchronously inside the sender's transaction, so what
they write (outbox rows, announcements) commits or rolls back with the change that caused it.
Receivers must not depend on each other's order.

Page signals (`session_page`, `session_listing`, `series_page`) collect template values from
the features that show something on a page another feature owns: each receiver returns a
dict, and `collect` merges them.
"""
from blinker import Namespace, Signal

_signals = Namespace()

# accounts ----------------------------------------------------------------------------------
#: sender: the User whose email address was just confirmed.
account_confirmed = _signals.signal("account-confirmed")
#: sender: the User an organiser deactivated; kwargs: actor.
account_deactivated = _signals.signal("account-deactivated")
#: sender: the User an organiser reactivated; kwargs: actor.
account_reactivated = _signals.signal("account-reactivated")
#: sender: the User whose role an organiser changed; kwargs: actor, before, after (role names).
role_changed = _signals.signal("role-changed")

# sessions ----------------------------------------------------------------------------------
#: sender: the Session just published; kwargs: actor.
session_published = _signals.signal("session-published")
#: sender: a published Session that was edited; kwargs: changes (list of Change), actor.
session_changed = _signals.signal("session-changed")
#: sender: the Session just called off; kwargs: actor.
session_cancelled = _signals.signal("session-cancelled")
#: sender: a draft Session that was edited (nobody is told); kwargs: changes (list of Change), actor.
draft_changed = _signals.signal("draft-changed")

# signups: one person's place ----------------------------------------------------------------
#: sender: the Registration that got a seat on signing up.
seat_confirmed = _signals.signal("seat-confirmed")
#: sender: the Registration put on the waitlist; kwargs: position.
waitlisted = _signals.signal("waitlisted")
#: sender: the Registration that moved from the waitlist to a seat.
promoted = _signals.signal("promoted")
#: sender: the Registration just cancelled; kwargs: by_organiser, had_seat.
seat_cancelled = _signals.signal("seat-cancelled")
#: sender: a Registration held for an address without an account; kwargs: position (None: a seat).
seat_held = _signals.signal("seat-held")
#: sender: the Registration an organiser added, removed or promoted (after the signals above);
#: kwargs: actor, action ("added", "removed", "promoted"), before and after (statuses; before
#: None for a new registration).
seat_managed = _signals.signal("seat-managed")

# signups: attendance ------------------------------------------------------------------------
#: sender: the Registration marked as there, or unmarked; kwargs: actor, attended (bool),
#: source ("check-in", "walk-in", "teams", "zoom").
attendance_marked = _signals.signal("attendance-marked")

# invites -----------------------------------------------------------------------------------
#: sender: the Announcement of an organiser's message (or follow-up) to a session's attendees;
#: kwargs: actor.
message_sent = _signals.signal("message-sent")

# polls -------------------------------------------------------------------------------------
#: sender: the Poll opened, closed or asked again live; kwargs: actor, before and after (dicts
#: of status and round, with results_public when reopening made published results private);
#: or the Poll whose results an organiser published or made private (before and after hold
#: only results_public).
poll_state_changed = _signals.signal("poll-state-changed")

# notes -------------------------------------------------------------------------------------
#: sender: the Note whose visibility or embargo a writer set (a new note that is not a draft,
#: too); kwargs: actor, before and after (dicts of visibility and embargo_until; before None
#: for a new note).
note_visibility_changed = _signals.signal("note-visibility-changed")

# pages -------------------------------------------------------------------------------------
#: sender: the Session shown on its page; kwargs: viewer (User or None). Returns template values.
session_page = _signals.signal("session-page")
#: sender: a list of Sessions shown as a list; kwargs: viewer. Returns template values.
session_listing = _signals.signal("session-listing")
#: sender: the Series shown on its page; kwargs: viewer. Returns template values.
series_page = _signals.signal("series-page")


def collect(signal: Signal, sender, **kwargs) -> dict:
    """Send a page signal and merge the template values its receivers return."""
    values: dict = {}
    for _receiver, result in signal.send(sender, **kwargs):
        values.update(result or {})
    return values
