"""Delivery under faults, each against real servers: the SMTP server down and back (from the
start, and going away in the middle of a batch), and the real `flask --app app worker` process
killed with SIGKILL in the middle of a batch and started again. Every email arrives once.

Where the kill lands decides what "once" can mean (see `community.mail.delivery`): the test
server holds its reply to the transaction it is in (to DATA, or to MAIL FROM, between two
messages) until the worker is gone, as a server does while it is still taking a message. A
message is the server's only once it replies 250; so at the kill every message the server
took must already be recorded SENT, and after the restart each of the others goes out once.
The one window no client can close (the server replied 250, the worker died before its
commit) is not what these tests aim at."""
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from community import queue
from community.db import db, utcnow
from community.mail import delivery, services
from community.mail.models import OutboxMessage, OutboxStatus
from community.mail.services.sending import DELIVERY_CHUNK
from community.queue import huey
from tests.conftest import free_port

PROJECT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


def write(count: int) -> list[OutboxMessage]:
    """`count` messages in the outbox, in the current transaction."""
    return [services.send_email(f"member{i}@example.com", f"Hello {i}", "confirm_email",
                                {"user": {"name": f"Member {i}"}, "confirm_url": "http://127.0.0.1:5000/c"})
            for i in range(count)]


def by_status() -> dict[str, int]:
    db.session.rollback()
    return dict(db.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id))
                                   .group_by(OutboxMessage.status)).all())


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Gate:
    """aiosmtpd handler that keeps the Message-ID of every message it accepts and, while
    `hold` is set and `hold_after` messages are in, holds its reply to every new transaction
    at `stage` ("MAIL" or "DATA") until the client goes away (then the transaction is dropped,
    nothing kept) or the hold is lifted."""

    def __init__(self, stage: str = "DATA", hold_after: int = 0):
        self.stage, self.hold_after = stage, hold_after
        self.hold = threading.Event()
        self.accepted: list[str] = []
        self.holding = 0
        self._lock = threading.Lock()

    async def _held(self, stage: str) -> None:
        if stage != self.stage or not self.hold.is_set() or len(self.accepted) < self.hold_after:
            return
        with self._lock:
            self.holding += 1
        try:
            while self.hold.is_set():
                await asyncio.sleep(0.01)  # cancelled by aiosmtpd when the client is gone
        finally:
            with self._lock:
                self.holding -= 1

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        await self._held("MAIL")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await self._held("DATA")
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.accepted.append(message["Message-ID"].strip("<>"))
        return "250 OK"


