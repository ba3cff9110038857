"""Admin pages for sessions: list, create, edit or move, publish, cancel, skip."""
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for

from community.accounts.roles import staff
from community.admin.blueprint import bp
from community.admin.forms import ActionForm, SessionForm
from community.admin.views.common import (
    ACTIONS,
    CHANGE_LABELS,
    PER_PAGE,
    SESSION_ERROR_FIELDS,
    back_url,
)
from community.core.web import attempt, viewer
from community.db import db
from community.sessions import cadence, services
from community.sessions.models import Session, SessionStatus
from community.signups import services as signups


@bp.get("/sessions", endpoint="sessions")
def session_list():
    """Upcoming (or past) sessions of every status, with seats and waitlist counts."""
    status = request.args.get("status", "")
    if status not in set(SessionStatus):
        status = ""
    when = "past" if request.args.get("when") == "past" else "upcoming"
    page = db.paginate(services.panel_sessions(status, when), per_page=PER_PAGE, error_out=False)
    return render_template("admin/sessions.html", page=page, status=status, when=when,
                           statuses=list(SessionStatus), form=ActionForm(),
                           counts=signups.seat_counts(s.id for s in page.items))


def _session_fields(form: SessionForm, host_options) -> dict:
    """The session attributes the form holds; local date and times become UTC instants."""
    zone, day = form.timezone.data, form.date.data
    chosen = set(form.hosts.data or [])
    return {
        "title": form.title.data, "description": form.description.data or "",
        "starts_at": cadence.local_instant(day, form.start_time.data, zone),
        "ends_at": cadence.local_instant(day, form.end_time.data, zone),
        "timezone": zone, "capacity": form.capacity.data, "format": form.format.data,
        "venue": form.venue.data or "", "join_url": form.join_url.data or "",
        "hosts": [u for u in host_options if u.id in chosen],
    }


def _session_data(session: Session) -> dict:
    """The form's initial values: times shown in the session's own zone."""
    zone = ZoneInfo(session.timezone)
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    return {"title": session.title, "description": session.description, "date": start.date(),
            "start_time": start.time(), "end_time": end.time(), "timezone": session.timezone,
            "capacity": session.capacity, "format": session.format, "venue": session.venue,
            "join_url": session.join_url, "hosts": [h.id for h in session.hosts]}


@bp.route("/sessions/new", methods=["GET", "POST"])
def sessions_new():
    """Add a one-off draft session."""
    host_options = staff()
    form = SessionForm(host_options=host_options, timezone=viewer().timezone)
    if form.validate_on_submit():
        with attempt(form, names=SESSION_ERROR_FIELDS) as outcome:
            session = services.create_session(viewer(), **_session_fields(form, host_options))
        if outcome.ok:
            flash(f"Draft “{session.title}” created. Publish it when it is ready.", "success")
            return redirect(url_for("admin.sessions_edit", session_id=session.id))
    return render_template("admin/session_form.html", form=form, session=None)


def _change_summary(session: Session, changes) -> str:
    """One sentence on what an edit changed and who was told."""
    if not changes:
        return "Nothing changed."
    words = [CHANGE_LABELS.get(c.field, c.field) for c in changes]
    text = f"Saved. Changed: {', '.join(words)}."
    if session.is_published and any(c.field in services.CALENDAR_FIELDS for c in changes):
        told = sum(signups.seat_counts([session.id])[session.id])
        if told:
            text += f" {told} attendee{'' if told == 1 else 's'} emailed an updated invitation."
    return text


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def sessions_edit(session_id: int):
    """Edit or move one session; attendees of a published one hear about calendar changes."""
    session = db.get_or_404(Session, session_id)
    host_options = list({u.id: u for u in [*staff(), *session.hosts]}.values())
    data = _session_data(session) if request.method == "GET" else None
    form = SessionForm(host_options=host_options, data=data)
    if form.validate_on_submit():
        with attempt(form, names=SESSION_ERROR_FIELDS) as outcome:
            changes = services.update_session(viewer(), session, **_session_fields(form, host_options))
        if outcome.ok:
            flash(_change_summary(session, changes), "success" if changes else "info")
            return redirect(url_for("admin.sessions_edit", session_id=session.id))
    confirmed, waitlisted = signups.seat_counts([session.id])[session.id]
    return render_template("admin/session_form.html", form=form, session=session,
                           confirmed=confirmed, waitlisted=waitlisted,
                           notify_words=[CHANGE_LABELS[f] for f in services.CALENDAR_FIELDS])


@bp.post("/sessions/<int:session_id>/<any(publish, cancel, skip, restore):action>")
def sessions_status(session_id: int, action: str):
    """Publish, cancel, skip or restore a session."""
    session = db.get_or_404(Session, session_id)
    run, message = ACTIONS[action]
    if ActionForm().validate_on_submit():
        with attempt() as outcome:
            run(viewer(), session)
        if outcome.ok:
            day = cadence.local_date(session.starts_at, session.timezone).strftime("%-d %b %Y")
            flash(message.format(title=session.title, day=day), "success")
    return redirect(back_url(url_for("admin.sessions_edit", session_id=session.id)))
