"""A sign-up that waits for the session lock queues behind the sign-ups made while it waited
(found by bench/rush.py: with 1,000 sign-ups at once, about half the waitlist was emailed a
position one lower than the one the database gave them)."""
import threading
from datetime import timedelta

import time_machine
from sqlalchemy import event

from community.accounts.models import User
from community.core import signals
from community.db import db, utcnow
from community.sessions.models import Session
from community.signups import services
from community.signups.models import RegistrationStatus
from tests.conftest import run_threads, worker_transaction
from tests.factories import make_session, make_user


def test_a_member_who_waited_for_the_lock_is_behind_the_one_who_held_it(app):
    session = make_session(capacity=1)
    seated, waiting, holder = make_user(), make_user(), make_user()
    db.session.commit()
    services.sign_up(seated, session)
    db.session.commit()
    told, errors, main, fired = {}, [], threading.get_ident(), []

    def record(reg, position=None, **_ignored):
        told[reg.user_id] = position

    def other_member_signs_up_first():
        with worker_transaction(app, errors):
            services.sign_up(db.session.get(User, holder.id), db.session.get(Session, session.id))

    with time_machine.travel(utcnow(), tick=False) as traveller:
        def before_the_lock(conn, cursor, statement, *args):
            """Just before `waiting` takes the lock, a second later, `holder` signs up and commits."""
            if (threading.get_ident() == main and not fired
                    and statement.lstrip().upper().startswith("UPDATE SESSIONS")):
                fired.append(True)
                traveller.shift(timedelta(seconds=1))
                run_threads([threading.Thread(target=other_member_signs_up_first)], timeout=60)

        event.listen(db.engine, "before_cursor_execute", before_the_lock)
        try:
            with signals.waitlisted.connected_to(record):
                reg = services.sign_up(waiting, session)
                db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", before_the_lock)

    assert errors == []
    assert reg.status == RegistrationStatus.WAITLISTED
    assert told == {holder.id: 1, waiting.id: 2}
    assert services.waitlist_position(reg) == 2
