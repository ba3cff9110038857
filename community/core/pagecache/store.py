"""The page cache's store: kept entries, the generation they were drawn in, the features'
boundaries and viewer keys, and the one `PageCache` of an app."""
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_caching import Cache

QUIET_TABLES = frozenset({"outbox", "audit_entries", "inbound_messages", "announcements", "note_opens"})
#: session.info key: this transaction wrote something shown on pages.
STALE_KEY = "pagecache_stale"
#: Cache key of the generation counter (Redis).
GENERATION_KEY = "generation"
#: environ key: the generation a cacheable page is being rendered in, and until when it holds.
RENDERING_KEY = "community.pagecache.generation"
#: environ key: the key a signed-in viewer's page is kept under once rendered, with the above.
VIEWER_RENDERING_KEY = "community.pagecache.viewer"
#: Headers a 304 repeats from the kept page.
NOT_MODIFIED_HEADERS = frozenset({"etag", "last-modified", "cache-control", "vary", "expires",
                                  "content-location"})
#: Functions returning the next moment (UTC) at which some kept page changes by itself.
_boundaries: list[Callable[[], datetime | None]] = []


@dataclass(frozen=True)
class Viewers:
    """Who may have pages kept for them (see `register_viewer_key`): named inside a request, and
    from a decoded session cookie alone (app, session, environ)."""

    in_request: Callable[[], str | None]
    from_session: Callable[[Flask, Mapping, Mapping], str | None]


#: The registered `Viewers` (none until a feature registers them).
viewers: list[Viewers] = []

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


def register_viewer_key(fn: Callable[[], str | None],
                        from_session: Callable[[Flask, Mapping, Mapping], str | None]) -> None:
    """Have `fn` name the signed-in viewer of this request whose pages may be kept for them alone
    (a string unique to the viewer and their log-in), or None when their pages must be drawn
    every time (staff, say, whose pages change with the clock in more ways).

    `from_session(app, session, environ)` names the same viewer from the decoded session cookie
    before Flask sees the request, or None when the request must go through Flask (anything in
    the session besides the log-in): the middleware then serves the kept page, renewing the
    session cookie as Flask would."""
    viewers[:] = [Viewers(fn, from_session)]


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


def page_key(environ: Mapping, viewer: str | None = None) -> str:
    """The cache key of a page: its scheme (a page over HTTPS carries HSTS), path and query
    string, and the viewer it is kept for, if any."""
    path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    key = f"page:{environ.get('wsgi.url_scheme')}:{path}?{query}"
    return f"{key}|viewer:{viewer}" if viewer else key


def current() -> PageCache | None:
    """This app's page cache, or None when it is turned off."""
    return current_app.extensions.get("pagecache") if has_app_context() else None
