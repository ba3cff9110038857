"""Which signed-in viewers may have their pages kept for them (`core.pagecache`)."""
import hashlib

from flask import session
from flask_login import current_user

from community.accounts.models import Role


def viewer_key() -> str | None:
    """A member's id and a digest of their log-in's form secret, so a kept page (whose forms
    carry that log-in's CSRF token) is served only to the same log-in. None for staff, whose
    pages show check-in and drafts that change with the clock, and before the log-in has a
    form secret."""
    if not current_user.is_authenticated or current_user.role != Role.MEMBER:
        return None
    secret = session.get("csrf_token")
    if not secret:
        return None
    return f"{current_user.id}:{hashlib.sha256(str(secret).encode()).hexdigest()[:16]}"
