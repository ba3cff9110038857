"""The User model and its roles."""
import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from community.db import db, utcnow


def new_calendar_token() -> str:
    """A fresh secret for the personal calendar feed URL (192 random bits)."""
    return secrets.token_urlsafe(24)


class Role(enum.StrEnum):
    """What an account may do: members sign up, analysts also write notes, organisers run everything."""

    MEMBER = "member"
    ANALYST = "analyst"
    ORGANISER = "organiser"


class User(UserMixin, db.Model):
    """A person with an account in the community."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-cased, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(160), default="")
    job_title: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    #: IANA zone the member sees times in.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the member opened the confirmation link (double opt-in); None until then.
    confirmed_at: Mapped[datetime | None]
    #: When the member agreed to the privacy notice, and which version of it.
    privacy_consent_at: Mapped[datetime | None]
    privacy_version: Mapped[str] = mapped_column(String(20), default="")
    last_login_at: Mapped[datetime | None]
    #: Set when an organiser deactivated the account: it can no longer log in or be emailed.
    deactivated_at: Mapped[datetime | None]
    #: Changes when the password changes, which ends remembered logins elsewhere.
    session_token: Mapped[str] = mapped_column(String(64))
    #: Secret part of the personal calendar feed URL (at least 128 random bits); renewable.
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_calendar_token)
    #: Whether a waitlist place is put in the member's calendar as a tentative entry.
    waitlist_in_calendar: Mapped[bool] = mapped_column(default=True)
    #: Set when emails to the address kept bouncing (INBOUND_BOUNCES_TO_PAUSE permanent failures
    #: since it was last confirmed): calendar emails are held until the member confirms the
    #: address again or changes it.
    email_bouncing_since: Mapped[datetime | None]
    #: The receiving server's diagnostic of the latest bounce (None when the address is not bouncing).
    email_bounce_reason: Mapped[str | None] = mapped_column(String(500))
    #: An address the member asked to change to, until they open the link emailed to it.
    pending_email: Mapped[str | None] = mapped_column(String(254))

    @property
    def is_confirmed(self) -> bool:
        """Whether the member confirmed their email address."""
        return self.confirmed_at is not None

    @property
    def is_active(self) -> bool:
        """Whether the account may log in and be emailed (Flask-Login asks it too): not
        deactivated by an organiser."""
        return self.deactivated_at is None

    @property
    def is_bouncing(self) -> bool:
        """Whether emails to the address bounce, so calendar emails to it are held."""
        return self.email_bouncing_since is not None

    @property
    def is_organiser(self) -> bool:
        """Whether the account may use the organisers' panel."""
        return self.role == Role.ORGANISER

    @property
    def is_analyst(self) -> bool:
        """Whether the account may write briefing notes (organisers may too)."""
        return self.role in (Role.ANALYST, Role.ORGANISER)

    def get_id(self) -> str:
        """Flask-Login identity: id plus a token that a password change rotates."""
        return f"{self.id}:{self.session_token}"

    def login_identity(self) -> str:
        """What a log-in stores in the session and the remember cookie: the identity and the
        moment of the log-in, so the server refuses a remembered log-in older than its limit."""
        return f"{self.get_id()}:{int(utcnow().timestamp())}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
