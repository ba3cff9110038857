"""The notes blueprint and the lookups its pages share."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.accounts.models import Role, User
from community.db import db, utcnow
from community.extensions import login_manager
from community.notes import access
from community.notes.models import Note
from community.sessions.models import Session, SessionStatus

bp = Blueprint("notes", __name__)


def note_or_404(note_id: int) -> Note:
    """The note, with authors, sessions and attachments loaded, or 404."""
    note = db.session.scalar(select(Note).options(
        selectinload(Note.authors), selectinload(Note.sessions), selectinload(Note.attachments))
        .where(Note.id == note_id))
    if note is None:
        abort(404)
    return note


def readable_or_refuse(note: Note) -> None:
    """Drafts and embargoed notes do not exist for readers; others need the right account."""
    if access.can_read(current_user, note):
        return
    if not access.is_published(note):
        abort(404)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


def editable_or_refuse(note: Note) -> None:
    """Only authors and organisers reach the writing pages."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not access.is_editor(current_user, note):
        abort(403 if access.can_read(current_user, note) else 404)


def writer_or_refuse() -> None:
    """Only analysts and organisers write notes."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.is_analyst:
        abort(403)


def session_options():
    """Sessions a note can be linked to: from a year ago on, not skipped."""
    return db.session.scalars(select(Session).where(
        Session.starts_at > utcnow() - timedelta(days=365),
        Session.status.in_([SessionStatus.DRAFT, SessionStatus.PUBLISHED, SessionStatus.CANCELLED]))
        .order_by(Session.starts_at.desc())).all()


def author_options():
    """Analysts and organisers."""
    return db.session.scalars(select(User).where(User.role.in_([Role.ANALYST, Role.ORGANISER]))
                              .order_by(User.name)).all()


def to_utc(local, zone_name: str):
    """A naive local datetime from a form, in the viewer's zone, as aware UTC."""
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(ZoneInfo("UTC")) if local else None


def to_local(instant, zone_name: str):
    """An aware instant as a naive local datetime for a datetime-local input."""
    return instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None) if instant else None


def note_url(note: Note) -> str:
    """The canonical address of a note."""
    return url_for("notes.detail", note_id=note.id, slug=note.slug)


def back_to(note: Note):
    return redirect(note_url(note))
