"""Writing an announcement to everyone at a session: each person's invitation carries their own
ATTENDEE (whatever their name holds) on the calendar the chunk shares, and a chunk runs the
same queries for ten people as for forty."""
from datetime import timedelta

from community.db import db
from community.invites import worker
from community.invites.models import Announcement
from community.queue import AFTER_COMMIT_KEY
from community.sessions import services as sessions
from community.signups import services as signups
from tests.conftest import count_queries
from tests.factories import make_session, make_user
from tests.imip import event_of

NAMES = ["Siobhán O'Brien, CIO; Europe", 'Ana "Nina" Ruiz', "李小龍", "Grace Brewster Murray Hopper " * 3]


def _move(organiser, session):
    sessions.update_session(organiser, session, starts_at=session.starts_at + timedelta(hours=1),
                            ends_at=session.ends_at + timedelta(hours=1))
    db.session.commit()


def test_each_person_gets_their_own_attendee_on_the_shared_calendar(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=len(NAMES), join_url="https://meet.example.com/r")
    seated = [make_user(name=name.strip()) for name in NAMES]
    waiting = make_user(name="Wanda Waitlist")
    for user in [*seated, waiting]:
        signups.sign_up(user, session)
    db.session.commit()
    mailbox.clear()
    _move(organiser, session)
    assert len(mailbox.messages) == len(NAMES) + 1
    for user in seated:
        (message,) = mailbox.to(user.email)
        event = event_of(message)  # a valid invitation for every calendar client (tests/imip.py)
        attendee = event["ATTENDEE"]
        assert str(attendee) == f"mailto:{user.email}" and attendee.params["CN"] == user.name
        assert attendee.params["PARTSTAT"] == "ACCEPTED" and str(event["STATUS"]) == "CONFIRMED"
        assert "meet.example.com" in str(event["LOCATION"])
        assert event["SEQUENCE"] == session.sequence
    event = event_of(mailbox.to(waiting.email)[0])
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE" and str(event["STATUS"]) == "TENTATIVE"
    assert "meet.example.com" not in event.to_ical().decode()


def _expansion_statements(app, people: int) -> int:
    """SQL statements of expanding a move to `people` attendees, but for those writing and
    sending the messages themselves (one INSERT each on SQLite, one per chunk on PostgreSQL;
    the test's queue sends each message as the chunk commits)."""
    organiser = make_user(role="organiser")
    session = make_session(capacity=people)
    for _ in range(people):
        signups.sign_up(make_user(), session)
    db.session.commit()
    sessions.update_session(organiser, session, starts_at=session.starts_at + timedelta(hours=1),
                            ends_at=session.ends_at + timedelta(hours=1))
    db.session.info.pop(AFTER_COMMIT_KEY)  # the test expands it itself
    db.session.commit()
    ann = db.session.query(Announcement).filter_by(session_id=session.id).one()
    with count_queries() as statements:
        assert worker.expand(ann.id) == people
    return len([s for s in statements if "outbox" not in s.lower()])


def test_a_chunk_runs_the_same_queries_for_ten_people_as_for_forty(app):
    assert _expansion_statements(app, 10) == _expansion_statements(app, 40)
