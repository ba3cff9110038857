"""Fixtures of the several-machines tests: a scratch PostgreSQL database and a Redis database of
their own, on the servers TEST_DATABASE_URL and TEST_REDIS_URL name (skipped unless both are set
and answer).

Each run makes its own database (`mp_<random>`) and drops it afterwards, so it never meets the
suite's tables. Redis is shared in another way: the queue's keys carry Huey's name, which is
fixed ("community"), so a second run on the same Redis database would consume this run's tasks.
The run therefore claims a Redis database that is empty (a claim key set only if absent, so two
runs starting at once never take the same one), and empties it when it is done. The database
TEST_REDIS_URL names, and the ones below it that the queue tests take per xdist worker, are never
claimed."""
import os
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

#: Set in the claimed Redis database while a run uses it (seconds: longer than any run).
CLAIM_KEY = "community:multiprocess-test:claim"
CLAIM_SECONDS = 600
#: Redis databases never claimed: 0 (a default others use) and the suite's, TEST_REDIS_URL's
#: number and the eight below it (tests/mail/test_queue.py takes one per xdist worker).
SUITE_REDIS_SPAN = 8


@pytest.fixture
def scratch_database():
    """The URL of a new, empty PostgreSQL database on TEST_DATABASE_URL's server, dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL server to run the several-machines test")
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    name = f"mp_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL does not answer: {exc.orig}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _suite_databases(number: int) -> set[int]:
    return {0, *range(number - SUITE_REDIS_SPAN, number + 1)}


@pytest.fixture
def scratch_redis():
    """The URL of an empty Redis database on TEST_REDIS_URL's server, claimed for this test and
    emptied afterwards."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip("set TEST_REDIS_URL to run the several-machines test")
    base, _, number = url.rstrip("/").rpartition("/")
    if not number.isdigit():
        base, number = url.rstrip("/"), "0"
    probe = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        probe.ping()
    except redis.RedisError as exc:
        probe.close()
        pytest.skip(f"Redis at TEST_REDIS_URL does not answer: {exc}")
    try:
        count = int(probe.config_get("databases").get("databases", 16))
    except redis.ResponseError:  # CONFIG turned off: Redis's default number of databases
        count = 16
    finally:
        probe.close()
    token = secrets.token_hex(8)
    skipped = _suite_databases(int(number))
    for candidate in (n for n in range(count) if n not in skipped):
        client = redis.Redis.from_url(f"{base}/{candidate}")
        try:
            if client.dbsize() == 0 and client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_SECONDS):
                try:
                    yield f"{base}/{candidate}"
                finally:
                    if client.get(CLAIM_KEY) == token.encode():
                        client.flushdb()
                return
        finally:
            client.close()
    pytest.fail(f"no empty Redis database to claim on {base} (tried all but {sorted(skipped)})")
