"""Note rules: writing with revisions, restoring, diffs, attachments, opens and follow-ups."""
import difflib
from dataclasses import dataclass
from datetime import UTC, datetime

from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.accounts.roles import is_organiser, is_staff
from community.core import signals
from community.core.errors import DomainError, NotAllowed
from community.db import db, utcnow
from community.notes import access, files
from community.notes.models import (
    Attachment,
    Note,
    NoteKind,
    NoteOpen,
    NoteRevision,
    Visibility,
)
from community.sessions.models import Session
from community.sessions.services import is_visible
from community.signups.services import seated_user_ids

CONTENT_FIELDS = ("title", "summary", "body")


def _require_writer(actor: User | None) -> None:
    """Analysts and organisers write notes."""
    if not is_staff(actor):
        raise NotAllowed("Only analysts and organisers can write briefing notes.")


def _require_editor(actor: User, note: Note) -> None:
    """Only a note's authors and organisers change it."""
    _require_writer(actor)
    if not access.is_editor(actor, note):
        raise NotAllowed("Only the note's authors and organisers can change it.")


def may_change_authors(actor: User | None, note: Note | None) -> bool:
    """Organisers, and the writer who created the note, decide who its authors are (anyone
    who may write decides it for a new note); co-authors do not."""
    if note is None:
        return is_staff(actor)
    return is_organiser(actor) or (actor is not None and note.created_by_id == actor.id
                                   and access.is_editor(actor, note))


def _authors_change(actor: User, note: Note, authors) -> list[User] | None:
    """The note's new authors (analysts and organisers only), or None when they stay as they
    are (also for an empty choice); NotAllowed, with nothing changed, for anyone but organisers
    and the note's creator."""
    wanted = {u.id: u for u in authors if u.is_analyst}
    if not wanted or set(wanted) == {a.id for a in note.authors if a.is_analyst}:
        return None  # a note always keeps its authors rather than none
    if not may_change_authors(actor, note):
        raise NotAllowed("Only organisers and the note's creator can change its authors.", "authors")
    return list(wanted.values())


def _check(fields: dict) -> None:
    """Values a form could not check alone."""
    if fields.get("kind", NoteKind.PRE_READ) not in set(NoteKind):
        raise DomainError("Choose a pre-read or a summary.", "kind")
    if fields.get("visibility", Visibility.DRAFT) not in set(Visibility):
        raise DomainError("Choose who may read the note.", "visibility")
    if fields.get("visibility") == Visibility.ATTENDEES and not fields.get("sessions"):
        raise DomainError("A note for attendees must be linked to at least one session.", "sessions")


def _links(actor: User, chosen, note: Note | None = None) -> list[Session]:
    """The sessions a note is to be linked to: those the writer chose, each one they may see,
    and the note's links to sessions the writer may not see, kept as they are."""
    chosen = list(chosen)
    if any(not is_visible(s, actor) for s in chosen):
        raise DomainError("Choose the linked sessions from the list.", "sessions")
    kept = [s for s in (note.sessions if note else []) if not is_visible(s, actor)]
    return list({s.id: s for s in [*chosen, *kept]}.values())


def linked_sessions(note: Note, viewer: User | None) -> list[Session]:
    """The note's linked sessions that the viewer may see (what a page or answer may name)."""
    return [s for s in note.sessions if is_visible(s, viewer)]


def _readers(note: Note) -> dict:
    """Who may read the note and from when, as `signals.note_visibility_changed` reports it."""
    embargo = note.embargo_until
    return {"visibility": str(note.visibility),
            "embargo_until": embargo.astimezone(UTC).isoformat() if embargo else None}


def _revise(note: Note, actor: User, message: str) -> NoteRevision:
    """Keep the note's current content as a new revision."""
    number = (db.session.scalar(select(func.max(NoteRevision.number))
                                .where(NoteRevision.note_id == note.id)) or 0) + 1
    revision = NoteRevision(note_id=note.id, number=number, title=note.title, summary=note.summary,
                            body=note.body, saved_by_id=actor.id, message=message[:200])
    db.session.add(revision)
    db.session.flush()
    return revision


