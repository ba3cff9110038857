"""Which signed-in viewers may have their pages kept for them (`core.pagecache`).

A member's page is kept under a key naming their log-in: the Flask-Login identity (account,
password generation and log-in time) and a digest of the log-in's form secret, so a kept page,
whose forms carry that log-in's CSRF token, is only ever served to the same log-in. The key is
found two ways that must agree: `viewer_key` inside a request, after Flask-Login has loaded the
account, and `session_viewer` from the decoded session cookie alone, for the page cache's
middleware, which answers before Flask routes the request.
"""
import hashlib
from collections.abc import Mapping

from flask import Flask, session
from flask_login import current_user

from community.accounts.models import Role
from community.accounts.services.login import identity_in_date

#: What a member's session holds while nothing but their log-in is in it (Flask-Login's keys
#: and Flask-WTF's form secret). Anything else (a message to flash, an address for the log-in
#: form, a remember cookie to set) is the app's business: such requests go through Flask.
PLAIN_SESSION = frozenset({"_user_id", "_fresh", "_id", "_permanent", "csrf_token"})


def _key(identity: str, secret: str) -> str:
    """The key of one log-in."""
    digest = hashlib.sha256(f"{identity}|{secret}".encode()).hexdigest()[:32]
    return f"{identity.split(':', 1)[0]}:{digest}"


def viewer_key() -> str | None:
    """The key of this request's log-in when it is a member's. None for staff, whose pages show
    check-in and drafts that change with the clock, and before the log-in has a form secret."""
    if not current_user.is_authenticated or current_user.role != Role.MEMBER:
        return None
    identity, secret = session.get("_user_id"), session.get("csrf_token")
    if not identity or not secret:
        return None
    return _key(str(identity), str(secret))


def login_identifier(environ: Mapping) -> str:
    """What Flask-Login's session protection ties a log-in to (its `_create_identifier`: the
    first X-Forwarded-For address, else the peer's, and the User-Agent), read from the WSGI
    environ."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{agent}".encode()).hexdigest()


def session_viewer(app: Flask, data: Mapping, environ: Mapping) -> str | None:
    """The key of the log-in in a decoded session cookie, when Flask would serve this request
    the member's kept page with nothing more to do than renew the cookie: the session holds
    only the log-in, Flask-Login's protection would find the same browser, the log-in is in
    date, and no remember cookie is due. The account itself is not loaded: a kept page exists
    only for a member, and any change to the account (a new password, deactivation, another
    role) starts a new page generation, so no page kept before it is served."""
    if not data.keys() <= PLAIN_SESSION or app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
        return None
    identity, secret = data.get("_user_id"), data.get("csrf_token")
    if not isinstance(identity, str) or not isinstance(secret, str):
        return None
    if data.get("_id") != login_identifier(environ):
        return None
    if not identity_in_date(identity, app.config["REMEMBER_COOKIE_DURATION"]):
        return None
    return _key(identity, secret)
