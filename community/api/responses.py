"""How the API answers: JSON with a strong ETag (a hash of the body), 304 for a matching
If-None-Match, caching for public data, Link headers for the next page, JSON errors; and no
cookie read or written, so an answer is the same for every caller and a shared cache may keep it.
"""
import hashlib
import json

from flask import Flask, Response, request

from community.core.session_cookie import RenewingSessionInterface, SignedSession

#: The API's address space (paths below it never see the login session).
PREFIX = "/api/"
#: Public data, the same for everyone: caches may keep it a minute, then revalidate with the ETag.
CACHE_CONTROL = "public, max-age=60"
#: Errors may change as soon as an organiser publishes something: not kept.
ERROR_CACHE_CONTROL = "no-store"


def _body(data: dict) -> bytes:
    """The JSON text of an answer, the same bytes for the same data (keys sorted)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _common(response: Response) -> Response:
    """Headers every API answer carries: any site's scripts may read it (it holds public data
    and no credentials are used), including the ETag and Link headers."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    return response


def answer(data: dict, next_url: str | None = None) -> Response:
    """200 with `data` as JSON, or 304 when the caller's If-None-Match names its ETag (also in a
    list of tags, or `*`); a list's next page is named in a Link header (RFC 8288)."""
    body = _body(data)
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = CACHE_CONTROL
    if next_url is not None:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return _common(response.make_conditional(request))


def error(status: int, message: str) -> Response:
    """A JSON error: {"error": message}."""
    response = Response(_body({"error": message}), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = ERROR_CACHE_CONTROL
    return _common(response)


class _UnusedSession(SignedSession):
    """The empty session an API request gets: whatever is written to it is never saved."""


class ApiSessionInterface(RenewingSessionInterface):
    """The app's cookie sessions (`core.session_cookie`), except below PREFIX: there a request
    gets an empty session and its answer neither reads the login (so no `Vary: Cookie`) nor
    renews or sets the cookie (which a shared cache could hand to someone else)."""

    def open_session(self, app: Flask, request):
        """An empty, unsaved session for the API; the signed cookie's for everything else."""
        if request.path.startswith(PREFIX):
            return _UnusedSession()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        """Save the session, unless it is an API request's."""
        if not isinstance(session, _UnusedSession):
            super().save_session(app, session, response)
