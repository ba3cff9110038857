"""Members as organisers see them: profiles, roles, the searchable list, consent, counts."""
from sqlalchemy import func, or_, select

from community.accounts.models import Role, User
from community.accounts.roles import require_organiser
from community.accounts.services.registration import PRIVACY_VERSION
from community.core import signals
from community.core.errors import DomainError
from community.db import db


def update_profile(user: User, *, name: str, organisation: str, job_title: str,
                   timezone: str, waitlist_in_calendar: bool = True) -> None:
    """Save the member's profile details."""
    user.waitlist_in_calendar = bool(waitlist_in_calendar)
    user.name = name.strip()
    user.organisation = organisation.strip()
    user.job_title = job_title.strip()
    user.timezone = timezone
    db.session.flush()


def set_role(actor: User | None, user: User, role: str) -> None:
    """Change an account's role; organisers only, and never one's own (to keep an organiser)."""
    require_organiser(actor, "Only organisers can change roles.")
    if role not in set(Role):
        raise DomainError(f"Unknown role {role!r}.")
    if actor.id == user.id and role != Role.ORGANISER:
        raise DomainError("You cannot remove your own organiser role; ask another organiser.")
    before = user.role
    user.role = role
    db.session.flush()
    if before != role:
        signals.role_changed.send(user, actor=actor, before=str(before), after=str(role))


def search_users(query: str = "", role: str | None = None):
    """A select of accounts matching words in name, email, organisation or job title."""
    stmt = select(User).order_by(User.name, User.id)
    for word in query.split():
        like = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(like),
                User.email.like(like),
                func.lower(User.organisation).like(like),
                func.lower(User.job_title).like(like),
            )
        )
    if role in set(Role):
        stmt = stmt.where(User.role == role)
    return stmt


def consent_state(user: User) -> str:
    """Where the member stands with the privacy notice: "current" (agreed to this version),
    "earlier" (agreed to an older one) or "none"."""
    if user.privacy_consent_at is None:
        return "none"
    return "current" if user.privacy_version == PRIVACY_VERSION else "earlier"


def member_counts() -> tuple[int, int]:
    """(accounts, accounts awaiting email confirmation)."""
    total = db.session.scalar(select(func.count(User.id)))
    unconfirmed = db.session.scalar(select(func.count(User.id)).where(User.confirmed_at.is_(None)))
    return total, unconfirmed
