"""`cached_page`: the views whose pages are kept, for anonymous visitors and for members."""
import functools
import hashlib
import time

from flask import current_app, request, session

from community.core.pagecache.store import (
    RENDERING_KEY,
    VIEWER_RENDERING_KEY,
    Entry,
    PageCache,
    current,
    page_key,
    viewers,
)


def _anonymous() -> bool:
    """Whether this request is from a visitor who sees what every anonymous visitor sees."""
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return not any(name in session for name in ("_user_id", "_flashes"))


def _respond(entry: Entry):
    """A kept page as a Flask response, or a 304 (the app's hooks still run around it)."""
    response = current_app.response_class(entry.body, status=entry.status, headers=list(entry.headers))
    return response.make_conditional(request)


def cached_page(view):
    """Keep the view's page for anonymous visitors, and for each signed-in viewer whom the
    registered `viewer_key` names (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        pages = current()
        if pages is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        if _anonymous():
            return _anonymous_page(pages, view, args, kwargs)
        viewer = viewers[0].in_request() if viewers and "_flashes" not in session else None
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
        generation, entry = pages.fresh(page_key(request.environ))
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
    """A signed-in viewer's own copy of the page, kept under their key by the middleware once
    rendered (with the headers the app's hooks add, but not the renewed session cookie). Served
    from here when the middleware left the request to Flask: the app's hooks run around it."""
    key = page_key(request.environ, viewer)
    try:
        generation, entry = pages.fresh(key)
    except Exception:  # noqa: BLE001 - a cache that cannot answer just renders the page
        current_app.logger.warning("page cache unavailable", exc_info=True)
        return view(*args, **kwargs)
    if entry is not None:
        return _respond(entry)
    response = current_app.make_response(view(*args, **kwargs))
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    # A weak ETag of what the page shows rather than of its bytes: every process draws the same
    # page for this log-in in this generation, but each with a form token of its own (all
    # valid for the log-in), so the member's copy is good whichever process answers next.
    response.set_etag(hashlib.sha256(f"{generation}|{key}".encode()).hexdigest(), weak=True)
    request.environ[VIEWER_RENDERING_KEY] = (key, (generation, pages.expiry()))
    return response.make_conditional(request)
