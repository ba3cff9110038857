"""The live server itself: a client that hangs up must not leave a response's file to the garbage collector.

Chromium abandons responses whenever a test navigates on before a page has finished loading; it
closes the connection with data unread, so the kernel resets it. werkzeug's dev server then fails
to call the response's close() (see `ClosingRequestHandler` in conftest.py) and the static file
werkzeug opened is only closed when it is collected, with a ResourceWarning in the server thread.
"""
import gc
import socket
import struct
import urllib.request
import warnings

import pytest

STATIC_FILE = "/static/js/site.js"
#: SO_LINGER on with a zero timeout: close() resets the connection instead of closing it cleanly.
ABORTIVE_CLOSE = struct.pack("ii", 1, 0)
ATTEMPTS = 20


def _request_and_reset(url: str, path: str, wait_for_response: bool) -> None:
    """GET `path` over a raw socket, then reset the connection like an abandoning browser.

    With `wait_for_response` the reset comes once the first byte of the response has arrived (the
    server has written it and is finishing the request); without, right after the request is sent.
    """
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        if wait_for_response:
            assert client.recv(1) == b"H"
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORTIVE_CLOSE)


@pytest.mark.parametrize("wait_for_response", [True, False], ids=["after-response", "before-response"])
def test_a_static_file_abandoned_by_the_client_is_closed_by_the_server(live_server, wait_for_response):
    unclosed: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always", ResourceWarning)
        # Keep the text only: a recorded warning would keep the collected file alive.
        warnings.showwarning = lambda message, *args: unclosed.append(str(message))
        for _ in range(ATTEMPTS):
            _request_and_reset(live_server.url, STATIC_FILE, wait_for_response)
        # The server accepts connections one after the other: once a last, ordinary request is
        # answered, every reset connection has its request thread, and they can be waited for.
        with urllib.request.urlopen(live_server.url + STATIC_FILE) as response:
            assert response.status == 200
        live_server.wait_for_requests()
        gc.collect()
    assert unclosed == [], f"{len(unclosed)} of {ATTEMPTS} responses were left to the garbage collector"
