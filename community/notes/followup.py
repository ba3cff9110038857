"""After a session: the follow-up email with the summary, the notes and the closed polls' results."""
from community.accounts.models import User
from community.accounts.roles import require_organiser
from community.core.errors import DomainError
from community.core.urls import external_url
from community.invites import services as invites
from community.invites.models import Announcement, AnnouncementKind
from community.notes import access
from community.notes.models import NoteKind
from community.notes.services import session_notes
from community.polls import services as polls
from community.sessions.models import Session, SessionStatus


def _content(session: Session, reader) -> dict:
    """What one attendee's follow-up shows: notes they may read and the closed polls' results."""
    notes = [n for n in session_notes(reader, session) if access.is_published(n)]
    summary = next((n for n in notes if n.kind == NoteKind.SUMMARY), None)
    closed = [p for p in polls.session_polls(session, drafts=False) if p.is_closed]
    results = polls.results_for(closed) if closed else {}
    return {
        "summary": summary,
        "notes": [(n, external_url("notes.detail", note_id=n.id, slug=n.slug)) for n in notes],
        "polls": [(p, results[p.id]) for p in closed],
        "chatham_house": any(n.chatham_house for n in notes),
    }


def write(ann: Announcement, reg) -> tuple[str, str, dict]:
    """One attendee's follow-up message (the writer of FOLLOW_UP announcements, registered
    with invites by `community.notes.init_app`)."""
    return f"Follow-up: {reg.session.title}", "follow_up", _content(reg.session, reg.user)


def preview(session: Session, organiser: User) -> dict:
    """What the follow-up will contain (as an attendee would see it), for the organiser."""
    return _content(session, organiser)


def send(actor: User, session: Session) -> Announcement:
    """Send the follow-up to everyone who held a seat, through the outbox."""
    require_organiser(actor, "Only organisers send the follow-up.")
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError("Only a session that took place gets a follow-up.")
    content = _content(session, actor)
    if not content["notes"] and not content["polls"]:
        raise DomainError("There is nothing to send yet: publish a summary or close a poll first.")
    return invites.announce(session, AnnouncementKind.FOLLOW_UP, {}, actor)
