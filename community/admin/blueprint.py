"""The organisers' panel blueprint, its access rule and its menu."""
from flask import Blueprint, abort
from flask_login import current_user

from community.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The panel's menu: (endpoint, label).
MENU = [
    ("admin.index", "Overview"),
    ("admin.sessions", "Sessions"),
    ("admin.series_list", "Series"),
    ("admin.notes_list", "Notes"),
    ("admin.members", "Members"),
    ("admin.outbox", "Outbox"),
]


@bp.before_request
def organisers_only():
    """Anonymous visitors are sent to log in; everyone but organisers gets 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_organiser:
        abort(403)
    return None


@bp.context_processor
def admin_menu():
    """The panel's navigation, shown on every admin page."""
    return {"admin_menu": MENU}
