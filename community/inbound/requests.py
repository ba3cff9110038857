"""Sign-up requests by email: a member asks for a session by answering one of our emails or
naming the session (its title or its date) in the subject.

The session is found by the thread first (In-Reply-To/References against the Message-IDs we
sent), then by the subject. One session found: a member our server authenticated gets the seat
(or a waitlist place) and the usual invitation; any other member is emailed, at the address on
file, a signed link to confirm. None or several found: the member is emailed the upcoming
sessions, each with such a link. An address with no account gets the join link, once in
INBOUND_JOIN_REPLY_DAYS and only when its domain was authenticated; never an account.
"""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar
from sqlalchemy import select

from community.accounts import services as accounts
from community.accounts.models import User
from community.core.errors import DomainError
from community.core.timeutil import format_local
from community.core.urls import external_url
from community.db import db, utcnow
from community.inbound import parsing, tokens
from community.inbound.models import InboundMessage, Kind, Outcome
from community.inbound.replies import CONFIRMATION_PAUSE, Result
from community.invites.models import Announcement
from community.mail.models import OutboxMessage
from community.mail.services import send_email
from community.sessions.models import Session, SessionStatus
from community.signups import services as signups
from community.signups.models import RegistrationStatus

SIGNUP = Kind.SIGNUP_REQUEST
#: How a sign-up asked for by email is recorded on the registration.
SOURCE = "email"
#: At most this many sessions are listed in the "which session?" email.
LIST_LIMIT = 10
#: Emails whose answer may mean "undo" as much as "thanks": a sign-up from such a thread is
#: confirmed by link even when the sender was authenticated.
ENDED_KINDS = {"seat_cancelled", "inbound_gave_up_seat", "waitlist_closed"}
#: Words that ask for a place, in the subject or the unquoted start of the body.
ASKS = re.compile(r"\b(sign(?:ing)?[ -]?(?:me |us )?up|signup|book (?:me|us|a)|reserve|register me|"
                  r"(?:a|one) (?:seat|place|spot)|can i (?:join|come|attend)|"
                  r"i'?d like to (?:join|attend|come))\b", re.IGNORECASE)
#: Where the quoted part of an answer starts.
QUOTE_START = re.compile(r"^(>|on .{0,200} wrote:|-{2,} ?original message|from: |sent from )", re.IGNORECASE)
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DATES = [  # (pattern, order of the groups: y, m, d)
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])"), "dmy"),
    (re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?\b",
                re.IGNORECASE), "dmy"),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{{4}}))?", re.IGNORECASE), "mdy"),
]


@dataclass
class Request:
    """What a message asks for, as far as it can be told."""

    #: The open sessions it may be about: one means "this one".
    sessions: list[Session] = field(default_factory=list)
    #: How they were found: "the thread", "the title", "the date", "the title and date" or "".
    how: str = ""
    #: It answers one of our emails.
    answers_us: bool = False
    #: It uses words that ask for a place.
    asks: bool = False
    #: The thread is about a sign-up that ended (cancelled, given up).
    after_an_ending: bool = False

    @property
    def is_request(self) -> bool:
        """Whether the message looks like a sign-up request at all."""
        return bool(self.sessions or self.answers_us or self.asks)


# Reading the request ---------------------------------------------------------------------

def upcoming_sessions(limit: int = 200) -> list[Session]:
    """Published sessions that have not started, soonest first."""
    return list(db.session.scalars(select(Session).where(
        Session.status == SessionStatus.PUBLISHED, Session.starts_at > utcnow())
        .order_by(Session.starts_at, Session.id).limit(limit)))


def _is_open(session: Session | None) -> bool:
    """Whether members can sign up for the session now."""
    return (session is not None and session.status == SessionStatus.PUBLISHED
            and session.starts_at > utcnow())


def session_of(row: OutboxMessage) -> Session | None:
    """The session one of our emails was about: by its announcement, its calendar entry's UID,
    or the one session page it links to (None for an email about no session, or several)."""
    match = re.fullmatch(r"a(\d+):r\d+", row.dedupe_key or "")
    if match:
        announcement = db.session.get(Announcement, int(match.group(1)))
        if announcement is not None:
            return announcement.session
    msg = parsing.parse(row.raw).msg
    calendar = parsing.calendar_data(msg)
    if calendar is not None:
        try:
            uid = str(next(iter(Calendar.from_ical(calendar.ics).walk("VEVENT"))).get("uid") or "")
        except Exception:  # noqa: BLE001 - our own calendar part; unreadable means no session
            uid = ""
        session = db.session.scalar(select(Session).where(Session.ical_uid == uid)) if uid else None
        if session is not None:
            return session
    page = re.compile(re.escape(current_app.config["BASE_URL"].rstrip("/")) + r"/sessions/(\d+)")
    linked = {int(found) for part in msg.walk() if part.get_content_type() == "text/plain"
              for found in page.findall(parsing.decoded(part).decode("utf-8", "replace"))}
    return db.session.get(Session, linked.pop()) if len(linked) == 1 else None


