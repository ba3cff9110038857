"""A member's personal data: the export (GDPR articles 15 and 20) and the erasure (article 17).

Each feature that keeps rows about a member registers, from its own `init_app`, the tables it
answers for, what the export shows of them and what must happen before the account row goes
(giving up seats, anonymising answers). What remains is removed or unlinked by the tables'
ON DELETE rules. A test walks the metadata: every table with a column that points at a user
must be claimed here.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from community.accounts.models import Role, User
from community.core.errors import DomainError
from community.db import db, utcnow
from community.mail.services import erase_messages, last_messages_to, messages_for


@dataclass(frozen=True)
class PersonalData:
    """One feature's part of a member's data."""

    #: The key of this part in the export.
    key: str
    #: Tables with a column pointing at users that this part answers for.
    tables: tuple[str, ...]
    #: `(user) -> JSON-ready data` for the export.
    export: Callable[[User], object]
    #: `(user) -> None` run before the account is deleted; None when ON DELETE rules suffice.
    erase: Callable[[User], None] | None = None


_parts: dict[str, PersonalData] = {}


def register(key: str, *, tables: tuple[str, ...], export: Callable[[User], object],
             erase: Callable[[User], None] | None = None) -> None:
    """Add (or replace, when the app is created again) a feature's part of the member's data."""
    _parts[key] = PersonalData(key, tuple(tables), export, erase)


def parts() -> list[PersonalData]:
    """Every registered part, in registration order."""
    return list(_parts.values())


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text for an optional timestamp."""
    return value.isoformat() if value else None


def export_account(user: User) -> dict:
    """The account's own fields."""
    return {
        "email": user.email, "name": user.name, "organisation": user.organisation,
        "job_title": user.job_title, "role": user.role, "timezone": user.timezone,
        "waitlist_in_calendar": user.waitlist_in_calendar, "created_at": iso(user.created_at),
        "confirmed_at": iso(user.confirmed_at), "last_login_at": iso(user.last_login_at),
        "privacy_consent_at": iso(user.privacy_consent_at), "privacy_version": user.privacy_version,
        "pending_email": user.pending_email, "email_bouncing_since": iso(user.email_bouncing_since),
        "email_bounce_reason": user.email_bounce_reason,
    }


def _proven_address(user: User) -> str | None:
    """The member's address when they proved it is theirs: only then are the emails sent to it
    before or beside the account (a held-seat invitation) part of their data."""
    return user.email if user.is_confirmed else None


def export_emails(user: User) -> list[dict]:
    """Every email written to the member: linked to the account or sent to its proven address."""
    return [{"subject": m.subject, "kind": m.kind, "status": m.status,
             "written_at": iso(m.created_at), "sent_at": iso(m.sent_at)}
            for m in messages_for(user.id, _proven_address(user))]


def erase_emails(user: User) -> None:
    """Before an account is deleted: erase the emails the export shows (the last messages
    written during the deletion stay until they are delivered)."""
    erase_messages(user.id, _proven_address(user))


def export_data(user: User) -> dict:
    """Everything the platform holds about a member, as JSON-ready data."""
    data = {"account": export_account(user)}
    for part in _parts.values():
        data[part.key] = part.export(user)
    data["exported_at"] = iso(utcnow())
    return data


def delete_account(user: User, password: str) -> None:
    """Erase a member's account and personal data after checking their password."""
    if not check_password_hash(user.password_hash, password):
        raise DomainError("That is not your password.", "password")
    if user.is_organiser:
        others = db.session.scalar(
            select(func.count(User.id)).where(User.role == Role.ORGANISER, User.id != user.id))
        if not others:
            raise DomainError("You are the only organiser. Make someone else an organiser first.")
    # What the parts write to the member now (the CANCEL of each seat given up) is kept, without
    # the account link the deletion cascades along, until it is delivered.
    with last_messages_to(user.email):
        for part in _parts.values():
            if part.erase is not None:
                part.erase(user)
    db.session.delete(user)
    db.session.flush()
