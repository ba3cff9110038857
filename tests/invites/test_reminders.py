"""Reminders: once per confirmed attendee, never for cancelled seats or sessions."""
import threading
from datetime import timedelta

import pytest
import time_machine

from community import queue
from community.db import db, utcnow
from community.invites import worker as invites_worker
from community.sessions import services as sessions
from community.sessions.models import Format
from community.signups import services as signups
from tests.factories import make_session, make_user


def _subjects(mailbox, address):
    return [m["Subject"] for m in mailbox.to(address)]


def test_day_before_and_hour_before_reminders_go_out_once(app, mailbox):
    start = utcnow() + timedelta(days=3)
    session = make_session(starts_at=start, format=Format.ONLINE)
    user = make_user(email="ada@example.com")
    signups.sign_up(user, session)
    db.session.commit()
    with time_machine.travel(start - timedelta(hours=30), tick=False):
        assert queue.run_now("invites.send_reminders") == 0
    with time_machine.travel(start - timedelta(hours=23), tick=False):
        assert queue.run_now("invites.send_reminders") == 1
        assert queue.run_now("invites.send_reminders") == 0
    with time_machine.travel(start - timedelta(minutes=50), tick=False):
        assert queue.run_now("invites.send_reminders") == 1
        assert queue.run_now("invites.send_reminders") == 0
    subjects = _subjects(mailbox, "ada@example.com")
    assert subjects[1:] == ["Reminder: Is good enough, enough? tomorrow",
                            "Reminder: Is good enough, enough? starts soon"]
    last = mailbox.to("ada@example.com")[-1].get_body(preferencelist=("plain",)).get_content()
    assert "Join link: https://meet.example.com/roundtable" in last


def test_in_person_sessions_get_no_hour_before_reminder(app, mailbox):
    start = utcnow() + timedelta(hours=20)
    session = make_session(starts_at=start, format=Format.IN_PERSON, venue="London office")
    signups.sign_up(make_user(), session)
    db.session.commit()
    with time_machine.travel(start - timedelta(minutes=30), tick=False):
        assert invites_worker.send_due() == 1  # only the day-before one, late


def test_no_reminder_for_a_cancelled_seat_or_a_cancelled_session(app, mailbox):
    organiser = make_user(role="organiser")
    start = utcnow() + timedelta(days=2)
    cancelled_session = make_session(starts_at=start, slug="a")
    kept = make_session(starts_at=start, slug="b")
    leaver, attendee = make_user(), make_user()
    signups.sign_up(attendee, cancelled_session)
    signups.sign_up(leaver, kept)
    signups.cancel(leaver, kept)
    sessions.cancel(organiser, cancelled_session)
    db.session.commit()
    mailbox.clear()
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        assert invites_worker.send_due() == 0
    assert mailbox.messages == []


def test_waitlisted_members_get_no_reminder(app, mailbox):
    start = utcnow() + timedelta(days=2)
    session = make_session(starts_at=start, capacity=1)
    signups.sign_up(make_user(), session)
    signups.sign_up(make_user(email="w@example.com"), session)
    db.session.commit()
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        invites_worker.send_due()
    assert not any(s.startswith("Reminder") for s in _subjects(mailbox, "w@example.com"))


@pytest.fixture
def app_config():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 0}}


def test_two_workers_at_once_send_each_reminder_once(app, mailbox):
    start = utcnow() + timedelta(days=2)
    session = make_session(starts_at=start, capacity=20)
    users = [make_user() for _ in range(10)]
    for user in users:
        signups.sign_up(user, session)
    db.session.commit()
    mailbox.clear()
    results, barrier = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait(timeout=30)
            results.append(invites_worker.send_due())
            db.session.remove()

    with time_machine.travel(start - timedelta(hours=3), tick=False):  # one clock for both
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sum(results) == 10
    assert sorted(m["To"] for m in mailbox.messages) == sorted(u.email for u in users)
