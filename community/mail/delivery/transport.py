"""Where a batch of claimed messages goes: one SMTP connection for the whole batch (opened
again once if it drops after taking messages), or `.eml` files in the mail folder when no
server is set. `community.mail.delivery` claims each message and records its outcome."""
import os
import smtplib
import tempfile
from pathlib import Path
from typing import NamedTuple

from flask import current_app

from community.db import utcnow
from community.mail.services import sender_address

#: Seconds any one SMTP operation (connect, a command, the reply to DATA) may take.
DEFAULT_SMTP_TIMEOUT = 60


class Claimed(NamedTuple):
    """What sending a claimed message needs, read back by the claim itself."""

    id: int
    recipient: str
    raw: bytes
    kind: str
    attempts: int
    erase_after_delivery: bool


def _write_eml(message: Claimed) -> None:
    """Write the message as an .eml file under the mail folder (when no SMTP server is set)."""
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(message.raw)
    os.replace(tmp, folder / f"{stamp}-{message.id:06d}-{message.kind}.eml")


def _open_smtp() -> smtplib.SMTP:
    """A connection to the configured server (Flask-Mail's settings), greeted and logged in,
    with a timeout on every operation."""
    state = current_app.extensions["mail"]
    timeout = current_app.config.get("MAIL_TIMEOUT", DEFAULT_SMTP_TIMEOUT)
    smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
    smtp = smtp_class(state.server, state.port, timeout=timeout)
    try:
        smtp.ehlo_or_helo_if_needed()  # a refusal here is the server's, not one message's
        if state.use_tls:
            smtp.starttls()
        if state.username and state.password:
            smtp.login(state.username, state.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


class Transport:
    """Where one batch goes: one SMTP connection for the whole batch, or the mail folder when
    MAIL_SERVER is unset. Use as a context manager; `send` raises what went wrong for a
    message, and the caller records it."""

    def __init__(self):
        self.to_files = not current_app.config.get("MAIL_SERVER")
        self.sender = sender_address()
        self.smtp: smtplib.SMTP | None = None
        #: Messages the open connection has taken: a connection that worked and then drops
        #: is opened again (once per drop); one that fails before taking any is not.
        self.taken = 0
        #: Set once the server cannot be reached (or refuses us before any message): the rest
        #: of the batch fails with it at once, and no message is given up for it.
        self.down: Exception | None = None

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Say goodbye to the server (or just drop the socket if it is gone)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _drop(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            smtp.close()

    def send(self, message: Claimed) -> None:
        """Hand one message over; raise if it was not taken."""
        if self.to_files:
            _write_eml(message)
            return
        if self.down is not None:
            raise self.down.with_traceback(None)
        reopened = False
        while True:
            if self.smtp is None:
                try:
                    self.smtp = _open_smtp()
                except Exception as exc:
                    self.down = exc
                    raise
                self.taken = 0
            try:
                self.smtp.sendmail(self.sender, [message.recipient], message.raw)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                if self.smtp.sock is not None:
                    raise  # this message only: smtplib reset the transaction, the connection goes on
                self._lost(exc, reopened)  # a 421: smtplib closed the connection
            except Exception as exc:  # noqa: BLE001 - the connection broke; _lost re-raises
                self._lost(exc, reopened)
            else:
                self.taken += 1
                return
            reopened = True

    def _lost(self, exc: Exception, reopened: bool) -> None:
        """The connection broke while sending. If it had been taking messages, return: the
        caller sends the message again on a new connection (once). Otherwise take the server
        as down for the rest of the batch and raise."""
        worked = self.taken > 0 and not reopened
        self._drop()
        if not worked:
            self.down = exc
            raise exc
        current_app.logger.info("SMTP connection dropped after %s messages (%s); reconnecting",
                                self.taken, exc)


def permanent_refusal(exc: Exception) -> bool:
    """Whether an SMTP error means retrying cannot help (the server refused the recipient for good)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600 \
        and not isinstance(exc, smtplib.SMTPSenderRefused)
