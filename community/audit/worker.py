"""The audit log's periodic work that commits: forgetting entries past their keeping time."""
from flask import current_app

from community.audit import services
from community.db import db


def purge() -> int:
    """Delete the entries older than AUDIT_RETENTION_DAYS and commit; returns how many went."""
    count = services.purge(current_app.config["AUDIT_RETENTION_DAYS"])
    db.session.commit()
    return count
