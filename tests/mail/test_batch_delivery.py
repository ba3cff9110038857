"""Delivery in batches: the messages of one transaction travel as one queue task per chunk of
ids, and a worker sends a chunk over one SMTP connection, recording each message's own
outcome. Against real aiosmtpd servers that refuse, defer and drop connections."""
import asyncio
import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from community import queue
from community.db import db, utcnow
from community.extensions import mail
from community.mail import delivery, services
from community.mail.models import OutboxMessage, OutboxStatus
from community.mail.services.sending import DELIVERY_CHUNK
from community.queue import AFTER_COMMIT_KEY, huey
from tests.conftest import free_port


def write(count: int, prefix: str = "member") -> list[OutboxMessage]:
    """`count` messages in the outbox, in the current transaction (not committed)."""
    return [services.send_email(f"{prefix}{i}@example.com", f"Hello {i}", "confirm_email",
                                {"user": {"name": f"Member {i}"}, "confirm_url": "http://127.0.0.1:5000/c"})
            for i in range(count)]


def statuses() -> dict[str, str]:
    """Every outbox row's status by recipient, read afresh."""
    db.session.rollback()
    return {r.recipient: r.status for r in db.session.scalars(select(OutboxMessage))}


class Server:
    """A real SMTP server on its own port whose handler decides, per recipient, what to answer;
    it counts connections (EHLO) and keeps the Message-ID of every message it accepts."""

    def __init__(self, refuse=None, drop_every: int | None = None, delay: float = 0.0):
        #: address -> SMTP reply to its RCPT TO (e.g. "550 No such user")
        self.refuse = refuse or {}
        #: drop the connection before the next transaction once this many messages went over it
        self.drop_every = drop_every
        self.delay = delay
        self.connections = 0
        self.accepted: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.connections += 1
        session.host_name = hostname
        session.taken = 0
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.drop_every and getattr(session, "taken", 0) >= self.drop_every:
            server.transport.close()  # as a server does at its per-connection limit or idle timeout
            return "421 4.7.0 Closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.accepted.append(message["Message-ID"])
        session.taken = getattr(session, "taken", 0) + 1
        return "250 OK"


@pytest.fixture
def server(app):
    """Start a `Server` (made by the test) and point the app's mail settings at it."""
    started = []

    def start(cls=Server, **options) -> Server:
        smtp = cls(**options)
        smtp.controller.start()
        started.append(smtp)
        app.config["MAIL_PORT"] = smtp.port
        mail.init_app(app)
        return smtp

    yield start
    for smtp in started:
        smtp.controller.stop()


def test_a_transaction_hands_its_messages_over_in_chunks_and_a_single_one_at_once(app, tmp_path):
    app.config["QUEUE_URL"] = str(tmp_path / "queue.sqlite")
    queue.init_app(app)
    huey.flush()
    try:
        rows = write(2 * DELIVERY_CHUNK + 7)
        db.session.commit()
        tasks = [huey.dequeue() for _ in range(huey.pending_count())]
        assert [len(t.args[0]) for t in tasks] == [DELIVERY_CHUNK, DELIVERY_CHUNK, 7]
        assert [i for t in tasks for i in t.args[0]] == [r.id for r in rows]
        (single,) = write(1, prefix="alone")
        db.session.commit()
        (task,) = [huey.dequeue() for _ in range(huey.pending_count())]
        assert task.args == ([single.id],)
        # Nothing of the committed transactions is left over for the next one.
        assert AFTER_COMMIT_KEY not in db.session.info
    finally:
        huey.flush()


