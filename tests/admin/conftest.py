"""Fixtures shared by the organisers' panel tests."""
import pytest
import time_machine

from tests.admin.helpers import NOW


@pytest.fixture
def frozen_time():
    """The clock stopped at NOW, so dates in the past and future are fixed. The series, session,
    attendee and access tests run every test on it (`pytestmark`)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
