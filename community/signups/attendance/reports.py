"""Importing a meeting tool's participant list (Teams, Zoom) to mark who attended."""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.db import db
from community.sessions.models import Session
from community.signups.attendance.marking import _set
from community.signups.attendance.rules import require_check_in
from community.signups.models import Registration
from community.signups.participants import ParticipantList, read_participants
from community.signups.services import CANCELLED, WAITLISTED


@dataclass
class Matched:
    """A place found in the participant list."""

    registration: Registration
    rows: int
    #: Whether this import marked it (False: it was marked already).
    marked: bool
    was_waitlisted: bool


@dataclass
class Unmatched:
    """A person in the participant list without a place at the session."""

    name: str
    email: str
    rows: int
    reason: str


@dataclass
class ImportResult:
    """What an import found and did."""

    participants: ParticipantList
    matched: list[Matched] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Rows that repeated a person already counted (a rejoin, a second device)."""
        return (sum(m.rows - 1 for m in self.matched)
                + sum(u.rows - 1 for u in self.unmatched if u.email))

    @property
    def newly_marked(self) -> int:
        """Places this import marked attended."""
        return sum(1 for m in self.matched if m.marked)


def import_participants(actor: User | None, session: Session, data: bytes) -> ImportResult:
    """Mark attended every confirmed or waitlisted place whose address is in the participant
    list (case ignored; a person on several rows counts once) and list the rows that match no
    place. A malformed or unrecognised file raises DomainError and marks nobody."""
    require_check_in(actor, session)
    participants = read_participants(data)
    result = ImportResult(participants)
    by_email: dict[str, list] = {}
    nameless = []
    for row in participants.rows:
        if row.email:
            by_email.setdefault(row.email, []).append(row)
        else:
            nameless.append(row)
    places = {}
    for reg in db.session.scalars(select(Registration).options(selectinload(Registration.user))
                                  .where(Registration.session_id == session.id)):
        places[reg.email.lower()] = reg
    for email, rows in sorted(by_email.items()):
        name = next((r.name for r in rows if r.name), email)
        reg = places.get(email)
        in_meeting = [r for r in rows if not r.waiting_room]
        if reg is None or reg.status == CANCELLED:
            reason = "No place at this session" if reg is None else "Cancelled their place"
            result.unmatched.append(Unmatched(name, email, len(rows), reason))
        elif not in_meeting:
            result.unmatched.append(Unmatched(name, email, len(rows), "Only in the waiting room"))
        else:
            was_waitlisted = reg.status == WAITLISTED
            marked = _set(actor, reg, True, participants.tool)
            result.matched.append(Matched(reg, len(rows), marked, was_waitlisted))
    for row in nameless:
        result.unmatched.append(Unmatched(row.name or f"Line {row.line}", "", 1,
                                          "No email address in the file"))
    result.matched.sort(key=lambda m: (m.registration.display_name.lower(), m.registration.id))
    return result
