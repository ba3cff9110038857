"""Rules for series and sessions, split by concern; import them from here:
`from community.sessions import services`.

- `changes`: cadence generation, edits, moves, publishing, cancelling, skipping
- `queries`: what each viewer may see, the lists of the pages and the panel, exports
"""
from community.sessions.services.changes import (
    CALENDAR_FIELDS,
    Change,
    cancel,
    create_series,
    create_session,
    generate_occurrences,
    publish,
    restore,
    skip,
    update_series,
    update_session,
)
from community.sessions.services.queries import (
    PUBLIC_STATUSES,
    all_series,
    export_hosted,
    is_visible,
    linkable_sessions,
    next_sessions,
    next_start_or_end,
    panel_series_sessions,
    panel_sessions,
    past,
    series_sessions,
    upcoming,
    upcoming_counts_by_status,
    visible_series,
    visible_session,
    visible_to,
)

__all__ = ["CALENDAR_FIELDS", "PUBLIC_STATUSES", "Change", "all_series", "cancel", "create_series",
           "create_session", "export_hosted", "generate_occurrences", "is_visible", "linkable_sessions",
           "next_sessions", "next_start_or_end", "panel_series_sessions", "panel_sessions", "past",
           "publish", "restore",
           "series_sessions", "skip", "update_series", "update_session", "upcoming",
           "upcoming_counts_by_status", "visible_series", "visible_session", "visible_to"]
