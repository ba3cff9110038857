"""Who may read a note: checked on every page, download, search result, feed and API answer."""
from sqlalchemy import func, or_, select

from community.accounts.models import User
from community.accounts.roles import is_member, is_organiser, is_staff
from community.db import db, utcnow
from community.notes.models import Note, Visibility, note_sessions
from community.signups.services import seated_session_ids


def is_author(user: User | None, note: Note) -> bool:
    """Whether the user is one of the note's authors."""
    return user is not None and any(a.id == user.id for a in note.authors)


def is_editor(user: User | None, note: Note) -> bool:
    """Organisers, and the note's authors while they are analysts, may see and edit a note in
    any state: authorship grants nothing once the role is gone (a demoted analyst reads the
    note as any member would)."""
    return is_organiser(user) or (is_staff(user) and is_author(user, note))


def is_published(note: Note, now=None) -> bool:
    """Out of draft and past any embargo."""
    now = now or utcnow()
    return note.visibility != Visibility.DRAFT and (note.embargo_until is None or note.embargo_until <= now)


def next_embargo_end(now=None):
    """When the next embargoed note comes out (pages show it then, with no write)."""
    now = now or utcnow()
    return db.session.scalar(select(func.min(Note.embargo_until)).where(
        Note.visibility != Visibility.DRAFT, Note.embargo_until > now))


def can_read(user: User | None, note: Note, seated: set[int] | None = None) -> bool:
    """Whether `user` (None for a visitor) may read `note`; `seated` are the ids of the
    sessions at which the user holds a seat, when the caller already has them."""
    if is_editor(user, note):
        return True
    if not is_published(note):
        return False
    if note.visibility == Visibility.PUBLIC:
        return True
    if not is_member(user):
        return False
    if note.visibility == Visibility.MEMBERS:
        return True
    seated = seated_session_ids(user) if seated is None else seated
    return any(s.id in seated for s in note.sessions)


def readable_by_visitors(now=None):
    """`can_read(None, note)` as a SQL condition on notes, for lists that page through what a
    visitor may read: public, out of draft and past any embargo (callers still ask `can_read`)."""
    now = now or utcnow()
    return (Note.visibility == Visibility.PUBLIC) & or_(Note.embargo_until.is_(None),
                                                        Note.embargo_until <= now)


def readable(user: User | None, notes, seated: set[int] | None = None) -> list[Note]:
    """The notes of `notes` the user may read (one query for their seats, unless `seated`
    already names the sessions at which they hold one)."""
    seated = seated_session_ids(user) if seated is None else seated
    return [n for n in notes if can_read(user, n, seated)]


def linked_to_session(session_id: int):
    """A select of the notes linked to a session."""
    return select(Note).join(note_sessions, note_sessions.c.note_id == Note.id).where(
        note_sessions.c.session_id == session_id)
