"""The IMAP way in: the mailbox named by INBOUND_IMAP_URL, read with IMAPClient.

Every message in the watched folder is unhandled: a pass fetches each one, runs it through the
pipeline and commits (`worker.handle`), and only then moves it to `Processed` or `Ignored`.
A process killed between the two finds the message again on its next pass; the pipeline acts
on a Message-ID once, so the message is moved without being acted on twice. Nothing is deleted
before it is recorded, and nothing recorded is read twice.

`watch` keeps one connection open and waits in IDLE where the server offers it (new mail is
read within a second or two), otherwise it polls every INBOUND_IMAP_POLL_SECONDS.
"""
import contextlib
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from community.inbound import services, worker
from community.inbound.models import Outcome

#: Folders a handled message is moved to (created when missing).
PROCESSED, IGNORED = "Processed", "Ignored"
#: Messages whose size is fetched (and handled) per round trip.
BATCH = 25
#: Longest single wait in IDLE: a stop request is noticed within this many seconds.
IDLE_STEP = 1.0
#: RFC 2177: re-issue IDLE well before the server's 30-minute inactivity timeout.
IDLE_RENEW = 25 * 60
#: Waits before reconnecting after the mailbox could not be reached, growing to the last.
BACKOFF = (1, 5, 15, 60)


class MailboxError(Exception):
    """The mailbox could not be reached or read; a later pass may succeed."""


@dataclass(frozen=True)
class Mailbox:
    """Where to read: parsed from `imaps://user:password@host:993/INBOX`."""

    host: str
    port: int
    tls: bool
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    def __str__(self) -> str:
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.folder}"


