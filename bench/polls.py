"""Benchmark: poll answers accepted per second, next to plain INSERTs of the same rows.

Creates N members and two open polls. Then T threads, each with its own database connection,
answer the first poll once per member through `polls.services.answer` (the poll row re-read
under a share lock, the member's eligibility, the checks, the conditional upsert, the chosen
option replaced) with one commit per answer, the way the web requests do. In the same run
the same threads write the same rows into the second poll with plain INSERTs (the answer,
then its option, one commit per answer): the floor the database itself sets.

    .venv/bin/python bench/polls.py [--answers 5000] [--threads 8] [--database URL]

The default database is a fresh SQLite file; with --database every table in that database is
dropped and created again, so point it at a scratch database, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/bench`.
"""
import argparse
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from community import create_app  # noqa: E402
from community.accounts.models import User  # noqa: E402
from community.db import db, utcnow  # noqa: E402
from community.polls import services  # noqa: E402
from community.polls.models import Poll, PollAnswer, PollChoice, PollOption  # noqa: E402
from community.sessions.models import Session  # noqa: E402

OPTIONS = ["Yes", "Only where it does not set us apart", "No", "It depends"]


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
    """Measure both ways of writing the answers and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=5000, help="members, one answer each")
    parser.add_argument("--threads", type=int, default=8, help="concurrent writers")
    parser.add_argument("--database", help="URL of a scratch database (default: a fresh SQLite file)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-polls-"))
    app = create_app({
        "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench", "QUEUE_URL": "immediate",
        "SQLALCHEMY_DATABASE_URI": args.database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2, "max_overflow": 0},
    })
    with app.app_context():
        members, poll_id, plain_id, option_ids = setup(args.answers)
        dialect = db.engine.dialect.name
        asked = "select sqlite_version()" if dialect == "sqlite" else "show server_version"
        version = db.session.execute(text(asked)).scalar()
        db.session.remove()
    chunks = [members[i::args.threads] for i in range(args.threads)]

    def through_the_service(chunk):
        for uid in chunk:
            services.answer(db.session.get(User, uid), db.session.get(Poll, poll_id), [option_ids[uid % 4]])
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

    service_seconds = run_threads(app, chunks, through_the_service)
    plain_seconds = run_threads(app, chunks, plain_inserts)

    with app.app_context():
        counted = dict(db.session.execute(select(PollAnswer.poll_id, func.count())
                                          .group_by(PollAnswer.poll_id)).all())
        started = time.perf_counter()
        tally = services.tally(db.session.get(Poll, poll_id)).current
        tally_ms = (time.perf_counter() - started) * 1000
        db.session.remove()
        db.engine.dispose()
    n, t = args.answers, args.threads
    print(f"{dialect} {version}, {n} members answering one poll, {t} threads, one commit per answer")
    print()
    print("| what | answers | seconds | answers/s |")
    print("|---|---:|---:|---:|")
    print(f"| `polls.services.answer` (checks, share lock, upsert, option) | {n} | {service_seconds:.2f} "
          f"| {n / service_seconds:.0f} |")
    print(f"| plain INSERTs of the same rows (answer + option) | {n} | {plain_seconds:.2f} "
          f"| {n / plain_seconds:.0f} |")
    print()
    print(f"service / plain: {plain_seconds / service_seconds:.0%} of the plain rate; "
          f"rows stored: {counted.get(poll_id, 0)} and {counted.get(plain_id, 0)}; "
          f"tally of {tally.respondents} answers in one grouped query: {tally_ms:.1f} ms")


if __name__ == "__main__":
    main()
