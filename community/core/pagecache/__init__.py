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
from flask import Flask

from community.core.pagecache import staleness
from community.core.pagecache.middleware import PageCacheMiddleware
from community.core.pagecache.staleness import invalidate
from community.core.pagecache.store import (
    QUIET_TABLES,
    Entry,
    PageCache,
    cache,
    is_redis,
    next_boundary,
    register_boundary,
    register_viewer_key,
)
from community.core.pagecache.views import cached_page, unlimited_request

__all__ = ["QUIET_TABLES", "Entry", "PageCache", "PageCacheMiddleware", "cache", "cached_page",
           "init_app", "invalidate", "next_boundary", "register_boundary", "register_viewer_key",
           "unlimited_request"]


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
    app.wsgi_app = PageCacheMiddleware(app.wsgi_app, pages, app)
    staleness.listen()