def parse_url(url: str) -> Mailbox:
    """The mailbox an INBOUND_IMAP_URL names. User and password are percent-decoded (write an
    `@` in the user name as `%40`); the path is the folder, INBOX when empty."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("INBOUND_IMAP_URL must start with imaps:// (or imap:// for a local server)")
    if not parts.hostname or not parts.username:
        raise ValueError("INBOUND_IMAP_URL needs a user and a host: imaps://user:password@host/INBOX")
    tls = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if tls else 143)
    except ValueError as exc:
        raise ValueError(f"INBOUND_IMAP_URL has an invalid port: {exc}") from None
    return Mailbox(host=parts.hostname, port=port, tls=tls, username=unquote(parts.username),
                   password=unquote(parts.password or ""), folder=unquote(parts.path.strip("/")) or "INBOX")


def configured() -> Mailbox | None:
    """The configured mailbox, or None when INBOUND_IMAP_URL is unset."""
    url = current_app.config.get("INBOUND_IMAP_URL")
    return parse_url(url) if url else None


@dataclass
class Report:
    """What one pass did."""

    processed: int = 0
    ignored: int = 0
    #: Left in the folder for the next pass (a temporary failure stopped the pass).
    left: int = 0

    def __str__(self) -> str:
        text = f"{self.processed} processed, {self.ignored} ignored"
        return f"{text}, {self.left} left for the next pass" if self.left else text


def connect(mailbox: Mailbox, timeout: float = 30) -> IMAPClient:
    """Log in, make sure the folders exist and select the watched one."""
    try:
        client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.tls, timeout=timeout,
                            ssl_context=ssl.create_default_context() if mailbox.tls else None)
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"cannot reach {mailbox}: {exc}") from exc
    try:
        client.login(mailbox.username, mailbox.password)
        for folder in (PROCESSED, IGNORED):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        client.select_folder(mailbox.folder)
    except (OSError, IMAPClientError) as exc:
        close(client)
        raise MailboxError(f"cannot open {mailbox}: {exc}") from exc
    return client


def close(client: IMAPClient) -> None:
    """Log out, or drop the connection when the server no longer answers."""
    try:
        client.logout()
    except (OSError, IMAPClientError):
        with contextlib.suppress(OSError):
            client.shutdown()


def fetch_once(mailbox: Mailbox | None = None) -> Report:
    """One pass over the mailbox on a connection of its own (`flask inbound fetch --once`)."""
    mailbox = mailbox or configured()
    if mailbox is None:
        raise MailboxError("INBOUND_IMAP_URL is not set")
    client = connect(mailbox)
    try:
        return drain(client)
    finally:
        close(client)


def drain(client: IMAPClient) -> Report:
    """Handle every message in the selected folder, oldest first, moving each once recorded.

    A temporary failure (the database is unreachable) stops the pass and leaves the rest where
    it is; the mailbox failing raises MailboxError."""
    report = Report()
    limit = services.max_bytes()
    try:
        uids = sorted(client.search(["NOT", "DELETED"]))
        for start in range(0, len(uids), BATCH):
            batch = uids[start:start + BATCH]
            sizes = client.fetch(batch, ["RFC822.SIZE"])
            # Recorded messages are moved a batch at a time: one round trip per folder, and a
            # reader dying before the move finds them again and only moves them.
            handled: dict[str, list[int]] = {PROCESSED: [], IGNORED: []}
            try:
                for uid in batch:
                    if uid not in sizes:  # moved away by another pass meanwhile
                        continue
                    size = sizes[uid][b"RFC822.SIZE"]
                    raw = _download(client, uid, size > limit)
                    if raw is None:
                        continue
                    try:
                        row = worker.handle(raw, size=size)
                    except worker.TemporaryFailure as exc:
                        current_app.logger.warning("inbound fetch: %s; the rest waits for the next pass", exc)
                        report.left = len(uids) - uids.index(uid)
                        return report
                    ignored = row is not None and row.outcome in (Outcome.IGNORED, Outcome.REJECTED)
                    handled[IGNORED if ignored else PROCESSED].append(uid)
            finally:
                for folder, moved in handled.items():
                    if moved:
                        _move(client, moved, folder)
                report.processed += len(handled[PROCESSED])
                report.ignored += len(handled[IGNORED])
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"the mailbox failed during a pass: {exc}") from exc
    return report


def _download(client: IMAPClient, uid: int, too_large: bool) -> bytes | None:
    """The whole message, or only its header when it is over the limit (it is refused from
    that); None when another pass moved it meanwhile. PEEK leaves \\Seen alone."""
    part = b"BODY[HEADER]" if too_large else b"BODY[]"
    data = client.fetch([uid], [b"BODY.PEEK[HEADER]" if too_large else b"BODY.PEEK[]"])
    if uid not in data:
        return None
    return data[uid].get(part) or b""


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """MOVE where the server offers it (RFC 6851), else copy, mark deleted and expunge."""
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def watch_configured(stop: threading.Event) -> None:
    """Beside the queue consumer: read the configured mailbox until `stop` is set (nothing to
    do when INBOUND_IMAP_URL is unset)."""
    if configured() is not None:
        watch(stop)


def watch(stop: threading.Event, mailbox: Mailbox | None = None, *, on_pass=None) -> None:
    """Read the mailbox until `stop` is set: a pass, then wait for new mail in IDLE (or sleep
    INBOUND_IMAP_POLL_SECONDS), then a pass again; reconnect with a growing pause on failure.
    `on_pass(report)` is told what each pass did."""
    mailbox = mailbox or configured()
    if mailbox is None:
        raise MailboxError("INBOUND_IMAP_URL is not set")
    poll = current_app.config["INBOUND_IMAP_POLL_SECONDS"]
    failures = 0
    while not stop.is_set():
        try:
            client = connect(mailbox)
        except MailboxError as exc:
            failures = _pause_after(exc, failures, stop)
            continue
        try:
            while not stop.is_set():
                report = drain(client)
                failures = 0
                if on_pass is not None:
                    on_pass(report)
                if report.left:  # the database is down: try again after a pause, not at once
                    stop.wait(BACKOFF[1])
                elif not (report.processed or report.ignored):
                    # Only after a pass that found nothing: mail that came while the last one
                    # ran may have been announced during it, and IDLE would not announce it again.
                    _wait_for_mail(client, stop, poll)
        except MailboxError as exc:
            failures = _pause_after(exc, failures, stop)
        except (OSError, IMAPClientError) as exc:
            failures = _pause_after(MailboxError(f"the mailbox connection failed: {exc}"), failures, stop)
        finally:
            close(client)


def _pause_after(exc: Exception, failures: int, stop: threading.Event) -> int:
    """Log the failure and wait before the next attempt; the count of failures in a row."""
    pause = BACKOFF[min(failures, len(BACKOFF) - 1)]
    current_app.logger.warning("inbound fetch: %s; trying again in %s s", exc, pause)
    stop.wait(pause)
    return failures + 1


def _wait_for_mail(client: IMAPClient, stop: threading.Event, poll: float) -> None:
    """Return when new mail may have arrived, `poll` seconds have passed or `stop` is set.

    In IDLE the server pushes EXISTS when mail arrives; each wait is at most IDLE_STEP so that
    a stop is noticed quickly, and IDLE is re-issued before the server would drop it."""
    deadline = time.monotonic() + min(poll, IDLE_RENEW)
    if not client.has_capability("IDLE"):
        stop.wait(poll)
        return
    client.idle()
    try:
        # Mail that arrived between the last pass's SEARCH and IDLE is announced before the
        # server's "+ idling": imaplib keeps that EXISTS, and idle_check never returns it.
        _kind, announced = client._imap.response("EXISTS")
        if any(int(count) > 0 for count in announced if count):
            return
        while not stop.is_set() and time.monotonic() < deadline:
            responses = client.idle_check(timeout=IDLE_STEP)
            if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                return
    finally:
        client.idle_done()
