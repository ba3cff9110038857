"""/healthz (liveness) and /readyz (readiness): what each checks, and that probes get no cookie
and nothing a cache may keep."""
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from community import create_app
from community.db import db
from tests.conftest import free_port, make_config
from tests.mail.test_queue import REDIS_URL


@pytest.fixture
def unstamped(app):
    """The test database without Alembic's version table, before and after the test (the suite
    makes its schema with create_all; on PostgreSQL the database outlives the test)."""
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def _stamp(runner, revision: str) -> None:
    result = runner.invoke(args=["db", "stamp", revision])
    assert result.exit_code == 0, result.output


def test_readyz_is_200_when_the_schema_is_at_the_newest_migration(unstamped, client, runner):
    _stamp(runner, "head")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "schema": "ok", "queue": "not used"}


def test_readyz_is_503_before_the_migrations_ran(unstamped, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["schema"]
    assert response.json["schema"] == "not migrated"


def test_readyz_is_503_when_a_migration_is_missing(unstamped, client, runner):
    _stamp(runner, "0011")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["schema"] == "behind" and response.json["failed"] == ["schema"]


def test_readyz_stays_200_when_the_next_release_already_migrated(unstamped, client, runner):
    _stamp(runner, "head")
    db.session.execute(text("UPDATE alembic_version SET version_num = '9999_next_release'"))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["schema"] == "newer"


@pytest.mark.parametrize("probe", ["/healthz", "/readyz"])
def test_probes_set_no_cookie_and_may_not_be_cached(unstamped, client, runner, probe):
    _stamp(runner, "head")
    response = client.get(probe)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


@contextmanager
def another_app(tmp_path, smtp_server, **config):
    """A second app beside the test's, its connections closed afterwards."""
    application = create_app(make_config(tmp_path, smtp_server, **config))
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()


def unreachable_database(tmp_path) -> str:
    """A SQLite file in a folder that does not exist: every connection to it fails."""
    return f"sqlite:///{tmp_path / 'missing' / 'community.sqlite'}"


@pytest.mark.parametrize("probe", ["/healthz", "/readyz"])
def test_probes_are_503_when_the_database_cannot_be_reached(tmp_path, smtp_server, probe):
    with another_app(tmp_path, smtp_server, SQLALCHEMY_DATABASE_URI=unreachable_database(tmp_path)) as app:
        response = app.test_client().get(probe)
    assert response.status_code == 503
    assert response.json["database"] == "error"
    if probe == "/readyz":
        assert response.json["failed"] == ["database", "schema"]
        assert response.json["schema"] == "unknown"


def test_readyz_is_503_naming_the_queue_when_its_redis_does_not_answer(unstamped, tmp_path,
                                                                        smtp_server, runner):
    _stamp(runner, "head")
    with another_app(tmp_path, smtp_server, QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0") as app:
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["queue"] == "error" and response.json["failed"] == ["queue"]


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to check readiness with Redis")
def test_readyz_pings_the_queues_redis(unstamped, tmp_path, smtp_server, runner):
    _stamp(runner, "head")
    with another_app(tmp_path, smtp_server, QUEUE_URL=REDIS_URL) as app:
        response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.json["queue"] == "ok"
