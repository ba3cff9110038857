"""The signed sign-up link in the emails: reading it, and the sign-up it confirms."""
from community.accounts.models import User
from community.core.errors import DomainError
from community.db import db
from community.inbound import tokens
from community.inbound.requests.answers import SOURCE
from community.inbound.requests.matching import _is_open
from community.sessions.models import Session
from community.signups import services as signups


def signup_link(token: str):
    """The member and session a sign-up link names; DomainError when it is not valid (any more)."""
    data = tokens.read(token, tokens.SIGNUP_SALT, tokens.SIGNUP_MAX_AGE)
    user = db.session.get(User, data.get("u")) if data else None
    session = db.session.get(Session, data.get("s")) if data else None
    if user is None or session is None:
        raise DomainError("This link is not valid or has expired. Check that you copied all of it, "
                          "or sign up on the session page.")
    if not _is_open(session):
        raise DomainError(f"Sign-up for “{session.title}” is closed.")
    if tokens.cancelled_since_issued(data, signups.registration_for(user, session)):
        raise DomainError("You cancelled this sign-up after the link was sent. Sign up on the "
                          "session page if you changed your mind.")
    return user, session


def confirm_signup(token: str):
    """The member pressed "Yes, sign me up" on the page the emailed link opens."""
    user, session = signup_link(token)
    if not user.is_active:
        raise DomainError("This account is not active.")
    return signups.sign_up(user, session, source=SOURCE)
