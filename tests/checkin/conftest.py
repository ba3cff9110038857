"""A session on its day: a host, another analyst, an organiser, people with seats, on the
waitlist and cancelled, with the clock stopped half-way through the session."""
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from community.core import signals
from community.db import db
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.security.world import cheap_passwords

FILES = Path(__file__).resolve().parent / "files"
#: A week before: everyone signs up.
BEFORE = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
#: Thursday 14 January 2027, 14:00-15:00 London (GMT = UTC).
STARTS = datetime(2027, 1, 14, 14, 0, tzinfo=UTC)
DURING = datetime(2027, 1, 14, 14, 30, tzinfo=UTC)


def sample(name: str) -> bytes:
    """The bytes of a sample file in files/."""
    return (FILES / name).read_bytes()


@dataclass
class Day:
    """The session of the day and the people around it (ids and rows, committed)."""

    session: object
    host: object
    analyst: object
    organiser: object
    member: object
    ada: object
    zed: object
    larry: object
    wendy: object
    carla: object
    clock: object

    def reg(self, user):
        """The user's registration, read again."""
        return signups.registration_for(user, self.session)


@pytest.fixture
def day(app, mailbox):
    """Capacity 3: Ada, Zed and Larry hold seats; Carla (who then left) and Wendy waited; the
    clock stands at 14:30 on the session's day."""
    with time_machine.travel(BEFORE, tick=False) as clock, cheap_passwords():
        host = make_user(name="Hal Host", email="hal.host@example.com", role="analyst")
        people = {
            "analyst": make_user(name="Ann Analyst", role="analyst"),
            "organiser": make_user(name="Olga Organiser", role="organiser"),
            "member": make_user(name="Bob Bystander", email="bob@example.com"),
            "ada": make_user(name="Ada Attendee", email="ada.attendee@example.com",
                             organisation="Northwind Traders"),
            "zed": make_user(name="Zed Zero-Show", email="zed@example.com"),
            "larry": make_user(name="Late Larry", email="larry@example.com"),
            "carla": make_user(name="Carla Cancelled", email="carla@example.com"),
            "wendy": make_user(name="Wendy Waitlisted", email="wendy@example.com",
                               organisation="Contoso_Labs"),
        }
        session = make_session(starts_at=STARTS, ends_at=STARTS.replace(hour=15), capacity=3,
                               hosts=[host], title="Is good enough, enough?")
        for name in ("ada", "zed", "larry", "carla", "wendy"):
            signups.sign_up(people[name], session)
        signups.cancel(people["carla"], session)
        db.session.commit()
        clock.move_to(DURING)
        mailbox.clear()
        yield Day(session=session, host=host, clock=clock, **people)


@pytest.fixture
def marked():
    """Every `attendance_marked` signal sent during the test, as (registration id, kwargs)."""
    seen = []

    def receiver(reg, **kwargs):
        seen.append((reg.id, kwargs))

    signals.attendance_marked.connect(receiver)
    yield seen
    signals.attendance_marked.disconnect(receiver)
