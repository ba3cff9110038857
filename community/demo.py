"""The demo community loaded by `flask seed-demo`: idempotent, safe to run twice.

It sits beside `create_app` because it is the one place allowed to know every feature.
"""
import secrets
from datetime import time, timedelta

import click
from flask import Flask
from sqlalchemy import select

from community.accounts import services as accounts
from community.accounts.models import Role, User
from community.db import db, utcnow
from community.notes import demo as notes_demo
from community.polls import demo as polls_demo
from community.sessions import cadence
from community.sessions import services as sessions
from community.sessions.models import Format, Series, Session, SessionStatus
from community.signups.models import Registration, RegistrationStatus

DEMO_ORGANISER = "organiser@demo.community"
SERIES_TITLE = "European Digital Leadership Community"
ZONE = "Europe/London"

MEMBERS = [
    ("Anna Lindqvist", "analyst@demo.community", "Principal Analyst, Digital Leadership", "Analyst firm",
     Role.ANALYST),
    ("Marco Bianchi", "marco@demo.community", "CIO", "Banca Alpina", Role.MEMBER),
    ("Sophie Martin", "sophie@demo.community", "Chief Marketing Officer", "Maison Durand Retail",
     Role.MEMBER),
    ("Jan de Vries", "jan@demo.community", "Chief Digital Officer", "Noordzee Logistics", Role.MEMBER),
    ("Katarzyna Nowak", "katarzyna@demo.community", "CIO", "Wisła Insurance", Role.MEMBER),
    ("Liam O'Connor", "liam@demo.community", "Head of Customer Experience", "Emerald Telecom", Role.MEMBER),
    ("Elena García", "elena@demo.community", "CIO", "Iberia Health Group", Role.MEMBER),
]

CX_TITLE = "Is technology-driven customer experience a challenge for the CIO?"
CX_DESCRIPTION = """\
Customers now judge a company by its app, its chat and its delivery updates as much as by
its product. Much of that experience runs on systems the CIO owns, yet the targets are set
in marketing and the budget often sits in the business lines.

In this roundtable we ask whether technology-driven customer experience is a new burden for
the CIO, or the best chance in years to lead the business.

**We will debate**

- Is *good enough* enough, or does every journey need to be best in class?
- How well does your organisation really need to know its customers?
- What is the real return of perfect data, in the right place at the right time?

Come with one example from your own organisation: a journey that works, or one that does
not. Chatham House Rule applies.
"""

SHARED_LEAD_TITLE = "The CMO and the CIO: who leads customer experience?"
SHARED_LEAD_DESCRIPTION = """\
Customer experience has two natural owners. The CMO owns the brand promise and the
customer insight; the CIO owns the platforms, the data and the integration that keep the
promise. When they work as one team, experience improves quickly; when they compete,
customers feel the seams.

We compare operating models members have tried:

1. a single accountable owner (often a Chief Customer or Chief Digital Officer),
2. shared objectives and a joint budget for the CMO and the CIO,
3. product teams that own a customer journey end to end.

Which one survives the first budget round, and what does the CIO have to give up?
"""

DATA_TITLE = "Data maturity: what is perfect customer data worth?"
DATA_DESCRIPTION = """\
Every customer-experience programme soon meets the same obstacle: the data. Cleaning,
matching and governing it is expensive, and the return is hard to show. We look at where
"good enough" data is the better investment, and where only the best will do.
"""

PAST_TITLE = "Cloud costs under control: FinOps for the CIO"
PAST_DESCRIPTION = """\
A look back at how members brought cloud spending under control without slowing teams
down: tagging, showback, commitments, and the conversation with the CFO.
"""


def _ensure_user(name, email, title, org, role, *, password=None) -> tuple[User, str | None]:
    """The account for `email`, created (confirmed) if missing; returns it and a new password."""
    user = accounts.get_by_email(email)
    if user is not None:
        return user, None
    password = password or secrets.token_urlsafe(12)
    user = accounts.create_user(email=email, name=name, password=password, role=role,
                                organisation=org, job_title=title, timezone=ZONE,
                                confirmed=True, consent=True)
    return user, password


