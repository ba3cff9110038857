"""Setting a new password: a member's change, and the reset of a forgotten one by emailed link."""
import secrets

from flask import current_app
from werkzeug.security import check_password_hash

from community import queue
from community.accounts.models import User, new_calendar_token
from community.accounts.services.passwords import hash_password, password_problem
from community.accounts.services.registration import get_by_email, mark_confirmed, normalise_email
from community.accounts.services.tokens import TokenError, _fingerprint, _load_token, _serializer
from community.core.errors import DomainError
from community.core.urls import external_url
from community.db import db
from community.mail.services import send_email


def reset_token(user: User) -> str:
    """A signed, single-use password reset token (bound to the current password)."""
    return _serializer("reset-password").dumps(
        {"id": user.id, "pw": _fingerprint(user.password_hash)}
    )


def request_password_reset(email: str) -> None:
    """Have the queue email a reset link if the address has an account. The request does the
    same work whether or not it has one (it only hands the address to the queue), so neither
    the answer nor its timing reveals an account."""
    queue.enqueue_after_commit("accounts.send_reset_link", normalise_email(email))


def send_reset_link(email: str) -> bool:
    """Write the reset email for the account with this address, if there is one; True if so."""
    user = get_by_email(email)
    if user is None or not user.is_active:
        return False
    url = external_url("accounts.reset_password", token=reset_token(user))
    send_email(user.email, "Reset your password", "reset_password",
               {"user": user, "reset_url": url}, user=user)
    return True


def user_for_reset(token: str) -> User:
    """The account a reset token belongs to; raises TokenError when forged, expired or used."""
    data = _load_token("reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE"],
                       "This reset link has expired. Ask for a new one below.",
                       "This reset link is not valid. Ask for a new one below.")
    user = db.session.get(User, data.get("id"))
    if user is None or data.get("pw") != _fingerprint(user.password_hash):
        raise TokenError("This reset link has already been used. Ask for a new one below.")
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password, ending remembered logins on other devices."""
    problem = password_problem(password, user.email, user.name)
    if problem:
        raise DomainError(problem, "password")
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    if not user.is_confirmed:
        # Opening the emailed reset link proves the address as well as confirmation would.
        mark_confirmed(user)
    db.session.flush()


def reset_password(user: User, password: str) -> None:
    """Set a new password from an emailed reset link. The account may have been in other
    hands, so the personal calendar feed gets a new address too (the old one stops working)."""
    set_password(user, password)
    user.calendar_token = new_calendar_token()
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Change the password after checking the current one."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError("That is not your current password.", "current_password")
    set_password(user, new)
