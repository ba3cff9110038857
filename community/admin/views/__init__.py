"""The organisers' panel: importing this package registers every page on the blueprint."""
from community.admin.blueprint import bp
from community.admin.views import attendees, people, series, sessions

__all__ = ["attendees", "bp", "people", "series", "sessions"]
