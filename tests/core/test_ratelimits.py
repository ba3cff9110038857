"""Rate limits that let a room take part and still stop an attacker.

Signed-in actions count per account and failed logins per address typed, so 200 members
behind one venue address all get in and all vote, while 20 wrong passwords for one account
lock that account. Behind TRUSTED_PROXIES reverse proxies the client's own address counts.
"""
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from community.accounts.models import User
from community.db import db
from community.polls.models import PollAnswer
from community.signups.models import Registration
from tests.factories import PASSWORD, make_poll, make_user, option_ids

LIMITED = {"RATELIMIT_ENABLED": True}
ROOM = 200
#: One instant for the whole room: everything below happens "within a minute".
NOW = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)


def _room(size: int) -> list[str]:
    """`size` confirmed members sharing one password hash (hashing 200 passwords adds nothing)."""
    first = make_user()
    emails = [first.email]
    for n in range(1, size):
        email = f"room{n}@example.com"
        db.session.add(User(email=email, name=f"Room member {n}", organisation="Venue plc",
                            job_title="CIO", password_hash=first.password_hash, role="member",
                            timezone="Europe/London", confirmed_at=first.confirmed_at,
                            session_token=f"token{n}"))
        emails.append(email)
    db.session.flush()
    return emails


@pytest.mark.parametrize("app_config", [LIMITED])
def test_two_hundred_members_behind_one_address_all_log_in_and_all_vote(app, app_config):
    with time_machine.travel(NOW, tick=False):
        poll = make_poll()
        emails = _room(ROOM)
        db.session.commit()
        url = f"/sessions/{poll.session_id}/polls/{poll.id}/answer"
        choice = option_ids(poll, "Yes")
        logins, answers = [], []
        for email in emails:
            member = app.test_client()  # one browser each, all from 127.0.0.1
            with app.app_context():  # each request its own context, as in a real server
                logins.append(member.post("/login", data={"email": email, "password": PASSWORD}).status_code)
            with app.app_context():
                answers.append(member.post(url, data={"option": choice}).status_code)
    assert logins == [302] * ROOM
    assert answers == [302] * ROOM
    assert db.session.scalar(select(func.count(PollAnswer.id)).where(PollAnswer.poll_id == poll.id)) == ROOM


@pytest.mark.parametrize("app_config", [LIMITED])
def test_twenty_wrong_passwords_lock_that_account_but_not_the_room(app, client, app_config):
    target, neighbour = make_user(), make_user()
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        codes = [client.post("/login", data={"email": target.email, "password": "wrong guess"}).status_code
                 for _ in range(20)]
        right = client.post("/login", data={"email": target.email, "password": PASSWORD})
        other = app.test_client().post("/login", data={"email": neighbour.email, "password": PASSWORD})
    assert codes[:10] == [200] * 10 and set(codes[10:]) == {429}
    assert right.status_code == 429  # locked, even with the right password, until the window passes
    assert other.status_code == 302  # the next member at the same address logs in


@pytest.mark.parametrize("app_config", [LIMITED])
def test_the_account_lock_lifts_after_the_minute(app, client, app_config):
    target = make_user()
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        for _ in range(10):
            client.post("/login", data={"email": target.email, "password": "wrong guess"})
        assert client.post("/login", data={"email": target.email, "password": PASSWORD}).status_code == 429
    with time_machine.travel(NOW.replace(minute=32), tick=False):
        assert client.post("/login", data={"email": target.email, "password": PASSWORD}).status_code == 302


def _failed_logins_from(client, forwarded_for: str, count: int) -> list[int]:
    """Wrong passwords for `count` different addresses, each seen as coming from `forwarded_for`."""
    return [client.post("/login", data={"email": f"guess{n}@example.com", "password": "nope"},
                        headers={"X-Forwarded-For": forwarded_for}).status_code for n in range(count)]


@pytest.mark.parametrize("app_config", [dict(LIMITED, TRUSTED_PROXIES=1)])
def test_behind_a_trusted_proxy_each_client_address_counts_separately(app, client, app_config):
    with time_machine.travel(NOW, tick=False):
        attacker = _failed_logins_from(client, "203.0.113.7", 101)
        visitor = _failed_logins_from(client, "198.51.100.20", 1)
    assert attacker[:100] == [200] * 100 and attacker[-1] == 429
    assert visitor == [200]


@pytest.mark.parametrize("app_config", [LIMITED])
def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app, client, app_config):
    with time_machine.travel(NOW, tick=False):
        codes = [client.post("/login", data={"email": f"guess{n}@example.com", "password": "nope"},
                             headers={"X-Forwarded-For": f"192.0.2.{n % 250}"}).status_code
                 for n in range(101)]
    assert codes[:100] == [200] * 100 and codes[-1] == 429


@pytest.mark.parametrize("app_config", [LIMITED])
def test_signing_up_counts_per_account_not_per_address(app, app_config):
    from tests.factories import make_session

    with time_machine.travel(NOW, tick=False):
        session = make_session(capacity=100)
        emails = _room(40)
        db.session.commit()
        codes = []
        for email in emails:
            member = app.test_client()
            with app.app_context():  # each request its own context, as in a real server
                member.post("/login", data={"email": email, "password": PASSWORD})
            with app.app_context():
                codes.append(member.post(f"/sessions/{session.id}/signup").status_code)
    assert codes == [302] * 40
    seated = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == session.id, Registration.status == "confirmed"))
    assert seated == 40


def test_several_workers_on_memory_counters_are_warned_about():
    from community.config import ratelimit_storage
    from community.core.ratelimit import shared_counters_warning

    assert "set QUEUE_URL to a redis:// URL" in shared_counters_warning(5, ratelimit_storage("/tmp/q.sqlite"))
    assert shared_counters_warning(5, ratelimit_storage("redis://127.0.0.1:6379/0")) is None
    assert shared_counters_warning(1, ratelimit_storage("/tmp/q.sqlite")) is None


def test_gunicorn_warns_at_start_when_workers_would_not_share_counters(tmp_path, monkeypatch):
    import runpy

    from gunicorn.config import Config

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("QUEUE_URL", raising=False)
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"))
    warnings = []

    class Server:
        """What gunicorn passes to on_starting: its settings and its logger."""

        cfg = Config()
        log = type("Log", (), {"warning": staticmethod(warnings.append)})

    Server.cfg.set("workers", settings["workers"])
    settings["on_starting"](Server)
    assert warnings and "3 web workers keep rate-limit counters" in warnings[0]
