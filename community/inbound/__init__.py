"""Inbound email: the one pipeline that reads what comes back to the community address
(calendar replies, bounces, auto-replies, requests) and acts on it safely."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Add the `flask inbound` commands (the periodic purge of kept raw messages is listed in
    community/schedule.py)."""
    from community.inbound import cli

    app.cli.add_command(cli.inbound)
