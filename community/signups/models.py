"""A person's place at a session, and a member following a series."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import db, utcnow
from community.sessions.models import Series, Session


class RegistrationStatus(enum.StrEnum):
    """Whether the person holds a seat."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    """One person's sign-up for one session (at most one row per person and session)."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        UniqueConstraint("session_id", "invited_email"),
        Index("ix_registrations_session_id_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    #: None while the seat is held for an invited address that has no account yet.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    #: The address an organiser added who had no account; cleared once they join.
    invited_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the person last signed up (again); emailed cancel links name this moment.
    signed_up_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    #: When the person joined the waitlist; the waitlist is ordered by it.
    waitlisted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: How the row came about: "member", "email" (asked by email), "organiser", "follow" (series
    #: subscription).
    source: Mapped[str] = mapped_column(String(16), default="member")
    #: Rises with each change of this person's own place (promotion, cancellation, rejoining);
    #: their invitations carry SEQUENCE = session.sequence + personal_sequence.
    personal_sequence: Mapped[int] = mapped_column(default=0)
    #: Whether the person's calendar holds an entry for this session (a REQUEST was sent and
    #: not yet cancelled), so a CANCEL is sent only to calendars that have something to remove.
    in_calendar: Mapped[bool] = mapped_column(default=False)
    #: Whether any calendar message went out for this registration (later ones raise the SEQUENCE).
    calendar_sent: Mapped[bool] = mapped_column(default=False)
    #: When each reminder went out; set by a guarded UPDATE so it is sent once.
    reminded_day_before_at: Mapped[datetime | None]
    reminded_hour_before_at: Mapped[datetime | None]
    #: The answer the person last gave in their calendar (an emailed iTIP REPLY read back in):
    #: "ACCEPTED", "TENTATIVE", "DECLINED", or "" when none came.
    calendar_reply: Mapped[str] = mapped_column(String(16), default="")
    calendar_replied_at: Mapped[datetime | None]
    #: When the person was marked as there (None: not marked, a no-show once the session is over).
    attended_at: Mapped[datetime | None]
    #: How attendance was marked: "check-in", "walk-in", "teams", "zoom" ("" when not marked).
    attendance_source: Mapped[str] = mapped_column(String(16), default="")

    session: Mapped[Session] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def email(self) -> str:
        """Where to write to this person."""
        return self.user.email if self.user else (self.invited_email or "")

    @property
    def display_name(self) -> str:
        """A name to show organisers."""
        return self.user.name if self.user else f"{self.invited_email} (invited)"

    def __repr__(self) -> str:
        return f"<Registration {self.id} s{self.session_id} u{self.user_id} {self.status}>"


class SeriesFollow(db.Model):
    """A member who is signed up automatically for each newly published session of a series."""

    __tablename__ = "series_follows"
    __table_args__ = (UniqueConstraint("series_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    series: Mapped[Series] = relationship()
    user: Mapped[User] = relationship()
