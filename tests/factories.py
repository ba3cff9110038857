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
