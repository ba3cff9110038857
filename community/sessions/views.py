"""Public session pages: one session, the archive and a series."""
import calendar

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from community.core.timeutil import viewer_zone
from community.db import db
from community.invites.feeds import add_to_calendar_links
from community.notes.services import notes_for_session
from community.sessions import services
from community.sessions.models import Series
from community.signups import follows, page
from community.signups import services as signups

bp = Blueprint("sessions", __name__)


@bp.get("/sessions/<int:session_id>")
@bp.get("/sessions/<int:session_id>-<slug>")
def detail(session_id: int, slug: str | None = None):
    """One session: topic, time in the viewer's zone, seats, and what the viewer can do."""
    session = services.visible_session(session_id, current_user)
    if session is None:
        abort(404)
    if slug != session.slug and request.method == "GET":
        return redirect(url_for("sessions.detail", session_id=session.id, slug=session.slug), 301)
    confirmed, waitlisted = signups.seat_counts([session.id])[session.id]
    state = page.member_state(current_user, session, confirmed)
    following = follows.is_following(current_user, session.series) if session.series else False
    zone_differs = viewer_zone().key != session.timezone
    return render_template("sessions/detail.html", session=session, confirmed=confirmed,
                           waitlisted=waitlisted, seats_left=max(session.capacity - confirmed, 0),
                           state=state, following=following, session_zone=session.timezone,
                           session_zone_differs=zone_differs,
                           calendar_links=add_to_calendar_links(session),
                           notes=notes_for_session(current_user, session))


@bp.get("/sessions/past")
def archive():
    """Sessions that have taken place, latest first."""
    page = db.paginate(services.past(), per_page=20, error_out=False)
    counts = signups.seat_counts(s.id for s in page.items)
    return render_template("sessions/archive.html", page=page, counts=counts)


@bp.get("/series/<int:series_id>")
@bp.get("/series/<int:series_id>-<slug>")
def series(series_id: int, slug: str | None = None):
    """A series: its cadence, upcoming and past sessions, and following it."""
    item = db.get_or_404(Series, series_id)
    upcoming, past = services.series_sessions(item)
    counts = signups.seat_counts(s.id for s in upcoming)
    return render_template("sessions/series.html", series=item, upcoming=upcoming, past=past[:10],
                           counts=counts, following=follows.is_following(current_user, item),
                           weekday_name=calendar.day_name[item.weekday])
