"""The community platform: `create_app` wires config, extensions, features, blueprints and CLI."""
from pathlib import Path

from flask import Flask

from community import config, queue
from community import db as database
from community import extensions as ext
from community.core import pagecache

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config -> extensions -> features' hooks -> blueprints -> CLI."""
    test_config = test_config or {}
    app = Flask(
        __name__,
        instance_path=test_config.get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(app.instance_path))
    app.config.from_mapping(test_config)
    if not str(app.config.get("SECRET_KEY") or "").strip():
        raise RuntimeError("SECRET_KEY is empty: tokens and sessions cannot be signed with it")

    database.init_app(app)
    ext.migrate.init_app(app, database.db, directory=str(PROJECT_ROOT / "migrations"))
    ext.login_manager.init_app(app)
    ext.mail.init_app(app)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.limiter.request_filter(pagecache.unlimited_request)
    queue.init_app(app)
    pagecache.init_app(app)

    from community import (
        accounts,
        api,
        audit,
        demo,
        health,
        inbound,
        invites,
        mail,
        notes,
        polls,
        schedule,
        sessions,
        signups,
    )
    from community.accounts.views import bp as accounts_bp
    from community.admin.views import bp as admin_bp
    from community.api.views import bp as api_bp
    from community.core import backup, unavailable, web
    from community.inbound.views import bp as inbound_bp
    from community.invites.views import bp as invites_bp
    from community.notes.views import bp as notes_bp
    from community.polls.views import bp as polls_bp
    from community.sessions.views import bp as sessions_bp
    from community.signups.views import bp as signups_bp

    web.init_app(app)
    unavailable.init_app(app)  # a database that cannot be reached: 503, not 500
    backup.init_app(app)
    # Each feature registers its hooks: signal receivers, tasks, its part of a member's data.
    for feature in (mail, accounts, sessions, signups, invites, polls, notes, inbound, audit):
        feature.init_app(app)
    api.init_app(app)  # API requests never touch the login session
    schedule.init_app(app)
    demo.init_app(app)
    for blueprint in (health.bp, sessions_bp, accounts_bp, signups_bp, invites_bp, polls_bp, notes_bp,
                      inbound_bp, api_bp, admin_bp):
        app.register_blueprint(blueprint)
    return app
