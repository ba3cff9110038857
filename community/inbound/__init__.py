"""Inbound email: the one pipeline that reads what comes back to the community address
(calendar replies, bounces, auto-replies, requests) and acts on it safely."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Add the `flask inbound` commands, the mailbox reader beside the worker and the inbound
    part of a member's data (the periodic purge of kept raw messages is listed in
    community/schedule.py). The rows are found by the sender's address, so the part claims no
    table with a column pointing at users."""
    from community import queue
    from community.accounts import gdpr
    from community.inbound import cli, imap, services

    app.cli.add_command(cli.inbound)
    # The worker reads the INBOUND_IMAP_URL mailbox (when one is set) in a thread of its own.
    queue.register_companion("inbound.imap", imap.watch_configured)
    gdpr.register("inbound_email", tables=(), export=services.export_inbound, erase=services.erase_inbound)
