"""Passwords: the rules a new one must meet (its length, not built from the name or address, hard
to guess) and how they are hashed."""
import functools
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
#: The least zxcvbn score accepted (0-4): 3 means about 10^8 guesses or more, out of reach of an
#: online attack and costly offline against the scrypt hashes.
MIN_PASSWORD_SCORE = 3
#: What to do when zxcvbn has no suggestion of its own.
STRONGER = "Add another word or two; uncommon words are better."


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


def hash_password(password: str) -> str:
    """The stored hash of a password, by PASSWORD_HASH_METHOD (werkzeug's scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a random string made the way real ones are, checked when no account matches."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def check_against_nothing(password: str) -> None:
    """Spend the time a password check takes, for an address with no account, so the answer
    does not tell whether the address is registered."""
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
