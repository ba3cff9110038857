"""Answering a poll: one answer per member and round, changeable while the poll is open.

What can be checked on the rows the request already holds (who may answer, the shape of the
choice, the comment) is checked in Python first. The rest takes two statements on PostgreSQL
and three on SQLite, each built once and reused:

1. One conditional upsert, `INSERT ... SELECT ... FROM polls WHERE the poll is open in this
   round AND every chosen option is one of its own ... ON CONFLICT (poll, round, member) DO
   UPDATE ... RETURNING id`. The unique key makes a second answer (another tab, a double click,
   a change of mind) update the first one instead of adding a row, and the row it takes holds
   back other writes of the same answer until the commit, so the options are replaced one answer
   at a time. The poll row is read `FOR SHARE` (PostgreSQL; SQLite runs one writer at a time
   anyway), so closing the poll waits for answers already under way and the answers after it
   find the poll closed and write nothing.
2. The chosen options replace the others: the options no longer chosen are deleted and the
   chosen ones inserted where missing (PostgreSQL: one statement, the DELETE as a CTE of the
   INSERT; SQLite: a DELETE, then the INSERT). This runs after the upsert, in a statement of its
   own, so that it sees the options of any answer committed while the upsert waited.

Only when the upsert writes nothing is the poll read again, to say why.
"""
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, String, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from community.accounts.models import User
from community.core.errors import DomainError
from community.db import MAX_ID, UTCDateTime, db, utcnow
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

NOT_AN_OPTION = "That answer is not one of this poll's options. Reload the page and choose again."
CLOSED_MEANWHILE = "This poll closed before your answer arrived; it was not saved."


@dataclass(frozen=True)
class MyAnswer:
    """What the viewer answered in one round of a poll."""

    option_ids: frozenset[int]
    comment: str


def check_choice_shape(poll: Poll, option_ids) -> list[int]:
    """The chosen option ids, checked against the poll's kind without loading its options
    (whether they are the poll's own is checked by the statement that stores the answer)."""
    chosen = sorted(set(option_ids or ()))
    if not chosen:
        raise DomainError("Choose an answer first.", "option")
    if any(not 1 <= option_id <= MAX_ID for option_id in chosen):
        raise DomainError(NOT_AN_OPTION, "option")
    if poll.kind != PollKind.MULTIPLE and len(chosen) > 1:
        raise DomainError("Choose one answer only.", "option")
    if poll.max_choices and len(chosen) > poll.max_choices:
        raise DomainError(f"Choose at most {poll.max_choices} answers.", "option")
    return chosen


def check_choice(poll: Poll, option_ids) -> list[int]:
    """The chosen option ids, checked against the poll's kind and its (loaded) options;
    DomainError when they do not fit."""
    chosen = check_choice_shape(poll, option_ids)
    own = {o.id for o in poll.options}
    if any(option_id not in own for option_id in chosen):
        raise DomainError(NOT_AN_OPTION, "option")
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


def _chosen_of_poll():
    """How many of the chosen options (`:option_ids`) belong to the poll in the FROM clause."""
    return (select(func.count()).select_from(PollOption.__table__)
            .where(PollOption.poll_id == Poll.id,
                   PollOption.id.in_(bindparam("option_ids", expanding=True, type_=Integer)))
            .scalar_subquery())


@dataclass(frozen=True)
class _Statements:
    """The statements of one answer for one database, built once (then only their compiled
    form is looked up in SQLAlchemy's cache)."""

    #: Insert or update the answer while the poll is open in this round and every chosen option
    #: is its own; returns the answer's id, or nothing.
    upsert: object
    #: Replace the answer's options by the chosen ones: one statement, or a DELETE then an INSERT.
    replace: tuple
    #: Why the upsert wrote nothing: the poll's status and round, and how many chosen options it owns.
    diagnose: object


@cache
def _statements(dialect: str) -> _Statements:
    """The statements of an answer for PostgreSQL or SQLite (the two that have ON CONFLICT)."""
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"answers need an upsert, which is not written for {dialect}")
    dml = postgresql.insert if dialect == "postgresql" else sqlite.insert
    poll_id, now = bindparam("poll_id", type_=Integer), bindparam("now", type_=UTCDateTime())
    source = (select(poll_id, Poll.round, bindparam("user_id", type_=Integer),
                     bindparam("comment", type_=String()), now, now)
              .where(Poll.id == poll_id, Poll.status == PollStatus.OPEN.value,
                     Poll.round == bindparam("round", type_=Integer),
                     _chosen_of_poll() == bindparam("count", type_=Integer))
              .with_for_update(read=True, of=Poll.__table__))
    answers = PollAnswer.__table__
    upsert = dml(answers).from_select(
        ["poll_id", "round", "user_id", "comment", "created_at", "updated_at"], source)
    upsert = upsert.on_conflict_do_update(
        index_elements=["poll_id", "round", "user_id"],
        set_={"comment": upsert.excluded.comment, "updated_at": upsert.excluded.updated_at},
    ).returning(answers.c.id)

    choices, answer_id = PollChoice.__table__, bindparam("answer_id", type_=Integer)
    chosen = bindparam("option_ids", expanding=True, type_=Integer)
    gone = delete(choices).where(choices.c.answer_id == answer_id, choices.c.option_id.not_in(chosen))
    added = dml(choices).from_select(
        ["answer_id", "option_id"],
        select(answer_id, PollOption.id).where(PollOption.id.in_(chosen))).on_conflict_do_nothing()
    replace = (added.add_cte(gone.cte("gone")),) if dialect == "postgresql" else (gone, added)

    diagnose = select(Poll.status, Poll.round, _chosen_of_poll()).where(Poll.id == poll_id)
    return _Statements(upsert, replace, diagnose)


def _refusal(statements: _Statements, params: dict) -> DomainError:
    """Why the upsert stored nothing: the poll closed (or moved on to its live round) since the
    request read it, or a chosen option is not the poll's own."""
    row = db.session.execute(statements.diagnose, params).first()
    if row is not None and row.status == PollStatus.OPEN and row.round == params["round"] \
            and row[2] != params["count"]:
        return DomainError(NOT_AN_OPTION, "option")
    return DomainError(CLOSED_MEANWHILE)


def answer(user: User, poll: Poll, option_ids, comment: str | None = "") -> int:
    """Record (or replace) the member's answer to the poll's current round; returns its id.

    Uses the poll, its session and the member as the caller holds them (nothing is loaded again);
    a poll for attendees only costs one more statement, to find the member's seat."""
    check_can_answer(user, poll, poll.audience == Audience.ATTENDEES and holds_seat(user, poll.session))
    chosen = check_choice_shape(poll, option_ids)
    comment = check_comment(poll, comment)
    statements = _statements(db.session.get_bind().dialect.name)
    now = utcnow()
    params = {"poll_id": poll.id, "round": poll.round, "user_id": user.id, "comment": comment,
              "now": now, "option_ids": chosen, "count": len(chosen)}
    answer_id = db.session.execute(statements.upsert, params).scalar()
    if answer_id is None:
        raise _refusal(statements, params)
    for stmt in statements.replace:
        db.session.execute(stmt, {"answer_id": answer_id, "option_ids": chosen})
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

