"""Benchmark: outbox delivery through the real queue and worker vs plain smtplib.

Writes N messages to the outbox in one transaction (its commit hands them to the queue, one
`mail.deliver` task per chunk of ids), lets a Huey consumer (thread workers, as `flask worker`
runs them) deliver them to a local aiosmtpd server in batches over one SMTP connection per
task, and compares the rate with the yardstick: plain `smtplib` sending the same pre-rendered
bytes to the same server over one connection from one thread. Every row must end SENT and the
server must have taken each message exactly once.

This is done in rounds (3 by default): each round measures the yardstick, the worker, and the
yardstick again, and compares the worker with the faster of its two yardsticks, so a ratio
errs on the low side; between rounds the rows are put back to PENDING and handed to the queue
again as a commit does. The median round is reported. The CPU each side spends per message is
reported too (the worker's process; the server's process, which runs on its own as a real mail
server does): on a machine busy with other work the ratio tends towards the ratio of those
costs, on an idle one towards what the server can take over several connections.

    .venv/bin/python bench/delivery.py [--messages 2000] [--workers 4] [--rounds 3]
                                       [--database URL] [--smtp-in-process] [--json]

With `--json` the last line of the output is the results object (the worker's rate, the
yardstick's rate and their ratio against the target of 0.8). The default database is a fresh
SQLite file; with --database every table in that database is dropped and created again, so
point it at a scratch database, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/bench`.
"""
import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smtp_sink import SmtpSink, empty_database, median, plain_smtplib, worker_app_config  # noqa: E402

from community import create_app  # noqa: E402
from community.db import db  # noqa: E402
from community.mail import services as mail  # noqa: E402
from community.mail.models import OutboxMessage, OutboxStatus  # noqa: E402
from community.mail.services.sending import DELIVERY_CHUNK  # noqa: E402
from community.queue import huey  # noqa: E402

#: What issue 11 asks: delivery at least 0.8 of plain smtplib over one connection.
TARGET = 0.8


