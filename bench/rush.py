"""Benchmark and check: 1,000 members sign up for a 100-seat session at the same moment.

On PostgreSQL (the database in `--database` is DROPPED and created again): one published
session with 100 seats and 1,000 confirmed members, each already logged in (their session
cookies are made with the app's own session interface and Flask-Login's `login_user`, as a
log-in through the form would make them). The app runs under gunicorn (5 sync workers) with
QUEUE_URL on Redis (db 11 by default, flushed first) and one `flask worker` consumer, which
delivers to an aiosmtpd server inside this process. Every member first opens the session
page for its form's CSRF token; then all 1,000 sign-up POSTs leave at once, all from
127.0.0.1.

Checks (the exit status is 1 if any fails): no answer other than the redirect (no 5xx, no
429); exactly 100 confirmed and 900 waitlisted; the waitlist positions in the database are
1..900 and each waitlisted member was emailed the position the database gives them; every
member received exactly one email: the invitation for a seat, the waitlist email otherwise.

    .venv/bin/python bench/rush.py [--members 1000] [--seats 100] [--database URL]
                                   [--redis redis://127.0.0.1:6379/11] [--json]
"""
import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
import serving  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_rush"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
USER_AGENT = "community-rush/1.0"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
POSITION = re.compile(r"waitlist at position (\d+)")
DESCRIPTION = """\
Customers judge a company by its app, its chat and its delivery updates. **Who leads?**

- Is *good enough* enough?
- What is perfect data worth?
"""


class Mailbox:
    """SMTP handler that keeps (recipients, subject, plain text) of every message."""

    def __init__(self):
        self.messages: list[tuple[list[str], str, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        body = message.get_body(("plain",))
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), str(message["Subject"]),
                                  body.get_content() if body else ""))
        return "250 OK"


def seed(app, members: int, seats: int) -> tuple[int, str, dict[int, str]]:
    """The session and the members, inserted in bulk; (session id, slug, {user id: email})."""
    from sqlalchemy import insert, select

    from community.accounts.models import User
    from community.db import db, utcnow
    from community.sessions.models import Session, SessionStatus

    with app.app_context():
        now = utcnow()
        start = (now + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
        session = Session(title="Is good enough, enough?", slug="is-good-enough-enough",
                          description=DESCRIPTION, starts_at=start, ends_at=start + timedelta(hours=1),
                          timezone="Europe/London", capacity=seats, status=SessionStatus.PUBLISHED,
                          published_at=now, join_url="https://meet.example.com/rush")
        db.session.add(session)
        db.session.flush()
        db.session.execute(insert(User), [
            {"email": f"member{i}@example.com", "name": f"Member {i}", "password_hash": "!",  # nosec B105
             "role": "member", "timezone": "Europe/London", "confirmed_at": now,
             "session_token": f"rush{i}", "calendar_token": f"rush-calendar-{i:06d}-{'x' * 20}",
             "organisation": "Example plc", "job_title": "CIO", "privacy_version": "",
             "waitlist_in_calendar": True}
            for i in range(members)])
        db.session.commit()
        emails = dict(db.session.execute(select(User.id, User.email)).all())
        return session.id, session.slug, emails


def session_cookies(app, user_ids) -> dict[int, str]:
    """Each member's session cookie, as a log-in from 127.0.0.1 with our User-Agent makes it."""
    from flask import session
    from flask_login import login_user

    from community.accounts.models import User
    from community.db import db

    serializer = app.session_interface.get_signing_serializer(app)
    cookies = {}
    with app.app_context():
        users = {u.id: u for u in db.session.query(User).filter(User.id.in_(list(user_ids)))}
        for user_id in user_ids:
            with app.test_request_context("/login", method="POST", headers={"User-Agent": USER_AGENT},
                                          environ_base={"REMOTE_ADDR": "127.0.0.1"}):
                login_user(users[user_id])
                session.permanent = True
                cookies[user_id] = serializer.dumps(dict(session))
    return cookies


def csrf_for(base: str, page: str, cookie: str) -> tuple[str, str]:
    """Open the session page signed in; (the form's CSRF token, the session cookie now set)."""
    answer = requests.get(f"{base}{page}", allow_redirects=False, timeout=60,
                          headers={"User-Agent": USER_AGENT, "Cookie": f"session={cookie}"})
    found = CSRF.search(answer.text)
    if answer.status_code != 200 or not found or "Log out" not in answer.text:
        raise SystemExit(f"the session page did not show a signed-in form ({answer.status_code})")
    return found.group(1), answer.cookies.get("session") or cookie


async def post_all(port: int, path: str, forms: list[tuple[str, str]]) -> tuple[list[int], float]:
    """Send every (cookie, csrf token) sign-up POST at once; the status codes and seconds taken."""
    start = asyncio.Event()

    async def one(cookie: str, token: str) -> int:
        body = urlencode({"csrf_token": token}).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
                f"Cookie: session={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        await start.wait()
        for attempt in range(5):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.2 * (attempt + 1))
        else:
            return -1
        writer.write(head + body)
        await writer.drain()
        status = await reader.readline()
        writer.close()
        return int(status.split()[1]) if status else -1

    tasks = [asyncio.create_task(one(cookie, token)) for cookie, token in forms]
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    start.set()
    statuses = await asyncio.gather(*tasks)
    return statuses, time.perf_counter() - started


