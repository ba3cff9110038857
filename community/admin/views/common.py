"""Shared pieces of the organisers' session pages: constants, error display, back links."""

from flask import request
from sqlalchemy import select

from community.admin.blueprint import bp
from community.core.errors import DomainError
from community.core.urls import is_safe_next
from community.db import db, utcnow
from community.sessions import services
from community.sessions.models import FORMAT_LABELS, Session, SessionStatus
from community.signups import services as signups

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
CSV_COLUMNS = ["status", "position", "name", "email", "organisation", "job_title",
               "signed_up_at", "source"]


def field_error(form, exc: DomainError, names: dict | None = None, default: str | None = None):
    """Show a domain error next to the form field it names, or at the top of the form."""
    name = (names or {}).get(exc.field, exc.field) or default
    if name and name in form:
        form[name].errors = [*form[name].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def back_to(default: str) -> str:
    """Where a button sends the organiser back to: a panel page it names, else `default`."""
    target = request.form.get("back", "")
    return target if is_safe_next(target) and target.startswith("/admin/") else default


def _next_sessions(limit: int = 5):
    """The next draft or published sessions with their (confirmed, waitlisted) counts."""
    rows = db.session.scalars(
        select(Session).where(Session.ends_at > utcnow(),
                              Session.status.in_([SessionStatus.DRAFT, SessionStatus.PUBLISHED]))
        .order_by(Session.starts_at).limit(limit)).all()
    return rows, signups.seat_counts(s.id for s in rows)


@bp.context_processor
def session_helpers():
    """Template helpers: the next sessions (for the overview) and the formats' names."""
    return {"next_sessions": _next_sessions, "format_labels": FORMAT_LABELS}
