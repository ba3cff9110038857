"""What the delivery benchmarks share: a counting SMTP server on 127.0.0.1 and the yardstick,
plain smtplib sending the same pre-rendered messages over one connection.

The server (aiosmtpd) runs in a process of its own by default, as a real mail server does:
in the benchmark's own process it would compete for the interpreter lock with whatever is
measured, the worker's threads or plain smtplib alike. `in_process=True` keeps it in the
benchmark's process (how the benchmarks measured before).
"""
import multiprocessing
import os
import smtplib
import socket
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Counter:
    """aiosmtpd handler that only counts the messages it accepts."""

    def __init__(self, count):
        self.count = count

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def _serve(port, count, ready, stop) -> None:
    """The server process: listen until told to stop."""
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SmtpSink:
    """A local SMTP server counting what it accepts; `count` is read and reset from here."""

    def __init__(self, in_process: bool = False):
        self.port = free_port()
        self.in_process = in_process
        context = multiprocessing.get_context("fork")  # made before any thread starts
        self._count = context.Value("q", 0)
        if in_process:
            from aiosmtpd.controller import Controller

            self._controller = Controller(_Counter(self._count), hostname="127.0.0.1", port=self.port)
            self._controller.start()
            return
        self._stop = context.Event()
        ready = context.Event()
        self._process = context.Process(target=_serve, args=(self.port, self._count, ready, self._stop),
                                        daemon=True)
        self._process.start()
        if not ready.wait(30):
            raise SystemExit("the SMTP server process did not start")

    @property
    def count(self) -> int:
        return self._count.value

    def reset(self) -> None:
        with self._count.get_lock():
            self._count.value = 0

    def wait_for(self, target: int, limit: float = 600, poll: float = 0.005) -> None:
        """Block until the server has accepted `target` messages since the last reset."""
        deadline = time.monotonic() + limit
        while self.count < target:
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out with {self.count}/{target} delivered")
            time.sleep(poll)

    def stop(self) -> None:
        if self.in_process:
            self._controller.stop()
        else:
            self._stop.set()
            self._process.join(10)

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used so far (None when it runs in this process)."""
        if self.in_process:
            return None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def describe(self) -> str:
        if self.in_process:
            return "aiosmtpd in the benchmark's process"
        return "aiosmtpd in a process of its own"


def plain_smtplib(port: int, messages: list[tuple[str, bytes]], sender: str,
                  one_connection: bool = True) -> float:
    """Seconds plain smtplib takes to send `messages` (recipient, raw bytes) from one thread:
    over one connection (the yardstick), or one connection per message."""
    started = time.perf_counter()
    if one_connection:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for recipient, raw in messages:
                smtp.sendmail(sender, [recipient], raw)
    else:
        for recipient, raw in messages:
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.sendmail(sender, [recipient], raw)
    return time.perf_counter() - started


def median(values):
    """The middle value (the lower middle of an even count)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


__all__ = ["SmtpSink", "free_port", "median", "plain_smtplib"]


def worker_app_config(tmp: Path, database: str | None, workers: int, mail_port: int, **extra) -> dict:
    """Settings of the benchmarks' app that delivers to the sink: a scratch database, a SQLite
    queue consumed by `workers` threads (with a connection each), mail to 127.0.0.1."""
    return {
        "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": workers + 2, "max_overflow": 2},
        "QUEUE_URL": str(tmp / "queue.sqlite"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mail_port,
        **extra,
    }


def empty_database() -> str:
    """Inside the benchmark app's context: drop and create every table, empty the queue, and
    return the database's dialect name."""
    from community.db import db
    from community.queue import huey

    db.drop_all()
    db.create_all()
    huey.flush()
    return db.engine.dialect.name
