"""Private servers for the fault tests, each on a free port of 127.0.0.1, that a test may stop
and start at will: PostgreSQL (initdb into a temporary folder), Redis, and the app itself
served by werkzeug in a thread. Each is stopped by its own process id or data folder, never
by name, and the shared servers of the machine are never touched."""
import glob
import os
import pwd
import shutil
import subprocess  # nosec B404 - the tests start their own servers
import tempfile
import threading
import time
import traceback
from pathlib import Path

from flask import got_request_exception
from werkzeug.serving import make_server

from tests.conftest import free_port


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian's layout), or None."""
    versions = [Path(p).parent.parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    versions.sort(key=lambda folder: int(folder.name) if folder.name.isdigit() else 0)
    return versions[-1] / "bin" if versions else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own: trust authentication, fsync off, a unix socket in its folder."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="community-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        # As root the server must run as another user (PostgreSQL refuses root).
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # nosec B603

    def init(self) -> None:
        """Make the cluster."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: roll back open transactions and cut every connection)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete its folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server of its own, keeping nothing on disk."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        import redis

        self.process = subprocess.Popen(  # nosec B603
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        """Stop the server (its process, by id) and wait for it to exit."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class LiveApp:
    """The app served by werkzeug on a free port in a background thread, recording every
    exception a request raised (a client sees only the 500 page)."""

    def __init__(self, app):
        self.app = app
        self.errors: list[str] = []
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def _record(self, sender, exception, **extra):
        self.errors.append("".join(traceback.format_exception(exception)))

    def __enter__(self):
        got_request_exception.connect(self._record, self.app)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        got_request_exception.disconnect(self._record, self.app)
        self._server.shutdown()
        self._thread.join(10)
        self._server.server_close()