class GateServer:
    """A `Gate` served on a fixed port that can be stopped and started again."""

    def __init__(self, gate: Gate):
        self.gate, self.port, self.controller = gate, free_port(), None

    def start(self):
        self.controller = Controller(self.gate, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def gate_server():
    server = GateServer(Gate())
    server.start()
    yield server
    server.gate.hold.clear()
    server.stop()


@pytest.fixture
def app_config(tmp_path, gate_server):
    """The app (this process and the worker's) on a real queue in a file, mail to the gate."""
    return {"QUEUE_URL": str(tmp_path / "queue.sqlite"), "MAIL_PORT": gate_server.port}


# The SMTP server down and back --------------------------------------------------------

def _sweep_at(moment) -> int:
    """Run the sweeper as the worker's schedule would at `moment`, its tasks executed here."""
    with time_machine.travel(moment, tick=False):
        handed = delivery.sweep()
        while huey.pending_count():
            huey.execute(huey.dequeue())
    return handed


def test_smtp_server_down_then_back_each_message_pending_with_backoff_then_delivered_once(
        app, gate_server):
    huey.flush()
    count = DELIVERY_CHUNK + 10
    gate_server.stop()
    try:
        rows = write(count)
        db.session.commit()
        assert huey.pending_count() == 2  # one task per chunk
        while huey.pending_count():
            huey.execute(huey.dequeue())  # a worker runs both: the server refuses each connection
        assert by_status() == {OutboxStatus.PENDING: count}
        now = utcnow()
        for row in db.session.scalars(select(OutboxMessage)):
            assert row.attempts == 1 and "refused" in row.last_error.lower() and row.claimed_at is None
            assert row.next_attempt_at > now + timedelta(seconds=50)
        # Still down at the next sweeps: nothing lost, nothing sent, each backs off further.
        assert _sweep_at(now + timedelta(minutes=2)) == count
        assert _sweep_at(now + timedelta(minutes=2, seconds=30)) == 0  # not due again yet
        assert by_status() == {OutboxStatus.PENDING: count}
        assert {r.attempts for r in db.session.scalars(select(OutboxMessage))} == {2}
    finally:
        gate_server.start()
    assert _sweep_at(now + timedelta(minutes=10)) == count
    assert _sweep_at(now + timedelta(minutes=11)) == 0
    assert by_status() == {OutboxStatus.SENT: count}
    assert Counter(gate_server.gate.accepted) == Counter(r.message_id for r in rows)


def test_smtp_server_going_away_in_the_middle_of_a_batch_loses_and_repeats_nothing(app, gate_server):
    huey.flush()
    gate = gate_server.gate
    gate.stage, gate.hold_after = "DATA", 12
    gate.hold.set()
    rows = write(30)
    db.session.commit()
    (task,) = [huey.dequeue() for _ in range(huey.pending_count())]
    # The server takes 12 messages, holds the 13th and is shut down while it holds it.
    stopper = threading.Thread(target=lambda: (wait_until(lambda: gate.holding == 1, 15, "the hold"),
                                               gate_server.stop()))
    stopper.start()
    huey.execute(task)
    stopper.join(15)
    assert len(gate.accepted) == 12
    assert by_status() == {OutboxStatus.SENT: 12, OutboxStatus.PENDING: 18}
    pending = db.session.scalars(select(OutboxMessage).filter_by(status=OutboxStatus.PENDING)).all()
    assert all(r.attempts == 1 and r.last_error and r.claimed_at is None for r in pending)
    assert {r.message_id for r in db.session.scalars(
        select(OutboxMessage).filter_by(status=OutboxStatus.SENT))} == set(gate.accepted)
    gate.hold.clear()
    gate_server.start()  # back, on the same port
    assert _sweep_at(utcnow() + timedelta(minutes=5)) == 18
    assert by_status() == {OutboxStatus.SENT: 30}
    assert Counter(gate.accepted) == Counter(r.message_id for r in rows)


# The worker killed in the middle of a batch ---------------------------------------------

def _start_worker(app, log: Path) -> subprocess.Popen:
    """The real `flask --app app worker` on the test's database, queue and SMTP server."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "QUEUE_URL": app.config["QUEUE_URL"], "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(app.config["MAIL_PORT"]), "SECRET_KEY": app.config["SECRET_KEY"],
           "BASE_URL": app.config["BASE_URL"]}
    with log.open("ab") as out:  # the worker keeps its own copy of the descriptor
        return subprocess.Popen([str(FLASK), "--app", "app", "worker", "--workers", "2"],
                                cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.parametrize("stage", ["DATA", "MAIL"], ids=["while-the-server-holds-DATA",
                                                         "between-two-messages"])
def test_worker_killed_in_the_middle_of_a_batch_and_started_again_delivers_each_email_once(
        app, gate_server, tmp_path, stage):
    gate = gate_server.gate
    gate.stage, gate.hold_after = stage, 30
    gate.hold.set()
    huey.flush()
    count = 3 * DELIVERY_CHUNK
    rows = write(count)
    db.session.commit()
    assert huey.pending_count() == 3
    log = tmp_path / "worker.log"

    worker = _start_worker(app, log)
    try:
        # Both worker threads are in the middle of their batch, each held by the server.
        wait_until(lambda: gate.holding == 2 or worker.poll() is not None, 20, "both threads held")
        assert worker.poll() is None, log.read_text()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    taken = list(gate.accepted)
    assert len(taken) >= 30 and len(set(taken)) == len(taken)
    # Every message the server took is recorded SENT, and nothing else is; the one message each
    # thread had in flight is SENDING; all the rest, the two killed batches' included, is
    # PENDING and due.
    db.session.rollback()
    rows_now = db.session.scalars(select(OutboxMessage)).all()
    assert {r.message_id for r in rows_now if r.status == OutboxStatus.SENT} == set(taken)
    in_flight = {r.id for r in rows_now if r.status == OutboxStatus.SENDING}
    assert len(in_flight) == 2
    assert by_status() == {OutboxStatus.SENT: len(taken), OutboxStatus.SENDING: 2,
                           OutboxStatus.PENDING: count - len(taken) - 2}

    gate.hold.clear()
    worker = _start_worker(app, log)
    try:
        # The third chunk's task is still queued; the next sweep hands out the rest of the two
        # killed batches at once.
        delivery.sweep()
        wait_until(lambda: len(gate.accepted) >= count - 2 or worker.poll() is not None, 20,
                   "every message but the two in flight delivered")
        wait_until(lambda: by_status() == {OutboxStatus.SENT: count - 2, OutboxStatus.SENDING: 2},
                   10, "their outcomes recorded")
        # The two the server never took wait for their claims' lease; the sweep after it (run
        # here as if the lease were over) hands them out, and each goes once.
        with time_machine.travel(utcnow() + delivery.CLAIM_LEASE + timedelta(minutes=1), tick=False):
            assert delivery.sweep() == 2
        wait_until(lambda: by_status() == {OutboxStatus.SENT: count}, 20, "every outcome recorded")
        time.sleep(0.3)  # a second copy of anything would have arrived by now
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
    assert Counter(gate.accepted) == Counter(r.message_id for r in rows), log.read_text()[-3000:]
    queue.huey.flush()
