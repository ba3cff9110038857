"""PostgreSQL restarted under load: while clients keep asking, every answer is a page (200) or
a clean 503 with Retry-After, never a 500 or a hung request, and once the database is back
every request is served again by the same running app. A private server (tests/faults/conftest.py)
is stopped and started; the machine's shared one is never touched."""
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from community import create_app
from community.db import db
from tests.conftest import make_config
from tests.factories import PASSWORD, make_session, make_user
from tests.faults.services import LiveApp

#: A client gives up on a request after this long: a request that takes longer counts as hung.
REQUEST_TIMEOUT = 10


@pytest.fixture
def served(postgres, tmp_path, smtp_server):
    """The app on the private server (configured as in production: not TESTING), with a
    member and a published session, served on a free port."""
    app = create_app(make_config(tmp_path, smtp_server, TESTING=False,
                                 SQLALCHEMY_DATABASE_URI=postgres.url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        member = make_user(email="member@example.com")
        session = make_session()
        db.session.commit()
        session_path = f"/sessions/{session.id}-{session.slug}"
        assert member.id
        db.session.remove()
    try:
        with LiveApp(app) as live:
            live.session_path = session_path
            yield live
    finally:
        with app.app_context():
            db.engine.dispose()


class Load:
    """Client threads asking for pages in a loop (anonymous visitors and a signed-in member, so
    the database is asked on every request), recording (when it started, status, response)."""

    def __init__(self, live, paths, member_paths):
        self.live = live
        self.paths = paths
        self.member_paths = member_paths
        self.results: list[tuple[float, int, requests.Response]] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(signed_in,))
                        for signed_in in (False, False, True, True)]

    def _client(self, signed_in: bool) -> requests.Session:
        client = requests.Session()
        if signed_in:
            response = client.post(f"{self.live.url}/login", timeout=REQUEST_TIMEOUT,
                                   data={"email": "member@example.com", "password": PASSWORD},
                                   allow_redirects=False)
            assert response.status_code == 302, response.status_code
        return client

    def _run(self, signed_in: bool) -> None:
        paths = self.member_paths if signed_in else self.paths
        with self._client(signed_in) as client:
            n = 0
            while not self.stop.is_set():
                path = paths[n % len(paths)]
                n += 1
                started = time.monotonic()
                try:
                    response = client.get(f"{self.live.url}{path}", timeout=REQUEST_TIMEOUT,
                                          allow_redirects=False)
                except requests.RequestException as exc:  # a hung or refused request
                    self.failures.append(f"{path}: {exc!r}")
                    continue
                self.results.append((started, response.status_code, response))
                time.sleep(0.01)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join(REQUEST_TIMEOUT + 5)

    def wait_for(self, count: int, after: float, status: int | None = None, timeout: float = 15) -> None:
        """Wait until `count` answers (of `status`, if given) to requests started after `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = [r for r in list(self.results) if r[0] > after and status in (None, r[1])]
            if len(seen) >= count:
                return
            time.sleep(0.02)
        raise AssertionError(f"fewer than {count} answers{f' of {status}' if status else ''} in {timeout} s")


def test_requests_get_a_clean_503_while_postgresql_restarts_and_200_after(postgres, served):
    paths = ["/", served.session_path, "/api/v1/sessions"]
    with Load(served, paths, member_paths=[*paths, "/account"]) as load:
        load.wait_for(20, after=0, status=200)
        postgres.stop("fast")
        stopped = time.monotonic()
        load.wait_for(20, after=stopped, status=503)
        postgres.start()
        restarted = time.monotonic()
        load.wait_for(40, after=restarted)
    assert load.failures == []
    assert served.errors == [], served.errors[0]
    statuses = {status for _started, status, _response in load.results}
    assert statuses <= {200, 503}, statuses
    for _started, status, response in load.results:
        if status != 503:
            continue
        assert response.headers["Retry-After"] == "5"
        if response.headers["Content-Type"].startswith("text/html"):
            assert "Back in a moment" in response.text
        else:
            assert response.json() == {"error": "The service is unavailable; try again shortly."}
    after = [status for started, status, _response in load.results if started > restarted]
    assert after and set(after) == {200}, after


def test_a_connection_cut_after_the_page_was_made_does_not_turn_it_into_a_500(postgres, tmp_path,
                                                                                 smtp_server):
    """The database ends the request's connection after the view has read and answered (a
    restart, a failover, an idle-in-transaction timeout): the end-of-request rollback must let
    the dead connection go rather than raise, and the next request gets a healthy one."""
    app = create_app(make_config(tmp_path, smtp_server, TESTING=False,
                                 SQLALCHEMY_DATABASE_URI=postgres.url))
    admin = create_engine(postgres.url, isolation_level="AUTOCOMMIT")

    def read_then_lose_the_connection():
        """A view that reads (a transaction is open), then has its server process ended."""
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 5
            while conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                              {"pid": pid}) and time.monotonic() < deadline:
                time.sleep(0.01)
        return "made"

    app.add_url_rule("/tests/cut", view_func=read_then_lose_the_connection)
    client = app.test_client()
    try:
        response = client.get("/tests/cut")
        assert response.status_code == 200 and response.text == "made"
        assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    finally:
        admin.dispose()
        with app.app_context():
            db.engine.dispose()
