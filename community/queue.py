"""The Huey instance, configured from QUEUE_URL: a SQLite path, `redis://...` or `immediate`."""
import functools

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

#: Tasks register on this instance at import; `init_app` points it at the configured storage.
huey = Huey("community", immediate=True, storage_class=MemoryStorage, utc=True)
_app: Flask | None = None

__all__ = ["crontab", "huey", "init_app", "periodic_task", "task"]


def init_app(app: Flask) -> None:
    """Point the queue at the storage named by the app's QUEUE_URL."""
    global _app
    _app = app
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


def task(**options):
    """Register a queue task that runs inside an application context."""

    def decorate(fn):
        return huey.task(**options)(_in_app_context(fn))

    return decorate


def periodic_task(schedule, **options):
    """Register a periodic queue task that runs inside an application context."""

    def decorate(fn):
        return huey.periodic_task(schedule, **options)(_in_app_context(fn))

    return decorate
