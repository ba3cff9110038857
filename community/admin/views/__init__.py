"""The organisers' panel: each module adds its pages to the blueprint of `admin.blueprint`."""
from community.admin.blueprint import bp
from community.admin.views import (
    attendees,
    dashboard,
    inbound,
    members,
    notes,
    outbox,
    overview,
    polls,
    series,
    sessions,
)

__all__ = ["attendees", "bp", "dashboard", "inbound", "members", "notes", "outbox", "overview", "polls",
           "series", "sessions"]
