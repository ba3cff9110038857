"""A member's address after sign-up: repeated bounces mark it as bouncing (calendar emails to it
are held), and the member proves it again, or a new one, by opening a link emailed to it.

Every link is opened at `/confirm/<token>`: the tokens here are signed for the same purpose as
the first confirmation's (`services.confirmation_token`) and carry one claim more, "b" for the
bouncing address confirmed again, "n" for a new address, each a digest of what it names so the
link works once and for that state only.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash

from community.accounts import services
from community.accounts.models import User
from community.accounts.services import tokens
from community.core.errors import DomainError
from community.core.timeutil import format_local
from community.core.urls import external_url
from community.db import db, utcnow
from community.mail import services as mail

#: The purpose the links are signed for: the same as the first confirmation link's.
PURPOSE = "confirm-email"


@dataclass(frozen=True)
class Confirmed:
    """What opening a confirmation link did."""

    user: User
    #: "account" (a new account's address), "again" (a bouncing address confirmed again) or
    #: "changed" (the account moved to a new address).
    what: str
    #: Held calendar emails now on their way.
    released: int = 0


# Bounces -------------------------------------------------------------------------------------

def record_hard_bounce(address: str, reason: str) -> User | None:
    """After a permanent failure of a message to `address` was recorded: when the account with
    this address has had INBOUND_BOUNCES_TO_PAUSE of them since it last confirmed the address,
    mark the address as bouncing (calendar emails to it are held from now on), keeping the
    latest diagnostic. Returns the account when its address is (now) marked, else None."""
    user = services.get_by_email(address)
    if user is None:
        return None
    if not user.is_bouncing:
        threshold = current_app.config["INBOUND_BOUNCES_TO_PAUSE"]
        if not threshold or mail.bounced_count(user.email, since=user.confirmed_at) < threshold:
            return None
        user.email_bouncing_since = utcnow()
    user.email_bounce_reason = (" ".join(reason.split()) or "no reason given")[:500]
    db.session.flush()
    return user


def bouncing_members() -> list[User]:
    """Accounts whose address is marked as bouncing, the longest-bouncing first."""
    return list(db.session.scalars(select(User).where(User.email_bouncing_since.is_not(None))
                                   .order_by(User.email_bouncing_since, User.id)))


def bounce_notice(user: User) -> str:
    """What the member reads about their bouncing address ("" when it does not bounce)."""
    if not user.is_bouncing:
        return ""
    when = format_local(user.email_bouncing_since, "%-d %B %Y", user.timezone)
    return (f"Emails to {user.email} bounced ({user.email_bounce_reason}) on {when}; calendar "
            "emails are paused. Check the address and confirm it, or change it.")


def _clear_bouncing(user: User) -> int:
    """The address is proven (again): unmark it, restart the count of its bounces and send the
    held calendar emails to it. Returns how many go out."""
    user.email_bouncing_since = None
    user.email_bounce_reason = None
    if user.is_confirmed:
        user.confirmed_at = utcnow()
        db.session.flush()
    else:
        services.mark_confirmed(user)
    return mail.release_held(user.id, user.email)


# Confirming the address again -----------------------------------------------------------------

def reconfirmation_token(user: User) -> str:
    """A link token that confirms the bouncing address again (void once it is unmarked)."""
    return tokens._serializer(PURPOSE).dumps(
        {"id": user.id, "e": tokens._fingerprint(user.email),
         "b": tokens._fingerprint(user.email_bouncing_since.isoformat())})


def send_reconfirmation(user: User) -> None:
    """Email the bouncing address a link that confirms it; raises DomainError when it does not bounce."""
    if not user.is_bouncing:
        raise DomainError("Your email address is not bouncing: there is nothing to confirm.")
    url = external_url("accounts.confirm", token=reconfirmation_token(user))
    mail.send_email(user.email, "Confirm your email address again", "confirm_email",
                    {"user": user, "confirm_url": url, "again": True}, user=user)


# Changing the address -------------------------------------------------------------------------

def change_token(user: User) -> str:
    """A link token that moves the account to its pending address (void once that changes)."""
    return tokens._serializer(PURPOSE).dumps(
        {"id": user.id, "e": tokens._fingerprint(user.email),
         "n": tokens._fingerprint(user.pending_email)})


def request_change(user: User, new_email: str, password: str) -> str:
    """Ask to move the account to `new_email`: after the password is checked, a link is emailed
    to the new address and nothing changes until it is opened. An address that belongs to
    another account gets no email (the answer is the same, so it reveals no account). Typing
    the current address of a bouncing account sends it the confirmation link instead.
    Returns the address the link went to."""
    if not check_password_hash(user.password_hash, password):
        raise DomainError("That is not your password.", "password")
    new_email = services.normalise_email(new_email)
    if new_email == user.email:
        if user.is_bouncing:
            send_reconfirmation(user)
            return new_email
        raise DomainError("That is already your address.", "email")
    if services.get_by_email(new_email) is not None:
        return new_email
    user.pending_email = new_email
    db.session.flush()
    url = external_url("accounts.confirm", token=change_token(user))
    mail.send_email(new_email, "Confirm your new email address", "confirm_email",
                    {"user": user, "confirm_url": url, "change": True}, user=user)
    return new_email


def _change(user: User) -> int:
    """Move the account to its pending address, now proven; returns the held emails released."""
    new_email = user.pending_email
    if services.get_by_email(new_email) is not None:
        user.pending_email = None
        raise services.TokenError("That address now belongs to another account, so your address "
                                  "was not changed.")
    user.email, user.pending_email = new_email, None
    return _clear_bouncing(user)


# Opening a link ------------------------------------------------------------------------------

def confirm(token: str) -> Confirmed:
    """Open any confirmation link: a new account's address, a bouncing address confirmed again
    or a new address. Raises TokenError for a forged, expired or used link."""
    data = services.load_confirmation(token)
    user = db.session.get(User, data.get("id"))
    if user is None or data.get("e") != tokens._fingerprint(user.email):
        raise services.TokenError("This confirmation link does not match any account.")
    if "n" in data:
        if not user.pending_email or data["n"] != tokens._fingerprint(user.pending_email):
            raise services.TokenError("This link is for an address change that was replaced or "
                                      "already made. Ask for a new one on your account page.")
        return Confirmed(user, "changed", _change(user))
    if "b" in data:
        if not user.is_bouncing or data["b"] != tokens._fingerprint(user.email_bouncing_since.isoformat()):
            raise services.TokenError("This email address is already confirmed. You can log in.")
        return Confirmed(user, "again", _clear_bouncing(user))
    services.confirm_user(user)
    return Confirmed(user, "account")
