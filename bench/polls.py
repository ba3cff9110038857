"""Benchmark: poll answers accepted per second, next to plain INSERTs of the same rows.

Creates N members and two open polls. Then T threads, each with its own database connection,
answer the first poll once per member through `polls.services.answer` with one commit per
answer, the way the web requests do: each answer loads what a request holds (the member, and
the poll with its session, in two SELECTs), then the service checks eligibility and the choice
and writes the answer (a conditional upsert that reads the poll row under a share lock and
checks the options are the poll's own, then the chosen option replaces any other). In the
same run the same threads write the same rows into the second poll with plain INSERTs (the
answer, then its option, one commit per answer): the floor the database itself sets. The
service's statements for one answer are counted beforehand (by an extra member).

    .venv/bin/python bench/polls.py [--answers 5000] [--threads 8] [--rounds 4] [--database URL]
        [--json]

With `--json` the last line of the output is the results object (the service's rate, the
plain INSERTs' rate as the yardstick, and their ratio against the target of 0.5).

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


def setup(count: int) -> tuple[list[int], int, int, list[int]]:
    """Members, a session and two open polls; returns (member ids, poll, plain poll, option ids)."""
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
             for _ in range(2)]
    db.session.add_all(polls)
    db.session.commit()
    return members, polls[0].id, polls[1].id, [o.id for o in polls[0].options]


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
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each way")
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
        members, poll_id, plain_id, option_ids = setup(args.answers + 1)
        probe = members.pop()
        statements = statements_per_answer(probe, poll_id, option_ids[0])
        dialect = db.engine.dialect.name
        asked = "select sqlite_version()" if dialect == "sqlite" else "show server_version"
        version = db.session.execute(text(asked)).scalar()
        db.session.remove()
    # The machine may be busy with other work that comes and goes: the answers are written in
    # rounds that alternate which way goes first, and each way's rounds are added up.
    batches = [members[r::args.rounds] for r in range(args.rounds)]

    def through_the_service(chunk):
        for uid in chunk:
            user, poll = load_request_rows(uid, poll_id)
            services.answer(user, poll, [option_ids[uid % 4]])
            db.session.commit()

    def plain_inserts(chunk):
        plain_options = db.session.scalars(select(PollOption.id).where(PollOption.poll_id == plain_id)
                                           .order_by(PollOption.position)).all()
        db.session.remove()
        for uid in chunk:
            with db.engine.begin() as conn:
                now = utcnow()
                answer_id = conn.execute(insert(PollAnswer).values(
                    poll_id=plain_id, round=1, user_id=uid, comment="", created_at=now, updated_at=now)
                    .returning(PollAnswer.id)).scalar_one()
                conn.execute(insert(PollChoice).values(answer_id=answer_id, option_id=plain_options[uid % 4]))

    service_seconds = plain_seconds = 0.0
    for number, batch in enumerate(batches):
        chunks = [batch[i::args.threads] for i in range(args.threads)]
        if number % 2:
            plain_seconds += run_threads(app, chunks, plain_inserts)
            service_seconds += run_threads(app, chunks, through_the_service)
        else:
            service_seconds += run_threads(app, chunks, through_the_service)
            plain_seconds += run_threads(app, chunks, plain_inserts)

    with app.app_context():
        counted = dict(db.session.execute(select(PollAnswer.poll_id, func.count())
                                          .group_by(PollAnswer.poll_id)).all())
        started = time.perf_counter()
        tally = services.tally(db.session.get(Poll, poll_id)).current
        tally_ms = (time.perf_counter() - started) * 1000
        db.session.remove()
        db.engine.dispose()
    n, t = args.answers, args.threads
    service_rate, plain_rate = n / service_seconds, n / plain_seconds
    stored = counted.get(poll_id, 0) - 1, counted.get(plain_id, 0)
    print(f"{dialect} {version}, {n} members answering one poll, {t} threads, one commit per answer, "
          f"{args.rounds} alternating rounds")
    print()
    print("| what | answers | seconds | answers/s |")
    print("|---|---:|---:|---:|")
    print(f"| `polls.services.answer` (load member and poll, checks, guarded upsert, options; "
          f"{statements} statements in the service) | {n} | {service_seconds:.2f} | {service_rate:.0f} |")
    print(f"| plain INSERTs of the same rows (answer + option) | {n} | {plain_seconds:.2f} "
          f"| {plain_rate:.0f} |")
    print()
    print(f"service / plain: {service_rate / plain_rate:.0%} of the plain rate (target {TARGET:.0%}); "
          f"rows stored: {stored[0]} and {stored[1]}; "
          f"tally of {tally.respondents} answers in one grouped query: {tally_ms:.1f} ms")
    if stored != (n, n):
        raise SystemExit(f"expected {n} answers each way, found {stored}")
    if args.json:
        print(json.dumps({"results": [{
            "name": f"poll answers ({dialect})", "value": round(service_rate, 1), "unit": "answers/s",
            "yardstick": round(plain_rate, 1), "yardstick_name": "plain INSERTs of the same rows",
            "ratio": round(service_rate / plain_rate, 3), "target": TARGET,
            "detail": f"{dialect} {version}, {n} answers, {t} threads, one commit each; "
                      f"{statements} statements per answer in the service, plus 2 SELECTs loading "
                      f"the member and the poll with its session"}]}))


if __name__ == "__main__":
    main()
