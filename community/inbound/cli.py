"""`flask inbound receive`: one message on standard input, for a mail server's pipe transport."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, TimeoutError

from community.db import db
from community.inbound import services

#: sysexits.h EX_TEMPFAIL: the MTA keeps the message and tries again later.
EX_TEMPFAIL = 75

inbound = AppGroup("inbound", help="Read the email that comes back to the community address.")


def read_limited(stream, limit: int) -> tuple[bytes, int]:
    """Up to `limit` + 1 bytes of the stream (kept) and its whole length (the rest is drained)."""
    data = stream.read(limit + 1)
    size = len(data)
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
    return data, size


@inbound.command("receive")
def receive():
    """Process one RFC 5322 message read from standard input.

    Exit 0 when it was handled or deliberately ignored, 75 (EX_TEMPFAIL) when it could not be
    recorded now (the database is unreachable, say), so the mail server delivers it again."""
    raw, size = read_limited(sys.stdin.buffer, services.max_bytes())
    try:
        row = services.receive(raw, size=size)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        click.echo("duplicate: this Message-ID is being handled by another delivery")
        return
    except (OperationalError, TimeoutError, OSError) as exc:
        _temporary_failure(exc)
    except Exception as exc:  # noqa: BLE001 - recorded as failed for the organisers to reprocess
        db.session.rollback()
        current_app.logger.exception("inbound receive: processing failed")
        try:
            row = services.record_failure(raw, exc)
            db.session.commit()
        except (DBAPIError, TimeoutError, OSError) as again:
            _temporary_failure(again)
    click.echo(f"{row.kind} {row.outcome}: {row.detail}")


def _temporary_failure(exc: Exception):
    """Roll back, say why on stderr and exit 75 so the mail server tries again later."""
    db.session.rollback()
    current_app.logger.warning("inbound receive: temporary failure: %s", exc)
    click.echo(f"temporary failure: {type(exc).__name__}", err=True)
    sys.exit(EX_TEMPFAIL)
