"""Acting on a sign-up request: the seat, or an email asking to confirm or listing sessions."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from community.accounts import services as accounts
from community.core.errors import DomainError
from community.core.timeutil import format_local
from community.core.urls import external_url
from community.db import db, utcnow
from community.inbound import parsing, tokens
from community.inbound.models import InboundMessage, Kind, Outcome
from community.inbound.replies import CONFIRMATION_PAUSE, Result
from community.inbound.requests.matching import Request, read, upcoming_sessions
from community.mail.services import send_email
from community.sessions.models import Session
from community.signups import services as signups
from community.signups.models import RegistrationStatus

SIGNUP = Kind.SIGNUP_REQUEST
#: How a sign-up asked for by email is recorded on the registration.
SOURCE = "email"
#: At most this many sessions are listed in the "which session?" email.
LIST_LIMIT = 10


def handle(parsed: parsing.Parsed, trusted_sender: bool) -> Result | None:
    """Act on a sign-up request (None when the message is not one). `trusted_sender`: our
    server authenticated the From domain. Runs only for mail that is not automatic."""
    request = read(parsed)
    if not request.is_request:
        return None
    sender = parsed.sender
    user = accounts.get_by_email(sender) if sender else None
    if user is None:
        return _stranger(sender, trusted_sender, request)
    if not user.is_confirmed or not user.is_active:
        return Result(SIGNUP, Outcome.RECORDED, f"{sender} has an account that is not confirmed or "
                                                "not active; nothing changed.")
    if len(request.sessions) == 1:
        verified = trusted_sender and sender == user.email and not request.after_an_ending
        result = _one_session(user, request.sessions[0], request.how, verified)
        result.session_id = request.sessions[0].id
        return result
    if request.sessions or request.asks:
        return _list_sessions(user, request.sessions)
    return Result(SIGNUP, Outcome.RECORDED, "Answers one of our emails but names no open session; "
                                            "kept for the organisers.")


def _recently(detail: str, pause: timedelta) -> bool:
    """Whether a message was handled with exactly this detail within `pause`."""
    return db.session.scalar(select(InboundMessage.id).where(
        InboundMessage.detail == detail, InboundMessage.received_at > utcnow() - pause).limit(1)) is not None


def _facts(session: Session, zone: str) -> dict:
    """What the emails show about one session, times in `zone`."""
    return {"session": session,
            "when": format_local(session.starts_at, "%A %-d %B %Y, %H:%M", zone),
            "until": format_local(session.ends_at, "%H:%M", zone),
            "session_url": external_url("sessions.detail", session_id=session.id, slug=session.slug)}


def signup_url(user, session: Session) -> str:
    """The one-click link to the page that confirms this member's sign-up for the session."""
    return external_url("inbound.confirm_signup", token=tokens.signup_token(user, session, utcnow()))


def _one_session(user, session: Session, how: str, verified: bool) -> Result:
    """Sign the member up when verified, else ask them by email; tell them when already in."""
    reg = signups.registration_for(user, session)
    if reg is not None and reg.status != RegistrationStatus.CANCELLED:
        return _already(reg)
    if not verified:
        return _ask_to_confirm(user, session)
    try:
        reg = signups.sign_up(user, session, source=SOURCE)
    except DomainError as exc:
        return Result(SIGNUP, Outcome.IGNORED, f"{user.email} asked for “{session.title}”: {exc.message}")
    place = ("a seat" if reg.status == RegistrationStatus.CONFIRMED
             else f"waitlist position {signups.waitlist_position(reg)}")
    return Result(SIGNUP, Outcome.DONE,
                  f"{user.name} signed up for “{session.title}” by email (found by {how}): {place}.")


