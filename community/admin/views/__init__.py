"""The organisers' panel: importing this package registers every page on the blueprint."""
from community.admin.blueprint import bp
from community.admin.views import (
    attendees,
    notes,
    people,
    polls,
    series,
    sessions,
)

__all__ = ["attendees", "bp", "notes", "people", "polls", "series", "sessions"]
