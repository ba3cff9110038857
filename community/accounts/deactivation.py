"""Deactivating an account: it can no longer log in or be emailed, and its places are released.

The account and its history stay (unlike deletion, `community.accounts.gdpr`); an organiser can
reactivate it. Features react to `signals.account_deactivated` (sign-ups release its upcoming
seats and waitlist places); `mail.services.send_email` writes nothing to an inactive account,
and the messages still waiting for it in the outbox are withdrawn (`mail.services.withdraw_for`).
"""
import secrets

from community.accounts.models import User
from community.accounts.roles import require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.db import db, utcnow
from community.mail import services as mail

#: What the log-in form says to someone whose account an organiser deactivated.
DEACTIVATED_LOGIN = ("This account has been deactivated by the organisers, so it cannot log in. "
                     "Write to {contact} if you think this is a mistake.")


def deactivate(actor: User | None, user: User) -> None:
    """Deactivate an account (organisers only, never their own): its log-ins end, no email is
    written to it any more, what waits for it in the outbox is not sent, and the features release
    what it holds."""
    require_organiser(actor, "Only organisers can deactivate accounts.")
    if actor.id == user.id:
        raise DomainError("You cannot deactivate your own account; ask another organiser.")
    if user.deactivated_at is not None:
        raise DomainError(f"{user.name}'s account is already deactivated.")
    user.deactivated_at = utcnow()
    # A new session token ends every open log-in and remembered one (`services.load_user`), also
    # after a reactivation: the member logs in again.
    user.session_token = secrets.token_hex(16)
    db.session.flush()
    mail.withdraw_for(user.id)
    signals.account_deactivated.send(user, actor=actor)


def reactivate(actor: User | None, user: User) -> None:
    """Let a deactivated account log in and be emailed again (organisers only). What was released
    stays released: the member signs up again."""
    require_organiser(actor, "Only organisers can reactivate accounts.")
    if user.deactivated_at is None:
        raise DomainError(f"{user.name}'s account is active.")
    user.deactivated_at = None
    db.session.flush()
    signals.account_reactivated.send(user, actor=actor)
