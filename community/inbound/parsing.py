"""Reading one raw message: headers, RFC 3834 auto-submission, our own server's
Authentication-Results, the calendar part and the delivery-status report. No database here."""
import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

#: Precedence values that mark mass or automatic mail (RFC 3834 section 2).
BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
#: Headers auto-responders set besides Auto-Submitted.
AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")
#: Subjects of out-of-office replies from clients that set no header (lower-case prefixes).
AUTOREPLY_SUBJECTS = ("out of office", "automatic reply", "auto reply", "autoreply",
                      "abwesenheitsnotiz", "réponse automatique")
CALENDAR_TYPES = {"text/calendar", "application/ics"}


def _text(value) -> str:
    """A header value as one line of text (never raises on a damaged header)."""
    try:
        return " ".join(str(value or "").split())
    except Exception:  # noqa: BLE001 - a damaged header reads as empty
        return ""


def header(msg: EmailMessage, name: str) -> str:
    """One header as one line of text ("" when missing or unreadable)."""
    try:
        return _text(msg.get(name, ""))
    except Exception:  # noqa: BLE001 - the email package raises on some damaged headers
        return ""


def _all_headers(msg: EmailMessage, name: str) -> list[str]:
    """Every occurrence of a header, top (newest) first, each as one line of text."""
    try:
        return [_text(v) for v in msg.get_all(name, [])]
    except Exception:  # noqa: BLE001 - damaged header
        return []


