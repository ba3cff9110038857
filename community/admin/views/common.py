"""What several of the organisers' session pages share: field lists, words and back links."""
from flask import request

from community.core.urls import is_safe_next
from community.sessions import services

PER_PAGE = 50
SERIES_FIELDS = ("title", "description", "start_date", "local_time", "timezone", "interval_weeks",
                 "duration_minutes", "capacity", "format", "venue", "join_url")
#: The form field that shows a service error about a session attribute.
SESSION_ERROR_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}
#: Words for the flash message that sums up an edit.
CHANGE_LABELS = {"title": "title", "description": "description", "starts_at": "start",
                 "ends_at": "end", "timezone": "time zone", "capacity": "seats",
                 "format": "format", "venue": "venue", "join_url": "join link", "hosts": "hosts"}
#: Status buttons: the service to call and what to tell the organiser afterwards.
ACTIONS = {
    "publish": (services.publish, "“{title}” is published and open for sign-up."),
    "cancel": (services.cancel, "“{title}” is cancelled; everyone signed up has been emailed."),
    "skip": (services.skip, "“{title}” on {day} is skipped."),
    "restore": (services.restore, "“{title}” on {day} is a draft again."),
}


def back_url(default: str) -> str:
    """Where a button sends the organiser back to: the panel page it names, else `default`."""
    target = request.form.get("back", "")
    return target if is_safe_next(target) and target.startswith("/admin/") else default