def database_places(app, session_id: int) -> tuple[Counter, dict[str, int]]:
    """(status counts, {email: waitlist position}) as the database has them."""
    from sqlalchemy import func, select

    from community.accounts.models import User
    from community.db import db
    from community.signups.models import Registration

    with app.app_context():
        statuses = Counter(dict(db.session.execute(
            select(Registration.status, func.count()).where(Registration.session_id == session_id)
            .group_by(Registration.status)).all()))
        position = func.row_number().over(order_by=(Registration.waitlisted_at, Registration.id))
        rows = db.session.execute(
            select(User.email, position).join(User, User.id == Registration.user_id)
            .where(Registration.session_id == session_id, Registration.status == "waitlisted")).all()
        db.session.remove()
    return statuses, dict(rows)


def main() -> int:
    """Seed, serve, prepare, rush, check; print the report (and the JSON line with --json)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help="PostgreSQL URL (dropped and recreated)")
    parser.add_argument("--redis", default=DEFAULT_REDIS,
                        help="Redis URL of a db number of our own (flushed)")
    parser.add_argument("--web-workers", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results object as the last line")
    args = parser.parse_args()
    if not serving.postgres_version(args.database) or not serving.redis_answers(args.redis):
        raise SystemExit("the rush needs PostgreSQL and Redis answering")

    import redis

    from community import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-rush-"))
    serving.recreate_database(args.database)
    redis.Redis.from_url(args.redis).flushdb()
    mailbox, smtp_port = Mailbox(), serving.free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {**os.environ, "DATABASE_URL": args.database, "QUEUE_URL": args.redis,  # nosec B105
           "SECRET_KEY": "bench-rush-secret", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
           "BASE_URL": "http://127.0.0.1:5000", "TRUSTED_PROXIES": "0"}
    instance = tmp / "instance"
    target = serving.app_target(instance)
    try:
        with serving.Processes() as procs:
            serving.flask_cli(target, "db", "upgrade", env=env)
            app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": env["SECRET_KEY"],
                              "SQLALCHEMY_DATABASE_URI": args.database, "QUEUE_URL": "immediate"})
            session_id, slug, emails = seed(app, args.members, args.seats)
            cookies = session_cookies(app, list(emails))
            port = serving.free_port()
            serving.gunicorn(procs, target, port, env=env, log=tmp / "app.log", workers=args.web_workers)
            procs.start([serving.FLASK, "--app", target, "worker", "--workers", "4"], env=env,
                        log=tmp / "worker.log")
            base, page = f"http://127.0.0.1:{port}", f"/sessions/{session_id}-{slug}"

            started = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                forms = list(pool.map(lambda c: csrf_for(base, page, c)[::-1], cookies.values()))
            prepare_seconds = time.perf_counter() - started
            statuses, seconds = asyncio.run(post_all(port, f"/sessions/{session_id}/signup", forms))

            expected, deadline = args.members, time.monotonic() + 300
            while len(mailbox.messages) < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            mail_seconds = time.perf_counter() - started - prepare_seconds
            time.sleep(2)  # any duplicate still on its way
            places, positions = database_places(app, session_id)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        controller.stop()

    codes = Counter(statuses)
    received: dict[str, list[tuple[str, str]]] = {}
    for recipients, subject, text in mailbox.messages:
        for address in recipients:
            received.setdefault(address.lower(), []).append((subject, text))
    waitlisted = set(positions)
    emailed_positions = {}
    bad_mail = []
    for address in emails.values():
        got = received.get(address, [])
        want = "You are on the waitlist" if address in waitlisted else "Your seat is confirmed"
        if len(got) != 1 or not got[0][0].startswith(want):
            bad_mail.append(f"{address}: {[s for s, _ in got]}")
            continue
        if address in waitlisted:
            found = POSITION.search(" ".join(got[0][1].split()))
            emailed_positions[address] = int(found.group(1)) if found else None
    wrong_position = [a for a, p in positions.items() if emailed_positions.get(a, p) != p]
    waiting = args.members - args.seats
    checks = {
        "every sign-up answered with the redirect (no 5xx, no 429)": codes == Counter({302: args.members}),
        f"{args.seats} confirmed": places.get("confirmed", 0) == args.seats,
        f"{waiting} waitlisted": places.get("waitlisted", 0) == waiting,
        f"waitlist positions exactly 1..{waiting} in the database": sorted(positions.values())
        == list(range(1, waiting + 1)),
        "each waitlisted member was emailed the position the database gives them": not wrong_position,
        "every member received exactly one email, the right one": not bad_mail
        and len(mailbox.messages) == args.members,
    }
    rate = args.members / seconds
    report = [
        serving.describe(serving.machine(args.database)),
        f"{args.members} members, {args.seats} seats, gunicorn {args.web_workers} sync workers, "
        f"QUEUE_URL {args.redis}, one `flask worker` (4 threads), all POSTs from 127.0.0.1",
        "",
        "| what | figure |", "|---|---:|",
        f"| session page opened by every member for its CSRF token | {prepare_seconds:.1f} s |",
        f"| {args.members} sign-up POSTs sent at once, last answer after | {seconds:.2f} s |",
        f"| sign-ups per second | {rate:.0f} |",
        f"| HTTP statuses | {', '.join(f'{k}: {v}' for k, v in sorted(codes.items()))} |",
        f"| confirmed / waitlisted | {places.get('confirmed', 0)} / {places.get('waitlisted', 0)} |",
        f"| emails received (first sign-up to last email) | {len(mailbox.messages)} "
        f"in {mail_seconds:.1f} s |",
        "",
        *[f"- [{'x' if ok else ' '}] {name}" for name, ok in checks.items()],
    ]
    if bad_mail:
        report.append(f"  emails wrong for {len(bad_mail)} members, e.g. {bad_mail[:3]}")
    if wrong_position:
        report.append(f"  {len(wrong_position)} members were emailed another position than the "
                      f"database's, e.g. " + ", ".join(f"{a}: told {emailed_positions.get(a)}, is "
                                                       f"{positions[a]}" for a in wrong_position[:3]))
    if codes.get(500) or codes.get(-1):
        report.append((tmp / "app.log").read_text(errors="replace")[-3000:])
    print("\n".join(report))
    passed = sum(checks.values())
    if args.json:
        failed = [name for name, ok in checks.items() if not ok]
        print(json.dumps({"results": [
            {"name": f"rush: {args.members} sign-ups at once for {args.seats} seats (PostgreSQL)",
             "value": round(rate, 1), "unit": "sign-ups/s", "yardstick": None, "yardstick_name": "",
             "ratio": None, "target": None,
             "detail": f"{seconds:.2f} s; statuses {dict(sorted(codes.items()))}"},
            {"name": "rush: emails delivered by the worker (Redis queue)",
             "value": round(len(mailbox.messages) / mail_seconds, 1),
             "unit": "messages/s", "yardstick": None, "yardstick_name": "", "ratio": None, "target": None,
             "detail": f"{len(mailbox.messages)} in {mail_seconds:.1f} s from the first sign-up"},
            {"name": "rush: checks passed (PostgreSQL)", "value": passed, "unit": "checks",
             "yardstick": len(checks), "yardstick_name": "checks",
             "ratio": round(passed / len(checks), 3), "target": 1.0,
             "detail": "all passed" if not failed else "FAILED: " + "; ".join(failed)},
        ]}))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
