"""Admin pages for a session's attendees: list, add by email, remove, promote, CSV, message."""
from flask import abort, flash, redirect, render_template, url_for

from community.admin.blueprint import bp
from community.admin.forms import ActionForm, AddAttendeeForm, MessageForm
from community.core.spreadsheet import csv_response
from community.core.web import attempt, viewer
from community.db import db, utcnow
from community.inbound import services as inbound
from community.invites import services as invites
from community.sessions.models import Session
from community.signups import members as places
from community.signups import services as signups
from community.signups.models import Registration, RegistrationStatus

#: How a member's emailed calendar answer is shown to organisers.
CALENDAR_REPLY_LABELS = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined"}
CSV_COLUMNS = ["status", "position", "name", "email", "organisation", "job_title",
               "signed_up_at", "source", "outcome", "attended_at", "attendance_source"]


def _render_attendees(session: Session, form: AddAttendeeForm, message: MessageForm | None = None):
    """The attendee list: confirmed, waitlist in order, cancelled, and the add and message forms."""
    groups = signups.attendees(session)
    return render_template("admin/attendees.html", session=session, groups=groups, form=form,
                           message=message or MessageForm(),
                           proposals=inbound.counter_proposals(session.id),
                           action=ActionForm(), calendar_reply_labels=CALENDAR_REPLY_LABELS)


def _registration(session_id: int, reg_id: int) -> Registration:
    """A registration of this session, or 404."""
    reg = db.get_or_404(Registration, reg_id)
    if reg.session_id != session_id:
        abort(404)
    return reg


@bp.get("/sessions/<int:session_id>/attendees")
def sessions_attendees(session_id: int):
    """Who is coming, who waits and who cancelled."""
    return _render_attendees(db.get_or_404(Session, session_id), AddAttendeeForm())


@bp.post("/sessions/<int:session_id>/attendees")
def sessions_attendee_add(session_id: int):
    """Give a seat to an email address (a member, or a held seat for a newcomer)."""
    session = db.get_or_404(Session, session_id)
    form = AddAttendeeForm()
    if form.validate_on_submit():
        with attempt(form, default="email") as outcome:
            reg = signups.add_by_email(viewer(), session, form.email.data)
        if outcome.ok:
            if reg.status == RegistrationStatus.WAITLISTED:
                where = f"is on the waitlist at position {signups.waitlist_position(reg)}"
            else:
                where = "has a seat"
            told = "and was emailed" if reg.user else "and was invited to create an account"
            flash(f"{reg.email} {where} {told}.", "success")
            return redirect(url_for("admin.sessions_attendees", session_id=session.id))
    return _render_attendees(session, form)


@bp.post("/sessions/<int:session_id>/attendees/<int:reg_id>/<any(remove, promote):action>")
def sessions_attendee_change(session_id: int, reg_id: int, action: str):
    """Remove someone from the session, or give a waitlisted person a seat now."""
    reg = _registration(session_id, reg_id)
    if ActionForm().validate_on_submit():
        with attempt() as outcome:
            (signups.remove if action == "remove" else signups.promote)(viewer(), reg)
        if outcome.ok:
            done = "was removed" if action == "remove" else "now has a seat"
            flash(f"{reg.display_name} {done} and has been emailed.", "success")
    return redirect(url_for("admin.sessions_attendees", session_id=session_id))


@bp.get("/sessions/<int:session_id>/attendees.csv")
def sessions_attendees_csv(session_id: int):
    """The attendee list as a spreadsheet, with each place's attendance and outcome (attended,
    no-show once the session is over, confirmed, waitlisted, cancelled)."""
    session = db.get_or_404(Session, session_id)
    now = utcnow()

    def rows():
        """One row per place: seats, then the waitlist in order, then cancellations."""
        for group, regs in signups.attendees(session).items():
            for position, reg in enumerate(regs, start=1):
                user = reg.user
                yield (reg.status, position if group == "waitlisted" else "",
                       user.name if user else "", reg.email, user.organisation if user else "",
                       user.job_title if user else "", reg.created_at.isoformat(timespec="seconds"),
                       reg.source, places.outcome(reg, now),
                       reg.attended_at.isoformat(timespec="seconds") if reg.attended_at else "",
                       reg.attendance_source)

    return csv_response(CSV_COLUMNS, rows(), f"{session.slug or 'session'}-{session.id}-attendees.csv")


@bp.post("/sessions/<int:session_id>/message")
def sessions_message(session_id: int):
    """Email the confirmed attendees (and optionally the waitlist) through the outbox."""
    session = db.get_or_404(Session, session_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_attendees(session, AddAttendeeForm(), form), 400
    with attempt() as outcome:
        invites.message(session, viewer(), subject=form.subject.data.strip(), body=form.body.data,
                        include_waitlist=form.include_waitlist.data)
    if outcome.ok:
        who = "attendees and the waitlist" if form.include_waitlist.data else "confirmed attendees"
        flash(f"Your message to the {who} is on its way; follow it in the outbox.", "success")
    return redirect(url_for("admin.sessions_attendees", session_id=session.id))
