"""The community platform: `create_app` wires config, extensions, blueprints and CLI."""
from pathlib import Path

from flask import Flask

from community import config, queue
from community import db as database
from community import extensions as ext

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config -> extensions -> blueprints -> CLI."""
    test_config = test_config or {}
    app = Flask(
        __name__,
        instance_path=test_config.get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(app.instance_path))
    app.config.from_mapping(test_config)

    database.init_app(app)
    ext.migrate.init_app(app, database.db, directory=str(PROJECT_ROOT / "migrations"))
    ext.login_manager.init_app(app)
    ext.mail.init_app(app)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    queue.init_app(app)

    from community.accounts import cli as accounts_cli
    from community.accounts.views import bp as accounts_bp
    from community.admin.views import bp as admin_bp
    from community.api.views import bp as api_bp
    from community.core import cli as core_cli
    from community.core import web
    from community.core.views import bp as core_bp
    from community.invites import tasks as invites_tasks  # noqa: F401 - registers the tasks
    from community.invites.views import bp as invites_bp
    from community.mail import tasks as mail_tasks  # noqa: F401 - registers the tasks
    from community.notes import followup  # noqa: F401 - registers the follow-up email writer
    from community.notes.views import bp as notes_bp
    from community.polls.views import bp as polls_bp
    from community.sessions.views import bp as sessions_bp
    from community.signups.views import bp as signups_bp

    web.init_app(app)
    for blueprint in (core_bp, accounts_bp, sessions_bp, signups_bp, invites_bp, notes_bp, api_bp,
                      admin_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(polls_bp)
    accounts_cli.init_app(app)
    core_cli.init_app(app)
    return app