def create(actor: User, *, title: str, summary: str = "", body: str = "", kind: str = NoteKind.PRE_READ,
           visibility: str = Visibility.DRAFT, embargo_until: datetime | None = None,
           chatham_house: bool = False, sessions: list[Session] = (), authors: list[User] = (),
           message: str = "First version") -> Note:
    """Write a new note; the writer is always one of its authors."""
    _require_writer(actor)
    sessions = _links(actor, sessions)
    _check({"kind": kind, "visibility": visibility, "sessions": sessions})
    people = {u.id: u for u in [actor, *authors] if u.is_analyst}
    note = Note(title=title.strip(), slug=slugify(title)[:200] or "note", summary=summary.strip(),
                body=body, kind=kind, visibility=visibility, embargo_until=embargo_until,
                chatham_house=chatham_house, sessions=list(sessions), authors=list(people.values()),
                created_by_id=actor.id)
    db.session.add(note)
    db.session.flush()
    _revise(note, actor, message)
    if note.visibility != Visibility.DRAFT:
        signals.note_visibility_changed.send(note, actor=actor, before=None, after=_readers(note))
    return note


def update(actor: User, note: Note, *, message: str = "", **fields) -> NoteRevision:
    """Save changes; every save keeps a revision (who, when, what)."""
    _require_editor(actor, note)
    if "sessions" in fields:
        fields["sessions"] = _links(actor, fields["sessions"], note)
    merged = {"kind": note.kind, "visibility": note.visibility, "sessions": note.sessions, **fields}
    _check(merged)
    authors = fields.pop("authors", None)
    new_authors = _authors_change(actor, note, authors) if authors is not None else None
    content_changed = any(f in fields and fields[f] != getattr(note, f) for f in CONTENT_FIELDS)
    readers_before = _readers(note)
    for name, value in fields.items():
        setattr(note, name, value.strip() if isinstance(value, str) and name != "body" else value)
    if new_authors is not None:
        note.authors = new_authors
    note.slug = slugify(note.title)[:200] or "note"
    note.updated_at = utcnow()
    db.session.flush()
    revision = _revise(note, actor, message or ("Edited" if content_changed else "Changed settings"))
    if _readers(note) != readers_before:
        signals.note_visibility_changed.send(note, actor=actor, before=readers_before,
                                             after=_readers(note))
    return revision


def revisions(note: Note) -> list[NoteRevision]:
    """A note's revisions, newest first."""
    return list(db.session.scalars(
        select(NoteRevision).options(selectinload(NoteRevision.saved_by))
        .where(NoteRevision.note_id == note.id).order_by(NoteRevision.number.desc())))


def revision(note: Note, number: int) -> NoteRevision:
    """One revision of this note; DomainError if it belongs to another note or does not exist."""
    row = db.session.scalar(select(NoteRevision).where(
        NoteRevision.note_id == note.id, NoteRevision.number == number))
    if row is None:
        raise DomainError(f"This note has no revision {number}.")
    return row


def restore(actor: User, note: Note, number: int) -> NoteRevision:
    """Bring back an old revision's content, as a new revision (history is never rewritten)."""
    _require_editor(actor, note)
    old = revision(note, number)
    note.title, note.summary, note.body = old.title, old.summary, old.body
    note.slug = slugify(note.title)[:200] or "note"
    note.updated_at = utcnow()
    db.session.flush()
    return _revise(note, actor, f"Restored revision {number}")


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ' ' kept, '-' removed, '+' added."""

    op: str
    text: str


def diff(note: Note, old_number: int, new_number: int) -> dict[str, list[DiffLine]]:
    """Line diffs of title, summary and body between two revisions of the same note."""
    old, new = revision(note, old_number), revision(note, new_number)
    out = {}
    for field in CONTENT_FIELDS:
        a, b = getattr(old, field).splitlines(), getattr(new, field).splitlines()
        lines = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                lines += [DiffLine(" ", t) for t in a[i1:i2]]
            else:
                lines += [DiffLine("-", t) for t in a[i1:i2]] + [DiffLine("+", t) for t in b[j1:j2]]
        out[field] = lines
    return out


def attach(actor: User, note: Note, filename: str, data: bytes) -> Attachment:
    """Store an uploaded file after checking its content, size and name."""
    _require_editor(actor, note)
    clean, content_type = files.detect(filename, data)
    stored = files.store(data, clean.rsplit(".", 1)[-1].lower())
    row = Attachment(note=note, filename=clean, stored_name=stored, content_type=content_type,
                     size=len(data), uploaded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row


def remove_attachment(actor: User, attachment: Attachment) -> None:
    """Delete an attachment's row; the caller removes the file (files.discard) after committing."""
    _require_editor(actor, attachment.note)
    db.session.delete(attachment)
    db.session.flush()


