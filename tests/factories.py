"""Factories for test rows: short, explicit, flushed but not committed."""
import itertools

from community.accounts import services as accounts
from community.accounts.models import Role

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(*, email: str | None = None, name: str | None = None, role: str = Role.MEMBER,
              confirmed: bool = True, password: str = PASSWORD, **kwargs):
    """A member account (confirmed unless told otherwise)."""
    n = next(_seq)
    return accounts.create_user(
        email=email or f"member{n}@example.com",
        name=name or f"Member {n}",
        password=password,
        role=role,
        organisation=kwargs.pop("organisation", "Example plc"),
        job_title=kwargs.pop("job_title", "CIO"),
        confirmed=confirmed,
        consent=True,
        **kwargs,
    )


def make_email(user, subject: str = "Hello", confirm_url: str = "http://127.0.0.1:5000/x"):
    """A confirmation-style message to `user`, put in the outbox in the current transaction."""
    from community.mail import services as mail

    return mail.send_email(user.email, subject, "confirm_email",
                           {"user": user, "confirm_url": confirm_url}, user=user)


def make_series(**kwargs):
    """A biweekly series, Thursdays 14:00 Europe/London from next week."""
    from datetime import time, timedelta

    from community.db import db, utcnow
    from community.sessions.models import Series

    start = kwargs.pop("start_date", (utcnow() + timedelta(days=7)).date())
    series = Series(title=kwargs.pop("title", "European Digital Leadership Community"),
                    slug=kwargs.pop("slug", "european-digital-leadership-community"),
                    description=kwargs.pop("description", ""), start_date=start,
                    weekday=start.weekday(), local_time=kwargs.pop("local_time", time(14, 0)),
                    timezone=kwargs.pop("timezone", "Europe/London"),
                    interval_weeks=kwargs.pop("interval_weeks", 2),
                    duration_minutes=kwargs.pop("duration_minutes", 60),
                    capacity=kwargs.pop("capacity", 30), **kwargs)
    db.session.add(series)
    db.session.flush()
    return series


def make_session(**kwargs):
    """A published online session a week from now (any field can be given)."""
    from datetime import timedelta

    from community.db import db, utcnow
    from community.sessions.models import Session, SessionStatus

    starts = kwargs.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=7))
    title = kwargs.pop("title", "Is good enough, enough?")
    session = Session(title=title, slug=kwargs.pop("slug", "is-good-enough-enough"),
                      description=kwargs.pop("description", "A roundtable."),
                      starts_at=starts, ends_at=kwargs.pop("ends_at", starts + timedelta(hours=1)),
                      timezone=kwargs.pop("timezone", "Europe/London"),
                      capacity=kwargs.pop("capacity", 10),
                      status=kwargs.pop("status", SessionStatus.PUBLISHED),
                      join_url=kwargs.pop("join_url", "https://meet.example.com/roundtable"),
                      **kwargs)
    db.session.add(session)
    db.session.flush()
    return session


def make_poll(session=None, *, question: str = "Is good enough, enough?", kind: str = "single",
              options: list[str] | None = None, status: str = "open", **kwargs):
    """A poll on a session (a new published one unless given), open unless told otherwise."""
    from community.db import db, utcnow
    from community.polls.models import DEFAULT_SCALE_LABELS, Poll, PollOption

    session = session or make_session()
    if options is None:
        options = list(DEFAULT_SCALE_LABELS) if kind == "scale" else ["Yes", "No", "It depends"]
    poll = Poll(session=session, question=question, kind=kind, status=status,
                position=kwargs.pop("position", 1),
                opened_at=utcnow() if status != "draft" else None,
                options=[PollOption(position=i, label=label) for i, label in enumerate(options, 1)],
                **kwargs)
    db.session.add(poll)
    db.session.flush()
    return poll


def option_ids(poll, *labels: str) -> list[int]:
    """The ids of a poll's options with these labels."""
    by_label = {o.label: o.id for o in poll.options}
    return [by_label[label] for label in labels]


def make_note(*, author=None, title: str = "Data maturity and the cost of perfect customer data",
              body: str = "## Why it matters\n\nGood enough data ships sooner.", visibility: str = "public",
              sessions=(), **kwargs):
    """A note written through the service by `author` (a new analyst unless given), with revision 1."""
    from community.notes import services as notes

    author = author or make_user(role="analyst")
    return notes.create(author, title=title, body=body, visibility=visibility, sessions=list(sessions),
                        **kwargs)


def make_attachment(note, *, filename: str = "slides.pdf", data: bytes | None = None):
    """A file attached to `note` by its first author (a tiny PDF unless other bytes are given)."""
    from community.notes import services as notes

    data = data if data is not None else b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return notes.attach(note.authors[0], note, filename, data)
