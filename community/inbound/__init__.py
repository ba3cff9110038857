"""Inbound email: the one pipeline that reads what comes back to the community address
(calendar replies, bounces, auto-replies, requests) and acts on it safely."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Add the `flask inbound` commands and the inbound part of a member's data (the periodic
    purge of kept raw messages is listed in community/schedule.py). The rows are found by the
    sender's address, so the part claims no table with a column pointing at users."""
    from community.accounts import gdpr
    from community.inbound import cli, services

    app.cli.add_command(cli.inbound)
    gdpr.register("inbound_email", tables=(), export=services.export_inbound, erase=services.erase_inbound)
