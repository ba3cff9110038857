"""Admin pages for briefing notes: every note, and the follow-up email after a session."""
from flask import flash, redirect, render_template, request, url_for

from community.admin.blueprint import bp
from community.admin.forms import ActionForm
from community.core.web import attempt, viewer
from community.db import db
from community.notes import followup
from community.notes import services as notes
from community.notes.models import KIND_LABELS, VISIBILITY_LABELS
from community.sessions.models import Session


@bp.get("/notes")
def notes_list():
    """All notes in every state, newest first, filterable by visibility."""
    visibility = request.args.get("visibility", "")
    if visibility not in VISIBILITY_LABELS:
        visibility = ""
    page = db.paginate(notes.all_notes(visibility), per_page=50, error_out=False)
    return render_template("admin/notes.html", page=page, visibility=visibility,
                           visibilities=VISIBILITY_LABELS, kinds=KIND_LABELS)


@bp.get("/sessions/<int:session_id>/follow-up")
def follow_up(session_id: int):
    """What the follow-up email will contain, and the button to send it."""
    session = db.get_or_404(Session, session_id)
    return render_template("admin/follow_up.html", session=session,
                           content=followup.preview(session, viewer()), form=ActionForm())


@bp.post("/sessions/<int:session_id>/follow-up")
def follow_up_send(session_id: int):
    """Send the follow-up to everyone who held a seat."""
    session = db.get_or_404(Session, session_id)
    if not ActionForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("admin.follow_up", session_id=session.id))
    with attempt() as outcome:
        followup.send(viewer(), session)
    if not outcome.ok:
        return redirect(url_for("admin.follow_up", session_id=session.id))
    flash("The follow-up is on its way to everyone who held a seat; follow it in the outbox.", "success")
    return redirect(url_for("admin.sessions_attendees", session_id=session.id))
