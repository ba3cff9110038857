"""Benchmark: an organiser moves a session with N confirmed attendees.

Measures (1) how long the organiser's request takes (the move is saved with one
announcement; no email is rendered in the request), (2) how long the worker then takes to
write and deliver all N updated invitations to a local SMTP server, and (3) plain smtplib
sending the same N messages to the same server in the same run.

    .venv/bin/python bench/move_session.py [--attendees 2000] [--workers 4] [--database URL]
"""
import argparse
import signal
import smtplib
import socket
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import insert
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from community import create_app  # noqa: E402
from community.accounts.models import User  # noqa: E402
from community.db import db, utcnow  # noqa: E402
from community.mail.models import OutboxMessage, OutboxStatus  # noqa: E402
from community.queue import huey  # noqa: E402
from community.sessions.models import Session, SessionStatus  # noqa: E402
from community.signups.models import Registration  # noqa: E402


class Counter:
    """SMTP handler that only counts."""

    def __init__(self):
        self.count, self.lock = 0, threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(n: int) -> tuple[int, int]:
    """An organiser, a published session and n confirmed attendees, inserted in bulk."""
    now = utcnow()
    start = (now + timedelta(days=7)).replace(second=0, microsecond=0)
    organiser = User(email="olga@example.com", name="Olga", role="organiser",
                     password_hash=generate_password_hash("bench password 1"),
                     timezone="Europe/London", confirmed_at=now, session_token="t")
    session = Session(title="Is good enough, enough?", slug="is-good-enough-enough", description="",
                      starts_at=start, ends_at=start + timedelta(hours=1), timezone="Europe/London",
                      capacity=n, status=SessionStatus.PUBLISHED, join_url="https://meet.example.com/r")
    db.session.add_all([organiser, session])
    db.session.flush()
    db.session.execute(insert(User), [
        {"email": f"member{i}@example.com", "name": f"Member {i}", "password_hash": "x",
         "role": "member", "timezone": "Europe/London", "confirmed_at": now,
         "session_token": f"t{i}", "calendar_token": f"c{i:040d}", "organisation": "",
         "job_title": "CIO", "privacy_version": "", "waitlist_in_calendar": True}
        for i in range(n)])
    ids = [u.id for u in db.session.query(User.id).filter(User.role == "member")]
    db.session.execute(insert(Registration), [
        {"session_id": session.id, "user_id": uid, "status": "confirmed", "confirmed_at": now,
         "signed_up_at": now, "in_calendar": True, "calendar_sent": True} for uid in ids])
    db.session.commit()
    return organiser.id, session.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    n = args.attendees

    tmp = Path(tempfile.mkdtemp(prefix="bench-move-"))
    counter, port = Counter(), free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app({
        "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": args.database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "QUEUE_URL": str(tmp / "queue.sqlite"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        huey.flush()
        organiser_id, session_id = seed(n)
        session = db.session.get(Session, session_id)
        local = session.starts_at + timedelta(hours=2)
        form = {"title": session.title, "description": "", "date": local.date().isoformat(),
                "start_time": local.strftime("%H:%M"),
                "end_time": (local + timedelta(hours=1)).strftime("%H:%M"),
                "timezone": "UTC", "capacity": str(n), "format": "online", "venue": "",
                "join_url": session.join_url}
        organiser_email = db.session.get(User, organiser_id).email
        db.session.remove()

    client = app.test_client()
    login = client.post("/login", data={"email": organiser_email, "password": "bench password 1"})
    assert login.status_code == 302 and "/login" not in login.headers["Location"]
    started = time.perf_counter()
    response = client.post(f"/admin/sessions/{session_id}/edit", data=form)
    request_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        from community.invites.models import Announcement

        announcements = db.session.query(Announcement).count()
        queued = huey.pending_count()
        db.session.remove()
    print(f"announcements recorded: {announcements}; tasks queued: {queued}")

    with app.app_context():
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        consumer = huey.create_consumer(workers=args.workers, worker_type="thread", periodic=False,
                                        initial_delay=0.01, max_delay=0.05)
        started = time.perf_counter()
        consumer.start()
        deadline = time.monotonic() + 900
        try:
            while counter.count < n and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            consumer.stop()
        worker_seconds = time.perf_counter() - started
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        sent = db.session.query(OutboxMessage).filter_by(status=OutboxStatus.SENT).count()
        raws = [r.raw for r in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]

    received = counter.count
    counter.count = 0
    started = time.perf_counter()
    for raw in raws:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("community@localhost", ["member@example.com"], raw)
    plain_seconds = time.perf_counter() - started
    controller.stop()

    print(f"attendees: {n}, worker threads: {args.workers}, database: "
          f"{'PostgreSQL' if args.database and 'postgres' in args.database else 'SQLite'}")
    print("| step | seconds | messages/s |")
    print("|---|---:|---:|")
    print(f"| organiser's request (move saved, announcement recorded) | {request_seconds:.3f} | |")
    print(f"| worker: write {n} invitations + deliver over SMTP | {worker_seconds:.2f} | {n / worker_seconds:.0f} |")
    print(f"| plain smtplib, same {len(raws)} messages, one connection each | {plain_seconds:.2f} | {len(raws) / plain_seconds:.0f} |")
    print(f"delivered {received}/{n}; outbox rows sent: {sent}")


if __name__ == "__main__":
    main()
