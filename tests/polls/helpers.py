"""Helpers for the poll tests: many members and answers written in bulk."""
import itertools

from sqlalchemy import insert

from community.accounts.models import User
from community.db import db, utcnow
from community.polls.models import PollAnswer, PollChoice

_batch = itertools.count(1)


def bulk_members(count: int, job_title=lambda i: "CIO") -> list[int]:
    """Ids of `count` confirmed members inserted in one statement (no password hashing)."""
    batch, now = next(_batch), utcnow()
    rows = [{"email": f"bulk{batch}-{i}@example.com", "name": f"Bulk Member {i}",
             "organisation": "Example plc", "job_title": job_title(i), "password_hash": "!",
             "role": "member", "timezone": "Europe/London", "session_token": f"t{batch}-{i}",
             "confirmed_at": now} for i in range(count)]
    return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))


def bulk_answers(poll, user_ids, pick, round_: int = 1) -> None:
    """An answer from each member, `pick(index)` giving the option ids it chose."""
    answer_ids = db.session.scalars(
        insert(PollAnswer).returning(PollAnswer.id, sort_by_parameter_order=True),
        [{"poll_id": poll.id, "round": round_, "user_id": uid} for uid in user_ids]).all()
    db.session.execute(insert(PollChoice), [{"answer_id": aid, "option_id": oid}
                                            for i, aid in enumerate(answer_ids) for oid in pick(i)])