def _from_thread(parsed: parsing.Parsed) -> tuple[bool, list[Session], bool]:
    """(answers one of our emails, the open sessions those emails were about, whether the
    thread is about a sign-up that ended)."""
    if not parsed.in_reply_to:
        return False, [], False
    rows = list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.message_id.in_(parsed.in_reply_to[:50]))))
    sessions: dict[int, Session] = {}
    ended = False
    for row in rows:
        session = session_of(row)
        if _is_open(session):
            sessions[session.id] = session
            ended = ended or row.kind in ENDED_KINDS
    return bool(rows), list(sessions.values()), ended


def dates_in(text: str) -> set[tuple[int | None, int, int]]:
    """The (year or None, month, day) dates written in the text: 2027-01-12, 12/01 (day first),
    12/01/2027, 12 January, 12th Jan 2027, January 12."""
    found = set()
    for pattern, order in _DATES:
        for groups in pattern.findall(text):
            values = dict(zip(order, groups, strict=True))
            month = values["m"]
            month = MONTHS[month.lower()] if month.isalpha() else int(month)
            year = int(values["y"]) if values["y"] else None
            if year is not None and year < 100:
                year += 2000
            try:
                date(year or 2000, month, int(values["d"]))  # 2000 is a leap year: 29/02 stays
            except ValueError:
                continue
            found.add((year, month, int(values["d"])))
    return found


def _on_date(session: Session, dates: set[tuple[int | None, int, int]]) -> bool:
    """Whether the session takes place (in its own zone) on one of the dates."""
    local = session.starts_at.astimezone(ZoneInfo(session.timezone)).date()
    return any((year is None or year == local.year) and (month, day) == (local.month, local.day)
               for year, month, day in dates)


def _from_subject(subject: str) -> tuple[list[Session], str]:
    """The open sessions the subject names by title and/or date, and how."""
    if not subject:
        return [], ""
    upcoming = upcoming_sessions()
    by_title = [s for s in upcoming if s.title.strip() and re.search(
        r"(?<!\w)" + re.escape(s.title.strip()) + r"(?!\w)", subject, re.IGNORECASE)]
    dates = dates_in(subject)
    by_date = [s for s in upcoming if dates and _on_date(s, dates)]
    both = [s for s in by_title if s in by_date]
    if both:
        return both, "the title and date"
    if by_title and by_date:
        return by_title + by_date, ""
    if by_title:
        return by_title, "the title"
    return by_date, "the date" if by_date else ""


def _own_words(msg) -> str:
    """The start of the plain-text body, up to where the quoted message begins."""
    try:
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
    except Exception:  # noqa: BLE001 - an unreadable body counts as empty
        return ""
    lines = []
    for line in text[:4000].splitlines():
        if QUOTE_START.match(line.strip()):
            break
        lines.append(line)
    return "\n".join(lines)


def read(parsed: parsing.Parsed) -> Request:
    """What the message asks for: the thread decides when it leads to one open session, else
    the subject's title or date."""
    answers_us, threaded, ended = _from_thread(parsed)
    asks = bool(ASKS.search(parsed.subject) or ASKS.search(_own_words(parsed.msg)))
    if len(threaded) == 1:
        return Request(threaded, "the thread", answers_us, asks, ended)
    named, how = _from_subject(parsed.subject)
    if threaded and named:
        narrowed = [s for s in named if s in threaded]
        named, how = (narrowed, how) if narrowed else (threaded + named, "")
    sessions = named or threaded
    return Request(sessions, how if len(sessions) == 1 else "", answers_us, asks)


# Acting on it ----------------------------------------------------------------------------

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


# The link in the emails ----------------------------------------------------------------------

def signup_link(token: str):
    """The member and session a sign-up link names; DomainError when it is not valid (any more)."""
    data = tokens.read(token, tokens.SIGNUP_SALT, tokens.SIGNUP_MAX_AGE)
    user = db.session.get(User, data.get("u")) if data else None
    session = db.session.get(Session, data.get("s")) if data else None
    if user is None or session is None:
        raise DomainError("This link is not valid or has expired. Check that you copied all of it, "
                          "or sign up on the session page.")
    if not _is_open(session):
        raise DomainError(f"Sign-up for “{session.title}” is closed.")
    if tokens.cancelled_since_issued(data, signups.registration_for(user, session)):
        raise DomainError("You cancelled this sign-up after the link was sent. Sign up on the "
                          "session page if you changed your mind.")
    return user, session


def confirm_signup(token: str):
    """The member pressed "Yes, sign me up" on the page the emailed link opens."""
    user, session = signup_link(token)
    if not user.is_active:
        raise DomainError("This account is not active.")
    return signups.sign_up(user, session, source=SOURCE)
