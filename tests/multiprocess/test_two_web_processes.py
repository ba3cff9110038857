"""Several machines: two web processes (gunicorn, each with two sync workers, on two ports) and
one queue worker (`flask worker`), started as in production on one PostgreSQL database and one
Redis, with nothing shared between them but those two servers, the SECRET_KEY and the settings.

A member signs up through one web process. The other one then shows anonymous visitors the seat
taken at once (the page both kept in Redis is stale from the sign-up's commit on), shows the
member their seat with the same cookie (it is signed with the shared SECRET_KEY), and the worker
delivers exactly one calendar invitation to the test's SMTP server.

Skipped unless TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL are set and answer; the run
takes a scratch database and an empty Redis database of its own (see this folder's conftest)."""
import os
import re
import secrets
import signal
import subprocess  # nosec B404 - the test starts the app's own processes
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import (
    HTTPCookieProcessor,
    HTTPRedirectHandler,
    ProxyHandler,
    Request,
    build_opener,
)

import redis

from community import create_app
from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus
from community.queue import huey
from tests.conftest import free_port
from tests.factories import PASSWORD
from tests.imip import calendar_part

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Settings read from the environment by community/config.py and deploy/gunicorn.conf.py: never
#: inherited from the environment the tests run in, only the values the test gives.
SETTINGS = ("SECRET_KEY", "DATABASE_URL", "QUEUE_URL", "BASE_URL", "MAIL_SERVER", "MAIL_PORT",
            "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_DEFAULT_SENDER",
            "TRUSTED_PROXIES", "COMMUNITY_TIMEZONE", "INBOUND_AUTHSERV_ID", "INBOUND_IMAP_URL",
            "INBOUND_IMAP_POLL_SECONDS", "AUDIT_RETENTION_DAYS", "PAGE_CACHE_SECONDS",
            "GUNICORN_BIND", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "FLASK_APP")
#: Seconds a process may take to serve its first /healthz (imports, gunicorn forking workers):
#: a few on an idle machine, many more on a loaded one.
START_SECONDS = 60
#: Seconds the worker may take to deliver the invitation after the sign-up.
DELIVERY_SECONDS = 20


# Processes -------------------------------------------------------------------------------------

class Processes:
    """The processes this test starts, each in a process group of its own with its output in a
    log file; stopped by their ids (SIGTERM, then SIGKILL to the group after a timeout)."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """Start `args` from the project folder, its output going to `<name>.log`."""
        with open(self.folder / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log,  # nosec B603
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.started[name] = proc
        return proc

    def run(self, name: str, *args: str, timeout: float = 120) -> None:
        """Run a command to its end; it must succeed within `timeout` seconds."""
        proc = self.start(name, *args)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} still running after {timeout} s") from None
        assert proc.returncode == 0, f"{name} exited with {proc.returncode}"

    def check_running(self) -> None:
        """Every long-running process is still there."""
        for name, proc in self.started.items():
            if name.startswith(("web", "worker")):
                assert proc.poll() is None, f"{name} exited with {proc.returncode}"

    def stop_all(self, timeout: float = 10) -> None:
        """SIGTERM every process still running (gunicorn stops its workers), SIGKILL what is left."""
        running = [proc for proc in self.started.values() if proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        for proc in running:  # a worker of a gunicorn that is gone, still in its process group
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def logs(self, tail: int = 6000) -> str:
        """The end of every process's output."""
        parts = []
        for name in self.started:
            text = (self.folder / f"{name}.log").read_text(errors="replace")
            parts.append(f"----- {name} (last {tail} characters) -----\n{text[-tail:]}")
        return "\n".join(parts)


# A visitor over HTTP ---------------------------------------------------------------------------

class _NoRedirect(HTTPRedirectHandler):
    """Answer redirects as they are, so the test sees each status and Location."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    headers: Message
    text: str


class Browser:
    """A visitor with a cookie jar (a member) or without cookies at all (anonymous). Cookies are
    not bound to a port, so a member's log-in goes with them to every web process."""

    def __init__(self, *, cookies: bool):
        self.jar = CookieJar() if cookies else None
        handlers = [ProxyHandler({}), _NoRedirect()]
        if self.jar is not None:
            handlers.append(HTTPCookieProcessor(self.jar))
        self.opener = build_opener(*handlers)

    def request(self, url: str, form: dict | None = None, headers: dict | None = None) -> Reply:
        """GET `url`, or POST `form` to it."""
        data = urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(Request(url, data=data, headers=headers or {}), timeout=15) as answer:
                return Reply(answer.status, answer.headers, answer.read().decode())
        except HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read().decode(errors="replace"))


