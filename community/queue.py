"""The Huey instance, configured from QUEUE_URL: a SQLite path, `redis://...` or `immediate`."""
import functools

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event

from community.db import db

#: Tasks register on this instance at import; `init_app` points it at the configured storage.
huey = Huey("community", immediate=True, storage_class=MemoryStorage, utc=True)
_app: Flask | None = None
#: Tasks that may be enqueued after a commit, by name (see `enqueue_after_commit`).
_named: dict = {}
#: session.info key holding the (task name, args) to enqueue when the transaction commits.
AFTER_COMMIT_KEY = "enqueue_after_commit"

__all__ = ["crontab", "enqueue_after_commit", "huey", "init_app", "periodic_task", "task"]


def init_app(app: Flask) -> None:
    """Point the queue at the storage named by the app's QUEUE_URL."""
    global _app
    _app = app
    _init_hooks()
    url = app.config["QUEUE_URL"]
    if url == "immediate":
        huey.immediate = True
        return
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    huey._immediate = False
    huey.storage = huey.create_storage()


def _init_hooks() -> None:
    """Connect the after-commit hand-over (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def enqueue_after_commit(name: str, *args) -> None:
    """Enqueue the named task once the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(AFTER_COMMIT_KEY, []).append((name, args))


def _after_commit(session) -> None:
    """The transaction is durable: hand its tasks to the queue. A failure here loses nothing,
    because every such task has a periodic sweeper that finds the work left undone."""
    for name, args in session.info.pop(AFTER_COMMIT_KEY, None) or ():
        try:
            _named[name](*args)
        except Exception:  # noqa: BLE001 - the sweepers pick the work up later
            (_app.logger if _app else current_app.logger).exception("could not enqueue %s%r", name, args)


def _after_rollback(session) -> None:
    """Nothing was written: nothing to enqueue."""
    session.info.pop(AFTER_COMMIT_KEY, None)


def _in_app_context(fn):
    """Wrap a task body so it runs inside a fresh application context."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _app
        if app is None:
            raise RuntimeError("the queue has no application; call create_app() first")
        with app.app_context():
            return fn(*args, **kwargs)

    return run


def task(name: str | None = None, **options):
    """Register a queue task that runs inside an application context; a `name` lets
    services enqueue it after commit without importing the tasks module."""

    def decorate(fn):
        wrapped = huey.task(**options)(_in_app_context(fn))
        if name:
            _named[name] = wrapped
        return wrapped

    return decorate


def periodic_task(schedule, **options):
    """Register a periodic queue task that runs inside an application context."""

    def decorate(fn):
        return huey.periodic_task(schedule, **options)(_in_app_context(fn))

    return decorate
