"""A real IMAP server for the tests: Debian's Dovecot with its own configuration in a temporary
folder, listening on 127.0.0.1 only. Any user name logs in with PASSWORD and gets an empty
Maildir of its own, so every test reads a mailbox nobody else touches."""
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.conftest import free_port

PASSWORD = "imap-test-password"
_users = itertools.count(1)


def _config(root: Path, port: int, capability: str | None) -> str:
    """dovecot.conf for one test run: plain IMAP on 127.0.0.1:`port`, everything under `root`;
    `capability` replaces what the server announces (a server without MOVE or IDLE, say)."""
    if os.geteuid() == 0:
        internal, login = "dovecot", "dovenull"
        mail_user = pwd.getpwnam("dovecot")
    else:  # an ordinary user runs everything as itself
        mail_user = pwd.getpwuid(os.geteuid())
        internal = login = mail_user.pw_name
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
""" + (f"imap_capability = {capability}\n" if capability else "")


class Dovecot:
    """The running server: where it listens and a way to fill and read a user's folders."""

    def __init__(self, root: Path, capability: str | None = None):
        self.root = root
        self.port = free_port()
        self.capability = capability
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        (self.root / "mail").mkdir(parents=True, exist_ok=True)
        (self.root / "home").mkdir(exist_ok=True)
        conf = self.root / "dovecot.conf"
        conf.write_text(_config(self.root, self.port, self.capability))
        if os.geteuid() == 0:
            self.root.chmod(0o755)
            for folder in ("mail", "home"):
                shutil.chown(self.root / folder, user="dovecot", group="dovecot")
        self.process = subprocess.Popen([shutil.which("dovecot"), "-F", "-c", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()

    def new_user(self) -> str:
        """A user name no other test uses."""
        return f"community{os.getpid()}x{next(_users)}"

    def url(self, user: str, folder: str = "INBOX") -> str:
        return f"imap://{user}:{PASSWORD}@127.0.0.1:{self.port}/{folder}"

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver messages into the user's folder over IMAP, as a mail server would."""
        client = self.client(user)
        try:
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def count(self, user: str, folder: str) -> int:
        """Messages in the user's folder (0 when it does not exist)."""
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                return 0
            return client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]
        finally:
            client.logout()

    def message_ids(self, user: str, folder: str) -> list[str]:
        """The Message-ID headers in the user's folder."""
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            data = client.fetch(client.search(["ALL"]), [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            return [value[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                    for value in data.values()]
        finally:
            client.logout()


def _serve(capability: str | None = None):
    """Start a Dovecot, yield it, stop it. Its folder is made directly under the system's
    temporary folder: run as root, Dovecot reads the mail as its own user, who cannot enter
    pytest's private temporary folders."""
    if shutil.which("dovecot") is None:
        pytest.skip("Dovecot is not installed (Debian package dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="community-dovecot-"))
    server = Dovecot(root, capability)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot():
    """One Dovecot per test process; skipped where the package is not installed."""
    yield from _serve()


@pytest.fixture(scope="session")
def plain_dovecot():
    """A Dovecot announcing only IMAP4rev1 and UIDPLUS: no MOVE (copy, delete, expunge) and no
    IDLE (the reader polls)."""
    yield from _serve("IMAP4rev1 SASL-IR LITERAL+ UIDPLUS")
