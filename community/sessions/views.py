"""Public session pages: the home page, one session, the archive and a series.

Other features show their part of these pages (seats, polls, notes, calendar links) through
the page signals of `community.core.signals`; this module knows none of them.
"""
import calendar

from flask import Blueprint, abort, redirect, render_template, request, url_for

from community.core import signals
from community.core.pagecache import cached_page
from community.core.timeutil import viewer_zone
from community.core.web import viewer
from community.db import db
from community.sessions import services

bp = Blueprint("sessions", __name__)


@bp.get("/")
@cached_page
def home():
    """The front page: what the community is and its upcoming sessions."""
    sessions = services.upcoming()
    return render_template("sessions/home.html", sessions=sessions,
                           **signals.collect(signals.session_listing, sessions, viewer=viewer()))


@bp.get("/sessions/<int:session_id>")
@bp.get("/sessions/<int:session_id>-<slug>")
@cached_page
def detail(session_id: int, slug: str | None = None):
    """One session: topic, time in the viewer's zone, seats, and what the viewer can do."""
    user = viewer()
    session = services.visible_session(session_id, user)
    if session is None:
        abort(404)
    if slug != session.slug and request.method == "GET":
        return redirect(url_for("sessions.detail", session_id=session.id, slug=session.slug), 301)
    return render_template("sessions/detail.html", session=session, session_zone=session.timezone,
                           session_zone_differs=viewer_zone().key != session.timezone,
                           **signals.collect(signals.session_page, session, viewer=user))


@bp.get("/sessions/past")
@cached_page
def archive():
    """Sessions that have taken place, latest first."""
    page = db.paginate(services.past(), per_page=20, error_out=False)
    return render_template("sessions/archive.html", page=page,
                           **signals.collect(signals.session_listing, page.items, viewer=viewer()))


@bp.get("/series/<int:series_id>")
@bp.get("/series/<int:series_id>-<slug>")
@cached_page
def series(series_id: int, slug: str | None = None):
    """A series: its cadence, upcoming and past sessions, and following it."""
    user = viewer()
    item = services.visible_series(series_id, user)
    if item is None:
        abort(404)
    upcoming, past = services.series_sessions(item, user)
    return render_template("sessions/series.html", series=item, upcoming=upcoming, past=past[:10],
                           weekday_name=calendar.day_name[item.weekday],
                           **signals.collect(signals.session_listing, upcoming, viewer=user),
                           **signals.collect(signals.series_page, item, viewer=user))
