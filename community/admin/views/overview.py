"""The panel's overview: the figures an organiser checks first, the dashboard's charts for a
period, the bouncing addresses and the next sessions."""
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request

from community.accounts import addresses
from community.accounts import services as accounts
from community.admin import dashboard
from community.admin.blueprint import bp
from community.admin.charts import dashboard_charts
from community.db import utcnow
from community.mail import services as mail
from community.sessions import services as sessions
from community.signups import services as signups


def current_dashboard() -> dashboard.Dashboard:
    """The dashboard for the period in the query string (?period=30|90|365, else 90)."""
    return dashboard.build(dashboard.period_days(request.args.get("period")), utcnow(),
                           ZoneInfo(current_app.config["COMMUNITY_TIMEZONE"]))


@bp.get("/")
def index():
    """Dashboard: members, emails by status, the period's charts with their figures, bouncing
    addresses and the next sessions with their seats."""
    members, unconfirmed = accounts.member_counts()
    upcoming = sessions.next_sessions()
    bouncing = addresses.bouncing_members()
    board = current_dashboard()
    return render_template("admin/index.html", counts=mail.status_counts(), members=members,
                           unconfirmed=unconfirmed, upcoming=upcoming,
                           seat_counts=signups.seat_counts(s.id for s in upcoming),
                           bouncing=bouncing, held=mail.held_counts(u.id for u in bouncing),
                           board=board, charts=dashboard_charts(board), periods=dashboard.PERIODS)
