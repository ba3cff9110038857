"""Settings read from the environment (listed in the README's Configuration section), with defaults."""
import contextlib
import hashlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SENDER = "Digital Leadership Community <community@localhost>"


def _flag(value: str | None) -> bool:
    """Read a boolean environment value such as `1`, `true` or `yes`."""
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance folder.

    Workers starting at once may all find no key file: each writes a key of its own to a
    temporary file and hard-links it into place, which succeeds for exactly one of them and
    never shows a half-written file, so every worker then reads the same complete key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):  # another worker's key is in place
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to have a new key made, or set SECRET_KEY")
    return key


def ratelimit_storage(queue_url: str) -> str:
    """Where rate-limit counters live: the queue's Redis when there is one, else this process."""
    return queue_url if queue_url.startswith(("redis://", "rediss://")) else "memory://"


def _count(name: str, value: str | None) -> int:
    """A non-negative whole number from the environment (0 when unset)."""
    try:
        number = int(value or 0)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from exc
    if number < 0:
        raise RuntimeError(f"{name} cannot be negative")
    return number


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ
    base_url = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    zone = env.get("COMMUNITY_TIMEZONE", "Europe/London")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"COMMUNITY_TIMEZONE {zone!r} is not an IANA time zone") from exc
    queue_url = env.get("QUEUE_URL") or str(instance / "queue.sqlite")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'community.sqlite'}"
    secure = base_url.startswith("https://")
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUEUE_URL": queue_url,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or DEFAULT_SENDER,
        # Tests deliver to a real SMTP server too, so TESTING must not silence Flask-Mail.
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_FILE_DIR": str(instance / "mail"),
        "BASE_URL": base_url,
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
        "TRUSTED_PROXIES": _count("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES")),
        "COMMUNITY_TIMEZONE": zone,
        "COMMUNITY_NAME": "Digital Leadership Community",
        # Rate limits share Redis with the queue at scale; memory otherwise.
        "RATELIMIT_STORAGE_URI": ratelimit_storage(queue_url),
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Redis down: count in this process's memory meanwhile, and never fail a request for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        #: "Keep me logged in" lasts this long after the log-in, checked by the server too.
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        #: A logged-in session ends after this long without a request (each request renews it).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        #: How long confirmation and password-reset links stay valid, in seconds.
        "CONFIRM_TOKEN_MAX_AGE": 7 * 24 * 3600,
        #: How passwords are hashed (werkzeug's method string). The test suite sets a one-round
        #: PBKDF2 to save its time; anything else keeps the default.
        "PASSWORD_HASH_METHOD": "scrypt",  # nosec B105  # the name of a hash method, not a password
        "RESET_TOKEN_MAX_AGE": 2 * 3600,
        #: Outbox delivery gives up after this many failed attempts.
        "MAIL_MAX_ATTEMPTS": 8,
        #: Reminder before every session, and a second one with the join link for online ones
        #: (hours before the start; 0 turns one off).
        "REMINDER_LEAD_HOURS": 24,
        "REMINDER_SHORT_LEAD_HOURS": 1,
        #: The receiving mail server's authserv-id: only its Authentication-Results are believed.
        "INBOUND_AUTHSERV_ID": (env.get("INBOUND_AUTHSERV_ID") or "").strip() or None,
        #: Inbound messages larger than this are recorded from their headers and not read.
        "INBOUND_MAX_BYTES": 10 * 1024 * 1024,
        #: More messages than this from one address in an hour are recorded and not acted on.
        "INBOUND_MAX_PER_HOUR": 30,
        #: Days the raw bytes of an inbound message are kept for the organisers.
        "INBOUND_RAW_DAYS": 30,
        #: Permanent bounces (since the address was last confirmed) that mark a member's address
        #: as bouncing, which holds their calendar emails until they confirm or change it.
        "INBOUND_BOUNCES_TO_PAUSE": 3,
        #: An address with no account that asks for a session gets the join link once in this many days.
        "INBOUND_JOIN_REPLY_DAYS": 7,
        #: The mailbox the worker reads, `imaps://user:password@host:993/INBOX` (unset: none).
        "INBOUND_IMAP_URL": (env.get("INBOUND_IMAP_URL") or "").strip() or None,
        #: Seconds between two passes over the mailbox when the server offers no IDLE (and the
        #: longest wait in IDLE before a pass anyway).
        "INBOUND_IMAP_POLL_SECONDS": _count("INBOUND_IMAP_POLL_SECONDS",
                                            env.get("INBOUND_IMAP_POLL_SECONDS")) or 60,
        #: Days the audit log keeps an entry; older ones are deleted daily (the worker's audit.purge).
        "AUDIT_RETENTION_DAYS": _count("AUDIT_RETENTION_DAYS", env.get("AUDIT_RETENTION_DAYS")) or 730,
        #: Anonymous pages are kept ready (see community/core/pagecache.py) in Redis when the
        #: queue is on Redis, else in each process's memory; an entry is dropped by the change
        #: that stales it, and after this many seconds at most (0 turns the page cache off).
        "PAGE_CACHE_SECONDS": _count("PAGE_CACHE_SECONDS", env.get("PAGE_CACHE_SECONDS") or "300"),
        "PAGE_CACHE_URL": queue_url if queue_url.startswith(("redis://", "rediss://")) else "memory://",
        #: Keys of one community in a shared Redis: every process of one site must agree on it.
        "PAGE_CACHE_PREFIX": hashlib.sha256(database_url.encode()).hexdigest()[:12],
    }
