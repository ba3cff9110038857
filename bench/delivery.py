"""Benchmark: outbox delivery through the real queue and worker vs plain smtplib.

Writes N messages to the outbox, lets a Huey consumer (thread workers) deliver them to a
local aiosmtpd server, and compares the rate with plain `smtplib` sending the same bytes to
the same server in the same run.

    .venv/bin/python bench/delivery.py [--messages 2000] [--workers 4] [--database URL]
"""
import argparse
import signal
import smtplib
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from community import create_app  # noqa: E402
from community.db import db  # noqa: E402
from community.mail import services as mail  # noqa: E402
from community.mail.models import OutboxMessage, OutboxStatus  # noqa: E402
from community.queue import huey  # noqa: E402


class Counter:
    """SMTP handler that only counts."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        with self.lock:
            self.count += 1
        return "250 OK"


def wait_for(counter: Counter, target: int, limit: float = 600) -> None:
    """Block until the SMTP server has received `target` messages."""
    deadline = time.monotonic() + limit
    while counter.count < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out with {counter.count}/{target} delivered")
        time.sleep(0.01)


def main() -> None:
    """Run both measurements and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    counter = Counter()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app({
        "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": args.database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "QUEUE_URL": str(tmp / "queue.sqlite"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        huey.flush()
        started = time.perf_counter()
        for i in range(args.messages):
            mail.send_email(f"member{i}@example.com", f"Updated: session {i}", "confirm_email",
                            {"user": {"name": f"Member {i}"}, "confirm_url": "http://127.0.0.1/x"})
        db.session.commit()
        write_seconds = time.perf_counter() - started
        raws = [r.raw for r in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]

        consumer = huey.create_consumer(workers=args.workers, worker_type="thread", periodic=False,
                                        initial_delay=0.01, max_delay=0.05)
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        started = time.perf_counter()
        consumer.start()
        wait_for(counter, args.messages)
        queue_seconds = time.perf_counter() - started
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        sent = db.session.query(OutboxMessage).filter_by(status=OutboxStatus.SENT).count()

    counter.count = 0
    started = time.perf_counter()
    for raw in raws:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("community@localhost", ["member@example.com"], raw)
    plain_seconds = time.perf_counter() - started

    counter.count = 0
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for raw in raws:
            smtp.sendmail("community@localhost", ["member@example.com"], raw)
    reuse_seconds = time.perf_counter() - started
    controller.stop()

    n = args.messages
    print(f"| what | messages | seconds | messages/s |")
    print(f"|---|---:|---:|---:|")
    print(f"| write to outbox (render + MIME + INSERT, one commit) | {n} | {write_seconds:.2f} | {n / write_seconds:.0f} |")
    print(f"| queue + worker ({args.workers} threads), one SMTP connection per message | {n} | {queue_seconds:.2f} | {n / queue_seconds:.0f} |")
    print(f"| plain smtplib, one connection per message, one thread | {n} | {plain_seconds:.2f} | {n / plain_seconds:.0f} |")
    print(f"| plain smtplib, one connection for all, one thread | {n} | {reuse_seconds:.2f} | {n / reuse_seconds:.0f} |")
    print(f"rows marked sent: {sent}/{n}")


if __name__ == "__main__":
    main()
