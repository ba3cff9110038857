"""Sending email: build the message and write it to the outbox in the caller's transaction.

The worker side (claiming, sending, retrying, sweeping) is `community.mail.delivery`. The rules,
split by concern; import them from here: `from community.mail import services`.

- `sending`: build a message, write it to the outbox (one by one or many together), have it
  delivered after the commit, resend
- `members`: one member's messages: their export, the panel's list, erasure, withdrawal
- `held`: addresses that bounce: counts, calendar emails held and released
- `panel`: the organisers' outbox list and a stored message's text with link secrets hidden
"""
from community.mail.services.held import bounced_count, calendar_uid, held_counts, release_held
from community.mail.services.members import (
    WITHDRAWN_NOTE,
    erase_messages,
    messages_for,
    recent_messages_for,
    withdraw_for,
)
from community.mail.services.panel import (
    HIDDEN,
    hide_link_secrets,
    outbox_query,
    panel_text,
    status_counts,
)
from community.mail.services.sending import (
    HELD_NOTE,
    Attachment,
    CalendarPart,
    build_message,
    enqueue_after_commit,
    last_messages_to,
    resend,
    send_email,
    sender_address,
    written_together,
)

__all__ = [
    "Attachment", "bounced_count", "build_message", "calendar_uid", "CalendarPart",
    "enqueue_after_commit", "erase_messages", "held_counts", "HELD_NOTE", "HIDDEN",
    "hide_link_secrets", "last_messages_to", "messages_for", "outbox_query", "panel_text",
    "recent_messages_for", "release_held", "resend", "send_email", "sender_address",
    "status_counts", "withdraw_for", "WITHDRAWN_NOTE", "written_together",
]
