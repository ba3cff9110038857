"""The inbound pipeline: one raw RFC 5322 message in, classified, acted on and recorded.

`receive` is called by `flask inbound receive` (an MTA's pipe transport) and by the panel's
"reprocess"; like every service it never commits: the command (or the view) does. The same
Message-ID is acted on once; automatic mail (RFC 3834) is never answered and nothing is sent
to a sender that could not be verified: emails go only to a member's own address on file.
"""
import re
import traceback
from datetime import timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from flask import current_app
from sqlalchemy import delete, func, or_, select

from community.accounts.roles import require_organiser
from community.core.errors import DomainError
from community.db import db, utcnow
from community.inbound import bounces, parsing, replies, requests
from community.inbound.models import InboundMessage, Kind, Outcome
from community.inbound.replies import Result

#: Bytes of a refused (too large) message that are read to record its headers.
HEADER_BYTES = 64 * 1024


def max_bytes() -> int:
    """The largest message read whole (INBOUND_MAX_BYTES)."""
    return current_app.config["INBOUND_MAX_BYTES"]


def receive(raw: bytes, *, size: int | None = None) -> InboundMessage:
    """Process one message (`size`: its full length when `raw` was cut short at the limit).
    The same Message-ID twice returns the first row (acting once), unless that one failed."""
    size = len(raw) if size is None else size
    if size > max_bytes():
        return _refuse_large(raw, size)
    parsed = parsing.parse(raw)
    row = db.session.scalar(select(InboundMessage).where(InboundMessage.message_id == parsed.message_id))
    if row is not None and row.outcome != Outcome.FAILED:
        return row
    if row is None:
        # A second process recording the same Message-ID at the same moment fails on the unique
        # key here; the command takes that IntegrityError as "already being handled".
        row = InboundMessage(message_id=parsed.message_id)
        db.session.add(row)
    _describe(row, parsed, raw)
    _process(row, parsed)
    return row


def record_failure(raw: bytes, exc: Exception) -> InboundMessage:
    """After `receive` raised and the caller rolled back: record the message as failed, with the
    error, so an organiser can read it and reprocess it."""
    parsed = parsing.parse(raw)
    row = db.session.scalar(select(InboundMessage).where(InboundMessage.message_id == parsed.message_id))
    if row is None:
        row = InboundMessage(message_id=parsed.message_id)
        db.session.add(row)
    _describe(row, parsed, raw)
    row.attempts += 1
    row.outcome, row.detail = Outcome.FAILED, f"Processing failed: {type(exc).__name__}."
    row.error = "".join(traceback.format_exception(exc))[-4000:]
    row.processed_at = utcnow()
    db.session.flush()
    return row


def _describe(row: InboundMessage, parsed: parsing.Parsed, raw: bytes) -> None:
    """Fill in what the row shows about the message itself."""
    row.sender, row.subject, row.size, row.raw = parsed.sender[:254], parsed.subject, len(raw), raw
    row.received_at = row.received_at or utcnow()
    db.session.flush()


def _refuse_large(raw: bytes, size: int) -> InboundMessage:
    """Record a message over the limit from its headers alone, without keeping it."""
    msg = BytesHeaderParser(policy=default_policy).parsebytes(raw[:HEADER_BYTES])
    key = parsing.message_key(msg, raw[:HEADER_BYTES])
    row = db.session.scalar(select(InboundMessage).where(InboundMessage.message_id == key))
    if row is not None:
        return row
    senders = parsing.addresses(parsing.header(msg, "From"))
    row = InboundMessage(message_id=key, sender=(senders[0] if senders else "")[:254],
                         subject=parsing.header(msg, "Subject")[:255], size=size,
                         kind=Kind.OTHER, outcome=Outcome.REJECTED, processed_at=utcnow(), attempts=1,
                         detail=f"Too large: {size} bytes (the limit is {max_bytes()}); not read.")
    db.session.add(row)
    db.session.flush()
    return row


def _flooding(row: InboundMessage) -> bool:
    """Whether this sender sent more than INBOUND_MAX_PER_HOUR messages in the last hour."""
    if not row.sender:
        return False
    count = db.session.scalar(select(func.count(InboundMessage.id)).where(
        InboundMessage.sender == row.sender, InboundMessage.id != row.id,
        InboundMessage.received_at > utcnow() - timedelta(hours=1)))
    return count >= current_app.config["INBOUND_MAX_PER_HOUR"]


def _process(row: InboundMessage, parsed: parsing.Parsed) -> None:
    """Classify and act; any error but a broken rule propagates, for the caller to roll back
    and `record_failure`."""
    row.attempts += 1
    row.error = ""
    if _flooding(row):
        result = Result(Kind.OTHER, Outcome.REJECTED,
                        f"More than {current_app.config['INBOUND_MAX_PER_HOUR']} messages from "
                        f"{row.sender} in an hour; not acted on.")
    else:
        try:
            result = _dispatch(row, parsed)
        except DomainError as exc:
            # A rule refused the change (the session started meanwhile, say): nothing was done.
            result = Result(row.kind, Outcome.IGNORED, exc.message)
    row.kind, row.outcome, row.detail = result.kind, result.outcome, result.detail[:500]
    row.session_id = result.session_id
    row.processed_at = utcnow()
    db.session.flush()


