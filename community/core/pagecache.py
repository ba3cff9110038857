"""Whole pages kept ready for anonymous visitors, and thrown away by the change that stales them.

A visitor without a login (no account in the session cookie, no remember cookie, no message
waiting to be flashed) sees the same page as every other such visitor: the community's zone,
no form tokens, nothing of their own. Views marked `@cached_page` render that page once; the
response, as it leaves the app with every header, is kept in Flask-Caching's store (Redis when
QUEUE_URL is a Redis URL, shared by every web process on every host; this process's memory
otherwise) with a strong ETag and Last-Modified. A later visitor who sends no cookie gets it
from `PageCacheMiddleware` before Flask routes the request, a 304 when they hold it already.

Every entry carries the *generation* it was rendered in. Any transaction that writes a row of
a table shown on pages (everything but `QUIET_TABLES`) starts a new generation once it has
committed, so an entry rendered before is never served again, in any process:

- with Redis the generation is a counter there (INCR), read in the same round trip as the
  entry (MGET);
- without Redis it is the identity (inode and modification time) of a file in the instance
  folder that the committing process replaces: one `stat` per request in every process on
  this host.

The generation is read before the page is rendered, so an entry is never stamped newer than
the data it shows. Pages also change by themselves when time passes a session's start or end
or a note's embargo: features register `boundary` functions, and an entry expires at the
earliest such moment after it was rendered, and after `PAGE_CACHE_SECONDS` at most (a safety
net should a new generation be lost while Redis is unreachable).
"""
import functools
import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

from flask import Flask, current_app, has_app_context, request, session
from flask_caching import Cache
from flask_sqlalchemy.session import Session
from sqlalchemy import event
from werkzeug.http import is_resource_modified

#: Tables whose rows never show on an anonymous page: writing them leaves pages as they are.
QUIET_TABLES = frozenset({"outbox", "audit_entries", "inbound_messages", "announcements", "note_opens"})
#: session.info key: this transaction wrote something shown on pages.
STALE_KEY = "pagecache_stale"
#: Cache key of the generation counter (Redis).
GENERATION_KEY = "generation"
#: environ key: the generation a cacheable page is being rendered in, and until when it holds.
RENDERING_KEY = "community.pagecache.generation"
#: Headers a 304 repeats from the kept page.
NOT_MODIFIED_HEADERS = frozenset({"etag", "last-modified", "cache-control", "vary", "expires",
                                  "content-location"})
#: Functions returning the next moment (UTC) at which some kept page changes by itself.
_boundaries: list[Callable[[], datetime | None]] = []
#: The function naming the signed-in viewer whose pages may be kept for them (see `viewer_key`).
_viewer_keys: list[Callable[[], str | None]] = []

cache = Cache()


@dataclass(frozen=True)
class Entry:
    """One kept page: the generation it was rendered in, until when it holds, and the response."""

    generation: str
    expires: float
    etag: str
    last_modified: str
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def register_boundary(fn: Callable[[], datetime | None]) -> None:
    """Have `fn` say when time alone next changes an anonymous page (a session starting, say)."""
    if fn not in _boundaries:
        _boundaries.append(fn)


def register_viewer_key(fn: Callable[[], str | None]) -> None:
    """Have `fn` name the signed-in viewer of this request whose pages may be kept for them alone
    (a string unique to the viewer and their log-in), or None when their pages must be drawn
    every time (staff, say, whose pages change with the clock in more ways)."""
    _viewer_keys[:] = [fn]


def next_boundary(now: datetime) -> float | None:
    """The earliest moment after `now` at which time alone changes a page (epoch seconds)."""
    moments = [moment for fn in _boundaries if (moment := fn()) is not None and moment > now]
    return min(moments).timestamp() if moments else None


