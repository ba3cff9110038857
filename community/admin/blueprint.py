"""The organisers' panel blueprint, its access rule and what every panel page shows."""
from flask import Blueprint, abort

from community.accounts.roles import is_organiser
from community.core.web import viewer
from community.extensions import login_manager
from community.sessions.models import FORMAT_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The panel's menu: (endpoint, label).
MENU = [
    ("admin.index", "Overview"),
    ("admin.sessions", "Sessions"),
    ("admin.series_list", "Series"),
    ("admin.notes_list", "Notes"),
    ("admin.members", "Members"),
    ("admin.outbox", "Outbox"),
    ("admin.inbound_list", "Inbound"),
    ("admin.audit_log", "Audit log"),
]


@bp.before_request
def organisers_only():
    """Anonymous visitors are sent to log in; everyone but organisers gets 403. Every admin
    service checks the role again, so this is the first of two locks, not the only one."""
    user = viewer()
    if user is None:
        return login_manager.unauthorized()
    if not is_organiser(user):
        abort(403)
    return None


@bp.context_processor
def panel_values():
    """The panel's navigation and the formats' names, shown on every admin page."""
    return {"admin_menu": MENU, "format_labels": FORMAT_LABELS}
