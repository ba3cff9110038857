"""A poll put to a session, its options, and the members' answers (one per member and round)."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import db, utcnow
from community.sessions.models import Session

QUESTION_MAX = 300
CONTEXT_MAX = 600
OPTION_MAX = 200
#: A "why?" comment is one line.
COMMENT_MAX = 200
MIN_OPTIONS, MAX_OPTIONS = 2, 12
SCALE_POINTS = 5
DEFAULT_SCALE_LABELS = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                        "Strongly agree")
#: Rounds of a poll asked twice: before the session, then live in the room.
BEFORE, LIVE = 1, 2


class PollKind(enum.StrEnum):
    """How a member answers."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"


KIND_LABELS = {PollKind.SINGLE: "Single choice", PollKind.MULTIPLE: "Multiple choice",
               PollKind.SCALE: "1–5 scale"}


class PollStatus(enum.StrEnum):
    """Where a poll is in its life: draft -> open -> closed (and open again for the live round)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Audience(enum.StrEnum):
    """Who may answer."""

    MEMBERS = "members"
    ATTENDEES = "attendees"


AUDIENCE_LABELS = {Audience.MEMBERS: "All confirmed members",
                   Audience.ATTENDEES: "Confirmed attendees of this session only"}


class ResultsVisibility(enum.StrEnum):
    """When members see the results (organisers and hosts always do)."""

    AFTER_ANSWER = "after_answer"
    AFTER_CLOSE = "after_close"
    ORGANISERS = "organisers"


VISIBILITY_LABELS = {ResultsVisibility.AFTER_ANSWER: "To members once they have answered",
                     ResultsVisibility.AFTER_CLOSE: "To members once the poll is closed",
                     ResultsVisibility.ORGANISERS: "To organisers and hosts only"}


class Poll(db.Model):
    """A question put to a session's members, before the session or live in the room."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    #: Order on the session page, 1 first.
    position: Mapped[int] = mapped_column(default=1)
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    #: Optional short background shown under the question.
    context: Mapped[str] = mapped_column(String(CONTEXT_MAX), default="")
    kind: Mapped[str] = mapped_column(String(16), default=PollKind.SINGLE)
    #: Multiple choice only: the most options one member may pick; None for no limit.
    max_choices: Mapped[int | None]
    #: Whether members may add a one-line "why?" comment, shown to others without a name.
    allow_comment: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.MEMBERS)
    results_visibility: Mapped[str] = mapped_column(String(16), default=ResultsVisibility.AFTER_ANSWER)
    #: Asked twice: as a pre-read before the session (round 1), then live in the room (round 2).
    two_rounds: Mapped[bool] = mapped_column(default=False)
    #: The round members answer now (or answered last): 1, or 2 in the live round.
    round: Mapped[int] = mapped_column(default=BEFORE)
    status: Mapped[str] = mapped_column(String(16), default=PollStatus.DRAFT)
    #: An organiser published the results of the closed poll: anyone, visitors and the API
    #: included, sees its counts (never its comments). Reopening the poll makes them private again.
    results_public: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    session: Mapped[Session] = relationship()
    options: Mapped[list["PollOption"]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def is_draft(self) -> bool:
        """Only organisers and hosts see it."""
        return self.status == PollStatus.DRAFT

    @property
    def is_open(self) -> bool:
        """Members may answer now."""
        return self.status == PollStatus.OPEN

    @property
    def is_closed(self) -> bool:
        """No more answers in this round."""
        return self.status == PollStatus.CLOSED

    @property
    def kind_label(self) -> str:
        """Human name of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def in_live_round(self) -> bool:
        """Whether a poll asked twice has moved on to its live round."""
        return self.two_rounds and self.round == LIVE

    @property
    def awaits_live_round(self) -> bool:
        """Whether a poll asked twice has had its pre-read round and can be asked live now."""
        return self.two_rounds and self.round == BEFORE and self.status != PollStatus.DRAFT

    def round_label(self, number: int | None = None) -> str:
        """What a round is called: "Before the session" or "Live", or "" for a poll asked once."""
        if not self.two_rounds:
            return ""
        return "Live in the room" if (number or self.round) == LIVE else "Before the session"

    def __repr__(self) -> str:
        return f"<Poll {self.id} s{self.session_id} {self.status} {self.question[:30]!r}>"


class PollOption(db.Model):
    """One answer a member can pick; a scale poll has five, labelled from 1 to 5."""

    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(OPTION_MAX))

    poll: Mapped[Poll] = relationship(back_populates="options")

    def __repr__(self) -> str:
        return f"<PollOption {self.id} p{self.poll_id} {self.label!r}>"


class PollAnswer(db.Model):
    """One member's answer to one round of a poll; the unique key makes a second one an update."""

    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("poll_id", "round", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(default=BEFORE)
    #: None once the member deleted their account: the answer still counts, anonymously.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the member last changed the answer.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    poll: Mapped[Poll] = relationship()
    user: Mapped[User | None] = relationship()
    choices: Mapped[list["PollChoice"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<PollAnswer {self.id} p{self.poll_id} r{self.round} u{self.user_id}>"


class PollChoice(db.Model):
    """An option picked in an answer (one row for single choice and scale, several for multiple)."""

    __tablename__ = "poll_choices"

    answer_id: Mapped[int] = mapped_column(ForeignKey("poll_answers.id", ondelete="CASCADE"),
                                           primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
