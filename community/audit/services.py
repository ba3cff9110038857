"""The audit log's rules: recording a change in the caller's transaction, reading the log back
(filtered, in words), the member's part of it, and forgetting entries past their keeping time."""
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.accounts.roles import is_staff
from community.audit.models import AuditEntry
from community.core.timeutil import format_local
from community.db import MAX_ID, db, utcnow
from community.sessions.models import Session
from community.signups.models import Registration

#: Every kind of entry and how the log names it.
KIND_LABELS = {
    "session.published": "Session published",
    "session.moved": "Session moved",
    "session.capacity_changed": "Seats changed",
    "session.edited": "Session edited",
    "session.cancelled": "Session cancelled",
    "user.role_changed": "Role changed",
    "account.deactivated": "Account deactivated",
    "account.reactivated": "Account reactivated",
    "seat.added": "Seat added",
    "seat.removed": "Seat removed",
    "seat.promoted": "Promoted from the waitlist",
    "attendance.marked": "Marked as attended",
    "attendance.unmarked": "Attendance unmarked",
    "message.sent": "Message sent",
    "note.published": "Note published",
    "note.embargoed": "Note embargo changed",
    "note.visibility_changed": "Note readers changed",
    "poll.opened": "Poll opened",
    "poll.closed": "Poll closed",
    "poll.results_published": "Poll results published",
    "poll.results_hidden": "Poll results made private",
}

#: How the before and after values' fields are named on the page and in the CSV.
FIELD_LABELS = {
    "title": "Topic", "description": "Description", "starts_at": "Starts", "ends_at": "Ends",
    "timezone": "Time zone", "capacity": "Seats", "format": "Format", "venue": "Venue",
    "join_url": "Join link", "hosts": "Hosts", "status": "Status", "role": "Role",
    "round": "Round", "visibility": "Readers", "embargo_until": "Embargo until",
    "subject": "Subject", "recipients": "To", "attended": "Attended", "source": "Marked by",
    "results_public": "Results public",
}
#: Fields whose values are instants (stored as ISO text, shown in the viewer's zone).
INSTANT_FIELDS = {"starts_at", "ends_at", "embargo_until", "attended_at"}
#: Longest text kept of one value (a session's description, say).
MAX_VALUE_CHARS = 2000
#: How many sessions the session filter offers (those with the latest entries).
SESSION_CHOICES = 300

_column_limits = {name: AuditEntry.__table__.c[name].type.length
                  for name in ("actor_name", "kind", "target_type", "target_label", "summary")}


def _clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plain(value):
    """A value as the log keeps it in JSON: instants as UTC ISO text, long texts clipped."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return _clip(value, MAX_VALUE_CHARS)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def record(actor: User | None, kind: str, *, session: Session | None = None, target_type: str,
           target_id: int | None, target_label: str, summary: str, before: dict | None = None,
           after: dict | None = None) -> AuditEntry | None:
    """Add an entry for a change an organiser or analyst made, in the caller's transaction (no
    commit: it is kept or rolled back with the change). Changes by anyone else (a member's own
    cancellation, the system's promotions) are not recorded: None."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown audit kind {kind!r}")
    if not is_staff(actor):
        return None
    limits = _column_limits
    entry = AuditEntry(
        at=utcnow(), actor_id=actor.id, actor_name=_clip(actor.name, limits["actor_name"]), kind=kind,
        session_id=session.id if session is not None else None,
        target_type=_clip(target_type, limits["target_type"]), target_id=target_id,
        target_label=_clip(target_label or "", limits["target_label"]),
        summary=_clip(summary, limits["summary"]),
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None)
    db.session.add(entry)
    return entry


# Reading the log ---------------------------------------------------------------------------

def valid_id(value) -> int | None:
    """An id from a filter that a row could have, else None (the filter is then ignored)."""
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


def entries(*, actor_id: int | None = None, session_id: int | None = None, kind: str = ""):
    """A select of the log's entries, newest first, narrowed to one person, session or kind."""
    query = (select(AuditEntry).options(selectinload(AuditEntry.session))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if session_id is not None:
        query = query.where(AuditEntry.session_id == session_id)
    if kind in KIND_LABELS:
        query = query.where(AuditEntry.kind == kind)
    return query


def actors() -> list[tuple[int, str]]:
    """(id, name) of everyone who has entries in the log, by name (the person filter)."""
    rows = db.session.execute(
        select(AuditEntry.actor_id, func.max(AuditEntry.actor_name))
        .where(AuditEntry.actor_id.is_not(None)).group_by(AuditEntry.actor_id))
    return sorted(((i, n) for i, n in rows), key=lambda row: (row[1].lower(), row[0]))


def logged_sessions(limit: int = SESSION_CHOICES) -> list[Session]:
    """The sessions that have entries, latest start first (the session filter)."""
    ids = select(AuditEntry.session_id).where(AuditEntry.session_id.is_not(None)).distinct()
    return list(db.session.scalars(select(Session).where(Session.id.in_(ids))
                                   .order_by(Session.starts_at.desc()).limit(limit)))


def _words(field: str, value, zone) -> str:
    """One value in words: instants in the viewer's zone with the zone's name, lists joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field in INSTANT_FIELDS and isinstance(value, str):
        try:
            return format_local(datetime.fromisoformat(value), zone=zone)
        except ValueError:
            return value
    return str(value)


def changes(entry: AuditEntry, zone=None) -> list[tuple[str, str, str]]:
    """(field, before, after) in words for each value the entry holds, in the order recorded,
    leaving out those that stayed the same; times in `zone` (the viewer's by default)."""
    before, after = entry.before or {}, entry.after or {}
    fields = [f for f in dict.fromkeys([*before, *after])
              if entry.before is None or entry.after is None or before.get(f) != after.get(f)]
    return [(FIELD_LABELS.get(f, f.replace("_", " ").capitalize()),
             _words(f, before.get(f), zone) if entry.before is not None else "—",
             _words(f, after.get(f), zone)) for f in fields]


def kind_label(kind: str) -> str:
    """How the log names a kind (the raw name for one no longer in use)."""
    return KIND_LABELS.get(kind, kind)


# Keeping time ------------------------------------------------------------------------------

def purge(days: int, now: datetime | None = None) -> int:
    """Delete the entries older than `days` days; returns how many went (the caller commits)."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)
                                .execution_options(synchronize_session=False))
    return result.rowcount


# A member's data ---------------------------------------------------------------------------

def export_entries(user: User) -> list[dict]:
    """The changes the member made as an organiser or analyst, for the data export."""
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)
                              .order_by(AuditEntry.at, AuditEntry.id))
    return [{"at": e.at.isoformat(), "kind": e.kind, "target": e.target_label, "summary": e.summary}
            for e in rows]


def erase_entries(user: User) -> None:
    """Before an account is deleted: entries about the member no longer name them. Entries of
    what they did as an organiser keep the name they acted under (the log answers for who
    changed what); the link to the account goes with it (ON DELETE SET NULL)."""
    regs = select(Registration.id).where(Registration.user_id == user.id)
    for entry in db.session.scalars(select(AuditEntry).where(
            ((AuditEntry.target_type == "user") & (AuditEntry.target_id == user.id))
            | ((AuditEntry.target_type == "registration") & AuditEntry.target_id.in_(regs)))):
        entry.target_label = "A deleted account"
    db.session.flush()
