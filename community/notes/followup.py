"""After a session: the follow-up email with the summary, the notes and the closed polls' results.

Each recipient gets only what they may see: the notes they may read and the results the
polls' own rule shows them (a poll whose results are for the organisers and hosts stays out
of an attendee's copy). The organiser's preview shows an attendee's copy.
"""
from community.accounts.models import Role, User
from community.accounts.roles import require_organiser
from community.core.errors import DomainError
from community.core.urls import external_url
from community.db import utcnow
from community.invites import services as invites
from community.invites.models import Announcement, AnnouncementKind
from community.notes import access
from community.notes.models import NoteKind
from community.notes.services import session_notes
from community.polls import services as polls
from community.sessions.models import Session, SessionStatus


def _content(session: Session, reader: User | None, seated: set[int] | None = None) -> dict:
    """What one recipient's follow-up shows: the notes they may read and the closed polls whose
    results they may see (`withheld`: the closed polls whose results they may not see).
    `seated`: the ids of the sessions at which the reader holds a seat, when already known."""
    notes = [n for n in session_notes(reader, session, seated) if access.is_published(n)]
    summary = next((n for n in notes if n.kind == NoteKind.SUMMARY), None)
    closed = [p for p in polls.session_polls(session, drafts=False) if p.is_closed]
    results = polls.visible_results(reader, session, closed) if closed else {}
    return {
        "summary": summary,
        "notes": [(n, external_url("notes.detail", note_id=n.id, slug=n.slug)) for n in notes],
        "polls": [(p, results[p.id]) for p in closed if p.id in results],
        "withheld": [p for p in closed if p.id not in results],
        "chatham_house": any(n.chatham_house for n in notes),
    }


def _an_attendee() -> User:
    """A confirmed member holding a seat who neither hosts nor organises: whom the preview
    and the "anything to send?" check speak for. Never added to the database."""
    return User(name="An attendee", role=Role.MEMBER, confirmed_at=utcnow())


def _attendee_content(session: Session) -> dict:
    """What an ordinary attendee of the session gets."""
    return _content(session, _an_attendee(), seated={session.id})


def write(ann: Announcement, reg) -> tuple[str, str, dict]:
    """One attendee's follow-up message (the writer of FOLLOW_UP announcements, registered
    with invites by `community.notes.init_app`)."""
    return f"Follow-up: {reg.session.title}", "follow_up", _content(reg.session, reg.user)


def preview(session: Session, organiser: User) -> dict:
    """What the follow-up will contain as an attendee gets it, for the organiser."""
    require_organiser(organiser, "Only organisers send the follow-up.")
    return _attendee_content(session)


def send(actor: User, session: Session) -> Announcement:
    """Send the follow-up to everyone who held a seat, through the outbox."""
    require_organiser(actor, "Only organisers send the follow-up.")
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError("Only a session that took place gets a follow-up.")
    content = _attendee_content(session)
    if not content["notes"] and not content["polls"]:
        raise DomainError("There is nothing to send yet: publish a summary or close a poll first.")
    return invites.announce(session, AnnouncementKind.FOLLOW_UP, {}, actor)
