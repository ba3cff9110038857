"""Benchmark: poll answers accepted per second, next to plain INSERTs of the same rows.

Creates N members and three open polls. Then T threads, each with its own database connection,
write one answer per member to each poll, with one commit per answer, three ways:

- through `polls.services.answer`, with the rows a request holds when it calls the service (the
  member, the poll and its session; loaded beforehand): the service checks eligibility and the
  choice and writes the answer (a conditional upsert that reads the poll row under a share lock
  and checks the options are the poll's own, then the chosen option replaces any other). This
  is the figure issue 11 sets a target for: at least half the rate of plain INSERTs;
- the same, as a whole request would do it: each answer in a fresh database session that first
  loads the member, and the poll with its session (two SELECTs);
- plain INSERTs of the same rows (the answer, then its option): the floor the database sets.

The ways take turns in rounds (each round changes which goes first) so that other work on the
machine weighs on each alike; each way's rounds are added up. The service's statements for one
answer are counted beforehand (by an extra member).

    .venv/bin/python bench/polls.py [--answers 5000] [--threads 8] [--rounds 6] [--database URL]
        [--json]

With `--json` the last line of the output is the results object (the service's rate, the
plain INSERTs' rate as the yardstick and their ratio, for the service alone (target 0.5) and
with the request's loads (no target)).

The default database is a fresh SQLite file; with --database every table in that database is
dropped and created again, so point it at a scratch database, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/bench`.
"""
import argparse
import json
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import contains_eager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from community import create_app  # noqa: E402
from community.accounts.models import User  # noqa: E402
from community.db import db, utcnow  # noqa: E402
from community.polls import services  # noqa: E402
from community.polls.models import Poll, PollAnswer, PollChoice, PollOption  # noqa: E402
from community.sessions.models import Session  # noqa: E402

OPTIONS = ["Yes", "Only where it does not set us apart", "No", "It depends"]
#: What issue 11 asks of the service: at least half the rate of plain INSERTs.
TARGET = 0.5


def setup(count: int) -> tuple[list[int], list[int], list[list[int]]]:
    """Members, a session and three open polls; returns (member ids, poll ids, option ids of each)."""
    db.drop_all()
    db.create_all()
    now = utcnow()
    members = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"member{i}@example.com", "name": f"Member {i}", "organisation": "Example plc",
         "job_title": "CIO", "password_hash": "!", "role": "member", "timezone": "Europe/London",
         "session_token": f"t{i}", "confirmed_at": now} for i in range(count)]))
    starts = now + timedelta(days=7)
    session = Session(title="Is good enough, enough?", slug="is-good-enough-enough", starts_at=starts,
                      ends_at=starts + timedelta(hours=1), timezone="Europe/London", capacity=count,
                      status="published")
    polls = [Poll(session=session, question="Is good enough, enough?", kind="single", status="open",
                  options=[PollOption(position=i, label=label) for i, label in enumerate(OPTIONS, 1)])
             for _ in range(3)]
    db.session.add_all(polls)
    db.session.commit()
    return members, [p.id for p in polls], [[o.id for o in p.options] for p in polls]


def load_request_rows(user_id: int, poll_id: int) -> tuple[User, Poll]:
    """What a web request holds when it calls the service: the member, and the poll with its
    session (two SELECTs)."""
    user = db.session.get(User, user_id)
    poll = db.session.execute(select(Poll).join(Poll.session).options(contains_eager(Poll.session))
                              .where(Poll.id == poll_id)).scalar_one()
    return user, poll


def statements_per_answer(user_id: int, poll_id: int, option_id: int) -> int:
    """How many SQL statements `services.answer` sends for one answer (rows already loaded)."""
    user, poll = load_request_rows(user_id, poll_id)
    sent = []

    def record(*_args):
        sent.append(1)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        services.answer(user, poll, [option_id])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    db.session.commit()
    return len(sent)


def run_threads(app, chunks, work) -> float:
    """Run `work(member ids)` in one thread per chunk, each in its own app context; seconds taken."""
    barrier, errors = threading.Barrier(len(chunks) + 1), []

    def worker(chunk):
        with app.app_context():
            barrier.wait()
            try:
                work(chunk)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} thread(s) failed, first: {errors[0]}")
    return time.perf_counter() - started


