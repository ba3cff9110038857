"""The accounts' queue task: the password-reset email, written away from the request so
that asking for a reset costs the same whether or not the address has an account."""
from community.accounts import services
from community.db import db


def send_reset_link(email: str) -> bool:
    """Write (and commit) the reset email for this address if it has an account."""
    sent = services.send_reset_link(email)
    db.session.commit()
    return sent
