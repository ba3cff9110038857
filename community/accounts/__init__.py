"""Membership: accounts and roles, registration, confirmation, login, reset, account page."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Load the logged-in user (and keep the idle timeout for remembered log-ins), register the
    reset-email task, the `users` commands, the emails part of a member's data (export and
    erasure), and who may have their pages kept for them."""
    from flask_login import user_loaded_from_cookie

    from community import queue
    from community.accounts import cli, gdpr, page_keys, services, views, worker
    from community.core import pagecache
    from community.extensions import login_manager

    login_manager.user_loader(services.load_user)
    pagecache.register_viewer_key(page_keys.viewer_key, page_keys.session_viewer)
    user_loaded_from_cookie.connect(views.keep_idle_timeout)
    queue.register_task("accounts.send_reset_link", worker.send_reset_link)
    cli.init_app(app)
    gdpr.register("emails", tables=("outbox",), export=gdpr.export_emails, erase=gdpr.erase_emails)
