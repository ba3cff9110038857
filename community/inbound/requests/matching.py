"""Reading a sign-up request: the session asked for, found by the thread or the subject."""
import re
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar
from sqlalchemy import select

from community.db import db, utcnow
from community.inbound import parsing
from community.invites.models import Announcement
from community.mail.models import OutboxMessage
from community.sessions.models import Session, SessionStatus

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
