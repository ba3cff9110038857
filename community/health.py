"""`/healthz` and `/readyz`, for load balancers, orchestrators and monitors.

- `/healthz` (liveness): the process serves requests and its database answers `SELECT 1`.
  One cheap query; PRODUCT.md promises that it covers the database.
- `/readyz` (readiness): whether this host should be given traffic now: the database answers,
  its schema is at this code's newest migration (Alembic's head), and the queue's Redis
  answers when QUEUE_URL names one. 503 with a JSON body naming what failed.

Both answer without a session cookie and with `Cache-Control: no-store`, and cost one or two
queries (and one Redis PING), so a load balancer may poll them every few seconds.
"""
from flask import Blueprint, Flask, current_app
from sqlalchemy import text

from community.db import db

bp = Blueprint("health", __name__)

#: Seconds a Redis PING may take before the queue counts as down (a host that drops packets
#: would otherwise hold the probe until the balancer's own timeout).
REDIS_TIMEOUT = 1.0


@bp.after_request
def _never_cached(response):
    """Probes see the state of now: nothing may keep an answer, and no cookie is set."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """200 when the app and its database answer, 503 otherwise."""
    if not _database_answers():
        return {"status": "unavailable", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/readyz")
def readyz():
    """200 when this host can serve: database, schema at the newest migration, queue storage."""
    checks = {"database": "ok", "schema": _schema_state(), "queue": _queue_state(current_app)}
    if checks["schema"] == "unreachable":
        checks["database"], checks["schema"] = "error", "unknown"
    failed = [name for name, state in checks.items() if state not in ("ok", "newer", "not used")]
    if failed:
        return {"status": "unavailable", **checks, "failed": failed}, 503
    return {"status": "ok", **checks}


def _database_answers() -> bool:
    """Whether the database runs a trivial query (the transaction is rolled back after a failure)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means not answering
        db.session.rollback()
        return False
    return True


def migration_heads(app: Flask) -> frozenset[str]:
    """The newest revisions this code knows (read once per process from migrations/)."""
    heads = app.extensions.get("community.migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory(app.extensions["migrate"].directory)
        heads = app.extensions["community.migration_heads"] = frozenset(script.get_heads())
        app.extensions["community.migration_revisions"] = frozenset(
            rev.revision for rev in script.walk_revisions())
    return heads


def _schema_state() -> str:
    """`ok` at the head; `behind` when a known older revision (run `flask db upgrade`); `newer`
    when the database is at a revision this code does not know yet (a rolling deploy in which
    the next release already migrated: migrations are written to keep the previous release
    working, so this host stays in service); `not migrated` without a version table;
    `unreachable` when the database does not answer at all."""
    app = current_app._get_current_object()
    heads = migration_heads(app)
    try:
        versions = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # noqa: BLE001 - tell a missing table from a database that is down
        db.session.rollback()
        return "not migrated" if _database_answers() else "unreachable"
    if versions == heads:
        return "ok"
    if versions and not versions & app.extensions["community.migration_revisions"]:
        return "newer"
    return "behind" if versions else "not migrated"


def _queue_state(app: Flask) -> str:
    """`ok` when the queue's Redis answers PING, `error` when not; `not used` for other storages."""
    url = app.config["QUEUE_URL"]
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "not used"
    client = app.extensions.get("community.readiness_redis")
    if client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = app.extensions["community.readiness_redis"] = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the queue cannot take work
        app.logger.warning("readiness: the queue's Redis does not answer: %s", exc)
        return "error"
    return "ok"