def csrf_token(html: str) -> str:
    """The form token on a page."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


def seats(html: str) -> str:
    """What the session page says of its seats ("2 of 2 left", "Full")."""
    found = re.search(r"<dt>Seats</dt><dd>(.*?)</dd>", html)
    assert found, "no seats on the page"
    return found.group(1)


def until(check, seconds: float, what: str, processes: Processes):
    """Poll `check` until it returns something true, for `seconds` at most."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        processes.check_running()
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(0.05)


def answers(url: str) -> bool:
    """Whether /healthz says ok."""
    try:
        return Browser(cookies=False).request(url + "/healthz").status == 200
    except OSError:
        return False


# The site --------------------------------------------------------------------------------------

@dataclass
class Site:
    """What was seeded: the session's page and the members' addresses."""

    session_id: int
    path: str
    member: str
    other_member: str


def seed(app) -> Site:
    """An organiser and two confirmed members made with `flask users create`, and a published
    session with two seats made through the sessions service."""
    from community.accounts.services import get_by_email
    from community.db import db, utcnow
    from community.sessions import services as sessions

    emails = {"organiser": "olga@example.com", "member": "ada@example.com", "other": "grace@example.com"}
    runner = app.test_cli_runner()
    for role, email in emails.items():
        result = runner.invoke(args=["users", "create", email, "--name", f"{role.title()} Person",
                                     "--role", "organiser" if role == "organiser" else "member",
                                     "--password", PASSWORD])
        assert result.exit_code == 0, result.output
    with app.app_context():
        starts = utcnow().replace(microsecond=0) + timedelta(days=7)
        session = sessions.create_session(
            get_by_email(emails["organiser"]), title="Is good enough, enough?",
            description="A roundtable.", starts_at=starts, ends_at=starts + timedelta(hours=1),
            timezone="Europe/London", capacity=2, join_url="https://meet.example.com/roundtable")
        sessions.publish(get_by_email(emails["organiser"]), session)
        db.session.commit()
        site = Site(session.id, f"/sessions/{session.id}-{session.slug}", emails["member"], emails["other"])
        db.session.remove()
    return site


def invitations(mailbox, address: str) -> list:
    """Calendar invitations (METHOD:REQUEST) the SMTP server received for `address`."""
    return [m for m in mailbox.to(address)
            if (part := calendar_part(m)) is not None and part.get_param("method") == "REQUEST"]


def queued_tasks(redis_url: str) -> int:
    """Tasks waiting in the queue (Huey's list in Redis)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return client.llen(f"huey.redis.{huey.name}")
    finally:
        client.close()


def outbox(app) -> list[tuple]:
    """Every outbox message: recipient, kind, status, attempts and last error."""
    with app.app_context():
        rows = db.session.query(OutboxMessage.recipient, OutboxMessage.kind, OutboxMessage.status,
                                OutboxMessage.attempts, OutboxMessage.last_error).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def delivery_settled(app, redis_url: str) -> bool:
    """The queue holds no task and the outbox no message waiting or being sent."""
    waiting = [row for row in outbox(app) if row[2] in (OutboxStatus.PENDING, OutboxStatus.SENDING)]
    return queued_tasks(redis_url) == 0 and not waiting


def diagnosis(app, redis_url: str, started: float) -> str:
    """What a failure message needs besides the processes' logs."""
    lines = [f"failed after {time.monotonic() - started:.1f} s"]
    if app is not None:
        try:
            lines += [f"tasks queued: {queued_tasks(redis_url)}", f"outbox: {outbox(app)}"]
        except Exception as exc:  # noqa: BLE001 - the message is built even when these fail
            lines.append(f"(queue and outbox unreadable: {exc!r})")
    return "\n".join(lines)


# The test --------------------------------------------------------------------------------------

