"""Who may read a note: checked on every page, download, search result, feed and API answer."""
from sqlalchemy import select

from community.db import db, utcnow
from community.notes.models import Note, Visibility, note_sessions
from community.signups.models import Registration, RegistrationStatus


def _is_member(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_confirmed)


def is_editor(user, note: Note) -> bool:
    """Authors and organisers may see and edit a note in any state."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_organiser or any(a.id == user.id for a in note.authors)


def attended_session_ids(user) -> set[int]:
    """Sessions at which the user held a confirmed seat."""
    if not _is_member(user):
        return set()
    return set(db.session.scalars(select(Registration.session_id).where(
        Registration.user_id == user.id, Registration.status == RegistrationStatus.CONFIRMED)))


def is_published(note: Note, now=None) -> bool:
    """Out of draft and past any embargo."""
    now = now or utcnow()
    return note.visibility != Visibility.DRAFT and (note.embargo_until is None or note.embargo_until <= now)


def can_read(user, note: Note, attended: set[int] | None = None) -> bool:
    """Whether `user` (None or anonymous for visitors) may read `note`."""
    if is_editor(user, note):
        return True
    if not is_published(note):
        return False
    if note.visibility == Visibility.PUBLIC:
        return True
    if not _is_member(user):
        return False
    if note.visibility == Visibility.MEMBERS:
        return True
    attended = attended_session_ids(user) if attended is None else attended
    return any(s.id in attended for s in note.sessions)


def readable(user, notes) -> list[Note]:
    """The notes of `notes` the user may read (one query for their attendance)."""
    attended = attended_session_ids(user)
    return [n for n in notes if can_read(user, n, attended)]


def notes_for_session(session_id: int):
    """A select of the notes linked to a session."""
    return select(Note).join(note_sessions, note_sessions.c.note_id == Note.id).where(
        note_sessions.c.session_id == session_id)
