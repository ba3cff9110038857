"""The signed tokens of the emailed links: signing, reading, and fingerprints of values."""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from community.core.errors import DomainError


class TokenError(DomainError):
    """A link token that is forged, expired or already used."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    """A signer for one purpose of link token."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _load_token(purpose: str, token: str, max_age: int, expired: str, invalid: str) -> dict:
    """The data of a signed link token; TokenError with the given messages when it fails."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(expired) from exc
    except BadSignature as exc:
        raise TokenError(invalid) from exc


def _fingerprint(value: str) -> str:
    """A short digest that changes when `value` changes, to make tokens single-use."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]
