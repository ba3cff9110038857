"""Helpers shared by the benchmarks that serve the app over HTTP (`http_pages.py`, `rush.py`)
and by the runner: free ports, gunicorn and other child processes stopped by their process
id (also on Ctrl-C), scratch PostgreSQL databases, and the machine's description.

Not a benchmark itself. The scripts in bench/ are run as files (`python bench/x.py`), which
puts bench/ first on the module path: no module here may be named like a standard-library
one (a `bench/http.py` would hide `http` from Werkzeug in every script of the folder).
"""
import os
import platform
import signal
import socket
import sqlite3
import subprocess  # nosec B404  # the benchmarks start gunicorn, wrk and the worker on purpose
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN = str(BIN / "gunicorn")
FLASK = str(BIN / "flask")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Child processes started by a benchmark, each in its own process group and stopped by
    its id when the benchmark ends, however it ends (normal exit, error, Ctrl-C, SIGTERM)."""

    def __init__(self):
        self.children: list[subprocess.Popen] = []

    def start(self, args: list[str], *, env: dict | None = None, log: Path | None = None,
              cwd: Path = ROOT) -> subprocess.Popen:
        """Start `args` with stdout and stderr going to `log` (or nowhere)."""
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,  # nosec B603
                                start_new_session=True)
        self.children.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 15) -> None:
        """SIGTERM the process group of `proc` (gunicorn and its workers), then SIGKILL if needed."""
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except ProcessLookupError:
                pass
        if proc in self.children:
            self.children.remove(proc)

    def stop_all(self) -> None:
        """Stop every child still running, the latest first."""
        for proc in reversed(list(self.children)):
            self.stop(proc)

    def __enter__(self) -> "Processes":
        signal.signal(signal.SIGTERM, _raise_interrupt)
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


def _raise_interrupt(signum, frame):
    """SIGTERM ends a benchmark like Ctrl-C, so its children are stopped on the way out."""
    raise KeyboardInterrupt


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60, log: Path | None = None) -> None:
    """Block until something accepts connections on 127.0.0.1:`port`; fail if `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise SystemExit(f"{proc.args[0]} exited with {proc.returncode} before listening\n{tail}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def gunicorn(procs: Processes, target: str, port: int, *, env: dict, log: Path, workers: int = 5,
             worker_class: str = "sync", threads: int = 1) -> subprocess.Popen:
    """Serve `target` with gunicorn on 127.0.0.1:`port` (the deploy settings, no access log)."""
    args = [GUNICORN, target, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", worker_class, "--threads", str(threads), "--timeout", "30",
            "--forwarded-allow-ips", "127.0.0.1", "--error-logfile", "-", "--log-level", "warning"]
    proc = procs.start(args, env=env, log=log)
    wait_for_port(port, proc, log=log)
    return proc


def app_target(instance: Path) -> str:
    """The `module:factory(...)` string that builds the app with its own instance folder."""
    return f"community:create_app({{'INSTANCE_PATH': {str(instance)!r}}})"


def flask_cli(target: str, *args: str, env: dict) -> str:
    """Run `flask --app target ARGS` and return its output; stop the benchmark if it fails."""
    done = subprocess.run([FLASK, "--app", target, *args], cwd=ROOT, env=env,  # nosec B603
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def recreate_database(url: str) -> None:
    """Drop the PostgreSQL database named in `url` and create it empty."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to drop a database called {name!r}")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def postgres_version(url: str) -> str | None:
    """The server version behind `url` (any database on it), or None when it does not answer."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database="postgres"), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return conn.scalar(text("show server_version")).split()[0]
    except Exception:  # noqa: BLE001 - no server is an answer too
        return None
    finally:
        engine.dispose()


def redis_answers(url: str) -> bool:
    """Whether the Redis server behind `url` answers a PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=3).ping())
    except Exception:  # noqa: BLE001 - no server is an answer too
        return False


#: Where the local PostgreSQL server is asked for its version when no URL is given.
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def machine(postgres_url: str | None = None) -> dict:
    """What the figures were measured on: cores, memory, Python, SQLite, PostgreSQL."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        ram = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        ram = "unknown"
    return {
        "cpus": os.cpu_count(),
        "ram": ram,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(postgres_url or DEFAULT_POSTGRES),
        "system": f"{platform.system()} {platform.release()}",
    }


def describe(info: dict) -> str:
    """One line for a run's header."""
    return (f"{info['cpus']} CPUs, {info['ram']} RAM, Python {info['python']}, SQLite {info['sqlite']}, "
            f"PostgreSQL {info['postgresql'] or 'not answering'}, {info['system']}")
