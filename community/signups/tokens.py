"""Signed links that let a person cancel their sign-up without logging in."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "cancel-signup"


def cancel_token(reg) -> str:
    """A signed token naming this registration, its holder's account (None for a held seat)
    and the sign-up it belongs to: ids only, since the token is readable and ends up in logs."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT).dumps(
        {"r": reg.id, "u": reg.user_id, "t": issued_mark(reg)})


def issued_mark(reg) -> int:
    """The sign-up a link belongs to: a link from before a cancel-and-rejoin no longer works."""
    return int(reg.signed_up_at.timestamp() * 1000)


def read_cancel_token(token: str) -> dict | None:
    """The token's contents, or None when it is forged or damaged."""
    try:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT).loads(token)
    except BadSignature:
        return None
