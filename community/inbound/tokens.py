"""Signed links the pipeline emails: confirm a decline that could not be verified, take a
given-up seat back, and confirm a sign-up asked for by email."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from community.signups.tokens import issued_mark

DECLINE_SALT = "inbound-confirm-decline"
REJOIN_SALT = "inbound-take-seat-back"
SIGNUP_SALT = "inbound-email-signup"
#: A confirmation link for an unverified decline stays valid this long (seconds).
DECLINE_MAX_AGE = 7 * 24 * 3600
#: A take-back link stays valid this long (seconds); the session's start ends it sooner.
REJOIN_MAX_AGE = 30 * 24 * 3600
#: A "sign me up" link (a request by email, or the list of upcoming sessions) stays valid this long.
SIGNUP_MAX_AGE = 7 * 24 * 3600


def _serializer(salt: str) -> URLSafeTimedSerializer:
    """The signer for one kind of link."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _mark(moment) -> int:
    """A moment as whole milliseconds (what a link names to stay single-use)."""
    return int(moment.timestamp() * 1000) if moment else 0


def decline_token(reg) -> str:
    """A link to confirm giving up this sign-up (void once the person signs up again)."""
    return _serializer(DECLINE_SALT).dumps({"r": reg.id, "u": reg.user_id, "t": issued_mark(reg)})


def rejoin_token(reg) -> str:
    """A link to take back the seat given up (void once used or the person signs up again)."""
    return _serializer(REJOIN_SALT).dumps({"r": reg.id, "u": reg.user_id, "c": _mark(reg.cancelled_at)})


def read(token: str, salt: str, max_age: int) -> dict | None:
    """The token's contents, or None when forged, damaged or expired."""
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def matches_decline(data: dict, reg) -> bool:
    """Whether a decline link still names this very sign-up."""
    return data.get("u") == reg.user_id and data.get("t") == issued_mark(reg)


def matches_rejoin(data: dict, reg) -> bool:
    """Whether a take-back link still names this very cancellation."""
    return data.get("u") == reg.user_id and data.get("c") == _mark(reg.cancelled_at)


def signup_token(user, session, issued) -> str:
    """A link that signs this member up for this session (void once they cancel after `issued`)."""
    return _serializer(SIGNUP_SALT).dumps({"s": session.id, "u": user.id, "i": _mark(issued)})


def cancelled_since_issued(data: dict, reg) -> bool:
    """Whether the member cancelled this sign-up after the link was sent (the link is then void)."""
    return reg is not None and reg.cancelled_at is not None and _mark(reg.cancelled_at) > data.get("i", 0)
