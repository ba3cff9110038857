"""Benchmark: the organisers' dashboard (/admin/) on a community of 10,000 members and 500 sessions.

Builds the community with bulk INSERTs: members who joined over the last two years (most
confirmed, a few bouncing), 460 past sessions and 40 to come (capacities of 20 to 60, each
filled to 50-110% with the rest on the waitlist, a few sign-ups cancelled, 5% of the past
sessions cancelled), attendance taken at most past sessions (about three in four seats
marked), two polls per session answered by about half of the confirmed attendees plus some
members without a seat, and outbox messages with 2% failed or bounced. Then an organiser
opens /admin/ for each period through the test client (one request each, after one warm-up
request), and the script prints the time and the number of SQL statements of each.

    .venv/bin/python bench/dashboard.py [--members 10000] [--sessions 500] [--database URL]

The default database is a fresh SQLite file; with --database every table in that database is
dropped and created again, so point it at a scratch database, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/bench`.
"""
import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.security import generate_password_hash  # noqa: E402

from community import create_app  # noqa: E402
from community.accounts.models import User  # noqa: E402
from community.db import db, utcnow  # noqa: E402
from community.mail.models import OutboxMessage  # noqa: E402
from community.polls.models import Poll, PollAnswer  # noqa: E402
from community.sessions.models import Session  # noqa: E402
from community.signups.models import Registration  # noqa: E402

PASSWORD = "bench-organiser-password"
PAST_SHARE = 0.92


