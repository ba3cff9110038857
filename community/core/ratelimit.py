"""Who a rate limit counts: the signed-in account, the address typed into a form, or the
client's IP address (the real one behind TRUSTED_PROXIES reverse proxies).

Signed-in actions (votes, sign-ups) count per account, so a room of members behind one
address can all take part; login and password reset count per address typed and, more
generously, per IP, so one account under attack is locked without locking out a venue.
The limits themselves are the constants below, in one place.
"""
import hashlib

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

#: Failed logins for one email address (successful ones do not count).
LOGIN_PER_ACCOUNT = "10 per minute;20 per hour"
#: Failed logins from one IP address, across all accounts: generous, for a venue's network.
LOGIN_PER_IP = "100 per minute;1000 per hour"
#: Password-reset requests for one email address, and from one IP address.
RESET_PER_ACCOUNT = "3 per 10 minutes;10 per day"
RESET_PER_IP = "30 per minute;300 per hour"
#: Registrations from one IP address, and for one email address.
REGISTER_PER_IP = "30 per minute;300 per hour"
REGISTER_PER_ACCOUNT = "5 per hour"
#: Choosing a new password from an emailed link, per IP address (bandit reads the name as a
#: password: it is a rate limit).
NEW_PASSWORD_PER_IP = "20 per minute;100 per hour"  # nosec B105
#: Asking for the confirmation email again, per account.
RESEND_PER_ACCOUNT = "3 per minute;10 per hour"
#: Signed-in actions per account, and a high ceiling per IP address against floods.
SIGNUP_PER_ACCOUNT = "20 per minute"
ANSWER_PER_ACCOUNT = "30 per minute"
ACTION_PER_IP = "3000 per minute"
#: Deleting one's account (asks for the password), per account.
DELETE_PER_ACCOUNT = "5 per minute"
#: Emailed cancel links (no login), per IP address.
LINK_PER_IP = "30 per minute"


def client_ip() -> str:
    """The client's address as the app sees it (ProxyFix has already applied the trusted hops)."""
    return request.remote_addr or "unknown"


def by_ip() -> str:
    """Count per client IP address."""
    return f"ip:{client_ip()}"


def by_account() -> str:
    """Count per signed-in account (per IP address for visitors)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return by_ip()


def by_email_typed() -> str:
    """Count per email address typed into the form (hashed: no addresses in the counters)."""
    email = (request.form.get("email") or "").strip().lower()
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def failed(response) -> bool:
    """Whether a form post failed (re-shown or refused) rather than succeeded with a redirect."""
    return response.status_code not in (301, 302, 303)


def shared_counters_warning(workers: int, storage_uri: str) -> str | None:
    """What to tell the operator when several processes keep their own counters (each then
    allows the full limit, so N workers allow N times as many attempts)."""
    if workers > 1 and storage_uri.startswith("memory://"):
        return (f"{workers} web workers keep rate-limit counters in their own memory, so each "
                f"allows the full limit: set QUEUE_URL to a redis:// URL to share them.")
    return None


def init_app(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host/-Port/-Prefix from exactly TRUSTED_PROXIES proxies."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,
                                x_prefix=hops)
