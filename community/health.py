"""`/healthz`: 200 when the app and its database answer, for load balancers and monitors."""
from flask import Blueprint
from sqlalchemy import text

from community.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the app and its database answer, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return {"status": "unavailable", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}
