"""Shared fixtures: app on a real database, real SMTP server, client, runner, login, organisers.
Shared helpers: SQL statement counters (count_queries, count_page_queries) and worker threads for
the concurrency tests (run_threads, worker_transaction).

The test itself runs in one app context (its database session is where setup rows are made and
results read back), but every request of a test client, and every CLI command of the runner,
runs in an app context of its own, as in production: Flask-Login's cached user, `g` and the
request's database session never outlive the request, so what a view flushed without committing
is rolled back and gone, and who is logged in is worked out again from the cookie each time.
Before each request the test's session must hold no uncommitted changes (commit the setup);
its transaction is ended before and after, so every row the test reads afterwards is read again."""
import contextvars
import os
import secrets
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, text

from community import create_app
from community.db import db
from tests.factories import PASSWORD, make_user
from tests.imip import assert_valid_imip, calendar_part


def _per_worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (created if missing)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = _per_worker_database(os.environ.get("TEST_DATABASE_URL"))
_schema_ready = False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every message it receives, parsed."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Store the message and accept it."""
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def clear(self):
        """Forget everything received so far."""
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    def to(self, address: str):
        """Messages addressed to `address`."""
        return [m for m in self.messages if m["To"] == address]


class SMTPServer:
    """A real SMTP server on localhost that can be stopped and started again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        """Listen on the port."""
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        """Stop listening (connections are refused until start)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def smtp_server():
    """One SMTP server for the whole run."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The SMTP server's mailbox, empty at the start of the test. Afterwards every calendar
    email the test caused is checked the way Outlook, Gmail, Apple and Thunderbird read it."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.mailbox.clear()
    yield smtp_server.mailbox
    for message in list(smtp_server.mailbox.messages):
        if calendar_part(message) is not None:
            assert_valid_imip(message)


def _reset_database() -> None:
    """Empty every table (PostgreSQL: schema made once per run)."""
    global _schema_ready
    if db.engine.dialect.name != "postgresql":
        db.create_all()
        return
    if not _schema_ready:
        db.drop_all()
        db.create_all()
        _schema_ready = True
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    # A migration test may have left Alembic's table behind: every test starts without it.
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


#: The suite's password hashing: one round, so making and logging in accounts costs nothing.
CHEAP_HASH_METHOD = "pbkdf2:sha256:1"


def make_config(tmp_path, smtp_server, **overrides) -> dict:
    """Test settings: own instance folder, real database, immediate queue, real SMTP."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # Each test its own page-cache keys, also in a Redis shared by the whole run.
        "PAGE_CACHE_PREFIX": secrets.token_hex(6),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite'}",
        "QUEUE_URL": "immediate",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://127.0.0.1:5000",
        # Thousands of accounts are made and logged in: one PBKDF2 round instead of scrypt
        # (tests/accounts/test_password_hashing.py checks what the app uses by default).
        "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
    }
    config.update(overrides)
    return config


@contextmanager
def count_queries():
    """The SQL statements run inside the block."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def count_page_queries(client, path: str) -> int:
    """SQL statements one GET of `path` sends (in its own app context, so with an empty
    identity map and no cached user)."""
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def run_threads(threads, timeout: float) -> None:
    """Start every thread, then wait up to `timeout` seconds for each: none may still be running."""
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads)


@contextmanager
def worker_transaction(app, errors: list):
    """For a worker thread: an app context of its own whose session is committed after the block,
    or rolled back with the exception's repr appended to `errors`; the session is removed either way."""
    with app.app_context():
        try:
            yield
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - collected for the test to assert on
            db.session.rollback()
            errors.append(repr(exc))
        finally:
            db.session.remove()


class UncommittedSetup(AssertionError):
    """A test made a request while its own database session held uncommitted changes."""


_WRITES = "tests.uncommitted_writes"