class _FileGeneration:
    """The generation as the identity of a file shared by this host's processes."""

    def __init__(self, path: Path):
        self.path = path

    def current(self) -> str:
        """The file's inode and modification time: new with every replacement."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self.bump()
            stat = os.stat(self.path)
        return f"{stat.st_ino}:{stat.st_mtime_ns}"

    def bump(self) -> None:
        """Replace the file with a new one (a new inode, so processes bumping at once never
        leave a generation that was current before either of their commits)."""
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".page-generation.")
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(8))
        os.replace(tmp, self.path)


class PageCache:
    """The store and the generation of one app."""

    def __init__(self, app: Flask, backend):
        self.backend = backend
        self.seconds = app.config["PAGE_CACHE_SECONDS"]
        self.redis = is_redis(app.config["PAGE_CACHE_URL"])
        self.file = None if self.redis else _FileGeneration(Path(app.instance_path) / "page-generation")
        self.session_cookie = app.config.get("SESSION_COOKIE_NAME", "session")
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        #: A new generation that could not reach Redis, started again on the next request.
        self.pending_bump = False

    def lookup(self, key: str) -> tuple[str, Entry | None]:
        """The current generation and the entry kept under `key` (None when missing)."""
        if self.pending_bump:
            self.bump()
            self.pending_bump = False
        if self.redis:
            generation, entry = self.backend.get_many(GENERATION_KEY, key)
            if generation is None:
                self.bump()
                return self.lookup(key)
            return str(generation), entry
        return self.file.current(), self.backend.get(key)

    def fresh(self, key: str) -> tuple[str, Entry | None]:
        """The current generation and the entry under `key` if it is still good to serve."""
        generation, entry = self.lookup(key)
        if entry is None or entry.generation != generation or entry.expires <= time.time():
            return generation, None
        return generation, entry

    def bump(self) -> None:
        """Start a new generation: every entry kept so far is stale."""
        if self.redis:
            self.backend.inc(GENERATION_KEY)
        else:
            self.file.bump()

    def expiry(self) -> float:
        """Until when a page rendered now holds: the next boundary, or the safety limit."""
        now = time.time()
        boundary = next_boundary(datetime.fromtimestamp(now, UTC))
        return min(now + self.seconds, boundary) if boundary is not None else now + self.seconds

    def store(self, key: str, rendering: tuple[str, float], status: str, headers: list, body: bytes) -> None:
        """Keep a response rendered in a generation, until the time given with it."""
        generation, expires = rendering
        names = {name.lower(): value for name, value in headers}
        entry = Entry(generation, expires, names.get("etag", ""), names.get("last-modified", ""), status,
                      tuple(headers), body)
        self.backend.set(key, entry, timeout=max(1, int(expires - time.time()) + 1))


def is_redis(url: str) -> bool:
    """Whether a store URL names Redis."""
    return url.startswith(("redis://", "rediss://", "unix://"))


def page_key(path: str, query: str) -> str:
    """The cache key of a page: its path and query string."""
    return f"page:{path}?{query}"


# Views ---------------------------------------------------------------------------------------

def _pages() -> PageCache | None:
    """This app's page cache, or None when it is turned off."""
    return current_app.extensions.get("pagecache") if has_app_context() else None


def _anonymous() -> bool:
    """Whether this request is from a visitor who sees what every anonymous visitor sees."""
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return not any(name in session for name in ("_user_id", "_flashes"))


def _respond(entry: Entry):
    """A kept page as a Flask response (for a visitor whose cookie holds nothing of theirs)."""
    response = current_app.response_class(entry.body, status=entry.status, headers=list(entry.headers))
    return response.make_conditional(request)


def cached_page(view):
    """Keep the view's page for anonymous visitors, and for each signed-in viewer whom the
    registered `viewer_key` names (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        pages = _pages()
        if pages is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        if _anonymous():
            return _anonymous_page(pages, view, args, kwargs)
        viewer = _viewer_keys[0]() if _viewer_keys and "_flashes" not in session else None
        if viewer is None:
            return view(*args, **kwargs)
        return _viewer_page(pages, viewer, view, args, kwargs)

    wrapper.page_cache = True
    return wrapper


def unlimited_request() -> bool:
    """Whether this request only reads a page that `cached_page` keeps: no rate limit applies
    (the limiter's filter, so that it does not resolve limits for every page view)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return request.method in ("GET", "HEAD") and getattr(view, "page_cache", False)


def _anonymous_page(pages: PageCache, view, args, kwargs):
    """The anonymous page: kept by the middleware once rendered, served from here to visitors
    whose cookie holds nothing of theirs."""
    try:
        generation, entry = pages.fresh(page_key(request.path, request.query_string.decode("latin-1")))
    except Exception:  # noqa: BLE001 - a cache that cannot answer just renders the page
        current_app.logger.warning("page cache unavailable", exc_info=True)
        return view(*args, **kwargs)
    if entry is not None:
        return _respond(entry)
    response = current_app.make_response(view(*args, **kwargs))
    if response.status_code != 200 or response.is_streamed:
        return response
    if not response.get_etag()[0]:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest())
    if response.last_modified is None:
        response.last_modified = time.time()
    response.headers.setdefault("Cache-Control", "no-cache")
    response.vary.add("Cookie")
    request.environ[RENDERING_KEY] = (generation, pages.expiry())
    return response.make_conditional(request)


