"""The organisers' panel: each module adds its pages to the blueprint of `admin.blueprint`."""
from community.admin.blueprint import bp
from community.admin.views import (
    attendees,
    audit,
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

__all__ = ["attendees", "audit", "bp", "dashboard", "inbound", "members", "notes", "outbox", "overview",
           "polls", "series", "sessions"]