def _already(reg) -> Result:
    """The member already has a place: tell them which (once in a while), change nothing."""
    position = signups.waitlist_position(reg)
    place = "a seat" if position is None else f"waitlist position {position}"
    marker = (f"{reg.user.email} already has {place} at “{reg.session.title}” (registration {reg.id}); "
              "told so. Kept for the organisers.")
    if _recently(marker, CONFIRMATION_PAUSE):
        return Result(SIGNUP, Outcome.RECORDED, f"{reg.user.email} already has {place} at "
                                                f"“{reg.session.title}”; told recently. Kept for the "
                                                "organisers.")
    subject = (f"You already have a seat: {reg.session.title}" if position is None
               else f"You are on the waitlist: {reg.session.title}")
    send_email(reg.user.email, subject, "inbound_signup_status",
               {"name": reg.user.name, "position": position, **_facts(reg.session, reg.user.timezone)},
               user=reg.user)
    return Result(SIGNUP, Outcome.RECORDED, marker)


def _ask_to_confirm(user, session: Session) -> Result:
    """Email the member (at the address on file) a link to confirm; change nothing until then."""
    marker = f"Sign-up confirmation emailed to {user.email} for session {session.id}."
    if _recently(marker, CONFIRMATION_PAUSE):
        return Result(SIGNUP, Outcome.IGNORED,
                      f"Not verified; a confirmation link for session {session.id} was sent recently.")
    send_email(user.email, f"Did you mean to sign up? {session.title}", "inbound_confirm_signup",
               {"name": user.name, "confirm_url": signup_url(user, session),
                **_facts(session, user.timezone)}, user=user)
    return Result(SIGNUP, Outcome.AWAITING_CONFIRMATION, marker)


def _list_sessions(user, candidates: list[Session]) -> Result:
    """Email the member the upcoming sessions (those the message may mean, else all), each
    with a one-click sign-up link, or their place where they have one."""
    sessions = candidates[:LIST_LIMIT] or upcoming_sessions(LIST_LIMIT)
    if not sessions:
        return Result(SIGNUP, Outcome.RECORDED, f"{user.email} asked for a session, but none is open; "
                                                "kept for the organisers.")
    marker = f"Upcoming sessions emailed to {user.email}."
    if _recently(marker, CONFIRMATION_PAUSE):
        return Result(SIGNUP, Outcome.IGNORED, f"Not clear which session; the list was sent to "
                                               f"{user.email} recently.")
    entries = []
    for session in sessions:
        reg = signups.registration_for(user, session)
        active = reg is not None and reg.status != RegistrationStatus.CANCELLED
        entries.append({**_facts(session, user.timezone),
                        "place": ("" if not active else "seat" if reg.status == RegistrationStatus.CONFIRMED
                                  else "waitlist"),
                        "signup_url": "" if active else signup_url(user, session)})
    send_email(user.email, "Which session would you like to join?", "inbound_choose_session",
               {"name": user.name, "entries": entries, "home_url": external_url("sessions.home")}, user=user)
    return Result(SIGNUP, Outcome.AWAITING_CONFIRMATION, marker)


def _stranger(sender: str, trusted_sender: bool, request: Request) -> Result:
    """No account: the join link, to a verified sender, once in INBOUND_JOIN_REPLY_DAYS."""
    if not sender:
        return Result(SIGNUP, Outcome.RECORDED, "A request without a sender; kept for the organisers.")
    if not trusted_sender:
        return Result(SIGNUP, Outcome.RECORDED, f"No account for {sender} and the sender could not be "
                                                "verified; not answered. Kept for the organisers.")
    days = current_app.config["INBOUND_JOIN_REPLY_DAYS"]
    marker = f"No account for {sender}: the join link was emailed. Kept for the organisers."
    if _recently(marker, timedelta(days=days)):
        return Result(SIGNUP, Outcome.RECORDED, f"No account for {sender}; the join link was sent in the "
                                                f"last {days} days. Kept for the organisers.")
    session = request.sessions[0] if len(request.sessions) == 1 else None
    send_email(sender, f"Join the {current_app.config['COMMUNITY_NAME']} to sign up", "inbound_join",
               {"register_url": external_url("accounts.register"), "home_url": external_url("sessions.home"),
                **(_facts(session, session.timezone) if session else {})})
    return Result(SIGNUP, Outcome.DONE, marker)
