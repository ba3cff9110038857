"""The Huey queue built from QUEUE_URL (a SQLite path, `redis://...` or `immediate`), the
after-commit hand-over of tasks, and the `worker` command that consumes them.

Features register their tasks by name from their own `init_app` (`register_task`); the
periodic schedule is listed in one place, `community.schedule`. Services never import a
tasks module: they name the task and `enqueue_after_commit` hands it over once the
transaction is durable.
"""
import functools
import threading
from collections.abc import Callable

import click
from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session
from huey import Huey, crontab
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event

from community.db import db

#: Tasks register on this instance; `init_app` points it at the configured storage.
huey = Huey("community", immediate=True, storage_class=MemoryStorage, utc=True)
_app: Flask | None = None
#: Registered tasks by name: what `enqueue` and `enqueue_after_commit` look up.
_tasks: dict[str, TaskWrapper] = {}
#: Loops `flask worker` runs in threads beside the consumer, each until its stop event is set.
_companions: dict[str, Callable[[threading.Event], None]] = {}
#: session.info key holding the (task name, args) to enqueue when the transaction commits.
AFTER_COMMIT_KEY = "enqueue_after_commit"

__all__ = ["crontab", "enqueue", "enqueue_after_commit", "huey", "init_app", "register_companion",
           "register_periodic", "register_task", "registered", "run_now"]


def init_app(app: Flask) -> None:
    """Point the queue at the storage named by the app's QUEUE_URL and add `flask worker`."""
    global _app
    _app = app
    _init_hooks()
    app.cli.add_command(worker)
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


def _in_app_context(fn: Callable) -> Callable:
    """Wrap a task body so it runs inside a fresh application context."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _app
        if app is None:
            raise RuntimeError("the queue has no application; call create_app() first")
        with app.app_context():
            return fn(*args, **kwargs)

    return run


def register_task(name: str, fn: Callable, **options) -> TaskWrapper:
    """Make `fn` a queue task called `name` (once per process; later calls return the same task)."""
    if name not in _tasks:
        _tasks[name] = huey.task(name=name, **options)(_in_app_context(fn))
    return _tasks[name]


def register_periodic(name: str, schedule: Callable, fn: Callable, **options) -> TaskWrapper:
    """Make `fn` a task the worker runs on `schedule` (a `crontab`), once per process."""
    if name not in _tasks:
        _tasks[name] = huey.periodic_task(schedule, name=name, **options)(_in_app_context(fn))
    return _tasks[name]


def register_companion(name: str, loop: Callable[[threading.Event], None]) -> None:
    """Have `flask worker` run `loop(stop)` in a thread of its own, in an application context,
    beside the consumer (a mailbox reader, say); it should return soon after `stop` is set."""
    _companions.setdefault(name, loop)


def registered() -> dict[str, TaskWrapper]:
    """Every task registered so far, by name."""
    return dict(_tasks)


def run_now(name: str, *args):
    """Run a registered task inline in its own application context, as the worker would."""
    return _tasks[name].call_local(*args)


def enqueue(name: str, *args) -> None:
    """Hand the named task to the queue now."""
    _tasks[name](*args)


def enqueue_after_commit(name: str, *args) -> None:
    """Enqueue the named task once the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(AFTER_COMMIT_KEY, []).append((name, args))


def _after_commit(session) -> None:
    """The transaction is durable: hand its tasks to the queue. A failure here loses nothing,
    because every such task has a periodic sweeper that finds the work left undone."""
    for name, args in session.info.pop(AFTER_COMMIT_KEY, None) or ():
        try:
            enqueue(name, *args)
        except Exception:  # noqa: BLE001 - the sweepers pick the work up later
            (_app.logger if _app else current_app.logger).exception("could not enqueue %s%r", name, args)


def _after_rollback(session) -> None:
    """Nothing was written: nothing to enqueue."""
    session.info.pop(AFTER_COMMIT_KEY, None)


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker(workers):
    """Run the background queue consumer (email delivery, periodic sweeps)."""
    if current_app.config["QUEUE_URL"] == "immediate":
        raise click.ClickException("QUEUE_URL=immediate runs tasks inline; there is nothing to consume.")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True)
    stop = threading.Event()
    threads = [threading.Thread(target=_in_app_context(loop), args=(stop,), name=name, daemon=True)
               for name, loop in _companions.items()]
    for thread in threads:
        thread.start()
    click.echo(f"Queue consumer running on {current_app.config['QUEUE_URL']} with {workers} threads.")
    try:
        consumer.run()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
