"""Accounts made: creating one, a member's registration, and confirming the address."""
import secrets

from flask import current_app
from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.services.passwords import hash_password, password_problem
from community.accounts.services.tokens import TokenError, _fingerprint, _load_token, _serializer
from community.core import signals
from community.core.errors import DomainError
from community.core.urls import external_url
from community.db import db, utcnow
from community.mail.services import send_email

#: Bump when the privacy notice changes materially; consent records which version was shown.
PRIVACY_VERSION = "2026-11"


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address, the form it is stored in."""
    return email.strip().lower()


def get_by_email(email: str) -> User | None:
    """The account with this email address, ignoring case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: str = Role.MEMBER,
    organisation: str = "",
    job_title: str = "",
    timezone: str | None = None,
    confirmed: bool = False,
    consent: bool = False,
) -> User:
    """Add an account; raises DomainError when the email is taken or the password is weak."""
    email = normalise_email(email)
    if get_by_email(email) is not None:
        raise DomainError("An account with this email address already exists.", "email")
    problem = password_problem(password, email, name)
    if problem:
        raise DomainError(problem, "password")
    if role not in set(Role):
        raise DomainError(f"Unknown role {role!r}.", "role")
    now = utcnow()
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation.strip(),
        job_title=job_title.strip(),
        password_hash=hash_password(password),
        role=role,
        timezone=timezone or current_app.config["COMMUNITY_TIMEZONE"],
        confirmed_at=now if confirmed else None,
        privacy_consent_at=now if consent else None,
        privacy_version=PRIVACY_VERSION if consent else "",
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    if confirmed:
        signals.account_confirmed.send(user)
    return user


def register(*, email: str, name: str, password: str, organisation: str, job_title: str,
             timezone: str | None = None) -> User:
    """Register a member who consented to the privacy notice and email the confirmation link."""
    existing = get_by_email(email)
    if existing is not None:
        # Do not reveal that the address is registered: tell its owner by email instead, and
        # hash the password anyway so that this answer takes as long as a new account's.
        hash_password(password)
        send_email(
            existing.email,
            "You already have an account",
            "account_exists",
            {"user": existing, "login_url": external_url("accounts.login"),
             "reset_url": external_url("accounts.forgot_password")},
            user=existing,
        )
        return existing
    user = create_user(email=email, name=name, password=password, organisation=organisation,
                       job_title=job_title, timezone=timezone, consent=True)
    send_confirmation(user)
    return user


def confirmation_token(user: User) -> str:
    """A signed token that confirms this member's email address; it names the address by a
    digest only, since the token is readable and ends up in access logs."""
    return _serializer("confirm-email").dumps({"id": user.id, "e": _fingerprint(user.email)})


def send_confirmation(user: User) -> None:
    """Email the member their confirmation link."""
    url = external_url("accounts.confirm", token=confirmation_token(user))
    send_email(user.email, "Confirm your email address", "confirm_email",
               {"user": user, "confirm_url": url}, user=user)


def load_confirmation(token: str) -> dict:
    """The data of a confirmation link token (this module's, or one of `accounts.addresses`);
    raises TokenError when it is forged or expired."""
    return _load_token("confirm-email", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"],
                       "This confirmation link has expired. Log in to have a new one sent.",
                       "This confirmation link is not valid. Check that you copied all of it.")


def confirm_user(user: User) -> None:
    """Confirm the account's address from its first confirmation link; TokenError once done."""
    if user.is_confirmed:
        raise TokenError("This email address is already confirmed. You can log in.")
    mark_confirmed(user)


def mark_confirmed(user: User) -> None:
    """Record the proven address and let features react (held seats become the member's)."""
    user.confirmed_at = utcnow()
    db.session.flush()
    signals.account_confirmed.send(user)