def domain_of(address: str) -> str:
    """The lower-cased domain of an address ("" when there is none)."""
    return address.rpartition("@")[2].lower() if "@" in address else ""


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed DMARC-style alignment: the same domain, or one the parent of the other."""
    if not domain or not from_domain:
        return False
    return (domain == from_domain or from_domain.endswith("." + domain)
            or domain.endswith("." + from_domain))


_RESULT = re.compile(r"\b(dkim|spf)\s*=\s*([a-z]+)([^;]*)", re.IGNORECASE)
_PROP = re.compile(r"\b(header\.d|header\.i|smtp\.mailfrom|smtp\.helo)\s*=\s*\"?([^\s;\"]+)",
                   re.IGNORECASE)


def _strip_comments(value: str) -> str:
    """Drop RFC 5322 (comments) from a header value."""
    previous = None
    while previous != value:
        previous, value = value, re.sub(r"\([^()]*\)", " ", value)
    return value


def authenticated_domain(msg: EmailMessage, authserv_id: str | None, from_domain: str) -> str:
    """Which check of our own server passed aligned with the From domain: "dkim", "spf" or "".

    Only the topmost Authentication-Results header whose authserv-id is `authserv_id` counts:
    our server prepends its own above anything the sender wrote, and any header naming another
    host (or ours, lower down) may be forged."""
    if not authserv_id:
        return ""
    for value in _all_headers(msg, "Authentication-Results"):
        value = _strip_comments(value)
        server = value.split(";", 1)[0].strip().split()[0].lower() if value.strip() else ""
        if server != authserv_id.lower():
            continue
        for method, result, rest in _RESULT.findall(value):
            if result.lower() != "pass":
                continue
            props = {k.lower(): v for k, v in _PROP.findall(rest)}
            if method.lower() == "dkim":
                domain = props.get("header.d", "") or domain_of(props.get("header.i", ""))
                if aligned(domain.lower(), from_domain):
                    return "dkim"
            else:
                mailfrom = props.get("smtp.mailfrom", "")
                domain = domain_of(mailfrom) if "@" in mailfrom else mailfrom.lower()
                if aligned(domain, from_domain):
                    return "spf"
        return ""
    return ""


def auto_submitted(msg: EmailMessage) -> str:
    """Why the message counts as automatic under RFC 3834 (or "" for a person's own mail)."""
    auto = header(msg, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = header(msg, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    return_paths = _all_headers(msg, "Return-Path")
    if return_paths and return_paths[0].strip() in ("<>", ""):
        return "empty Return-Path"
    for name in AUTORESPONDER_HEADERS:
        if msg.get(name) is not None:
            return f"{name} present"
    if header(msg, "Subject").lower().startswith(AUTOREPLY_SUBJECTS):
        return "an automatic-reply subject"
    return ""


@dataclass
class CalendarData:
    """The first calendar part of a message: its bytes and the Content-Type method parameter."""

    ics: bytes
    content_method: str


@dataclass
class Parsed:
    """What the pipeline needs to know about one message."""

    msg: EmailMessage
    message_id: str
    sender: str
    subject: str
    in_reply_to: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def message_key(msg: EmailMessage, raw: bytes) -> str:
    """The idempotency key: the Message-ID without brackets, or a digest of the bytes."""
    value = header(msg, "Message-ID").strip().strip("<>").strip()
    if value and len(value) <= 250 and " " not in value:
        return value
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse(raw: bytes) -> Parsed:
    """Parse the bytes (never raises on malformed MIME: defects are listed instead)."""
    msg = message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(header(msg, "From"))[1].lower()
    refs = " ".join([header(msg, "In-Reply-To"), header(msg, "References")])
    ids = [v.strip("<>") for v in re.findall(r"<[^<>\s]+>", refs)]
    defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    return Parsed(msg=msg, message_id=message_key(msg, raw), sender=sender,
                  subject=header(msg, "Subject")[:255], in_reply_to=ids, defects=defects)


def decoded(part) -> bytes:
    """A leaf part's decoded bytes (b"" when the transfer encoding cannot be read)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - damaged encoding
        return b""
    return data or b""


def calendar_data(msg: EmailMessage) -> CalendarData | None:
    """The first text/calendar (or application/ics) part: the body part Outlook and Thunderbird
    read comes before the same bytes attached as invite.ics, so the reply is read once."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() in CALENDAR_TYPES or (
                (part.get_filename() or "").lower().endswith(".ics")):
            data = decoded(part)
            if data:
                return CalendarData(data, str(part.get_param("method") or "").upper())
    return None


def is_delivery_report(msg: EmailMessage) -> bool:
    """Whether the message is a DSN: multipart/report; report-type=delivery-status (RFC 3464)."""
    return (msg.get_content_type() == "multipart/report"
            and str(msg.get_param("report-type") or "").lower() == "delivery-status")


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient's line of a delivery-status report."""

    recipient: str
    action: str
    status: str
    diagnostic: str


def _field_blocks(text: str) -> list[dict[str, str]]:
    """The header-like blocks of a message/delivery-status body, separated by blank lines."""
    blocks, current, last = [], {}, None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, None
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def delivery_report(msg: EmailMessage) -> tuple[list[DeliveryStatus], list[str]]:
    """The per-recipient statuses of a DSN and the Message-IDs of the message it reports on
    (from the returned headers or message, and any Original-Message-ID field)."""
    statuses: list[DeliveryStatus] = []
    original_ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = _delivery_status_text(part)
            for block in _field_blocks(text):
                if "original-message-id" in block:
                    original_ids.append(block["original-message-id"].strip().strip("<>"))
                if "action" in block or "status" in block:
                    recipient = block.get("final-recipient") or block.get("original-recipient", "")
                    statuses.append(DeliveryStatus(
                        recipient=recipient.rpartition(";")[2].strip().lower(),
                        action=block.get("action", "").lower(),
                        status=block.get("status", "").split()[0] if block.get("status") else "",
                        diagnostic=block.get("diagnostic-code", "")[:300]))
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            original_ids.extend(_returned_message_ids(part))
    return statuses, [i for i in dict.fromkeys(original_ids) if i]


def _delivery_status_text(part) -> str:
    """The body of a message/delivery-status part as text, however the email package held it."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(str(p) for p in payload)
    data = decoded(part)
    return data.decode("utf-8", "replace") if data else str(payload or "")


def _returned_message_ids(part) -> list[str]:
    """The Message-ID (and Original-Message-ID) of the returned message or its headers."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        inner = payload[0]
        return [header(inner, n).strip("<>") for n in ("Message-ID", "Original-Message-ID")]
    data = decoded(part) or str(payload or "").encode()
    inner = message_from_bytes(data, policy=policy.default)
    return [header(inner, n).strip("<>") for n in ("Message-ID", "Original-Message-ID")]


def addresses(value: str) -> list[str]:
    """The lower-cased addresses of a header value."""
    return [a.lower() for _, a in getaddresses([value]) if a]
