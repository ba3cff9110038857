"""Browser fixtures: the app served on a real port, a headless Chromium, one fresh tab per test.

Every test in this folder is marked `e2e`. Deselect them with `pytest -m "not e2e"`.
"""
import threading
import traceback
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from community import create_app
from community.db import db
from tests.conftest import _reset_database, make_config
from tests.e2e.browser import CHROMIUM_MISSING, chromium_available, launch_chromium
from tests.e2e.support import ConsoleProblems, assert_accessible, open_tab

__all__ = ["assert_accessible"]

E2E_DIR = Path(__file__).resolve().parent
#: How long teardown waits for the server and its request threads before failing the test.
SHUTDOWN_TIMEOUT = 10
#: Where `close_responses` leaves each request's response for `ClosingRequestHandler`.
RESPONSE_KEY = "tests.e2e.response"


def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder as `e2e`."""
    for item in items:
        if E2E_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


class _CloseOnce:
    """A response iterable whose close() reaches the application's iterable once, however often called."""

    def __init__(self, iterable):
        self._iterable = iterable
        self._closed = False

    def __iter__(self):
        """Iterate over the application's iterable."""
        return iter(self._iterable)

    def close(self):
        """Close the application's iterable the first time (if it has a close method)."""
        if self._closed:
            return
        self._closed = True
        if hasattr(self._iterable, "close"):
            self._iterable.close()


def close_responses(app):
    """WSGI middleware: leave every response in the environ, for `ClosingRequestHandler` to close."""

    def middleware(environ, start_response):
        """Call the app and keep its response where the request handler finds it."""
        response = environ[RESPONSE_KEY] = _CloseOnce(app(environ, start_response))
        return response

    return middleware


class ClosingRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, except that a response is closed even if the client hung up.

    PEP 3333 has the server call close() on the application's response once the request is over,
    and that is what closes the file a static response (send_file's FileWrapper) reads from.
    werkzeug's dev server calls it last in a `finally` that first reads whatever the client may
    still send (`run_wsgi.execute` in werkzeug/serving.py). When the client has reset the
    connection, that read raises ConnectionResetError and close() is skipped: the file stays
    open until it is garbage-collected, and then warns (ResourceWarning) in the request thread.
    Chromium resets connections whenever it abandons a response, e.g. when a test navigates on
    before a page and its scripts have finished loading. Here close() runs in any case, with
    the app served through `close_responses`.
    """

    def run_wsgi(self):
        """Handle the request as werkzeug does, then close its response if werkzeug did not."""
        try:
            super().run_wsgi()
        finally:
            response = vars(self).get("environ", {}).pop(RESPONSE_KEY, None)
            if response is not None:
                response.close()


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        self.app = app
        self.errors: list[str] = []
        self._server = make_server(
            "127.0.0.1", 0, close_responses(app), threaded=True, request_handler=ClosingRequestHandler,
        )
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"live-server-{self._server.port}", daemon=True,
        )
        got_request_exception.connect(self._record_exception, app)

    def _record_exception(self, sender, exception, **extra):
        """Remember an exception a request raised (the browser only sees a 500 page)."""
        self.errors.append("".join(traceback.format_exception(exception)))

    def start(self):
        """Serve requests until `stop`."""
        self._thread.start()

    def wait_for_requests(self):
        """Wait until every request thread started so far has finished (RuntimeError if one hangs)."""
        # ThreadingMixIn keeps its request threads; server_close joins them without a timeout,
        # so wait here first to fail clearly rather than hang if a client kept a connection.
        for thread in list(vars(self._server).get("_threads", ())):
            thread.join(SHUTDOWN_TIMEOUT)
            if thread.is_alive():
                raise RuntimeError(f"live server request thread {thread.name} did not finish")

    def stop(self):
        """Stop serving, wait for request threads and close the listening socket."""
        got_request_exception.disconnect(self._record_exception, self.app)
        self._server.shutdown()
        self._thread.join(SHUTDOWN_TIMEOUT)
        try:
            self.wait_for_requests()
        except RuntimeError:
            self._server.socket.close()
            raise
        self._server.server_close()


@pytest.fixture
def live_server(tmp_path, smtp_server, mailbox):
    """The app, configured like the `app` fixture but with CSRF on, served on a free port.

    Work on the database from the test goes inside `with live_server.app.app_context():`.
    Emails go through the immediate queue to the `mailbox` fixture, inside the request.
    """
    app = create_app(make_config(tmp_path, smtp_server, WTF_CSRF_ENABLED=True))
    with app.app_context():
        _reset_database()
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if server.errors:
        pytest.fail("the live server raised during the test:\n" + "\n".join(server.errors))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's build; Playwright downloads nothing)."""
    if not chromium_available():
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_problems():
    """JavaScript errors and CSP violations reported by the `page` fixture's tab."""
    return ConsoleProblems()


@pytest.fixture
def page(browser, live_server, browser_problems):
    """A tab in a fresh browser context (own cookies) at 1280x800, based at the live server.

    Relative URLs go to the live server: `page.goto("/login")`. The test fails if the page
    logs a JavaScript error or a Content-Security-Policy violation.
    """
    with open_tab(browser, live_server.url, browser_problems) as tab:
        yield tab
