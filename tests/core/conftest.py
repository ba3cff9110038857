"""Fixtures of the core tests: a published session, and more apps on the test's database."""
import os

import pytest

from community import create_app
from community.db import db
from tests.conftest import make_config
from tests.factories import make_session


@pytest.fixture
def published(app):
    """A published session with three seats."""
    session = make_session(title="Is good enough, enough?", capacity=3)
    db.session.commit()
    return session


@pytest.fixture
def other_app(tmp_path, smtp_server):
    """Build more apps on the test's database (other processes or hosts); their connections
    are closed, and their keys in a shared Redis deleted, at the end of the test."""
    made = []

    def build(**overrides):
        made.append(create_app(make_config(tmp_path, smtp_server, **overrides)))
        return made[-1]

    yield build
    for application in made:
        with application.app_context():
            if application.config["PAGE_CACHE_URL"] == os.environ.get("TEST_REDIS_URL"):
                application.extensions["pagecache"].backend.clear()
            db.engine.dispose()


def session_path(session) -> str:
    """The address of a session's page."""
    return f"/sessions/{session.id}-{session.slug}"
