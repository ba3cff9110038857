"""Fixtures for the audit log tests: a stopped clock, an organiser who acts, and a session."""
import pytest
import time_machine

from community.db import db
from tests.admin.helpers import NOW, THURSDAY_2PM
from tests.factories import make_session


@pytest.fixture
def frozen_time():
    """The clock stopped at NOW (Monday 4 January 2027, 09:00 UTC)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def roundtable(app):
    """A published two-seat session on Thursday 14 January 2027, 14:00 London, committed."""
    session = make_session(starts_at=THURSDAY_2PM, capacity=2, title="AI at work", slug="ai-at-work")
    db.session.commit()
    return session
