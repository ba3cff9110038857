"""The panel's overview: the figures an organiser checks first and the next sessions."""
from flask import render_template

from community.accounts import addresses
from community.accounts import services as accounts
from community.admin.blueprint import bp
from community.mail import services as mail
from community.sessions import services as sessions
from community.signups import services as signups


@bp.get("/")
def index():
    """Dashboard: members, emails by status, bouncing addresses and the next sessions with
    their seats."""
    members, unconfirmed = accounts.member_counts()
    upcoming = sessions.next_sessions()
    bouncing = addresses.bouncing_members()
    return render_template("admin/index.html", counts=mail.status_counts(), members=members,
                           unconfirmed=unconfirmed, upcoming=upcoming,
                           seat_counts=signups.seat_counts(s.id for s in upcoming),
                           bouncing=bouncing, held=mail.held_counts(u.id for u in bouncing))