def run_consumer(workers: int, until) -> tuple[float, float]:
    """Run a thread-worker consumer until `until()` returns; (seconds, CPU seconds of this
    process meanwhile)."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                    initial_delay=0.005, max_delay=0.02, backoff=1.5)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    cpu, started = time.process_time(), time.perf_counter()
    consumer.start()
    try:
        until()
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def hand_over_again(ids: list[int]) -> None:
    """Put every row back to PENDING and hand them to the queue as a commit does."""
    db.session.execute(update(OutboxMessage).values(status=OutboxStatus.PENDING, attempts=0,
                                                    sent_at=None, claimed_at=None))
    for outbox_id in ids:
        mail.enqueue_after_commit(outbox_id)
    db.session.commit()


def statuses() -> dict[str, int]:
    return dict(db.session.query(OutboxMessage.status, func.count(OutboxMessage.id))
                .group_by(OutboxMessage.status).all())


def main() -> None:
    """Measure, print a Markdown table (and the results object with --json)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4, help="worker threads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", help="URL of a scratch database (default: a fresh SQLite file)")
    parser.add_argument("--smtp-in-process", action="store_true",
                        help="run the SMTP server in this process (it then shares the interpreter lock)")
    parser.add_argument("--json", action="store_true", help="print the results object as the last line")
    args = parser.parse_args()
    n = args.messages

    tmp = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    sink = SmtpSink(in_process=args.smtp_in_process)
    app = create_app(worker_app_config(tmp, args.database, args.workers, sink.port))
    rounds = []
    try:
        with app.app_context():
            dialect = empty_database()
            started = time.perf_counter()
            for i in range(n):
                mail.send_email(f"member{i}@example.com", f"Updated: session {i}", "confirm_email",
                                {"user": {"name": f"Member {i}"}, "confirm_url": "http://127.0.0.1/x"})
            db.session.commit()  # hands the messages to the queue, a task per chunk
            write_seconds = time.perf_counter() - started
            tasks = huey.pending_count()
            rows = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
            ids, messages = [r.id for r in rows], [(r.recipient, r.raw) for r in rows]
            sender = mail.sender_address()
            db.session.remove()

        for number in range(args.rounds):
            if number:
                with app.app_context():
                    hand_over_again(ids)
                    db.session.remove()
            sink.reset()
            before = plain_smtplib(sink.port, messages, sender)
            sink.reset()
            server_cpu = sink.cpu_seconds()
            with app.app_context():
                seconds, worker_cpu = run_consumer(args.workers, lambda: sink.wait_for(n))
                if server_cpu is not None:
                    server_cpu = sink.cpu_seconds() - server_cpu
                time.sleep(0.2)  # anything sent twice would show now
                received, by_status = sink.count, statuses()
                db.session.remove()
            if received != n or by_status != {OutboxStatus.SENT: n}:
                raise SystemExit(f"round {number + 1}: expected {n} messages taken and SENT once each; "
                                 f"the server took {received}, rows by status: {by_status}")
            sink.reset()
            plain = min(before, plain_smtplib(sink.port, messages, sender))
            rounds.append({"worker": n / seconds, "plain": n / plain, "ratio": plain / seconds,
                           "worker_cpu_us": worker_cpu / n * 1e6,
                           "server_cpu_us": None if server_cpu is None else server_cpu / n * 1e6})
        sink.reset()
        per_message_seconds = plain_smtplib(sink.port, messages, sender, one_connection=False)
        server_cpu = sink.cpu_seconds()
        sink.reset()
        plain_cpu = time.process_time()
        plain_smtplib(sink.port, messages, sender)
        plain_cpu = (time.process_time() - plain_cpu) / n * 1e6
        server_plain_cpu = None if server_cpu is None else (sink.cpu_seconds() - server_cpu) / n * 1e6
    finally:
        sink.stop()

    middle = sorted(rounds, key=lambda r: r["ratio"])[(len(rounds) - 1) // 2]
    size = sum(len(raw) for _, raw in messages) / n
    print(f"{dialect}, {n} messages of {size / 1024:.1f} KiB, {tasks} queue tasks of up to "
          f"{DELIVERY_CHUNK} ids, {args.workers} worker threads; {sink.describe()}; "
          f"{len(rounds)} rounds, the median shown")
    print()
    print("| what | seconds | messages/s |")
    print("|---|---:|---:|")
    print(f"| write to outbox (render + MIME + INSERT, one commit) | {write_seconds:.2f} "
          f"| {n / write_seconds:.0f} |")
    print(f"| queue + worker, a batch per task over one SMTP connection | {n / middle['worker']:.2f} "
          f"| {middle['worker']:.0f} |")
    print(f"| plain smtplib, one connection for all, one thread (yardstick) | {n / middle['plain']:.2f} "
          f"| {middle['plain']:.0f} |")
    print(f"| plain smtplib, one connection per message, one thread | {per_message_seconds:.2f} "
          f"| {n / per_message_seconds:.0f} |")
    print()
    print("rounds (worker / yardstick): " + ", ".join(f"{r['worker']:.0f}/{r['plain']:.0f} = {r['ratio']:.2f}"
                                                     for r in rounds))
    cpu = f"CPU per message: the worker's process {median(r['worker_cpu_us'] for r in rounds):.0f} µs"
    if server_plain_cpu is not None:
        cpu += (f", the SMTP server's {median(r['server_cpu_us'] for r in rounds):.0f} µs; plain smtplib "
                f"{plain_cpu:.0f} µs, the server's for it {server_plain_cpu:.0f} µs")
    print(cpu)
    print(f"worker / plain smtplib over one connection: {middle['ratio']:.2f} (median of {len(rounds)}; "
          f"target {TARGET}); every round: {n} taken by the server once each, {n} rows SENT")
    if args.json:
        each = ", ".join(f"{r['ratio']:.2f}" for r in rounds)
        print(json.dumps({"results": [{
            "name": f"outbox delivery ({dialect})", "value": round(middle["worker"], 1),
            "unit": "messages/s", "yardstick": round(middle["plain"], 1),
            "yardstick_name": "plain smtplib, same messages, one connection",
            "ratio": round(middle["ratio"], 3), "target": TARGET,
            "detail": f"{n} messages, {args.workers} worker threads, {tasks} tasks; median of "
                      f"{len(rounds)} rounds ({each}); {cpu}; {sink.describe()}"}]}))


if __name__ == "__main__":
    main()
