"""The IMAP way in, against a real Dovecot: messages appended over IMAP, read by
`flask inbound fetch` (a pass, or watching in IDLE) and by the worker, moved to Processed or
Ignored; a reader killed half-way through loses and duplicates nothing."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from community.db import db
from community.inbound import imap
from community.inbound import worker as inbound_worker
from community.inbound.models import InboundMessage
from community.mail import delivery
from community.mail.models import OutboxMessage
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.inbound.conftest import AUTHSERV_ID
from tests.inbound.dovecot import dovecot, plain_dovecot  # noqa: F401 - the fixtures
from tests.inbound.helpers import plain_message, reply_message

PROJECT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


@pytest.fixture
def imap_user(dovecot):  # noqa: F811 - the fixture imported above
    return dovecot.new_user()


@pytest.fixture
def app_config(dovecot, imap_user):  # noqa: F811
    """The community reads this test's own mailbox; our receiving server is mx.community.test."""
    return {"INBOUND_AUTHSERV_ID": AUTHSERV_ID, "INBOUND_IMAP_URL": dovecot.url(imap_user)}


def _environment(app, **overrides) -> dict:
    """The environment for the real command in its own process: the test's database, SMTP
    server and mailbox."""
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "QUEUE_URL": "immediate", "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(app.config["MAIL_PORT"]), "SECRET_KEY": app.config["SECRET_KEY"],
            "BASE_URL": app.config["BASE_URL"], "INBOUND_AUTHSERV_ID": AUTHSERV_ID,
            "INBOUND_IMAP_URL": app.config["INBOUND_IMAP_URL"], **overrides}


def _start(app, *args, **overrides) -> subprocess.Popen:
    return subprocess.Popen([str(FLASK), "--app", "app", *args], cwd=PROJECT,
                            env=_environment(app, **overrides),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(InboundMessage.id)))