def _dispatch(row: InboundMessage, parsed: parsing.Parsed) -> Result:
    """Classify the message and hand it to what acts on its kind."""
    msg = parsed.msg
    if parsing.is_delivery_report(msg):
        row.kind = Kind.BOUNCE
        return bounces.handle(msg)
    automatic = parsing.auto_submitted(msg)
    calendar = parsing.calendar_data(msg)
    if calendar is not None:
        row.kind = Kind.CALENDAR_REPLY
        if automatic:
            return Result(Kind.CALENDAR_REPLY, Outcome.IGNORED,
                          f"Automatic calendar message ({automatic}); not acted on.")
        how = parsing.authenticated_domain(msg, current_app.config.get("INBOUND_AUTHSERV_ID"),
                                           parsing.domain_of(parsed.sender))
        row.authenticated = bool(how)
        return replies.handle(calendar.ics, calendar.content_method, parsed.sender, bool(how))
    if automatic:
        return Result(Kind.AUTO_REPLY, Outcome.IGNORED, f"Automatic reply ({automatic}); not answered.")
    if parsed.defects and not parsed.sender:
        return Result(Kind.OTHER, Outcome.IGNORED,
                      f"Malformed message ({', '.join(sorted(set(parsed.defects)))[:200]}).")
    how = parsing.authenticated_domain(msg, current_app.config.get("INBOUND_AUTHSERV_ID"),
                                       parsing.domain_of(parsed.sender))
    row.authenticated = bool(how)
    result = requests.handle(parsed, bool(how))
    if result is not None:
        return result
    return Result(Kind.OTHER, Outcome.RECORDED, "Kept for the organisers to read.")


# The organisers' panel ------------------------------------------------------------------

def counter_proposals(session_id: int, limit: int = 20) -> list[InboundMessage]:
    """New times members proposed for a session from their calendar (COUNTER), newest first."""
    return list(db.session.scalars(
        select(InboundMessage).where(InboundMessage.session_id == session_id,
                                     InboundMessage.kind == Kind.CALENDAR_COUNTER)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(limit)))


def reprocess(actor, row: InboundMessage) -> InboundMessage:
    """An organiser runs a failed message through the pipeline again."""
    require_organiser(actor)
    if row.outcome != Outcome.FAILED:
        raise DomainError("Only a message that failed can be reprocessed.")
    if row.raw is None:
        raise DomainError("This message is no longer kept, so it cannot be reprocessed.")
    _process(row, parsing.parse(row.raw))
    return row


def inbound_query(kind: str = "", outcome: str = "", query: str = ""):
    """A select of inbound messages, newest first, filtered by kind, outcome and words."""
    stmt = select(InboundMessage).order_by(InboundMessage.id.desc())
    if kind in set(Kind):
        stmt = stmt.where(InboundMessage.kind == kind)
    if outcome in set(Outcome):
        stmt = stmt.where(InboundMessage.outcome == outcome)
    for word in query.split():
        like = f"%{word}%"
        stmt = stmt.where(or_(InboundMessage.sender.ilike(like), InboundMessage.subject.ilike(like)))
    return stmt



#: Link parts that look like secrets (signed tokens, feed keys) inside URLs, and long bare tokens.
_URL = re.compile(r"https?://[^\s<>\"']+")
_SECRET_IN_URL = re.compile(r"[A-Za-z0-9_\-.~=%]{20,}")
_BARE_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{32,}\b")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """Hide what could act for someone: long path parts and values in links, and long tokens."""
    def in_url(match):
        url = match.group(0)
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme}://{host}{slash}{_SECRET_IN_URL.sub(REDACTED, path)}"

    return _BARE_TOKEN.sub(REDACTED, _URL.sub(in_url, text))


def readable(row: InboundMessage) -> str:
    """The kept message for the organisers: its headers and every text part decoded, other parts
    named, with tokens redacted ("" when the raw message is no longer kept)."""
    if row.raw is None:
        return ""
    msg = parsing.parse(row.raw).msg
    lines = [f"{name}: {_safe(value)}" for name, value in _items(msg)]
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        lines.append("")
        lines.append(f"--- {ctype}{' ' + part.get_filename() if part.get_filename() else ''} ---")
        if part.get_content_maintype() == "text":
            data = parsing.decoded(part)
            charset = part.get_content_charset() or "utf-8"
            try:
                lines.append(data.decode(charset, "replace"))
            except LookupError:
                lines.append(data.decode("utf-8", "replace"))
        else:
            lines.append(f"({len(parsing.decoded(part))} bytes, not shown)")
    return redact("\n".join(lines))


def _items(msg) -> list[tuple[str, str]]:
    """The message's headers (name, raw value), never raising on a damaged one."""
    try:
        return list(msg.raw_items())
    except Exception:  # noqa: BLE001 - a damaged header block shows as empty
        return []


def _safe(value) -> str:
    """A raw header value as one line."""
    return " ".join(str(value).split())


# A member's data -------------------------------------------------------------------------

def export_inbound(user) -> list[dict]:
    """The emails received from the member's address and what was done with them (export)."""
    rows = db.session.scalars(select(InboundMessage).where(InboundMessage.sender == user.email)
                              .order_by(InboundMessage.id))
    return [{"subject": r.subject, "kind": r.kind, "outcome": r.outcome, "detail": r.detail,
             "received_at": r.received_at.isoformat()} for r in rows]


def erase_inbound(user) -> None:
    """Before the account is deleted: remove the emails received from the member's address."""
    db.session.execute(delete(InboundMessage).where(InboundMessage.sender == user.email)
                       .execution_options(synchronize_session=False))
