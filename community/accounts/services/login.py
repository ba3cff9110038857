"""Logging in: the account behind a log-in, and checking an email and password."""
from datetime import timedelta

from flask import current_app
from werkzeug.security import check_password_hash

from community.accounts.deactivation import DEACTIVATED_LOGIN
from community.accounts.models import User
from community.accounts.services.passwords import check_against_nothing
from community.accounts.services.registration import get_by_email
from community.core.errors import DomainError
from community.db import db, utcnow
from community.mail.services import sender_address


def load_user(identity: str) -> User | None:
    """The logged-in user for a Flask-Login identity (`User.login_identity`); a changed
    password invalidates it, and so does the age of the log-in past REMEMBER_COOKIE_DURATION
    (the cookie's expiry alone would not stop a copied cookie)."""
    if not identity_in_date(identity, current_app.config["REMEMBER_COOKIE_DURATION"]):
        return None
    user_id, token = identity.split(":")[:2]
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user


def identity_in_date(identity: str, duration: timedelta) -> bool:
    """Whether a Flask-Login identity is well formed and its log-in no older than `duration`
    (a minute of clock skew allowed)."""
    user_id, _token, logged_in = (identity.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not logged_in.isdigit():
        return False
    return -60 <= utcnow().timestamp() - int(logged_in) <= duration.total_seconds()


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None; takes the same time whether or not the email
    exists. Raises DomainError for the right password of a deactivated account (only the
    account's owner learns that it is deactivated)."""
    user = get_by_email(email)
    if user is None:
        check_against_nothing(password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if not user.is_active:
        raise DomainError(DEACTIVATED_LOGIN.format(contact=sender_address()))
    user.last_login_at = utcnow()
    return user