def main() -> None:
    """Measure both ways of writing the answers; print a Markdown table (and the results
    object as the last line with --json)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=5000, help="members, one answer each")
    parser.add_argument("--threads", type=int, default=8, help="concurrent writers")
    parser.add_argument("--rounds", type=int, default=6, help="rounds, each way going first in turn")
    parser.add_argument("--database", help="URL of a scratch database (default: a fresh SQLite file)")
    parser.add_argument("--json", action="store_true", help="print the results object as the last line")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-polls-"))
    app = create_app({
        "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench", "QUEUE_URL": "immediate",
        "SQLALCHEMY_DATABASE_URI": args.database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2, "max_overflow": 0},
    })
    with app.app_context():
        members, (in_hand_id, request_id, plain_id), options = setup(args.answers + 1)
        probe = members.pop()
        statements = statements_per_answer(probe, in_hand_id, options[0][0])
        dialect = db.engine.dialect.name
        asked = "select sqlite_version()" if dialect == "sqlite" else "show server_version"
        version = db.session.execute(text(asked)).scalar()
        db.session.remove()
        # The rows stay as loaded after each commit (the service checks the poll's state again in
        # its statements, as it must for a request that read the poll a moment before).
        db.session.configure(expire_on_commit=False)

    def rows_in_hand(chunk):
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(chunk)))}
        _, poll = load_request_rows(chunk[0], in_hand_id)
        db.session.commit()
        for uid in chunk:
            services.answer(users[uid], poll, [options[0][uid % 4]])
            db.session.commit()

    def as_requests(chunk):
        for uid in chunk:
            user, poll = load_request_rows(uid, request_id)
            services.answer(user, poll, [options[1][uid % 4]])
            db.session.commit()
            db.session.remove()  # a request's session ends with it

    def plain_inserts(chunk):
        for uid in chunk:
            with db.engine.begin() as conn:
                now = utcnow()
                answer_id = conn.execute(insert(PollAnswer).values(
                    poll_id=plain_id, round=1, user_id=uid, comment="", created_at=now, updated_at=now)
                    .returning(PollAnswer.id)).scalar_one()
                conn.execute(insert(PollChoice).values(answer_id=answer_id, option_id=options[2][uid % 4]))

    ways = [rows_in_hand, as_requests, plain_inserts]
    seconds = dict.fromkeys(ways, 0.0)
    for number, batch in enumerate(members[r::args.rounds] for r in range(args.rounds)):
        chunks = [batch[i::args.threads] for i in range(args.threads)]
        for way in ways[number % 3:] + ways[:number % 3]:
            seconds[way] += run_threads(app, chunks, way)

    with app.app_context():
        counted = dict(db.session.execute(select(PollAnswer.poll_id, func.count())
                                          .group_by(PollAnswer.poll_id)).all())
        started = time.perf_counter()
        tally = services.tally(db.session.get(Poll, in_hand_id)).current
        tally_ms = (time.perf_counter() - started) * 1000
        db.session.remove()
        db.engine.dispose()
    n, t = args.answers, args.threads
    rate = {way: n / spent for way, spent in seconds.items()}
    plain = rate[plain_inserts]
    stored = counted.get(in_hand_id, 0) - 1, counted.get(request_id, 0), counted.get(plain_id, 0)
    rows = [("`polls.services.answer`, rows in hand (eligibility, choice, guarded upsert, options: "
             f"{statements} statements)", rows_in_hand),
            ("the same as a request does it (+ SELECT member, SELECT poll with its session)", as_requests),
            ("plain INSERTs of the same rows (answer + option)", plain_inserts)]
    print(f"{dialect} {version}, {n} members answering each poll, {t} threads, one commit per answer, "
          f"{args.rounds} rounds taking turns")
    print()
    print("| what | answers | seconds | answers/s | of plain |")
    print("|---|---:|---:|---:|---:|")
    for label, way in rows:
        print(f"| {label} | {n} | {seconds[way]:.2f} | {rate[way]:.0f} | {rate[way] / plain:.0%} |")
    print()
    print(f"target: the service at {TARGET:.0%} of the plain rate; "
          f"rows stored: {', '.join(map(str, stored))}; "
          f"tally of {tally.respondents} answers in one grouped query: {tally_ms:.1f} ms")
    if stored != (n, n, n):
        raise SystemExit(f"expected {n} answers each way, found {stored}")
    if args.json:
        common = f"{dialect} {version}, {n} answers, {t} threads, one commit each"
        print(json.dumps({"results": [
            {"name": f"poll answers ({dialect})", "value": round(rate[rows_in_hand], 1),
             "unit": "answers/s", "yardstick": round(plain, 1),
             "yardstick_name": "plain INSERTs of the same rows",
             "ratio": round(rate[rows_in_hand] / plain, 3), "target": TARGET,
             "detail": f"{common}; the service with the member, poll and session in hand: "
                       f"{statements} statements per answer"},
            {"name": f"poll answers with the request's loads ({dialect})",
             "value": round(rate[as_requests], 1), "unit": "answers/s", "yardstick": round(plain, 1),
             "yardstick_name": "plain INSERTs of the same rows",
             "ratio": round(rate[as_requests] / plain, 3), "target": None,
             "detail": f"{common}; each answer in a fresh session: SELECT member, SELECT poll with "
                       f"its session, then the service"},
        ]}))

if __name__ == "__main__":
    main()
