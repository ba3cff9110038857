"""Sessions: series and their cadence, one-off sessions, the public pages and the home page."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the sessions' part of a member's data (the sessions they host), and tell the
    page cache that pages change when a session starts or ends."""
    from community.accounts import gdpr
    from community.core import pagecache
    from community.sessions import services

    gdpr.register("hosted_sessions", tables=("session_hosts",), export=services.export_hosted)
    pagecache.register_boundary(services.next_start_or_end)
