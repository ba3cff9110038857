"""Admin pages for briefing notes: every note, and the follow-up email after a session."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from community.admin.blueprint import bp
from community.admin.forms import ActionForm
from community.core.errors import DomainError
from community.db import db
from community.notes import followup
from community.notes import services as notes
from community.notes.models import KIND_LABELS, VISIBILITY_LABELS, Note
from community.sessions.models import Session


@bp.get("/notes")
def notes_list():
    """All notes in every state, newest first, filterable by visibility."""
    visibility = request.args.get("visibility", "")
    stmt = notes.all_notes()
    if visibility in VISIBILITY_LABELS:
        stmt = stmt.where(Note.visibility == visibility)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("admin/notes.html", page=page, visibility=visibility,
                           visibilities=VISIBILITY_LABELS, kinds=KIND_LABELS)


@bp.get("/sessions/<int:session_id>/follow-up")
def follow_up(session_id: int):
    """What the follow-up email will contain, and the button to send it."""
    session = db.get_or_404(Session, session_id)
    return render_template("admin/follow_up.html", session=session,
                           content=followup.preview(session, current_user), form=ActionForm())


@bp.post("/sessions/<int:session_id>/follow-up")
def follow_up_send(session_id: int):
    """Send the follow-up to everyone who held a seat."""
    session = db.get_or_404(Session, session_id)
    if not ActionForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("admin.follow_up", session_id=session.id))
    try:
        followup.send(current_user, session)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.follow_up", session_id=session.id))
    db.session.commit()
    flash("The follow-up is on its way to everyone who held a seat; follow it in the outbox.", "success")
    return redirect(url_for("admin.sessions_attendees", session_id=session.id))
