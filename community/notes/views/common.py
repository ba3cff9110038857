"""The notes blueprint and the lookups its pages share."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, url_for

from community.accounts.roles import is_staff
from community.core.web import viewer
from community.extensions import login_manager
from community.notes import access, services
from community.notes.models import Note
from community.sessions import services as sessions

bp = Blueprint("notes", __name__)


def note_or_404(note_id: int) -> Note:
    """The note, with authors, sessions and attachments loaded, or 404."""
    note = services.note_with_details(note_id)
    if note is None:
        abort(404)
    return note


def readable_or_refuse(note: Note) -> None:
    """Drafts and embargoed notes do not exist for readers; others need the right account."""
    user = viewer()
    if access.can_read(user, note):
        return
    if not access.is_published(note):
        abort(404)
    if user is None:
        abort(login_manager.unauthorized())
    abort(403)


def editable_or_refuse(note: Note) -> None:
    """Only authors and organisers reach the writing pages."""
    user = viewer()
    if user is None:
        abort(login_manager.unauthorized())
    if not access.is_editor(user, note):
        abort(403 if access.can_read(user, note) else 404)


def writer_or_refuse() -> None:
    """Only analysts and organisers write notes."""
    user = viewer()
    if user is None:
        abort(login_manager.unauthorized())
    if not is_staff(user):
        abort(403)


def session_options():
    """Sessions the viewer can link a note to: those they may see, from a year ago on, not
    skipped (drafts for organisers only)."""
    return sessions.linkable_sessions(timedelta(days=365), viewer())


def to_utc(local, zone_name: str):
    """A naive local datetime from a form, in the viewer's zone, as aware UTC."""
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(ZoneInfo("UTC")) if local else None


def to_local(instant, zone_name: str):
    """An aware instant as a naive local datetime for a datetime-local input."""
    return instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None) if instant else None


def note_url(note: Note) -> str:
    """The canonical address of a note."""
    return url_for("notes.detail", note_id=note.id, slug=note.slug)


def redirect_to_note(note: Note):
    """Redirect to the note's page."""
    return redirect(note_url(note))
