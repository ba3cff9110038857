"""Delivery through a real queue: SQLite storage always, Redis when TEST_REDIS_URL is set."""
import os
import signal
import time

import pytest

from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus
from community.queue import huey
from tests.factories import make_email, make_user


def _per_worker_redis(url: str | None) -> str | None:
    """Under pytest-xdist each worker uses its own Redis database number (15, 14, ...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    base, _, number = url.rpartition("/")
    start = int(number) if number.isdigit() else 15
    return f"{base}/{start - int(worker[2:])}"


REDIS_URL = _per_worker_redis(os.environ.get("TEST_REDIS_URL"))
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("redis", id="redis", marks=pytest.mark.skipif(
        not REDIS_URL, reason="set TEST_REDIS_URL to run the queue tests on Redis")),
]


@pytest.fixture(params=BACKENDS)
def app_config(request, tmp_path):
    """Build the app on a real queue storage instead of the immediate one."""
    url = str(tmp_path / "queue.sqlite") if request.param == "sqlite" else REDIS_URL
    return {"QUEUE_URL": url}


@pytest.fixture
def queue(app):
    """The configured queue, emptied before and after the test."""
    assert not huey.immediate
    huey.flush()
    yield huey
    huey.flush()


def test_commit_puts_the_delivery_on_the_queue_and_the_worker_sends_it(app, queue, mailbox):
    user = make_user()
    row = make_email(user, "Queued", confirm_url="http://127.0.0.1:5000/c")
    assert queue.pending_count() == 0
    db.session.commit()
    assert queue.pending_count() == 1 and mailbox.messages == []
    task = queue.dequeue()
    queue.execute(task)
    assert len(mailbox.to(user.email)) == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT


def test_rollback_puts_nothing_on_the_queue(app, queue):
    user = make_user()
    db.session.commit()
    make_email(user, "Queued", confirm_url="http://127.0.0.1:5000/c")
    db.session.rollback()
    assert queue.pending_count() == 0


def test_consumer_process_loop_delivers_queued_mail(app, queue, mailbox):
    users = [make_user() for _ in range(3)]
    for user in users:
        make_email(user, "Queued", confirm_url="http://127.0.0.1:5000/c")
    db.session.commit()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue.create_consumer(workers=2, worker_type="thread", periodic=False,
                                     initial_delay=0.05, max_delay=0.2, scheduler_interval=1)
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while len(mailbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(u.email for u in users)
    db.session.expire_all()
    assert all(r.status == OutboxStatus.SENT for r in db.session.query(OutboxMessage))
