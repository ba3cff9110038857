"""Answering a poll: one answer per member and round, changeable while the poll is open.

A member's answer is written with one conditional upsert: `INSERT ... SELECT ... FROM polls
WHERE the poll is open in this round ... ON CONFLICT (poll, round, member) DO UPDATE`. The
unique key makes a second answer (another tab, a double click, a change of mind) update the
first one instead of adding a row, and the row it takes holds back other writes of the same
answer until the commit, so the options are replaced one answer at a time. The poll row is read
`FOR SHARE` (PostgreSQL; SQLite runs one writer at a time anyway), so closing the poll waits
for answers already under way and the answers after it find the poll closed and write nothing.
"""
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from community.accounts.models import User
from community.core.errors import DomainError
from community.db import UTCDateTime, db, utcnow
from community.polls.models import (
    COMMENT_MAX,
    Audience,
    Poll,
    PollAnswer,
    PollChoice,
    PollKind,
    PollOption,
    PollStatus,
)
from community.polls.services.rules import check_can_answer
from community.sessions.models import Session
from community.signups.services import holds_seat


@dataclass(frozen=True)
class MyAnswer:
    """What the viewer answered in one round of a poll."""

    option_ids: frozenset[int]
    comment: str


def check_choice(poll: Poll, option_ids) -> list[int]:
    """The chosen option ids, checked against the poll's kind; DomainError when they do not fit."""
    chosen = sorted(set(option_ids or ()))
    own = {o.id for o in poll.options}
    if not chosen:
        raise DomainError("Choose an answer first.", "option")
    if any(option_id not in own for option_id in chosen):
        raise DomainError("That answer is not one of this poll's options. Reload the page and "
                          "choose again.", "option")
    if poll.kind != PollKind.MULTIPLE and len(chosen) > 1:
        raise DomainError("Choose one answer only.", "option")
    if poll.max_choices and len(chosen) > poll.max_choices:
        raise DomainError(f"Choose at most {poll.max_choices} answers.", "option")
    return chosen


def check_comment(poll: Poll, comment: str | None) -> str:
    """The comment to store: one trimmed line, only where the poll asks why."""
    comment = " ".join((comment or "").split())
    if comment and not poll.allow_comment:
        raise DomainError("This poll takes no comments.", "comment")
    if len(comment) > COMMENT_MAX:
        raise DomainError(f"Keep your comment to one line of at most {COMMENT_MAX} characters.",
                          "comment")
    return comment


def _dialect_insert():
    """INSERT with ON CONFLICT for the database in use."""
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"answers need an upsert, which is not written for {name}")


def _upsert(poll: Poll, user: User, comment: str) -> int | None:
    """Insert or update the member's answer for the current round, only while the poll is open;
    return its id, or None when the poll was not open any more."""
    now = utcnow()
    stamp = literal(now, UTCDateTime())
    source = (select(literal(poll.id), Poll.round, literal(user.id), literal(comment), stamp, stamp)
              .where(Poll.id == poll.id, Poll.status == PollStatus.OPEN, Poll.round == poll.round)
              .with_for_update(read=True))
    stmt = _dialect_insert()(PollAnswer).from_select(
        ["poll_id", "round", "user_id", "comment", "created_at", "updated_at"], source)
    stmt = stmt.on_conflict_do_update(
        index_elements=["poll_id", "round", "user_id"],
        set_={"comment": stmt.excluded.comment, "updated_at": stmt.excluded.updated_at},
    ).returning(PollAnswer.id)
    return db.session.scalar(stmt)


def answer(user: User, poll: Poll, option_ids, comment: str | None = "") -> int:
    """Record (or replace) the member's answer to the poll's current round; returns its id."""
    check_can_answer(user, poll, poll.audience == Audience.ATTENDEES and holds_seat(user, poll.session))
    chosen = check_choice(poll, option_ids)
    comment = check_comment(poll, comment)
    answer_id = _upsert(poll, user, comment)
    if answer_id is None:
        raise DomainError("This poll closed before your answer arrived; it was not saved.")
    db.session.execute(delete(PollChoice).where(PollChoice.answer_id == answer_id))
    db.session.execute(insert(PollChoice), [{"answer_id": answer_id, "option_id": o} for o in chosen])
    return answer_id


def my_answers(user: User | None, poll_ids) -> dict[tuple[int, int], MyAnswer]:
    """The viewer's answers to these polls by (poll id, round), in one query."""
    ids = list(poll_ids)
    if not ids or user is None or user.id is None:  # a visitor, or an account never saved
        return {}
    rows = db.session.execute(
        select(PollAnswer.poll_id, PollAnswer.round, PollAnswer.comment, PollChoice.option_id)
        .join(PollChoice, PollChoice.answer_id == PollAnswer.id)
        .where(PollAnswer.user_id == user.id, PollAnswer.poll_id.in_(ids)))
    found: dict[tuple[int, int], tuple[set, str]] = {}
    for poll_id, round_, comment, option_id in rows:
        found.setdefault((poll_id, round_), (set(), comment))[0].add(option_id)
    return {key: MyAnswer(frozenset(options), comment) for key, (options, comment) in found.items()}


def answered_count(user: User) -> int:
    """How many polls the member answered (in any round): what organisers see of a member's
    participation, never the answers themselves."""
    return db.session.scalar(select(func.count(func.distinct(PollAnswer.poll_id)))
                             .where(PollAnswer.user_id == user.id))


# GDPR -------------------------------------------------------------------------

def export_answers(user: User) -> list[dict]:
    """The member's poll answers, for the data export."""
    rows = db.session.execute(
        select(PollAnswer, Poll, Session.title, PollOption.label)
        .join(Poll, Poll.id == PollAnswer.poll_id).join(Session, Session.id == Poll.session_id)
        .join(PollChoice, PollChoice.answer_id == PollAnswer.id)
        .join(PollOption, PollOption.id == PollChoice.option_id)
        .where(PollAnswer.user_id == user.id)
        .order_by(PollAnswer.id, PollOption.position))
    answers: dict[int, dict] = {}
    for ans, poll, session_title, label in rows:
        entry = answers.setdefault(ans.id, {
            "session": session_title, "question": poll.question,
            "round": poll.round_label(ans.round) or "Only round", "answer": [],
            "comment": ans.comment, "answered_at": ans.created_at.isoformat(),
            "changed_at": ans.updated_at.isoformat()})
        entry["answer"].append(label)
    return list(answers.values())


def erase_answers(user: User) -> None:
    """Before an account is deleted: keep its answers in the totals, unlinked from the person;
    the free-text comments go, since they may say who wrote them."""
    db.session.execute(update(PollAnswer).where(PollAnswer.user_id == user.id)
                       .values(user_id=None, comment="").execution_options(synchronize_session=False))

