"""`flask --app app inbound receive` run as the mail server runs it: a process, bytes on stdin."""
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from community.db import db
from community.inbound.models import InboundMessage
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.inbound.conftest import AUTHSERV_ID
from tests.inbound.helpers import reply_message

PROJECT = Path(__file__).resolve().parents[2]


def _run(app, raw: bytes, **env) -> subprocess.CompletedProcess:
    """Run the real command in its own process against the test's database and SMTP server."""
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "QUEUE_URL": "immediate", "MAIL_SERVER": "127.0.0.1",
                   "MAIL_PORT": str(app.config["MAIL_PORT"]), "SECRET_KEY": app.config["SECRET_KEY"],
                   "BASE_URL": app.config["BASE_URL"], "INBOUND_AUTHSERV_ID": AUTHSERV_ID, **env}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), "--app", "app", "inbound", "receive"], input=raw, cwd=PROJECT,
                          env=environment, capture_output=True, timeout=60, check=False)


def test_the_pipe_command_releases_a_declined_seat_and_exits_0(app, mailbox):
    session = make_session(capacity=1)
    alice, bob = make_user(), make_user()
    signups.sign_up(alice, session)
    signups.sign_up(bob, session)
    db.session.commit()
    mailbox.clear()
    done = _run(app, reply_message(session.ical_uid, alice.email, "DECLINED"))
    assert done.returncode == 0, done.stderr.decode()
    assert b"calendar_reply done" in done.stdout
    db.session.expire_all()
    assert signups.registration_for(alice, session).status == "cancelled"
    assert signups.registration_for(bob, session).status == "confirmed"
    assert mailbox.to(bob.email)[0]["Subject"] == f"A seat is now yours: {session.title}"


def test_a_message_deliberately_ignored_exits_0(app, mailbox):
    raw = b"From: someone@example.org\r\nSubject: hi\r\nAuto-Submitted: auto-replied\r\n\r\naway\r\n"
    done = _run(app, raw)
    assert done.returncode == 0, done.stderr.decode()
    row = db.session.scalar(select(InboundMessage))
    assert (row.kind, row.outcome) == ("auto_reply", "ignored")


def test_an_unreachable_database_exits_75_so_the_mail_server_retries(app, tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}"
    done = _run(app, reply_message("uid@x", "a@example.com", "DECLINED"), DATABASE_URL=missing)
    assert done.returncode == 75
    assert b"temporary failure" in done.stderr
