"""Serving kept pages before Flask sees the request (to visitors without cookies, and to a
member whose session holds nothing but their log-in), and keeping the pages views draw."""
from collections.abc import Iterable

from flask import Flask
from werkzeug.http import is_resource_modified, parse_cookie

from community.core.pagecache.store import (
    NOT_MODIFIED_HEADERS,
    RENDERING_KEY,
    VIEWER_RENDERING_KEY,
    Entry,
    PageCache,
    page_key,
    viewers,
)
from community.core.session_cookie import RenewingSessionInterface


class PageCacheMiddleware:
    """Serve kept pages before Flask routes the request, and keep the pages that `cached_page`
    views render."""

    def __init__(self, wsgi_app, pages: PageCache, app: Flask):
        self.wsgi_app = wsgi_app
        self.pages = pages
        self.app = app

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        """A kept page, a 304, or the app's response (kept when its view asked for it)."""
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD"):
            served = self._kept(environ, start_response, method == "HEAD")
            if served is not None:
                return served
        captured = {}

        def remember(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember)
        keep = self._to_keep(environ, captured)
        if keep is None or method != "GET":
            return result
        key, rendering, headers = keep
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        try:
            self.pages.store(key, rendering, captured["status"], headers, body)
        except Exception:  # noqa: BLE001 - not kept this time; served all the same
            self.app.logger.warning("page cache unavailable", exc_info=True)
        return [body]

    def _kept(self, environ, start_response, head: bool) -> Iterable[bytes] | None:
        """The kept page for this request, answered here, or None to ask the app."""
        if not environ.get("HTTP_COOKIE"):
            return self._anonymous(environ, start_response, head)
        cookies = parse_cookie(environ["HTTP_COOKIE"])  # as Flask's request reads them
        if self.pages.session_cookie not in cookies and self.pages.remember_cookie not in cookies:
            return self._anonymous(environ, start_response, head)
        interface = self.app.session_interface
        if (self.pages.session_cookie not in cookies or not viewers
                or not isinstance(interface, RenewingSessionInterface)):
            return None
        session = interface.from_cookie(self.app, cookies[self.pages.session_cookie])
        viewer = viewers[0].from_session(self.app, session, environ) if session else None
        if viewer is None:
            return None
        entry = self._fresh(page_key(environ, viewer))
        if entry is None:
            return None
        if not interface.should_set_cookie(self.app, session):
            return self._serve(environ, start_response, entry, head)
        # Renew the session cookie as Flask would after the view (Werkzeug leaves the body out
        # of a HEAD answer and keeps its length).
        response = self.app.response_class(entry.body, status=entry.status, headers=list(entry.headers))
        interface.save_session(self.app, session, response)
        return response.make_conditional(environ)(environ, start_response)

    def _anonymous(self, environ, start_response, head: bool) -> Iterable[bytes] | None:
        """The page every visitor without a log-in sees, if it is kept."""
        entry = self._fresh(page_key(environ))
        return None if entry is None else self._serve(environ, start_response, entry, head)

    def _fresh(self, key: str) -> Entry | None:
        """The entry kept under `key` while it is good to serve."""
        try:
            return self.pages.fresh(key)[1]
        except Exception:  # noqa: BLE001 - serve from the app when the store is away
            self.app.logger.warning("page cache unavailable", exc_info=True)
            return None

    def _to_keep(self, environ, captured) -> tuple[str, tuple[str, float], list] | None:
        """What of the app's response to keep, and under which key: the page of a view that asked
        for it, with every header but the renewed session cookie of a member's page."""
        if not captured.get("status", "").startswith("200"):
            return None
        cookies = [value for name, value in captured["headers"] if name.lower() == "set-cookie"]
        if (rendering := environ.get(RENDERING_KEY)) is not None:
            return None if cookies else (page_key(environ), rendering, captured["headers"])
        if (viewer := environ.get(VIEWER_RENDERING_KEY)) is not None:
            if any(not value.startswith(f"{self.pages.session_cookie}=") for value in cookies):
                return None
            key, rendering = viewer
            return key, rendering, [(k, v) for k, v in captured["headers"] if k.lower() != "set-cookie"]
        return None

    @staticmethod
    def _serve(environ, start_response, entry: Entry, head: bool) -> Iterable[bytes]:
        """The kept page, or 304 Not Modified when the visitor's copy has its ETag or date."""
        held = environ.get("HTTP_IF_NONE_MATCH")
        if held is not None and held == entry.etag:  # the usual case: the tag the page gave
            modified = False
        else:
            modified = is_resource_modified(environ, etag=entry.etag or None,
                                            last_modified=entry.last_modified or None)
        if not modified:
            headers = [(k, v) for k, v in entry.headers if k.lower() in NOT_MODIFIED_HEADERS]
            start_response("304 NOT MODIFIED", headers)
            return []
        start_response(entry.status, list(entry.headers))
        return [] if head else [entry.body]