def _wait_for_rows(count: int, process: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until `count` messages are recorded (the process under test writes them)."""
    deadline = time.monotonic() + timeout
    while _rows() < count:
        if process.poll() is not None:
            raise AssertionError(f"the process ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"only {_rows()} of {count} messages recorded in {timeout} s")
        time.sleep(0.02)


def _stop(process: subprocess.Popen) -> tuple[int, str, str]:
    """SIGTERM, as a service manager stops it; the exit code and output."""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)
    return process.returncode, out.decode(), err.decode()


def _declining_members(count: int, capacity: int | None = None):
    """A session with `count` confirmed members and one decline each, ready to append."""
    session = make_session(capacity=capacity or count)
    members = [make_user() for _ in range(count)]
    for member in members:
        signups.sign_up(member, session)
    db.session.commit()
    return session, members, [reply_message(session.ical_uid, m.email, "DECLINED") for m in members]


# The URL ---------------------------------------------------------------------------------

def test_the_mailbox_url_names_host_port_tls_user_password_and_folder():
    box = imap.parse_url("imaps://community%40example.org:p%40ss%2Fw@mail.example.org/Replies")
    assert (box.host, box.port, box.tls, box.username, box.password, box.folder) == (
        "mail.example.org", 993, True, "community@example.org", "p@ss/w", "Replies")
    assert imap.parse_url("imap://u:p@localhost").port == 143
    assert imap.parse_url("imap://u:p@localhost:1143/").folder == "INBOX"
    assert "p@ss" not in str(box) and "p@ss" not in repr(box)


@pytest.mark.parametrize("url", ["pop3://u:p@host/INBOX", "imaps://host/INBOX", "imaps://u:p@/INBOX",
                                 "imaps://u:p@host:99999/INBOX"])
def test_a_mailbox_url_that_cannot_work_is_refused_with_the_reason(url):
    with pytest.raises(ValueError, match="INBOUND_IMAP_URL"):
        imap.parse_url(url)


def test_fetch_without_a_mailbox_says_so(app, runner):
    app.config["INBOUND_IMAP_URL"] = None
    result = runner.invoke(args=["inbound", "fetch", "--once"])
    assert result.exit_code == 1
    assert "INBOUND_IMAP_URL is not set" in result.output


# One pass --------------------------------------------------------------------------------

def test_one_pass_acts_on_each_message_and_files_it_by_outcome(app, runner, mailbox, dovecot, imap_user):  # noqa: F811
    session, (alice, bob), (alice_declines, _) = _declining_members(2)
    out_of_office = plain_message("carol@example.org", "Out of office",
                                  headers={"Auto-Submitted": "auto-replied"})
    question = plain_message("dave@example.org", "A question about membership")
    dovecot.append(imap_user, alice_declines, out_of_office, question)
    mailbox.clear()

    result = runner.invoke(args=["inbound", "fetch", "--once"])

    assert result.exit_code == 0, result.output
    assert "2 processed, 1 ignored" in result.output
    assert dovecot.count(imap_user, "INBOX") == 0
    assert dovecot.count(imap_user, imap.PROCESSED) == 2
    assert dovecot.message_ids(imap_user, imap.IGNORED) == [
        next(r.message_id for r in db.session.scalars(select(InboundMessage))
             if r.kind == "auto_reply").join("<>")]
    db.session.expire_all()
    assert signups.registration_for(alice, session).status == "cancelled"
    assert signups.registration_for(bob, session).status == "confirmed"
    assert f"You gave up your seat: {session.title}" in [m["Subject"] for m in mailbox.to(alice.email)]
    # A second pass finds nothing: what was handled is no longer in the folder.
    again = runner.invoke(args=["inbound", "fetch", "--once"])
    assert "0 processed, 0 ignored" in again.output
    assert _rows() == 3


def test_a_message_recorded_just_before_a_crash_is_filed_without_acting_twice(
        app, runner, mailbox, dovecot, imap_user):  # noqa: F811
    """The reader committed but died before the move: the next pass finds it again."""
    session, (alice,), (declines,) = _declining_members(1)
    inbound_worker.handle(declines)
    dovecot.append(imap_user, declines)
    sent = len(mailbox.to(alice.email))
    assert sent > 0

    result = runner.invoke(args=["inbound", "fetch", "--once"])

    assert result.exit_code == 0, result.output
    assert dovecot.count(imap_user, "INBOX") == 0
    assert dovecot.count(imap_user, imap.PROCESSED) == 1
    row = db.session.scalar(select(InboundMessage))
    assert (_rows(), row.attempts) == (1, 1)
    assert len(mailbox.to(alice.email)) == sent


def test_a_message_over_the_limit_is_refused_from_its_header_without_downloading_it(
        app, runner, dovecot, imap_user):  # noqa: F811
    app.config["INBOUND_MAX_BYTES"] = 50_000
    big = plain_message("eve@example.org", "A large attachment", body="x" * 200_000)
    dovecot.append(imap_user, big)

    result = runner.invoke(args=["inbound", "fetch", "--once"])

    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(InboundMessage))
    assert (row.outcome, row.sender, row.raw) == ("rejected", "eve@example.org", None)
    assert row.size > 200_000
    assert dovecot.count(imap_user, imap.IGNORED) == 1


def test_an_unreachable_mailbox_is_a_temporary_failure(app, runner):
    from tests.conftest import free_port

    app.config["INBOUND_IMAP_URL"] = f"imap://u:secret@127.0.0.1:{free_port()}/INBOX"
    result = runner.invoke(args=["inbound", "fetch", "--once"])
    assert result.exit_code == 75
    assert "cannot reach imap://u@127.0.0.1" in result.output
    assert "secret" not in result.output


def test_a_wrong_password_is_reported_without_the_password(app, runner, dovecot, imap_user):  # noqa: F811
    app.config["INBOUND_IMAP_URL"] = dovecot.url(imap_user).replace("imap-test-password", "wrong-one")
    result = runner.invoke(args=["inbound", "fetch", "--once"])
    assert result.exit_code == 75
    assert "cannot open" in result.output and "wrong-one" not in result.output


def test_with_the_database_down_the_mail_stays_in_the_folder_for_the_next_pass(
        app, mailbox, dovecot, imap_user, tmp_path):  # noqa: F811
    session, (alice,), (declines,) = _declining_members(1)
    dovecot.append(imap_user, declines)
    missing = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}"

    down = _start(app, "inbound", "fetch", "--once", DATABASE_URL=missing)
    out, err = down.communicate(timeout=60)

    assert down.returncode == 75, err.decode()
    assert b"1 left for the next pass" in out
    assert dovecot.count(imap_user, "INBOX") == 1
    again = _start(app, "inbound", "fetch", "--once")
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err.decode()
    assert dovecot.count(imap_user, "INBOX") == 0
    db.session.expire_all()
    assert signups.registration_for(alice, session).status == "cancelled"


# A reader killed half-way --------------------------------------------------------------

def test_a_reader_killed_mid_batch_loses_and_duplicates_nothing(app, mailbox, dovecot, imap_user,  # noqa: F811
                                                               tmp_path):
    count = 20
    session, members, declines = _declining_members(count)
    dovecot.append(imap_user, *declines)
    mailbox.clear()
    # The readers hand their emails to a queue nobody consumes: a reader killed while it was
    # sending one would leave it claimed for the lease (delivery's own crash test covers that),
    # and this test is about the mailbox. The sweep below delivers what they wrote.
    unconsumed = str(tmp_path / "queue.sqlite")

    first = _start(app, "inbound", "fetch", "--once", QUEUE_URL=unconsumed)
    _wait_for_rows(3, first)
    first.kill()  # SIGKILL: no chance to finish the message in hand
    first.communicate(timeout=20)
    recorded, left = _rows(), dovecot.count(imap_user, "INBOX")
    assert recorded < count and left > 0, "the reader was to be killed half-way through"

    second = _start(app, "inbound", "fetch", "--once", QUEUE_URL=unconsumed)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()

    assert dovecot.count(imap_user, "INBOX") == 0
    assert dovecot.count(imap_user, imap.PROCESSED) == count
    assert _rows() == count
    db.session.expire_all()
    assert {signups.registration_for(m, session).status for m in members} == {"cancelled"}
    # One "you gave up your seat" each in the outbox; the worker's sweep delivers them, and
    # nobody gets it twice.
    gave_up = db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "inbound_gave_up_seat")).all()
    assert sorted(gave_up) == sorted(m.email for m in members)
    delivery.sweep()
    for member in members:
        assert [m["Subject"] for m in mailbox.to(member.email)].count(
            f"You gave up your seat: {session.title}") == 1


# Watching --------------------------------------------------------------------------------

def test_watching_reads_new_mail_as_it_arrives_and_stops_cleanly(app, mailbox, dovecot, imap_user):  # noqa: F811
    session, (alice, bob), (alice_declines, bob_declines) = _declining_members(2)
    watcher = _start(app, "inbound", "fetch")
    try:
        dovecot.append(imap_user, alice_declines)
        _wait_for_rows(1, watcher)
        # Mail arriving while the reader waits in IDLE is read at once, not at the next poll
        # (INBOUND_IMAP_POLL_SECONDS is 60).
        dovecot.append(imap_user, bob_declines)
        _wait_for_rows(2, watcher, timeout=15)
    finally:
        code, out, err = _stop(watcher)
    assert code == 0, err
    assert "Watching imap://" in out and "Stopped." in out
    db.session.expire_all()
    assert {signups.registration_for(m, session).status for m in (alice, bob)} == {"cancelled"}
    assert dovecot.count(imap_user, imap.PROCESSED) == 2


def test_the_worker_reads_the_mailbox_beside_the_queue(app, mailbox, dovecot, imap_user, tmp_path):  # noqa: F811
    session, (alice,), (declines,) = _declining_members(1)
    queue_file = str(tmp_path / "queue.sqlite")
    mailbox.clear()
    worker = _start(app, "worker", QUEUE_URL=queue_file)
    gave_up = f"You gave up your seat: {session.title}"
    try:
        dovecot.append(imap_user, declines)
        _wait_for_rows(1, worker)
        # The worker's own consumer delivers the mail the pipeline wrote.
        deadline = time.monotonic() + 30
        while gave_up not in [m["Subject"] for m in mailbox.to(alice.email)] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        code, out, err = _stop(worker)
    assert code == 0, err
    assert [m["Subject"] for m in mailbox.to(alice.email)].count(gave_up) == 1
    assert dovecot.count(imap_user, imap.PROCESSED) == 1


# A server without MOVE and IDLE --------------------------------------------------------

def test_without_move_or_idle_messages_are_copied_and_expunged_and_the_reader_polls(
        app, mailbox, plain_dovecot):  # noqa: F811
    user = plain_dovecot.new_user()
    app.config["INBOUND_IMAP_URL"] = plain_dovecot.url(user)
    session, (alice, bob), (alice_declines, bob_declines) = _declining_members(2)
    plain_dovecot.append(user, alice_declines)
    watcher = _start(app, "inbound", "fetch", INBOUND_IMAP_POLL_SECONDS="1")
    try:
        _wait_for_rows(1, watcher)
        plain_dovecot.append(user, bob_declines)
        _wait_for_rows(2, watcher, timeout=15)
    finally:
        code, out, err = _stop(watcher)
    assert code == 0, err
    assert plain_dovecot.count(user, "INBOX") == 0
    assert plain_dovecot.count(user, imap.PROCESSED) == 2
    db.session.expire_all()
    assert {signups.registration_for(m, session).status for m in (alice, bob)} == {"cancelled"}
