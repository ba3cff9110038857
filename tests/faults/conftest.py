"""Fixtures of the fault tests: private PostgreSQL and Redis servers (skipped without them)."""
import shutil

import pytest

from tests.faults.services import PrivatePostgres, PrivateRedis, postgres_bin


@pytest.fixture(scope="module")
def postgres():
    """A private PostgreSQL server for the module's tests, removed afterwards."""
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb) are not installed")
    server = PrivatePostgres(bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def redis_server():
    """A private redis-server, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()