def _next_weekday(day, weekday: int):
    """The first date on or after `day` that falls on `weekday` (Monday = 0)."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _seat(session: Session, users: list[User]) -> None:
    """Give demo members seats directly (seed data: no emails to demo addresses)."""
    now = utcnow()
    for user in users:
        db.session.add(Registration(session=session, user=user, status=RegistrationStatus.CONFIRMED,
                                    confirmed_at=now, source="member"))


def _seed_sessions(organiser: User, analyst: User, members: list[User]) -> list[str]:
    """The community series, its next sessions, a past one and some sign-ups."""
    if db.session.scalar(select(Series).where(Series.title == SERIES_TITLE)) is not None:
        return []
    today = cadence.local_date(utcnow(), ZONE)
    series = sessions.create_series(
        organiser, title=SERIES_TITLE,
        description=("Our biweekly roundtable for European CIOs and digital leaders: one topic, "
                     "sixty minutes, peers only. Prepared by our analysts, with live polls and a "
                     "briefing note afterwards."),
        start_date=_next_weekday(today + timedelta(days=1), 3), local_time=time(14, 0), timezone=ZONE,
        interval_weeks=2, duration_minutes=60, capacity=12, format=Format.ONLINE,
        join_url="https://meet.example.com/dlc-roundtable")
    drafts = sessions.generate_occurrences(organiser, series, 6, today=today)
    topics = [(CX_TITLE, CX_DESCRIPTION), (SHARED_LEAD_TITLE, SHARED_LEAD_DESCRIPTION),
              (DATA_TITLE, DATA_DESCRIPTION)]
    for session, (title, description) in zip(drafts, topics, strict=False):
        sessions.update_session(organiser, session, title=title, description=description,
                                hosts=[analyst])
        sessions.publish(organiser, session)
    _seat(drafts[0], members[:4])
    polls_demo.seed(organiser, drafts[0], members)
    _seat(drafts[1], members[1:3])
    past_start = cadence.local_instant(today - timedelta(days=14), time(14, 0), ZONE)
    past = Session(series=series, occurrence_date=past_start.date(), title=PAST_TITLE,
                   slug="cloud-costs-under-control-finops-for-the-cio", description=PAST_DESCRIPTION,
                   starts_at=past_start, ends_at=past_start + timedelta(hours=1), timezone=ZONE,
                   capacity=12, format=Format.ONLINE, status=SessionStatus.PUBLISHED,
                   published_at=past_start - timedelta(days=20), hosts=[analyst])
    db.session.add(past)
    db.session.flush()
    _seat(past, members[:5])
    notes_demo.seed(analyst, drafts[0], past)
    db.session.flush()
    return [f"Demo series '{SERIES_TITLE}' with {len(drafts)} upcoming sessions "
            f"({min(len(drafts), 3)} published) and one past session."]


def seed() -> list[str]:
    """Add whatever part of the demo community is missing; return lines to show the operator."""
    lines: list[str] = []
    organiser, password = _ensure_user("Demo Organiser", DEMO_ORGANISER, "Community organiser",
                                       "Community office", Role.ORGANISER)
    if password:
        lines += [
            "Demo organiser created (this password is shown only once):",
            f"  email:    {DEMO_ORGANISER}",
            f"  password: {password}",
        ]
    people = [_ensure_user(*m)[0] for m in MEMBERS]
    lines += _seed_sessions(organiser, people[0], people[1:])
    return lines


@click.command("seed-demo")
def seed_demo():
    """Load the demo community; running it again changes nothing."""
    created = seed()
    db.session.commit()
    if not created:
        click.echo("The demo community is already loaded; nothing changed.")
        return
    for line in created:
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register `flask seed-demo`."""
    app.cli.add_command(seed_demo)