def _track_writes(session) -> None:
    """Mark the test's session when it flushes or executes a write, until it commits or rolls back."""
    if session.info.get("tests.tracked"):
        return
    session.info["tests.tracked"] = True

    def flushed(sess, _context):
        sess.info[_WRITES] = True

    def executed(state):
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[_WRITES] = True

    def ended(sess, *_args):
        sess.info.pop(_WRITES, None)

    event.listen(session, "after_flush", flushed)
    event.listen(session, "do_orm_execute", executed)
    event.listen(session, "after_commit", ended)
    event.listen(session, "after_rollback", ended)


def _has_uncommitted_changes(session) -> bool:
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WRITES))


def end_test_transaction(*, before_request: bool = True) -> None:
    """Around a request or CLI command: end the test session's transaction, which expires what
    it loaded, so rows are read again afterwards. Before one, uncommitted setup is refused;
    after one, a session left with changes (a test's own doing) is left as it is."""
    if not has_app_context():
        return
    session = db.session()
    if _has_uncommitted_changes(session):
        if not before_request:
            return
        raise UncommittedSetup(
            "The test's database session has uncommitted changes. Commit the setup "
            "(db.session.commit()) before making a request: each request runs in its own app "
            "context and database session, as in production, and cannot see them.")
    session.commit()


def outside_test_context(call, *args, **kwargs):
    """Run `call` with no Flask context active (a new, empty contextvars.Context), so Flask pushes
    a fresh app context, with its own `g` and database session, for what `call` does."""
    return contextvars.Context().run(call, *args, **kwargs)


class RequestPerContextClient(FlaskClient):
    """A test client whose every request runs in an app context of its own (see the module
    docstring); redirects it follows are requests of their own too."""

    def open(self, *args, **kwargs):
        """Make the request outside the test's app context."""
        if self.preserve_context:
            raise RuntimeError("`with client:` would keep the request's context inside another "
                               "contextvars.Context; read results from the database instead.")
        end_test_transaction()
        try:
            return outside_test_context(super().open, *args, **kwargs)
        finally:
            end_test_transaction(before_request=False)


class CommandPerContextRunner(FlaskCliRunner):
    """A CLI runner whose every command runs in an app context of its own, like `flask ...`."""

    def invoke(self, *args, **kwargs):
        """Run the command in a new app context, as `flask` pushes one for every command."""
        end_test_transaction()

        def in_new_app_context():
            with self.app.app_context():
                return super(CommandPerContextRunner, self).invoke(*args, **kwargs)

        try:
            return outside_test_context(in_new_app_context)
        finally:
            end_test_transaction(before_request=False)


@pytest.fixture
def app_config():
    """Overrides a test can set before the app is built (use with indirect parametrisation)."""
    return {}


@pytest.fixture
def app(tmp_path, smtp_server, mailbox, app_config):
    """The application on a clean database; the test runs inside an app context, while each of
    its test clients' requests and runner's commands gets a new one."""
    application = create_app(make_config(tmp_path, smtp_server, **app_config))
    application.test_client_class = RequestPerContextClient
    application.test_cli_runner_class = CommandPerContextRunner
    with application.app_context():
        _reset_database()
        _track_writes(db.session())
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


class AuthActions:
    """Log a test client in and out."""

    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD, follow_redirects=False):
        """Post the login form."""
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/login", data={"email": email, "password": password},
                                 follow_redirects=follow_redirects)

    def logout(self):
        """Post the logout form."""
        return self._client.post("/logout")

    def log_in_new_user(self, **fields):
        """A new account (`make_user` with these fields), committed and logged in; returns it."""
        user = make_user(**fields)
        db.session.commit()
        self.login(user)
        return user


@pytest.fixture
def auth(client):
    """Login helper for the test client."""
    return AuthActions(client)


@pytest.fixture
def organiser_user(app):
    """Olga Organiser, an organiser account (London time): flushed, not committed, not logged in."""
    return make_user(role="organiser", name="Olga Organiser")


@pytest.fixture
def organiser(organiser_user, auth):
    """Olga Organiser, committed and logged in through the test client."""
    db.session.commit()
    auth.login(organiser_user)
    return organiser_user
