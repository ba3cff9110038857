"""Account rules: registration, confirmation, login, password reset, profile and roles.

The data export and the deletion of an account are in `community.accounts.gdpr`.
"""
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from community import queue
from community.accounts.deactivation import DEACTIVATED_LOGIN
from community.accounts.models import Role, User, new_calendar_token
from community.accounts.roles import require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.core.urls import external_url
from community.db import db, utcnow
from community.mail.services import send_email, sender_address

#: Bump when the privacy notice changes materially; consent records which version was shown.
PRIVACY_VERSION = "2026-11"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
#: The least zxcvbn score accepted (0-4): 3 means about 10^8 guesses or more, out of reach of an
#: online attack and costly offline against the scrypt hashes.
MIN_PASSWORD_SCORE = 3
#: What to do when zxcvbn has no suggestion of its own.
STRONGER = "Add another word or two; uncommon words are better."
# A real hash of a random string, checked against when no account matches, so a login
# for an unknown email takes as long as one for a known email.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class TokenError(DomainError):
    """A link token that is forged, expired or already used."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address, the form it is stored in."""
    return email.strip().lower()


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Say what is wrong with a new password, or None when it is acceptable: too short or too
    long, built from the member's name or address, or easy to guess by zxcvbn's estimate (its
    dictionaries of common passwords, names and words, keyboard patterns, dates), with its advice."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    local = email.split("@")[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (name and name.lower() in lowered):
        return "Do not build the password from your name or email address."
    estimate = zxcvbn(password, user_inputs=[local, *name.lower().split()],
                      max_length=MAX_PASSWORD_LENGTH)
    if estimate["score"] < MIN_PASSWORD_SCORE:
        feedback = estimate["feedback"]
        advice = feedback["warning"], (feedback["suggestions"] or [STRONGER])[0]
        return " ".join(["This password is too easy to guess.", *filter(None, advice)])
    return None


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
        password_hash=generate_password_hash(password),
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
        generate_password_hash(password)
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


def load_user(identity: str) -> User | None:
    """The logged-in user for a Flask-Login identity (`User.login_identity`); a changed
    password invalidates it, and so does the age of the log-in past REMEMBER_COOKIE_DURATION
    (the cookie's expiry alone would not stop a copied cookie)."""
    user_id, token, logged_in = (identity.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not logged_in.isdigit():
        return None
    age = utcnow().timestamp() - int(logged_in)
    if not -60 <= age <= current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None; takes the same time whether or not the email
    exists. Raises DomainError for the right password of a deactivated account (only the
    account's owner learns that it is deactivated)."""
    user = get_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if not user.is_active:
        raise DomainError(DEACTIVATED_LOGIN.format(contact=sender_address()))
    user.last_login_at = utcnow()
    return user


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
    user.password_hash = generate_password_hash(password)
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


def update_profile(user: User, *, name: str, organisation: str, job_title: str,
                   timezone: str, waitlist_in_calendar: bool = True) -> None:
    """Save the member's profile details."""
    user.waitlist_in_calendar = bool(waitlist_in_calendar)
    user.name = name.strip()
    user.organisation = organisation.strip()
    user.job_title = job_title.strip()
    user.timezone = timezone
    db.session.flush()


def set_role(actor: User | None, user: User, role: str) -> None:
    """Change an account's role; organisers only, and never one's own (to keep an organiser)."""
    require_organiser(actor, "Only organisers can change roles.")
    if role not in set(Role):
        raise DomainError(f"Unknown role {role!r}.")
    if actor.id == user.id and role != Role.ORGANISER:
        raise DomainError("You cannot remove your own organiser role; ask another organiser.")
    before = user.role
    user.role = role
    db.session.flush()
    if before != role:
        signals.role_changed.send(user, actor=actor, before=str(before), after=str(role))


def search_users(query: str = "", role: str | None = None):
    """A select of accounts matching words in name, email, organisation or job title."""
    stmt = select(User).order_by(User.name, User.id)
    for word in query.split():
        like = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(like),
                User.email.like(like),
                func.lower(User.organisation).like(like),
                func.lower(User.job_title).like(like),
            )
        )
    if role in set(Role):
        stmt = stmt.where(User.role == role)
    return stmt


def consent_state(user: User) -> str:
    """Where the member stands with the privacy notice: "current" (agreed to this version),
    "earlier" (agreed to an older one) or "none"."""
    if user.privacy_consent_at is None:
        return "none"
    return "current" if user.privacy_version == PRIVACY_VERSION else "earlier"


def member_counts() -> tuple[int, int]:
    """(accounts, accounts awaiting email confirmation)."""
    total = db.session.scalar(select(func.count(User.id)))
    unconfirmed = db.session.scalar(select(func.count(User.id)).where(User.confirmed_at.is_(None)))
    return total, unconfirmed
