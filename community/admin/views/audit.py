"""The audit log in the panel: every change organisers and analysts made, filtered by person,
session and kind, and the same list as a spreadsheet."""
from flask import render_template, request

from community.admin.blueprint import bp
from community.admin.views.common import PER_PAGE
from community.audit import services as audit
from community.core.spreadsheet import csv_response
from community.db import db

CSV_COLUMNS = ["at_utc", "actor", "kind", "session", "session_starts_at_utc", "target_type", "target",
               "summary", "before", "after"]


def _filters() -> dict:
    """The person, session and kind to narrow the log to, from the query string (an id no row
    could have, or an unknown kind, narrows nothing)."""
    kind = request.args.get("kind", "")
    return {"actor_id": audit.valid_id(request.args.get("actor", type=int)),
            "session_id": audit.valid_id(request.args.get("session", type=int)),
            "kind": kind if kind in audit.KIND_LABELS else ""}


@bp.get("/audit")
def audit_log():
    """The log, newest first, 50 entries a page, with its filters."""
    filters = _filters()
    page = db.paginate(audit.entries(**filters), per_page=PER_PAGE, error_out=False)
    return render_template("admin/audit.html", page=page, filters=filters, actors=audit.actors(),
                           sessions=audit.logged_sessions(), kinds=audit.KIND_LABELS,
                           changes=audit.changes, kind_label=audit.kind_label)


@bp.get("/audit.csv")
def audit_csv():
    """The entries the log shows (its filters), newest first, as a spreadsheet; times in UTC."""
    filters = _filters()

    def rows():
        """One row per entry."""
        for entry in db.session.scalars(audit.entries(**filters)):
            session, values = entry.session, audit.changes(entry, "UTC")
            before = "\n".join(f"{f}: {old}" for f, old, _ in values) if entry.before is not None else ""
            after = "\n".join(f"{f}: {new}" for f, _, new in values) if entry.after is not None else ""
            yield (entry.at.isoformat(timespec="seconds"), entry.actor_name, entry.kind,
                   session.title if session else "",
                   session.starts_at.isoformat(timespec="minutes") if session else "",
                   entry.target_type, entry.target_label, entry.summary, before, after)

    return csv_response(CSV_COLUMNS, rows(), "audit-log.csv")
