"""Calendar files and feeds: one session, all sessions, and a member's personal feed."""
import hashlib
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import login_required

from community.core.pagecache import cached_page
from community.core.web import attempt, viewer
from community.invites import feeds
from community.sessions.services import visible_session

bp = Blueprint("invites", __name__)


def _calendar_response(body: bytes, changed: datetime, filename: str, *, private: bool) -> Response:
    """text/calendar with a strong ETag and Last-Modified; 304 only when really unchanged."""
    etag = hashlib.sha256(body).hexdigest()
    changed = changed.replace(microsecond=0)
    if request.if_none_match:
        unchanged = request.if_none_match.contains(etag)
    elif request.if_modified_since:
        unchanged = changed <= request.if_modified_since
    else:
        unchanged = False
    response = Response(b"" if unchanged else body, status=304 if unchanged else 200,
                        mimetype="text/calendar")
    response.charset = "utf-8"
    response.set_etag(etag)
    response.last_modified = changed
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, max-age=300"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/sessions/<int:session_id>/invite.ics")
@cached_page
def session_ics(session_id: int):
    """One session as an iCalendar file (same UID as the emailed invitation)."""
    session = visible_session(session_id, None)
    if session is None:
        abort(404)
    body, changed = feeds.session_file(session)
    return _calendar_response(body, changed, f"{session.slug or 'session'}.ics", private=False)


@bp.get("/calendar.ics")
@cached_page
def public_feed():
    """Every published session, for calendar subscriptions."""
    body, changed = feeds.public_feed(current_app.config["COMMUNITY_NAME"])
    return _calendar_response(body, changed, "community-sessions.ics", private=False)


@bp.get("/calendar/<token>.ics")
def personal_feed(token: str):
    """A member's own sessions; an unknown or renewed token is a plain 404."""
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    body, changed = feeds.personal_feed(user, current_app.config["COMMUNITY_NAME"])
    return _calendar_response(body, changed, "my-sessions.ics", private=True)


@bp.post("/account/calendar/renew")
@login_required
def renew():
    """Replace the personal feed URL (the old one stops working)."""
    with attempt():
        feeds.renew_token(viewer())
    flash("Your calendar feed has a new address. Subscribe to it again; the old one no longer works.",
          "success")
    return redirect(url_for("accounts.account") + "#calendar")
