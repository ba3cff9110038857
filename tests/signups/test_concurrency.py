"""No overbooking under concurrency: threads with their own connections hit one session at once."""
import threading

import pytest
from sqlalchemy import select

from community.accounts.models import User
from community.db import db
from community.sessions.models import Session
from community.signups import services
from community.signups.models import Registration, RegistrationStatus
from tests.conftest import run_threads, worker_transaction
from tests.factories import make_session, make_user


@pytest.fixture
def app_config():
    """Enough pooled connections for every thread to hold its own."""
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 60, "max_overflow": 0, "pool_pre_ping": True}}


def _run_concurrently(app, user_ids, action):
    """Run `action(user, session)` for each user in its own thread, app context and connection."""
    errors, barrier = [], threading.Barrier(len(user_ids))

    def worker(user_id, session_id):
        with worker_transaction(app, errors):
            user = db.session.get(User, user_id)
            session = db.session.get(Session, session_id)
            barrier.wait(timeout=30)
            action(user, session)

    return errors, worker


def _start(app, session_id, user_ids, action):
    errors, worker = _run_concurrently(app, user_ids, action)
    run_threads([threading.Thread(target=worker, args=(uid, session_id)) for uid in user_ids], timeout=120)
    return errors


def _state(session_id):
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.session_id == session_id)).all()
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waitlisted = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED),
                        key=lambda r: services.waitlist_position(r))
    return confirmed, waitlisted


def test_fifty_concurrent_sign_ups_fill_ten_seats_exactly(app):
    session = make_session(capacity=10)
    users = [make_user() for _ in range(50)]
    db.session.commit()
    errors = _start(app, session.id, [u.id for u in users], services.sign_up)
    assert errors == []
    confirmed, waitlisted = _state(session.id)
    assert len(confirmed) == 10 and len(waitlisted) == 40
    assert [services.waitlist_position(r) for r in waitlisted] == list(range(1, 41))
    assert len({r.user_id for r in confirmed + waitlisted}) == 50


def test_concurrent_cancellations_promote_each_freed_seat_once(app):
    session = make_session(capacity=10)
    users = [make_user() for _ in range(30)]
    db.session.commit()
    for user in users:
        services.sign_up(user, session)
        db.session.commit()
    confirmed, waitlisted = _state(session.id)
    head = [r.user_id for r in waitlisted[:10]]
    errors = _start(app, session.id, [r.user_id for r in confirmed], services.cancel)
    assert errors == []
    confirmed, waitlisted = _state(session.id)
    assert sorted(r.user_id for r in confirmed) == sorted(head)
    assert len(waitlisted) == 10
    assert [services.waitlist_position(r) for r in waitlisted] == list(range(1, 11))


def test_concurrent_sign_ups_and_cancellations_never_overbook(app):
    session = make_session(capacity=5)
    holders = [make_user() for _ in range(5)]
    newcomers = [make_user() for _ in range(20)]
    db.session.commit()
    for user in holders:
        services.sign_up(user, session)
    db.session.commit()

    def mixed(user, session):
        if user.id in {h.id for h in holders}:
            services.cancel(user, session)
        else:
            services.sign_up(user, session)

    errors = _start(app, session.id, [u.id for u in holders + newcomers], mixed)
    assert errors == []
    confirmed, waitlisted = _state(session.id)
    assert len(confirmed) == 5 and len(waitlisted) == 15
    assert [services.waitlist_position(r) for r in waitlisted] == list(range(1, 16))


def test_double_click_from_two_tabs_makes_one_registration(app):
    session = make_session(capacity=10)
    user = make_user()
    db.session.commit()
    errors = _start(app, session.id, [user.id] * 8, services.sign_up)
    assert errors == []
    confirmed, waitlisted = _state(session.id)
    assert len(confirmed) == 1 and waitlisted == []