def test_a_sign_up_on_one_web_process_shows_on_the_other_and_the_worker_invites_once(
        scratch_database, scratch_redis, smtp_server, mailbox, tmp_path, monkeypatch):
    port_a, port_b = free_port(), free_port()
    web_a, web_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    settings = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": scratch_database,
        "QUEUE_URL": scratch_redis,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "BASE_URL": web_a,
    }
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    env.update(settings, PYTHONUNBUFFERED="1")
    processes = Processes(tmp_path, env)
    flask = [str(BIN / "flask"), "--app", "app"]
    app = None
    started = time.monotonic()
    try:
        processes.run("migrate", *flask, "db", "upgrade")
        # The test's own app reads the same settings, so its keys in Redis are the processes' keys.
        for name in SETTINGS:
            monkeypatch.delenv(name, raising=False)
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        app = create_app({"INSTANCE_PATH": str(tmp_path / "test-instance")})
        site = seed(app)

        for name, port in (("web-a", port_a), ("web-b", port_b)):
            processes.start(name, str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "1",
                            "app:app")
        processes.start("worker", *flask, "worker")
        for url in (web_a, web_b):
            until(lambda url=url: answers(url), START_SECONDS, f"{url}/healthz answering", processes)

        # An anonymous visitor on B: the page is rendered and kept in the shared Redis...
        visitor = Browser(cookies=False)
        first = visitor.request(web_b + site.path)
        assert first.status == 200 and seats(first.text) == "2 of 2 left"
        assert "Set-Cookie" not in first.headers
        store = redis.Redis.from_url(scratch_redis)
        try:
            assert store.keys(f"*page:http:{site.path}?"), "the page is not kept in Redis"
        finally:
            store.close()
        # ... and A, which never rendered it, serves that very page.
        kept = visitor.request(web_a + site.path)
        assert kept.status == 200 and kept.text == first.text
        assert kept.headers["ETag"] == first.headers["ETag"]
        assert kept.headers["Last-Modified"] == first.headers["Last-Modified"]
        assert visitor.request(web_a + site.path,
                               headers={"If-None-Match": first.headers["ETag"]}).status == 304

        # The member logs in on A (the welcome is shown on the home page) and signs up there,
        # from the page A drew for them (and may keep for their log-in, in the shared Redis too).
        member = Browser(cookies=True)
        login = member.request(web_a + "/login")
        assert login.status == 200
        logged_in = member.request(web_a + "/login", {"csrf_token": csrf_token(login.text),
                                                      "email": site.member, "password": PASSWORD})
        assert logged_in.status == 302, logged_in.text[:2000]
        assert "Welcome back" in member.request(web_a + "/").text
        page = member.request(web_a + site.path)
        assert page.status == 200 and seats(page.text) == "2 of 2 left" and "Sign up" in page.text
        signed_up = member.request(web_a + f"/sessions/{site.session_id}/signup",
                                   {"csrf_token": csrf_token(page.text)})
        assert signed_up.status in (302, 303) and signed_up.headers["Location"].endswith(site.path)

        # B: the anonymous page shows the seat taken, and so does A's copy of it...
        after = visitor.request(web_b + site.path)
        assert after.status == 200
        assert seats(after.text) == "1 of 2 left", "B served the page kept before the sign-up"
        assert after.headers["ETag"] != first.headers["ETag"]
        assert visitor.request(web_a + site.path,
                               headers={"If-None-Match": first.headers["ETag"]}).status == 200
        # ... and the member, with the same cookie, is logged in on B and sees their seat there
        # (the message flashed by A's sign-up on B's home page, then their own page).
        assert "Your seat is confirmed" in member.request(web_b + "/").text
        own = member.request(web_b + site.path)
        assert own.status == 200 and seats(own.text) == "1 of 2 left"
        assert "✓ Your seat is confirmed." in own.text, "B showed the member their page kept before"

        # The worker delivers the invitation, once.
        until(lambda: invitations(mailbox, site.member), DELIVERY_SECONDS,
              f"an invitation to {site.member}", processes)
        until(lambda: delivery_settled(app, scratch_redis), DELIVERY_SECONDS,
              "the queue and the outbox emptied", processes)
        assert len(invitations(mailbox, site.member)) == 1
        assert invitations(mailbox, site.other_member) == []
        processes.check_running()
    except Exception as failure:  # every failure goes out with what the processes said
        processes.stop_all()
        raise AssertionError(f"{failure!r}\n{diagnosis(app, scratch_redis, started)}\n\n"
                             f"{processes.logs()}") from failure
    finally:
        processes.stop_all()
        if app is not None:
            with app.app_context():
                db.engine.dispose()
