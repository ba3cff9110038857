"""The email pipeline: outbox in the caller's transaction, delivery after commit, retries, sweeper."""
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import time_machine
from sqlalchemy import func, select

from community import queue
from community.db import db, utcnow
from community.extensions import mail
from community.mail import delivery, services
from community.mail.models import OutboxMessage, OutboxStatus
from community.queue import AFTER_COMMIT_KEY
from tests.factories import make_email, make_user


def _count(status=None):
    stmt = select(func.count(OutboxMessage.id))
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return db.session.scalar(stmt)


def test_message_is_delivered_only_after_the_commit(app, mailbox):
    user = make_user()
    row = make_email(user)
    assert mailbox.messages == []  # written to the outbox, not yet sent
    db.session.commit()
    assert len(mailbox.to(user.email)) == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_rolled_back_transaction_sends_nothing(app, mailbox):
    user = make_user()
    db.session.commit()
    make_email(user)
    db.session.rollback()
    assert _count() == 0
    assert mailbox.messages == []


def test_message_has_id_date_and_plain_text_and_html_parts(app, mailbox):
    user = make_user()
    make_email(user, "Welcome aboard")
    db.session.commit()
    (msg,) = mailbox.messages
    assert msg["Message-ID"] and msg["Date"]
    assert msg["Subject"] == "Welcome aboard"
    assert msg["From"] == "Digital Leadership Community <community@localhost>"
    assert msg.get_content_type() == "multipart/alternative"
    assert "confirm" in msg.get_body(preferencelist=("plain",)).get_content()
    assert msg.get_body(preferencelist=("html",)) is not None


def test_envelope_sender_and_recipient_are_bare_addresses(app, smtp_server, mailbox):
    user = make_user(email="Envelope@Example.com")
    make_email(user)
    db.session.commit()
    envelope = mailbox.envelopes[0]
    assert envelope.mail_from == "community@localhost"
    assert envelope.rcpt_tos == ["envelope@example.com"]


def test_attachments_are_carried(app, mailbox):
    user = make_user()
    services.send_email(user.email, "Slides", "confirm_email", {"user": user, "confirm_url": "x"},
                        attachments=[services.Attachment("deck.pdf", b"%PDF-1.4 demo", "application/pdf")])
    db.session.commit()
    (msg,) = mailbox.messages
    assert msg.get_content_type() == "multipart/mixed"
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "deck.pdf" and part.get_content() == b"%PDF-1.4 demo"


def test_smtp_outage_delays_delivery_and_recovery_delivers_each_message_once(app, smtp_server, mailbox):
    users = [make_user() for _ in range(5)]
    db.session.commit()
    smtp_server.stop()
    try:
        for user in users:
            make_email(user)
        db.session.commit()
        assert _count(OutboxStatus.PENDING) == 5
        row = db.session.scalars(select(OutboxMessage)).first()
        assert row.attempts == 1 and "refused" in row.last_error
        # Still down at the next sweep: nothing is lost, nothing sent.
        with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
            queue.run_now("mail.sweep_outbox")
        assert _count(OutboxStatus.PENDING) == 5
    finally:
        smtp_server.start()
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        assert queue.run_now("mail.sweep_outbox") == 5
        # A second sweep finds nothing left to do.
        assert queue.run_now("mail.sweep_outbox") == 0
    db.session.expire_all()
    assert _count(OutboxStatus.SENT) == 5
    received = sorted(m["To"] for m in mailbox.messages)
    assert received == sorted(u.email for u in users)


def test_failed_attempts_back_off_and_give_up_after_the_limit(app, smtp_server, mailbox):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    user = make_user()
    db.session.commit()
    smtp_server.stop()
    try:
        row = make_email(user)
        db.session.commit()
        now = utcnow()
        for minutes in (5, 30):
            with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
                queue.run_now("mail.sweep_outbox")
        db.session.refresh(row)
        assert row.status == OutboxStatus.FAILED and row.attempts == 3
        assert row.last_error
    finally:
        smtp_server.start()


def test_backoff_grows_and_is_capped():
    assert delivery.backoff(1) == timedelta(minutes=1)
    assert delivery.backoff(2) == timedelta(minutes=2)
    assert delivery.backoff(4) == timedelta(minutes=8)
    assert delivery.backoff(30) == timedelta(hours=6)


def test_a_message_is_sent_once_even_if_delivered_twice(app, mailbox):
    user = make_user()
    row = make_email(user)
    db.session.commit()
    assert delivery.deliver(row.id) is False  # already sent by the after-commit hand-over
    assert len(mailbox.messages) == 1


def test_sweeper_picks_up_a_message_whose_enqueue_was_lost(app, mailbox):
    user = make_user()
    row = make_email(user)
    db.session.info.pop(AFTER_COMMIT_KEY)  # as if the process died right after commit
    db.session.commit()
    assert mailbox.messages == []
    assert queue.run_now("mail.sweep_outbox") == 1
    assert len(mailbox.messages) == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT


def test_sweeper_reclaims_a_message_left_sending_by_a_crashed_worker(app, mailbox):
    user = make_user()
    row = make_email(user)
    db.session.info.pop(AFTER_COMMIT_KEY)
    row.status = OutboxStatus.SENDING
    row.claimed_at = utcnow()
    db.session.commit()
    assert queue.run_now("mail.sweep_outbox") == 0  # the claim is still fresh
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert queue.run_now("mail.sweep_outbox") == 1
    assert len(mailbox.messages) == 1


def test_without_mail_server_messages_are_written_as_eml_files(app, mailbox):
    app.config["MAIL_SERVER"] = None
    user = make_user()
    row = make_email(user, "File me")
    db.session.commit()
    files = list(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert len(files) == 1 and mailbox.messages == []
    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["Subject"] == "File me" and msg["Message-ID"].strip("<>") == row.message_id
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT


def test_resend_delivers_the_same_message_again(app, mailbox):
    user = make_user()
    row = make_email(user)
    db.session.commit()
    services.resend(row)
    db.session.commit()
    assert len(mailbox.messages) == 2
    assert mailbox.messages[0]["Message-ID"] == mailbox.messages[1]["Message-ID"]


def test_permanent_refusal_fails_at_once(app, smtp_server, mailbox):
    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            return "550 No such user here"

    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config["MAIL_PORT"] = port
        mail.init_app(app)
        user = make_user()
        row = make_email(user)
        db.session.commit()
        db.session.refresh(row)
        assert row.status == OutboxStatus.FAILED and "550" in row.last_error
    finally:
        controller.stop()