def record_open(user, note: Note) -> None:
    """Count a reader's first opening of a note (authors and organisers are not counted)."""
    if user is None or access.is_editor(user, note):
        return
    exists = db.session.scalar(select(NoteOpen.id).where(NoteOpen.note_id == note.id,
                                                         NoteOpen.user_id == user.id))
    if exists is None:
        db.session.add(NoteOpen(note_id=note.id, user_id=user.id))
        db.session.flush()


def open_count(note: Note, attendees_only: bool = True) -> int:
    """How many readers (attendees of a linked session, by default) opened the note."""
    stmt = select(func.count(func.distinct(NoteOpen.user_id))).where(NoteOpen.note_id == note.id)
    if attendees_only:
        stmt = stmt.where(NoteOpen.user_id.in_(seated_user_ids(s.id for s in note.sessions)))
    return db.session.scalar(stmt) or 0


def library(user, kind: str | None = None) -> list[Note]:
    """Published notes the user may read, newest first."""
    stmt = (select(Note).options(selectinload(Note.authors), selectinload(Note.sessions))
            .where(Note.visibility != Visibility.DRAFT).order_by(Note.updated_at.desc()))
    if kind in set(NoteKind):
        stmt = stmt.where(Note.kind == kind)
    notes = db.session.scalars(stmt).all()
    return [n for n in access.readable(user, notes) if access.is_published(n)]


def drafts_of(user) -> list[Note]:
    """Notes the user writes (all states), newest first."""
    return list(db.session.scalars(
        select(Note).options(selectinload(Note.sessions))
        .where(Note.authors.any(User.id == user.id)).order_by(Note.updated_at.desc())))


def all_notes(visibility: str = ""):
    """A select of every note (or those of one visibility) for the organisers' panel, newest first."""
    stmt = (select(Note).options(selectinload(Note.authors), selectinload(Note.sessions))
            .order_by(Note.updated_at.desc()))
    if visibility in set(Visibility):
        stmt = stmt.where(Note.visibility == visibility)
    return stmt


def session_notes(user, session: Session, seated: set[int] | None = None) -> list[Note]:
    """The notes linked to a session that the viewer may read: published ones, and drafts
    for their editors (`seated`: the ids of the sessions at which the viewer holds a seat,
    when the caller knows them)."""
    notes = db.session.scalars(access.linked_to_session(session.id).options(
        selectinload(Note.authors), selectinload(Note.sessions)).order_by(Note.kind)).all()
    return [n for n in access.readable(user, notes, seated)
            if access.is_published(n) or access.is_editor(user, n)]


def session_page_values(session: Session, viewer=None, **_ignored) -> dict:
    """The session page's briefing notes (a receiver of `signals.session_page`)."""
    return {"notes": session_notes(viewer, session)}


def export_notes(user: User) -> dict:
    """The notes the member writes, created and opened, for the data export (authorship and
    openings go with the account; notes, revisions and attachments stay, unlinked from it)."""
    authored = db.session.scalars(select(Note).where(Note.authors.any(User.id == user.id))
                                  .order_by(Note.id))
    created = db.session.scalars(select(Note).where(Note.created_by_id == user.id).order_by(Note.id))
    opened = db.session.scalars(select(Note).join(NoteOpen, NoteOpen.note_id == Note.id)
                                .where(NoteOpen.user_id == user.id).order_by(Note.id))
    return {"authored": [n.title for n in authored], "created": [n.title for n in created],
            "opened": [n.title for n in opened]}


def note_with_details(note_id: int) -> Note | None:
    """The note with its authors, sessions and attachments loaded, or None."""
    return db.session.scalar(select(Note).options(
        selectinload(Note.authors), selectinload(Note.sessions), selectinload(Note.attachments))
        .where(Note.id == note_id))
