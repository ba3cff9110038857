"""Answers under concurrency: threads with their own connections answer the same poll at once."""
import threading

import pytest
from sqlalchemy import func, select, text

from community.accounts.models import User
from community.db import db
from community.polls import services
from community.polls.models import Poll, PollAnswer, PollChoice
from tests.conftest import TEST_DATABASE_URL, run_threads, worker_transaction
from tests.factories import make_poll, make_user, option_ids
from tests.polls.helpers import bulk_members

#: PostgreSQL allows 100 connections by default, so there the 200 threads share 80 of them
#: (each still answers on a connection of its own); SQLite gets one per thread.
POOL = 80 if TEST_DATABASE_URL else 210


@pytest.fixture
def app_config():
    """Enough pooled connections for the threads."""
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": POOL, "max_overflow": 0, "pool_timeout": 120,
                                         "pool_pre_ping": True}}


def _answer_concurrently(app, poll_id: int, jobs: list[tuple[int, list[int]]]) -> list[str]:
    """Run `services.answer` for each (member id, option ids) in its own thread, app context and
    session, all released at once; return the errors."""
    errors, barrier = [], threading.Barrier(len(jobs))

    def worker(user_id, choice):
        barrier.wait(timeout=60)
        with worker_transaction(app, errors):
            services.answer(db.session.get(User, user_id), db.session.get(Poll, poll_id), choice)

    run_threads([threading.Thread(target=worker, args=job) for job in jobs], timeout=180)
    return errors


def test_two_hundred_members_answering_at_once_are_each_counted_once(app):
    poll = make_poll(options=["Yes", "No", "It depends"])
    ids = option_ids(poll, "Yes", "No", "It depends")
    members = bulk_members(200)
    db.session.commit()
    errors = _answer_concurrently(app, poll.id, [(uid, [ids[i % 3]]) for i, uid in enumerate(members)])
    assert errors == []
    db.session.expire_all()
    rows = db.session.execute(select(PollAnswer.user_id, func.count()).where(PollAnswer.poll_id == poll.id)
                              .group_by(PollAnswer.user_id)).all()
    assert sorted(uid for uid, _ in rows) == sorted(members) and {n for _, n in rows} == {1}
    current = services.tally(poll).current
    assert current.respondents == 200
    assert [o.count for o in current.options] == [67, 67, 66]


def test_one_member_changing_the_answer_twenty_times_at_once_ends_with_one_answer(app):
    poll = make_poll(kind="multiple", options=[f"Option {i}" for i in range(1, 7)])
    ids = [o.id for o in poll.options]
    member = make_user()
    db.session.commit()
    picks = [sorted({ids[i % 6], ids[(i + 1 + i // 6) % 6]}) for i in range(20)]
    errors = _answer_concurrently(app, poll.id, [(member.id, pick) for pick in picks])
    assert errors == []
    db.session.expire_all()
    answers = db.session.scalars(select(PollAnswer).where(PollAnswer.poll_id == poll.id)).all()
    assert len(answers) == 1 and answers[0].user_id == member.id
    chosen = sorted(db.session.scalars(select(PollChoice.option_id)
                                       .where(PollChoice.answer_id == answers[0].id)))
    assert chosen in picks, "the stored options must be exactly one of the answers sent, never a mix"
    assert services.tally(poll).current.respondents == 1


def _wait_for_a_lock_wait(app, errors=()) -> None:
    """On PostgreSQL, return once some connection waits for a row lock (bounded; on SQLite,
    which cannot show it, return at once: the outcome asserted does not depend on it)."""
    if not TEST_DATABASE_URL:
        return
    with app.app_context():
        for _ in range(600):
            waiting = db.session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
            db.session.rollback()
            if waiting:
                return
            threading.Event().wait(0.05)
    raise AssertionError(f"the answer never waited for the poll row; errors: {errors}")


def test_an_answer_arriving_while_the_poll_closes_waits_and_is_refused(app):
    organiser = make_user(role="organiser")
    poll = make_poll()
    member = make_user()
    db.session.commit()
    ids = organiser.id, poll.id, member.id, option_ids(poll, "Yes")
    closing, may_commit, read_open, errors = threading.Event(), threading.Event(), threading.Event(), []

    def close():
        with worker_transaction(app, errors):
            services.close_poll(db.session.get(User, ids[0]), db.session.get(Poll, ids[1]))
            closing.set()
            may_commit.wait(timeout=60)

    def late_answer():
        with worker_transaction(app, errors):
            user, open_poll = db.session.get(User, ids[2]), db.session.get(Poll, ids[1])
            open_poll.session  # noqa: B018 - the request holds the poll and its session, read while open
            assert open_poll.is_open
            read_open.set()
            closing.wait(timeout=60)
            services.answer(user, open_poll, ids[3])

    closer, answerer = threading.Thread(target=close), threading.Thread(target=late_answer)
    closer.start()
    answerer.start()
    closing.wait(timeout=60)
    # The close may not commit before the answer has read the poll open (on SQLite nothing
    # else holds it back, and an answerer started late would find the poll closed already).
    read_open.wait(timeout=60)
    _wait_for_a_lock_wait(app, errors)
    may_commit.set()
    closer.join(timeout=60)
    answerer.join(timeout=60)
    assert not closer.is_alive() and not answerer.is_alive()
    assert len(errors) == 1 and "closed before your answer arrived" in errors[0], errors
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PollAnswer)) == 0
    assert db.session.get(Poll, ids[1]).is_closed
