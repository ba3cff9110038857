"""Who may do what by role: the one home of "organisers only" and of the staff list."""
from sqlalchemy import select

from community.accounts.models import Role, User
from community.core.errors import NotAllowed
from community.db import db

#: Roles whose holders host sessions and write briefing notes.
STAFF_ROLES = (Role.ANALYST, Role.ORGANISER)


def is_organiser(user: User | None) -> bool:
    """Whether the user (None for a visitor) runs the community."""
    return user is not None and user.role == Role.ORGANISER


def require_organiser(actor: User | None, message: str = "Only organisers can do this.") -> None:
    """Refuse anyone but an organiser."""
    if not is_organiser(actor):
        raise NotAllowed(message)


def is_staff(user: User | None) -> bool:
    """Whether the user is an analyst or an organiser."""
    return user is not None and user.role in STAFF_ROLES


def is_member(user: User | None) -> bool:
    """Whether the user has an account whose email address is confirmed."""
    return user is not None and user.is_confirmed


def staff() -> list[User]:
    """Analysts and organisers, by name: who can host a session or write a note."""
    return list(db.session.scalars(select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.name)))
