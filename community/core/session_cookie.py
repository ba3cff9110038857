"""The signed session cookie, renewed at most once a minute.

Flask renews a permanent session's cookie on every response (SESSION_REFRESH_EACH_REQUEST), so
that it ends after PERMANENT_SESSION_LIFETIME without a request. Signing it again costs more
than serving a kept page, and a browser would receive a new cookie with every page. Here the
cookie is renewed once it is RENEW_AFTER old: the idle timeout still runs from the last
request, give or take that minute (it can only end sooner, never later), and a session that
changed is saved at once as before.
"""
from datetime import datetime, timedelta

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from community.db import utcnow

#: How old a signed cookie may be before a request renews it.
RENEW_AFTER = timedelta(minutes=1)


class SignedSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None for a new one)."""

    signed_at: datetime | None = None


class RenewingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, renewed once RENEW_AFTER old rather than every time."""

    session_class = SignedSession

    def __init__(self):
        #: One serializer per set of keys: Flask builds a new one for every request.
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's keys, built once."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def open_session(self, app: Flask, request) -> SignedSession | None:
        """Flask's `open_session`, keeping the time the cookie was signed."""
        if self.get_signing_serializer(app) is None:
            return None
        return self.from_cookie(app, request.cookies.get(self.get_cookie_name(app)))

    def from_cookie(self, app: Flask, value: str | None) -> SignedSession:
        """The session a cookie value holds: empty when there is none, or its signature is
        wrong or older than PERMANENT_SESSION_LIFETIME."""
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = self.get_signing_serializer(app).loads(value, max_age=max_age,
                                                                     return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        """A changed session at once; an unchanged permanent one once its cookie is RENEW_AFTER old."""
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or utcnow() - signed_at >= RENEW_AFTER
