"""The links the pipeline emails to members: confirm an unverified decline, take a seat back,
confirm a sign-up asked for by email."""
from flask import Blueprint, render_template
from flask_wtf import FlaskForm

from community.core import ratelimit as rl
from community.core.errors import DomainError
from community.core.web import attempt
from community.extensions import limiter
from community.inbound import replies, requests, tokens
from community.signups.services import registration_for, seat_counts, waitlist_position

bp = Blueprint("inbound", __name__, url_prefix="/inbound")


def _problem(message: str, session=None):
    """The page shown for a link that is not valid (any more)."""
    return render_template("inbound/link_problem.html", message=message, session=session), 400


@bp.route("/decline/<token>", methods=["GET", "POST"])
@limiter.limit(rl.LINK_PER_IP, key_func=rl.by_ip)
def confirm_decline(token: str):
    """"Did you mean to give up your seat?": GET asks, POST gives the seat up."""
    try:
        reg = replies.registration_for_link(token, tokens.DECLINE_SALT, tokens.DECLINE_MAX_AGE)
    except DomainError as exc:
        return _problem(exc.message)
    if reg.status == "cancelled":
        return _problem("This sign-up is already cancelled.", reg.session)
    form = FlaskForm()
    if form.validate_on_submit():
        had_seat = reg.status == "confirmed"
        with attempt(quiet=True) as outcome:
            replies.confirm_decline(token)
        if not outcome.ok:
            return _problem(outcome.error.message, reg.session)
        return render_template("inbound/declined.html", session=reg.session, had_seat=had_seat)
    return render_template("inbound/confirm_decline.html", reg=reg, session=reg.session, form=form,
                           reg_zone=reg.user.timezone)


@bp.route("/take-back/<token>", methods=["GET", "POST"])
@limiter.limit(rl.LINK_PER_IP, key_func=rl.by_ip)
def rejoin(token: str):
    """"Changed your mind?": GET shows the seats left, POST signs the member up again."""
    try:
        reg = replies.registration_for_link(token, tokens.REJOIN_SALT, tokens.REJOIN_MAX_AGE)
    except DomainError as exc:
        return _problem(exc.message)
    if reg.status != "cancelled":
        return _problem("You already have a place at this session.", reg.session)
    form = FlaskForm()
    if form.validate_on_submit():
        with attempt(quiet=True) as outcome:
            reg = replies.take_back(token)
        if not outcome.ok:
            return _problem(outcome.error.message, reg.session)
        position = replies.signups.waitlist_position(reg)
        return render_template("inbound/taken_back.html", session=reg.session, reg=reg, position=position)
    confirmed, _waiting = seat_counts([reg.session_id])[reg.session_id]
    return render_template("inbound/rejoin.html", reg=reg, session=reg.session, form=form,
                           seats_left=max(reg.session.capacity - confirmed, 0), reg_zone=reg.user.timezone)


@bp.route("/signup/<token>", methods=["GET", "POST"])
@limiter.limit(rl.LINK_PER_IP, key_func=rl.by_ip)
def confirm_signup(token: str):
    """"Did you mean to sign up?": GET asks, POST gives the member a seat or a waitlist place."""
    try:
        user, session = requests.signup_link(token)
    except DomainError as exc:
        return _problem(exc.message)
    reg = registration_for(user, session)
    if reg is not None and reg.status != "cancelled":
        return render_template("inbound/signed_up.html", session=session, reg=reg, already=True,
                               position=waitlist_position(reg))
    form = FlaskForm()
    if form.validate_on_submit():
        with attempt(quiet=True) as outcome:
            reg = requests.confirm_signup(token)
        if not outcome.ok:
            return _problem(outcome.error.message, session)
        return render_template("inbound/signed_up.html", session=session, reg=reg, already=False,
                               position=waitlist_position(reg))
    confirmed, _waiting = seat_counts([session.id])[session.id]
    return render_template("inbound/confirm_signup.html", user=user, session=session, form=form,
                           seats_left=max(session.capacity - confirmed, 0), reg_zone=user.timezone)
