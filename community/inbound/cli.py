"""`flask inbound receive` (one message on standard input, for a mail server's pipe transport)
and `flask inbound fetch` (the INBOUND_IMAP_URL mailbox: one pass, or watching it)."""
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from community.inbound import imap, services, worker

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
        row = worker.handle(raw, size=size)
    except worker.TemporaryFailure as exc:
        _temporary_failure(exc)
    if row is None:
        click.echo("duplicate: this Message-ID is being handled by another delivery")
        return
    click.echo(f"{row.kind} {row.outcome}: {row.detail}")


@inbound.command("fetch")
@click.option("--once", is_flag=True, help="One pass over the mailbox, then exit.")
def fetch(once):
    """Read the INBOUND_IMAP_URL mailbox: each message is processed, then moved to Processed or
    Ignored. Without --once, keep watching it (IDLE where offered) until stopped; the worker
    does the same by itself, so this is for a pass by hand or a dedicated process."""
    try:
        mailbox = imap.configured()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if mailbox is None:
        raise click.ClickException("INBOUND_IMAP_URL is not set: there is no mailbox to read.")
    if once:
        try:
            report = imap.fetch_once(mailbox)
        except imap.MailboxError as exc:
            _temporary_failure(exc)
        click.echo(f"{mailbox}: {report}")
        if report.left:
            sys.exit(EX_TEMPFAIL)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Watching {mailbox}; Ctrl-C stops.")
    imap.watch(stop, mailbox, on_pass=lambda report: click.echo(f"pass: {report}") if (
        report.processed or report.ignored or report.left) else None)
    click.echo("Stopped.")


def _temporary_failure(exc: Exception):
    """Say why on stderr and exit 75 so the mail server (or the operator) tries again later."""
    current_app.logger.warning("inbound: temporary failure: %s", exc)
    click.echo(f"temporary failure: {exc}", err=True)
    sys.exit(EX_TEMPFAIL)
