"""Check-in on the session day, for organisers and the session's hosts: find an attendee, mark
them attended or undo it, add a walk-in, import a Teams or Zoom participant list."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from community.core.forms import plain_query
from community.core.web import attempt, takes_files, viewer
from community.sessions.models import Session
from community.sessions.services import visible_session
from community.signups import attendance
from community.signups.forms import ImportForm, WalkInForm
from community.signups.participants import MAX_BYTES
from community.signups.views.common import bp

#: What a walk-in's place was before, as the organiser reads it afterwards.
WALK_IN_DONE = {
    "confirmed": "{name} already had a seat and is marked attended.",
    "waitlisted": "{name} was on the waitlist, now has a seat and is marked attended.",
    "cancelled": "{name} had cancelled; they have a seat again and are marked attended.",
    "new": "{name} is checked in as a walk-in, with a seat.",
}


def _session_for_check_in(session_id: int) -> Session:
    """The session if the viewer may check people in there; 404 when they may not know it
    exists, 403 when they may see it but not check in."""
    user = viewer()
    session = visible_session(session_id, user)
    if session is None:
        abort(404)
    if not attendance.may_check_in(user, session):
        abort(403)
    return session


def _query(source) -> str:
    """The search words from a query string or a form."""
    return plain_query(source.get("q"), 100)


def _to_page(session: Session, q: str = "", anchor: str | None = None):
    """Back to the check-in page, keeping the search."""
    return redirect(url_for("signups.checkin", session_id=session.id, q=q or None, _anchor=anchor))


def _render(session: Session, *, walk_in: WalkInForm | None = None, upload: ImportForm | None = None,
            status: int = 200):
    """The check-in page: rules, counts, the (searched) list, the walk-in and import forms."""
    q = _query(request.args)
    everyone = attendance.roster(session)
    rows = attendance.roster(session, q) if q else everyone
    opens, closes = attendance.window(session)
    return render_template(
        "signups/checkin.html", session=session, rows=rows, total=len(everyone), q=q,
        counts=attendance.counts(session), state=attendance.state(session), opens=opens,
        closes=closes, closed_message=attendance.CLOSED_MESSAGES.get(attendance.state(session)),
        days_after=attendance.CHECKIN_DAYS_AFTER, source_labels=attendance.SOURCE_LABELS,
        walk_in=walk_in or WalkInForm(), upload=upload or ImportForm(),
        max_mb=MAX_BYTES // (1024 * 1024)), status


@bp.get("/sessions/<int:session_id>/check-in")
@login_required
def checkin(session_id: int):
    """The check-in page; `?q=` narrows the list on the server (the script does it as you type)."""
    return _render(_session_for_check_in(session_id))


@bp.post("/sessions/<int:session_id>/check-in/<int:reg_id>/<any(attend, undo):action>")
@login_required
def checkin_mark(session_id: int, reg_id: int, action: str):
    """Mark one place attended, or undo it."""
    session = _session_for_check_in(session_id)
    reg = attendance.registration_of(session, reg_id)
    if reg is None:
        abort(404)
    q = _query(request.form)
    if not FlaskForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return _to_page(session, q)
    name = reg.display_name
    with attempt() as outcome:
        changed = attendance.mark(viewer(), reg, attended=action == "attend")
    if outcome.ok:
        if action == "attend":
            flash(f"{name} is marked attended." if changed else f"{name} was already marked attended.",
                  "success" if changed else "info")
        else:
            flash(f"{name} is no longer marked attended." if changed else f"{name} was not marked attended.",
                  "success" if changed else "info")
    return _to_page(session, q, anchor=f"reg-{reg.id}")


@bp.post("/sessions/<int:session_id>/check-in/walk-in")
@login_required
def checkin_walk_in(session_id: int):
    """Give a walk-in a seat and mark them attended (a newcomer gets an account to confirm)."""
    session = _session_for_check_in(session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        with attempt(form, default="email") as outcome:
            done = attendance.walk_in(viewer(), session, form.email.data, name=form.name.data or "",
                                      organisation=form.organisation.data or "")
        if outcome.ok:
            reg = done.registration
            name = f"{reg.display_name} ({reg.email})"
            if not done.marked:
                flash(f"{name} was already checked in.", "info")
            else:
                message = WALK_IN_DONE[done.was].format(name=name)
                if done.new_account:
                    message += " We emailed them a link to confirm their address and join."
                elif not reg.user.is_confirmed:
                    message += " We emailed them the link to confirm their address again."
                flash(message, "success")
            return _to_page(session, anchor=f"reg-{reg.id}")
    return _render(session, walk_in=form, status=400)


@bp.post("/sessions/<int:session_id>/check-in/import")
@login_required
@takes_files
def checkin_import(session_id: int):
    """Mark attended everyone a Teams or Zoom participant list names; show what matched."""
    session = _session_for_check_in(session_id)
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_BYTES + 1)
        with attempt(form, default="file") as outcome:
            result = attendance.import_participants(viewer(), session, data)
        if outcome.ok:
            return render_template("signups/checkin_import.html", session=session, result=result,
                                   filename=form.file.data.filename,
                                   counts=attendance.counts(session))
    return _render(session, upload=form, status=400)
