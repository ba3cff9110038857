"""The inbound pipeline's periodic loop: forget raw messages after their keeping time (commits)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from community.db import db, utcnow
from community.inbound.models import InboundMessage


def purge_raw() -> int:
    """Clear the raw bytes of messages received more than INBOUND_RAW_DAYS ago."""
    cutoff = utcnow() - timedelta(days=current_app.config["INBOUND_RAW_DAYS"])
    result = db.session.execute(update(InboundMessage)
                                .where(InboundMessage.raw.is_not(None), InboundMessage.received_at < cutoff)
                                .values(raw=None).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