def _viewer_page(pages: PageCache, viewer: str, view, args, kwargs):
    """A signed-in viewer's own copy of the page, kept under their key: the app's hooks still
    run around it (the log-in is checked, the session cookie renewed, headers added)."""
    key = page_key(request.path, request.query_string.decode("latin-1")) + f"|viewer:{viewer}"
    try:
        generation, entry = pages.fresh(key)
    except Exception:  # noqa: BLE001 - a cache that cannot answer just renders the page
        current_app.logger.warning("page cache unavailable", exc_info=True)
        return view(*args, **kwargs)
    if entry is not None:
        response = current_app.response_class(entry.body, status=entry.status, headers=list(entry.headers))
        return response.make_conditional(request)
    response = current_app.make_response(view(*args, **kwargs))
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    # A weak ETag of what the page shows rather than of its bytes: every process draws the same
    # page for this log-in in this generation, but each with a form token of its own (all
    # valid for the log-in), so the member's copy is good whichever process answers next.
    response.set_etag(hashlib.sha256(f"{generation}|{key}".encode()).hexdigest(), weak=True)
    kept = [(k, v) for k, v in response.headers.items()
            if k.lower() in ("content-type", "cache-control", "vary", "etag")]
    try:
        pages.store(key, (generation, pages.expiry()), response.status, kept, response.get_data())
    except Exception:  # noqa: BLE001 - not kept this time; served all the same
        current_app.logger.warning("page cache unavailable", exc_info=True)
    return response.make_conditional(request)


# Serving before Flask ------------------------------------------------------------------------

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


# Staleness: which transactions start a new generation ---------------------------------------

def _tables(objects) -> set[str]:
    """The tables of ORM objects."""
    return {obj.__table__.name for obj in objects if hasattr(obj, "__table__")}


def _after_flush(db_session, _context) -> None:
    """Note a write to a table shown on pages (the lists still hold what was just flushed)."""
    changed = _tables(db_session.new) | _tables(db_session.dirty) | _tables(db_session.deleted)
    if changed - QUIET_TABLES:
        db_session.info[STALE_KEY] = True


def _on_execute(state) -> None:
    """Note an UPDATE or DELETE statement run through the ORM session on a shown table."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.local_table.name not in QUIET_TABLES:
            state.session.info[STALE_KEY] = True


def _after_commit(db_session) -> None:
    """The change is durable: start a new generation so no process serves the old pages."""
    if not db_session.info.pop(STALE_KEY, False):
        return
    pages = _pages()
    if pages is None:
        return
    try:
        pages.bump()
    except Exception:  # noqa: BLE001 - Redis unreachable: start it on the next request
        pages.pending_bump = True
        current_app.logger.warning("page cache: could not start a new generation", exc_info=True)


def _after_rollback(db_session) -> None:
    """Nothing was written after all."""
    db_session.info.pop(STALE_KEY, None)


def invalidate() -> None:
    """Start a new generation now (for a change made outside the ORM, such as a restore)."""
    pages = _pages()
    if pages is not None:
        pages.bump()


def init_app(app: Flask) -> None:
    """Set up the store (Redis or memory), the middleware and the staleness hooks, unless
    PAGE_CACHE_SECONDS is 0."""
    if not app.config["PAGE_CACHE_SECONDS"]:
        return
    url = app.config["PAGE_CACHE_URL"]
    if is_redis(url):
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url,
                  "CACHE_KEY_PREFIX": f"community:{app.config['PAGE_CACHE_PREFIX']}:"}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(app, config={**config, "CACHE_DEFAULT_TIMEOUT": app.config["PAGE_CACHE_SECONDS"]})
    pages = PageCache(app, app.extensions["cache"][cache])
    app.extensions["pagecache"] = pages
    app.wsgi_app = PageCacheMiddleware(app.wsgi_app, pages, app.logger)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
