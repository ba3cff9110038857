"""The outbox in the organisers' panel: the list, status counts, a message's text, secrets hidden."""
import re
from email import message_from_bytes, policy

from flask import current_app
from sqlalchemy import func, or_, select

from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus


def outbox_query(status: str | None = None, query: str = ""):
    """A select of outbox rows, newest first, filtered by status and words in recipient or subject."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(OutboxStatus):
        stmt = stmt.where(OutboxMessage.status == status)
    for word in query.split():
        like = f"%{word}%"
        stmt = stmt.where(or_(OutboxMessage.recipient.ilike(like), OutboxMessage.subject.ilike(like)))
    return stmt


#: What the organisers' panel shows in place of the secret part of a link.
HIDDEN = "[hidden]"


#: A route variable in a rule such as `/calendar/<token>.ics` or `/s/<int:session_id>`.
_RULE_VARIABLE = re.compile(r"<(?:[A-Za-z_]\w*(?:\([^)]*\))?:)?([A-Za-z_]\w*)>")


#: What a path segment can be made of in an email's text or HTML.
_SEGMENT = r"[^/\s?#\"'<>]+"


def _secret_link_patterns() -> list[re.Pattern]:
    """One pattern per route whose path carries a secret (a `<token>` variable: confirmation,
    password reset, cancel links, personal calendar feeds), with the token as its own group."""
    patterns = []
    for rule in current_app.url_map.iter_rules():
        if "token" not in rule.arguments:
            continue
        pieces, last = [], 0
        for variable in _RULE_VARIABLE.finditer(rule.rule):
            pieces.append(re.escape(rule.rule[last:variable.start()]))
            name = variable.group(1)
            pieces.append(f"(?P<token>{_SEGMENT})" if name == "token" else _SEGMENT)
            last = variable.end()
        pieces.append(re.escape(rule.rule[last:]))
        patterns.append(re.compile("".join(pieces)))
    return patterns


def hide_link_secrets(text: str) -> str:
    """The text with the token of every secret-carrying link replaced by HIDDEN, so whoever
    reads a stored message cannot use its links to take over an account or a seat."""
    for pattern in _secret_link_patterns():
        text = pattern.sub(
            lambda m: m.group(0)[:m.start("token") - m.start()] + HIDDEN
            + m.group(0)[m.end("token") - m.start():], text)
    return text


def panel_text(row: OutboxMessage) -> str:
    """The text/plain body of a stored message as the organisers' panel shows it: link
    tokens hidden (the email itself keeps its working links)."""
    msg = message_from_bytes(row.raw, policy=policy.default)
    body = msg.get_body(preferencelist=("plain",))
    return hide_link_secrets(body.get_content()) if body else ""


def status_counts() -> dict[str, int]:
    """How many outbox messages are in each status."""
    return dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
