"""Home page, privacy notice and the health check."""
from flask import Blueprint, render_template
from sqlalchemy import text

from community.accounts.services import PRIVACY_VERSION
from community.db import db
from community.mail.services import sender_address
from community.sessions.services import upcoming
from community.signups.services import seat_counts

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """The front page: what the community is and its upcoming sessions."""
    sessions = upcoming()
    return render_template("core/home.html", sessions=sessions,
                           counts=seat_counts(s.id for s in sessions))


@bp.get("/privacy")
def privacy():
    """The privacy notice members consent to when they register."""
    return render_template(
        "core/privacy.html",
        version=PRIVACY_VERSION,
        contact=sender_address(),
    )


@bp.get("/healthz")
def healthz():
    """200 when the app and its database answer, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return {"status": "unavailable", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}
