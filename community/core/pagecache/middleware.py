"""Serving kept pages to requests without cookies before Flask sees them, and keeping the
pages that `cached_page` views draw."""
from collections.abc import Iterable
from http.cookies import SimpleCookie

from werkzeug.http import is_resource_modified

from community.core.pagecache.store import NOT_MODIFIED_HEADERS, RENDERING_KEY, Entry, PageCache, page_key


class PageCacheMiddleware:
    """Serve kept pages to requests without cookies before Flask sees them, and keep the pages
    that `cached_page` views render."""

    def __init__(self, wsgi_app, pages: PageCache, logger):
        self.wsgi_app = wsgi_app
        self.pages = pages
        self.logger = logger

    def _cookie_free(self, environ) -> bool:
        """No session or remember cookie: the visitor is anonymous whatever else they send."""
        header = environ.get("HTTP_COOKIE")
        if not header:
            return True
        cookies = SimpleCookie()
        try:
            cookies.load(header)
        except Exception:  # noqa: BLE001 - an unreadable cookie: let the app decide
            return False
        return self.pages.session_cookie not in cookies and self.pages.remember_cookie not in cookies

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        """A kept page, a 304, or the app's response (kept when its view asked for it)."""
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD") and self._cookie_free(environ):
            key = page_key(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
            try:
                _generation, entry = self.pages.fresh(key)
            except Exception:  # noqa: BLE001 - serve from the app when the store is away
                self.logger.warning("page cache unavailable", exc_info=True)
                entry = None
            if entry is not None:
                return self._serve(environ, start_response, entry, method == "HEAD")
        captured = {}

        def remember(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember)
        rendering = environ.get(RENDERING_KEY)
        if rendering is None or not captured.get("status", "").startswith("200"):
            return result
        if any(name.lower() == "set-cookie" for name, _ in captured["headers"]):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if method == "GET":
            try:
                self.pages.store(page_key(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")),
                                rendering, captured["status"], captured["headers"], body)
            except Exception:  # noqa: BLE001 - not kept this time; served all the same
                self.logger.warning("page cache unavailable", exc_info=True)
        return [body]

    @staticmethod
    def _serve(environ, start_response, entry: Entry, head: bool) -> Iterable[bytes]:
        """The kept page, or 304 Not Modified when the visitor's copy has its ETag or date."""
        modified = is_resource_modified(environ, etag=entry.etag.strip('"'),
                                        last_modified=entry.last_modified)
        if not modified:
            headers = [(k, v) for k, v in entry.headers if k.lower() in NOT_MODIFIED_HEADERS]
            start_response("304 NOT MODIFIED", headers)
            return []
        start_response(entry.status, list(entry.headers))
        return [] if head else [entry.body]
