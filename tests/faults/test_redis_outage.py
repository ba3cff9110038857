"""Redis (queue and rate-limit counters) down and back: pages still render, rate limits fall
back to this process's memory, a sign-up still commits with its email in the outbox (the
hand-over to the queue fails and is logged), and once Redis is back the sweeper re-queues the
email and the worker delivers it, once."""
import signal
import time

import pytest
import redis
import requests

from community import queue
from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus
from community.queue import huey
from community.signups.models import Registration, RegistrationStatus
from tests.factories import PASSWORD, make_session, make_user
from tests.faults.services import LiveApp

TIMEOUT = 10


@pytest.fixture
def app_config(redis_server):
    """Queue and rate limits on the private Redis, rate limits on, configured as in production."""
    return {"QUEUE_URL": redis_server.url, "RATELIMIT_STORAGE_URI": redis_server.url,
            "RATELIMIT_ENABLED": True, "TESTING": False}


def _consume_until(predicate, timeout: float = TIMEOUT) -> None:
    """Run a queue consumer (threads, as `flask worker` does) until `predicate()` holds."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False,
                                    initial_delay=0.05, max_delay=0.2, scheduler_interval=1)
    consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_redis_down_and_back_loses_no_sign_up_and_no_email(app, redis_server, mailbox, caplog):
    member = make_user(email="member@example.com")
    session = make_session()
    db.session.commit()
    page = f"/sessions/{session.id}-{session.slug}"
    with LiveApp(app) as live, requests.Session() as client:
        def post(path, **data):
            return client.post(f"{live.url}{path}", data=data, timeout=TIMEOUT, allow_redirects=False)

        assert post("/login", email=member.email, password="not the password").status_code == 200
        with redis.Redis(port=redis_server.port) as counters:
            assert counters.keys("LIMITS*")  # the failed log-in was counted in Redis
        redis_server.stop()

        assert client.get(f"{live.url}/", timeout=TIMEOUT).status_code == 200
        assert client.get(f"{live.url}{page}", timeout=TIMEOUT).status_code == 200
        assert post("/login", email=member.email, password=PASSWORD).status_code == 302
        assert post(f"{page.split('-')[0]}/signup").status_code == 302
        readiness = client.get(f"{live.url}/readyz", timeout=TIMEOUT)
        assert readiness.status_code == 503 and readiness.json()["queue"] == "error"
        assert live.errors == []

    registration = db.session.query(Registration).filter_by(user_id=member.id).one()
    assert registration.status == RegistrationStatus.CONFIRMED
    (row,) = db.session.query(OutboxMessage).filter_by(recipient=member.email).all()
    assert row.status == OutboxStatus.PENDING and mailbox.messages == []
    assert "could not enqueue mail.deliver" in caplog.text

    redis_server.start()  # a fresh server: whatever the queue held is gone, the outbox is not
    db.session.commit()
    assert queue.run_now("mail.sweep_outbox") == 1
    _consume_until(lambda: mailbox.to(member.email))
    assert queue.run_now("mail.sweep_outbox") == 0  # sent: nothing left to hand over
    _consume_until(lambda: False, timeout=0.5)
    assert len(mailbox.to(member.email)) == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT
