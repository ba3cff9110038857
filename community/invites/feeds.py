"""Calendar feeds: what each one holds, and when it last changed (for conditional requests)."""
import string
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.accounts.models import User, new_calendar_token
from community.core.urls import external_url
from community.db import db, utcnow
from community.invites import ical
from community.sessions.models import Session, SessionStatus
from community.sessions.services import visible_to
from community.signups.models import Registration, RegistrationStatus
from community.signups.services import join_link

#: What a feed token is made of (secrets.token_urlsafe: URL-safe base64).
TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _latest(*values) -> datetime:
    """The latest of some optional timestamps."""
    present = [v for v in values if v is not None]
    return max(present) if present else EPOCH


def _shown(session: Session, now: datetime) -> bool:
    """Published sessions always; a cancelled one until its date passes."""
    return session.status == SessionStatus.PUBLISHED or (
        session.status == SessionStatus.CANCELLED and session.ends_at > now)


def public_feed(community_name: str) -> tuple[bytes, datetime]:
    """Every published session (and cancelled ones until their date), and its last change."""
    now = utcnow()
    rows = db.session.scalars(
        select(Session).where(visible_to(None)).order_by(Session.starts_at)).all()
    shown = [s for s in rows if _shown(s, now)]
    # A cancelled session leaving the feed changes it too: its end counts as a change.
    dropped = [s.ends_at for s in rows if not _shown(s, now)]
    changed = _latest(*(s.updated_at for s in shown), *dropped)
    body = ical.feed(community_name, [(s, s.sequence, False) for s in shown])
    return body, changed


def personal_feed(user: User, community_name: str) -> tuple[bytes, datetime]:
    """The sessions a member holds a seat at, with their own SEQUENCE and the join link (which
    an account that has not confirmed its address never gets)."""
    now = utcnow()
    regs = db.session.scalars(
        select(Registration).options(selectinload(Registration.session))
        .where(Registration.user_id == user.id).order_by(Registration.id)).all()
    shown = sorted((r for r in regs if r.status == RegistrationStatus.CONFIRMED
                    and _shown(r.session, now)), key=lambda r: r.session.starts_at)
    changed = _latest(*(r.session.updated_at for r in regs),
                      *(v for r in regs for v in (r.signed_up_at, r.confirmed_at, r.cancelled_at,
                                                  r.waitlisted_at)),
                      *(r.session.ends_at for r in regs if r.session.status == SessionStatus.CANCELLED
                        and r.session.ends_at <= now))
    body = ical.feed(f"{community_name}: my sessions",
                     [(r.session, r.session.sequence + r.personal_sequence, bool(join_link(r)))
                      for r in shown])
    return body, changed


def session_file(session: Session) -> tuple[bytes, datetime]:
    """One session's downloadable .ics."""
    return ical.single(session, sequence=session.sequence, with_link=False), session.updated_at


def user_for_token(token: str) -> User | None:
    """The member whose personal feed this token opens, if any."""
    if not token or len(token) > 64 or not TOKEN_CHARACTERS.issuperset(token):
        return None  # not one we could have made: no need to ask the database
    return db.session.scalar(select(User).where(User.calendar_token == token))


def renew_token(user: User) -> str:
    """Give the member a new feed URL; the old one stops working at once."""
    user.calendar_token = new_calendar_token()
    db.session.flush()
    return user.calendar_token




def add_to_calendar_links(session: Session) -> dict[str, str]:
    """Download, subscribe (webcal://) and Google Calendar links for a session page."""
    page = external_url("sessions.detail", session_id=session.id, slug=session.slug)
    feed = urlsplit(external_url("invites.public_feed"))
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE",
        "text": session.title,
        "dates": f"{session.starts_at:%Y%m%dT%H%M%SZ}/{session.ends_at:%Y%m%dT%H%M%SZ}",
        "details": page,
        "location": session.venue or "Online",
        "ctz": session.timezone,
    })
    return {
        "download": external_url("invites.session_ics", session_id=session.id),
        "subscribe": f"webcal://{feed.netloc}{feed.path}",
        "google": google,
    }


def session_page_values(session: Session, **_ignored) -> dict:
    """The session page's add-to-calendar links (a receiver of `signals.session_page`)."""
    return {"calendar_links": add_to_calendar_links(session)}
