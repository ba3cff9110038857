"""The inbound pipeline's units of work that commit: one message handled (for the pipe command
and the IMAP reader) and the periodic purge of raw bytes."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, TimeoutError

from community.db import db, utcnow
from community.inbound import services
from community.inbound.models import InboundMessage


class TemporaryFailure(Exception):
    """The message could not be recorded now (the database is unreachable, say): keep it and
    hand it over again later."""


def handle(raw: bytes, *, size: int | None = None) -> InboundMessage | None:
    """Process one message and commit. A processing error is recorded as a failed row for the
    organisers to reprocess; None when another delivery of the same Message-ID is being handled
    at this moment. TemporaryFailure when nothing could be recorded."""
    try:
        row = services.receive(raw, size=size)
        db.session.commit()
        return row
    except IntegrityError:
        db.session.rollback()
        return None
    except (OperationalError, TimeoutError, OSError) as exc:
        db.session.rollback()
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - recorded as failed for the organisers to reprocess
        db.session.rollback()
        current_app.logger.exception("inbound: processing failed")
        try:
            row = services.record_failure(raw, exc)
            db.session.commit()
            return row
        except (DBAPIError, TimeoutError, OSError) as again:
            db.session.rollback()
            raise TemporaryFailure(f"{type(again).__name__}: {again}") from again


def purge_raw() -> int:
    """Clear the raw bytes of messages received more than INBOUND_RAW_DAYS ago."""
    cutoff = utcnow() - timedelta(days=current_app.config["INBOUND_RAW_DAYS"])
    result = db.session.execute(update(InboundMessage)
                                .where(InboundMessage.raw.is_not(None), InboundMessage.received_at < cutoff)
                                .values(raw=None).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