def test_a_batch_goes_over_one_connection_and_each_message_keeps_its_own_outcome(app, server):
    smtp = server(refuse={"member2@example.com": "550 5.1.1 No such user",
                          "member5@example.com": "450 4.2.1 Mailbox busy, try later"})
    rows = write(8)
    db.session.commit()  # the immediate queue runs the one task of this transaction now
    assert smtp.connections == 1
    by_address = statuses()
    assert by_address.pop("member2@example.com") == OutboxStatus.FAILED
    assert by_address.pop("member5@example.com") == OutboxStatus.PENDING
    assert set(by_address.values()) == {OutboxStatus.SENT}
    refused, deferred = (db.session.scalar(select(OutboxMessage).filter_by(recipient=a))
                         for a in ("member2@example.com", "member5@example.com"))
    assert "550" in refused.last_error and refused.attempts == 1
    assert "450" in deferred.last_error and deferred.attempts == 1
    assert deferred.next_attempt_at > utcnow() + timedelta(seconds=50)  # one minute's backoff
    assert sorted(smtp.accepted) == sorted(f"<{r.message_id}>" for r in rows
                                           if r.recipient not in ("member2@example.com",
                                                                  "member5@example.com"))
    assert all(r.sent_at and r.claimed_at is None and r.attempts == 1
               for r in db.session.scalars(select(OutboxMessage).filter_by(status=OutboxStatus.SENT)))


def test_a_connection_the_server_drops_is_opened_again_and_each_message_goes_once(app, server):
    smtp = server(drop_every=7)
    rows = write(20)
    db.session.commit()
    assert smtp.connections == 3  # 7 + 7 + 6
    assert Counter(smtp.accepted) == Counter(f"<{r.message_id}>" for r in rows)
    assert set(statuses().values()) == {OutboxStatus.SENT}


class Unwelcoming(Server):
    """Refuses to be greeted: every EHLO and HELO gets a 554."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        return ["554 5.7.1 Not accepting mail from you"]

    async def handle_HELO(self, server, session, envelope, hostname):  # noqa: N802
        return "554 5.7.1 Not accepting mail from you"


def test_a_server_refusing_us_before_any_message_fails_none_of_them_for_good(app, server):
    smtp = server(cls=Unwelcoming)
    write(3)
    db.session.commit()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.PENDING}
    assert all(r.attempts == 1 and "554" in r.last_error for r in rows)
    assert smtp.accepted == []


def test_two_workers_handed_overlapping_chunks_send_each_message_once(app, server):
    smtp = server(delay=0.002)
    rows = write(60)
    db.session.info.pop(AFTER_COMMIT_KEY)  # the test hands the chunks over itself
    db.session.commit()
    ids = [r.id for r in rows]
    errors = []

    def work(chunk):
        try:
            queue.run_now("mail.deliver", chunk)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(chunk,))
               for chunk in (ids, ids[::-1], ids[20:], ids[:40])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Counter(smtp.accepted) == Counter(f"<{r.message_id}>" for r in rows)
    assert set(statuses().values()) == {OutboxStatus.SENT}


def test_the_sweeper_hands_many_due_messages_over_a_chunk_per_task(app, tmp_path, mailbox):
    write(DELIVERY_CHUNK + 3)
    db.session.info.pop(AFTER_COMMIT_KEY)  # as if every hand-over had been lost
    db.session.commit()
    app.config["QUEUE_URL"] = str(tmp_path / "queue.sqlite")
    queue.init_app(app)
    huey.flush()
    try:
        assert delivery.sweep() == DELIVERY_CHUNK + 3
        assert [len(t.args[0]) for t in huey.pending()] == [DELIVERY_CHUNK, 3]
        while huey.pending_count():
            huey.execute(huey.dequeue())
    finally:
        huey.flush()
    assert len(mailbox.messages) == DELIVERY_CHUNK + 3
    assert set(statuses().values()) == {OutboxStatus.SENT}


def test_without_mail_server_a_batch_is_written_as_eml_files(app, mailbox):
    app.config["MAIL_SERVER"] = None
    rows = write(5)
    db.session.commit()
    files = sorted(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert len(files) == 5 and mailbox.messages == []
    ids = {message_from_bytes(f.read_bytes(), policy=policy.default)["Message-ID"].strip("<>")
           for f in files}
    assert ids == {r.message_id for r in rows}
    assert set(statuses().values()) == {OutboxStatus.SENT}


def test_a_task_queued_with_one_id_before_chunks_still_delivers(app, mailbox):
    (row,) = write(1)
    db.session.info.pop(AFTER_COMMIT_KEY)
    db.session.commit()
    assert queue.run_now("mail.deliver", row.id) == 1
    assert len(mailbox.messages) == 1
