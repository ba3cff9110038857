"""The one rule of who may see a session, and its SQL twin for lists, agree for every case."""
import pytest
from sqlalchemy import select

from community.db import db
from community.sessions import services
from community.sessions.models import Session, SessionStatus
from tests.factories import make_session, make_user


@pytest.mark.parametrize("role", [None, "member", "analyst", "organiser"])
def test_the_sql_condition_agrees_with_is_visible_for_every_status(app, role):
    viewer = make_user(role=role) if role else None
    for status in SessionStatus:
        make_session(title=f"A {status} session", slug=status, status=status)
    listed = set(db.session.scalars(select(Session.id).where(services.visible_to(viewer))))
    everything = db.session.scalars(select(Session)).all()
    assert listed == {s.id for s in everything if services.is_visible(s, viewer)}
    assert listed  # published and cancelled sessions are there for everyone
