"""Admin pages for series, sessions and attendee lists."""
import csv
import io
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from community.admin.blueprint import bp
from community.admin.forms import (
    ActionForm,
    AddAttendeeForm,
    GenerateForm,
    SeriesForm,
    SessionForm,
)
from community.core.errors import DomainError
from community.core.urls import is_safe_next
from community.db import db, utcnow
from community.sessions import cadence, services
from community.sessions.models import FORMAT_LABELS, Series, Session, SessionStatus
from community.signups import services as signups
from community.signups.models import Registration, RegistrationStatus

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


def _field_error(form, exc: DomainError, names: dict | None = None, default: str | None = None):
    """Show a domain error next to the form field it names, or at the top of the form."""
    name = (names or {}).get(exc.field, exc.field) or default
    if name and name in form:
        form[name].errors = [*form[name].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def _back(default: str) -> str:
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


# Series ---------------------------------------------------------------------

@bp.get("/series", endpoint="series_list")
def series_list():
    """Every series with its cadence and how many upcoming sessions it has, by status."""
    page = db.paginate(select(Series).order_by(Series.title), per_page=PER_PAGE, error_out=False)
    upcoming = {s.id: {} for s in page.items}
    if upcoming:
        for series_id, status, n in db.session.execute(
                select(Session.series_id, Session.status, func.count(Session.id))
                .where(Session.series_id.in_(list(upcoming)), Session.ends_at > utcnow())
                .group_by(Session.series_id, Session.status)):
            upcoming[series_id][status] = n
    return render_template("admin/series_list.html", page=page, upcoming=upcoming)


def _series_fields(form: SeriesForm) -> dict:
    """The series attributes the form holds."""
    return {name: form[name].data if form[name].data is not None else "" for name in SERIES_FIELDS}


@bp.route("/series/new", methods=["GET", "POST"])
def series_new():
    """Add a series and its cadence."""
    form = SeriesForm(timezone=current_user.timezone)
    if form.validate_on_submit():
        try:
            series = services.create_series(current_user, **_series_fields(form))
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(f"Series “{series.title}” created. Generate its first sessions below.", "success")
            return redirect(url_for("admin.series_detail", series_id=series.id))
    return render_template("admin/series_form.html", form=form, series=None)


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
def series_edit(series_id: int):
    """Change a series' details and cadence (existing sessions keep theirs)."""
    series = db.get_or_404(Series, series_id)
    form = SeriesForm(obj=series if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_series(current_user, series, **_series_fields(form))
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(f"Series “{series.title}” saved. Sessions already created keep their details.",
                  "success")
            return redirect(url_for("admin.series_detail", series_id=series.id))
    return render_template("admin/series_form.html", form=form, series=series)


def _render_series(series: Series, generate: GenerateForm):
    """The series page: its cadence, its upcoming and recent sessions, and the generate form."""
    now = utcnow()
    query = select(Session).where(Session.series_id == series.id)
    upcoming = db.session.scalars(
        query.where(Session.ends_at > now).order_by(Session.starts_at)).all()
    past = db.session.scalars(
        query.where(Session.ends_at <= now).order_by(Session.starts_at.desc()).limit(10)).all()
    counts = signups.seat_counts(s.id for s in [*upcoming, *past])
    return render_template("admin/series_detail.html", series=series, upcoming=upcoming,
                           past=past, counts=counts, generate=generate, form=ActionForm())


@bp.get("/series/<int:series_id>")
def series_detail(series_id: int):
    """One series and all its sessions, whatever their status."""
    return _render_series(db.get_or_404(Series, series_id), GenerateForm())


@bp.post("/series/<int:series_id>/generate")
def series_generate(series_id: int):
    """Create drafts for the next cadence dates."""
    series = db.get_or_404(Series, series_id)
    form = GenerateForm()
    if form.validate_on_submit():
        try:
            created = services.generate_occurrences(current_user, series, form.count.data)
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc, default="count")
        else:
            db.session.commit()
            if created:
                n = len(created)
                flash(f"{n} draft session{'' if n == 1 else 's'} created. Review and publish "
                      "them when they are ready.", "success")
            else:
                flash(f"No new drafts: the next {form.count.data} dates of the cadence already "
                      "have sessions.", "info")
            return redirect(url_for("admin.series_detail", series_id=series.id))
    return _render_series(series, form)


# Sessions -------------------------------------------------------------------

@bp.get("/sessions", endpoint="sessions")
def session_list():
    """Upcoming (or past) sessions of every status, with seats and waitlist counts."""
    status = request.args.get("status", "")
    if status not in set(SessionStatus):
        status = ""
    when = "past" if request.args.get("when") == "past" else "upcoming"
    query = select(Session).options(selectinload(Session.series))
    if status:
        query = query.where(Session.status == status)
    if when == "past":
        query = query.where(Session.ends_at <= utcnow()).order_by(Session.starts_at.desc())
    else:
        query = query.where(Session.ends_at > utcnow()).order_by(Session.starts_at)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
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
    host_options = services.hosts_choices()
    form = SessionForm(host_options=host_options, timezone=current_user.timezone)
    if form.validate_on_submit():
        try:
            session = services.create_session(current_user, **_session_fields(form, host_options))
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc, SESSION_ERROR_FIELDS)
        else:
            db.session.commit()
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
    host_options = list({u.id: u for u in [*services.hosts_choices(), *session.hosts]}.values())
    data = _session_data(session) if request.method == "GET" else None
    form = SessionForm(host_options=host_options, data=data)
    if form.validate_on_submit():
        try:
            changes = services.update_session(current_user, session,
                                              **_session_fields(form, host_options))
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc, SESSION_ERROR_FIELDS)
        else:
            db.session.commit()
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
        try:
            run(current_user, session)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            day = cadence.local_date(session.starts_at, session.timezone).strftime("%-d %b %Y")
            flash(message.format(title=session.title, day=day), "success")
    return redirect(_back(url_for("admin.sessions_edit", session_id=session.id)))


# Attendees ------------------------------------------------------------------

def _render_attendees(session: Session, form: AddAttendeeForm):
    """The attendee list: confirmed, waitlist in order, cancelled, and the add form."""
    groups = signups.attendees(session)
    return render_template("admin/attendees.html", session=session, groups=groups, form=form,
                           action=ActionForm())


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
        try:
            reg = signups.add_by_email(current_user, session, form.email.data)
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc, default="email")
        else:
            db.session.commit()
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
        try:
            (signups.remove if action == "remove" else signups.promote)(current_user, reg)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            done = "was removed" if action == "remove" else "now has a seat"
            flash(f"{reg.display_name} {done} and has been emailed.", "success")
    return redirect(url_for("admin.sessions_attendees", session_id=session_id))


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/sessions/<int:session_id>/attendees.csv")
def sessions_attendees_csv(session_id: int):
    """The attendee list as a spreadsheet (UTF-8 with a byte-order mark for Excel)."""
    session = db.get_or_404(Session, session_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for group, regs in signups.attendees(session).items():
        for position, reg in enumerate(regs, start=1):
            user = reg.user
            writer.writerow([_cell(v) for v in (
                reg.status, position if group == "waitlisted" else "",
                user.name if user else "", reg.email, user.organisation if user else "",
                user.job_title if user else "", reg.created_at.isoformat(timespec="seconds"),
                reg.source)])
    filename = f"{session.slug or 'session'}-{session.id}-attendees.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
