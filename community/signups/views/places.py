"""Sign-up actions: take a seat, cancel (also from an emailed link), follow a series."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from community.core import ratelimit as rl
from community.core.errors import DomainError
from community.core.web import attempt, viewer
from community.extensions import limiter
from community.sessions.models import Series
from community.sessions.services import visible_series, visible_session
from community.signups import follows, services
from community.signups.views.common import bp


def _session_or_404(session_id: int):
    """A session the viewer may see, or 404."""
    session = visible_session(session_id, viewer())
    if session is None:
        abort(404)
    return session


def _to_session_page(session):
    """Redirect to the session's page."""
    return redirect(url_for("sessions.detail", session_id=session.id, slug=session.slug))


@bp.post("/sessions/<int:session_id>/signup")
@login_required
@limiter.limit(rl.SIGNUP_PER_ACCOUNT, key_func=rl.by_account)
@limiter.limit(rl.ACTION_PER_IP, key_func=rl.by_ip)
def create(session_id: int):
    """Sign up with one click."""
    session = _session_or_404(session_id)
    if not FlaskForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return _to_session_page(session)
    with attempt() as outcome:
        reg = services.sign_up(viewer(), session)
    if outcome.ok:
        if reg.status == "confirmed":
            flash("Your seat is confirmed. We have emailed you the details.", "success")
        else:
            flash(f"The session is full: you are number {services.waitlist_position(reg)} on the "
                  "waitlist. We will email you if a seat frees up.", "info")
    return _to_session_page(session)


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    """Cancel one's own seat or waitlist place."""
    session = _session_or_404(session_id)
    with attempt() as outcome:
        reg = services.cancel(viewer(), session)
    if outcome.ok:
        flash("Your seat is cancelled." if reg.confirmed_at else "You have left the waitlist.", "success")
    return _to_session_page(session)


@bp.route("/signups/cancel/<token>", methods=["GET", "POST"])
@limiter.limit(rl.LINK_PER_IP, key_func=rl.by_ip)
def cancel_link(token: str):
    """Cancel from the emailed link, without logging in (GET asks, POST does it)."""
    try:
        reg = services.registration_for_token(token)
    except DomainError as exc:
        return render_template("signups/cancel_problem.html", message=exc.message), 400
    form = FlaskForm()
    if form.validate_on_submit():
        with attempt(quiet=True) as outcome:
            services.cancel_by_token(token)
        if not outcome.ok:
            return render_template("signups/cancel_problem.html", message=outcome.error.message,
                                   session=reg.session), 400
        return render_template("signups/cancel_done.html", session=reg.session)
    if reg.status == "cancelled":
        return render_template("signups/cancel_problem.html", session=reg.session,
                               message="This sign-up is already cancelled."), 400
    zone = reg.user.timezone if reg.user else reg.session.timezone
    return render_template("signups/cancel_confirm.html", reg=reg, session=reg.session, form=form,
                           reg_zone=zone)


def _series_or_404(series_id: int) -> Series:
    """A series the viewer may see, or 404."""
    series = visible_series(series_id, viewer())
    if series is None:
        abort(404)
    return series


def _to_series_page(series: Series):
    """Redirect to the series' page."""
    return redirect(url_for("sessions.series", series_id=series.id, slug=series.slug))


@bp.post("/series/<int:series_id>/follow")
@login_required
def follow(series_id: int):
    """Follow a series."""
    series = _series_or_404(series_id)
    with attempt() as outcome:
        follows.follow(viewer(), series)
    if outcome.ok:
        flash(f"You follow {series.title}: we will sign you up for each new session.", "success")
    return _to_series_page(series)


@bp.post("/series/<int:series_id>/unfollow")
@login_required
def unfollow(series_id: int):
    """Stop following a series."""
    series = _series_or_404(series_id)
    with attempt() as outcome:
        follows.unfollow(viewer(), series)
    if outcome.ok:
        flash(f"You no longer follow {series.title}. Your existing sign-ups stay.", "success")
    return _to_series_page(series)
