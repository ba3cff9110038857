"""When the database cannot be reached (down, restarting, failing over, its pool exhausted): a
503 in the site layout with Retry-After, or a JSON 503 below /api/, instead of a 500 traceback.

The request's transaction is rolled back and its connection given back (SQLAlchemy has already
invalidated a connection that died, and `pool_pre_ping` tests every other one on checkout), so
the next request starts clean and the app recovers by itself once the database answers again.
The page is drawn for an anonymous visitor: the signed-in account is not loaded again (that
would ask the database), and the rollback has expired the one already loaded.
"""
import json

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from community.core.web import ERROR_TEXT, _render_error
from community.db import db

#: Seconds a client is asked to wait before trying again (a database restart takes a few).
RETRY_AFTER_SECONDS = 5
#: The API's address space, whose errors are JSON (`community.api.responses.PREFIX`).
API_PREFIX = "/api/"
ERROR_TEXT.setdefault(503, (
    "Back in a moment",
    "The site cannot reach its database just now. Please try again in a few seconds.",
))


def _release_connection() -> None:
    """End the request's transaction; a connection that cannot even roll back is closed for good."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session().invalidate()  # the scoped session does not pass this one on


def _end_transaction(_exc: BaseException | None) -> None:
    """At the end of every request, before Flask-SQLAlchemy removes the session (teardowns run
    in reverse order of registration): roll back what is left, and let go of a connection that
    the database cut meanwhile. Otherwise the rollback inside `session.remove()` raises after
    the response was made (PostgreSQL restarting: "terminating connection due to administrator
    command"), and the server answers a finished page with a 500."""
    if db.session.registry.has():
        _release_connection()


def _unavailable(exc: Exception):
    """Log the failure once, without the traceback, and answer 503."""
    current_app.logger.error("database unavailable for %s %s: %s: %s", request.method, request.path,
                             type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
    _release_connection()
    # Flask-Login's per-request user (what `current_user` reads): anonymous for this page only,
    # the login cookie is left as it is.
    g._login_user = current_app.login_manager.anonymous_user()
    if request.path.startswith(API_PREFIX):
        body = json.dumps({"error": "The service is unavailable; try again shortly."})
        response = Response(body, status=503, mimetype="application/json")
    else:
        page, status = _render_error(503)
        response = Response(page, status=status, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Answer 503 for the database errors that mean "not reachable now"; end each request's
    transaction so that a connection cut under it does not turn its answer into a 500."""
    for error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(error, _unavailable)
    app.teardown_appcontext(_end_transaction)