def _chunks(rows: list[dict], size: int = 5000):
    """The rows in slices, so no INSERT carries more parameters than a database takes."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert(model, rows: list[dict]) -> None:
    """Bulk-insert the rows."""
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)


def build(members: int, sessions: int, rng: random.Random) -> dict[str, int]:
    """The community; returns how many rows of each kind were written."""
    db.drop_all()
    db.create_all()
    now = utcnow().replace(microsecond=0)
    users = []
    for i in range(members):
        joined = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        users.append({"email": f"member{i}@example.com", "name": f"Member {i}", "organisation": "Example plc",
                      "job_title": "CIO", "password_hash": "!", "role": "member", "timezone": "Europe/London",
                      "session_token": f"t{i}", "calendar_token": f"c{i}", "created_at": joined,
                      "confirmed_at": (joined + timedelta(hours=rng.randrange(1, 72))
                                       if rng.random() < 0.9 else None),
                      "email_bouncing_since": now - timedelta(days=rng.randrange(1, 60))
                      if rng.random() < 0.003 else None})
    _insert(User, users)
    db.session.add(User(email="organiser@example.com", name="Olga Organiser", role="organiser",
                        password_hash=generate_password_hash(PASSWORD), timezone="Europe/London",
                        session_token="organiser", calendar_token="organiser", confirmed_at=now))
    db.session.flush()
    member_ids = list(range(1, members + 1))

    past = int(sessions * PAST_SHARE)
    session_rows = []
    for i in range(sessions):
        starts = now - timedelta(days=2 * (past - i), hours=rng.randrange(0, 6)) if i < past \
            else now + timedelta(days=2 * (i - past + 1))
        published = starts - timedelta(days=rng.randrange(14, 42))
        cancelled = i < past and rng.random() < 0.05
        session_rows.append({"title": f"Roundtable {i}: data, cloud and people", "slug": f"roundtable-{i}",
                             "starts_at": starts, "ends_at": starts + timedelta(hours=1),
                             "timezone": "Europe/London", "capacity": rng.randrange(20, 61),
                             "status": "cancelled" if cancelled else "published", "published_at": published,
                             "cancelled_at": starts - timedelta(days=1) if cancelled else None,
                             "ical_uid": f"bench-{i}@community.invalid"})
    _insert(Session, session_rows)
    db.session.flush()

    registrations, polls, answers, filled = [], [], [], {}
    for session_id, s in enumerate(session_rows, start=1):
        is_past = s["starts_at"] < now
        wanted = int(s["capacity"] * rng.uniform(0.5, 1.1))
        people = rng.sample(member_ids, wanted + 5)
        confirmed = people[:min(wanted, s["capacity"])]
        if len(confirmed) == s["capacity"]:
            filled[session_id] = s["published_at"] + timedelta(minutes=rng.randrange(30, 20 * 24 * 60))
        taken = is_past and s["status"] == "published" and rng.random() < 0.85
        for user_id in confirmed:
            marked = taken and rng.random() < 0.75
            registrations.append({"session_id": session_id, "user_id": user_id, "status": "confirmed",
                                  "signed_up_at": s["published_at"], "confirmed_at": s["published_at"],
                                  "attended_at": s["starts_at"] if marked else None,
                                  "attendance_source": "check-in" if marked else ""})
        for user_id in people[len(confirmed):wanted]:
            registrations.append({"session_id": session_id, "user_id": user_id, "status": "waitlisted",
                                  "signed_up_at": s["published_at"], "waitlisted_at": s["published_at"]})
        for user_id in people[wanted:]:
            registrations.append({"session_id": session_id, "user_id": user_id, "status": "cancelled",
                                  "signed_up_at": s["published_at"], "cancelled_at": s["published_at"]})
        for position in (1, 2):
            polls.append({"session_id": session_id, "position": position, "question": f"Question {position}",
                          "status": "closed" if is_past else "open", "opened_at": s["published_at"]})
            poll_id = len(polls)
            voters = {u for u in confirmed if rng.random() < 0.5} | set(people[wanted:])
            answers.extend({"poll_id": poll_id, "user_id": u, "round": 1} for u in voters)
    _insert(Registration, registrations)
    _insert(Poll, polls)
    _insert(PollAnswer, answers)
    for session_id, when in filled.items():
        db.session.execute(Session.__table__.update().where(Session.__table__.c.id == session_id)
                           .values(filled_at=when))

    outbox = []
    for i in range(len(registrations) // 2):
        status = rng.choices(["sent", "failed", "bounced"], [98, 1, 1])[0]
        outbox.append({"recipient": f"member{i % members}@example.com", "subject": "Your seat",
                       "kind": rng.choice(["seat_confirmed", "reminder", "session_changed", "promoted"]),
                       "message_id": f"<bench-{i}@community.invalid>", "raw": b"", "status": status,
                       "created_at": now - timedelta(minutes=rng.randrange(365 * 24 * 60))})
    _insert(OutboxMessage, outbox)
    db.session.commit()
    return {"members": members, "sessions": sessions, "registrations": len(registrations),
            "polls": len(polls), "poll answers": len(answers), "outbox messages": len(outbox)}


def main() -> None:
    """Build the community, open the dashboard for each period, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--database", help="URL of a scratch database (default: a fresh SQLite file)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    app = create_app({
        "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench", "QUEUE_URL": "immediate",
        "SQLALCHEMY_DATABASE_URI": args.database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        started = time.perf_counter()
        counts = build(args.members, args.sessions, random.Random(13))
        built = time.perf_counter() - started
        dialect = db.engine.dialect.name
        engine = db.engine
    print(f"Built on {dialect} in {built:.1f} s: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = app.test_client()
    login = client.post("/login", data={"email": "organiser@example.com", "password": PASSWORD})
    assert login.status_code == 302, "the organiser could not log in"
    assert client.get("/admin/").status_code == 200  # warm-up: templates compiled, caches filled
    print("\n| period | request | SQL statements | page size |\n|---|---:|---:|---:|")
    for period in (30, 90, 365):
        statements.clear()
        started = time.perf_counter()
        response = client.get(f"/admin/?period={period}")
        took = time.perf_counter() - started
        assert response.status_code == 200
        size = len(response.data) // 1024
        print(f"| {period} days | {took * 1000:.0f} ms | {len(statements)} | {size} KiB |")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
