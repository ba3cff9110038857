"""The world the security tests fill URLs from: one account per kind of viewer and the rows
every route's parameters name, with what a case of the authorisation matrix is made of."""
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

from flask import current_app

from community import create_app
from community.accounts import services as accounts
from community.db import db, utcnow
from community.inbound import services as inbound
from community.inbound import tokens as inbound_tokens
from community.signups import services as signups
from community.signups.tokens import cancel_token
from tests.conftest import CHEAP_HASH_METHOD, RequestPerContextClient, _reset_database, make_config
from tests.factories import (
    make_attachment,
    make_email,
    make_note,
    make_poll,
    make_series,
    make_session,
    make_user,
)

VIEWERS = ("anonymous", "unconfirmed", "member", "attendee", "analyst", "host", "organiser")
OUTCOMES = {"200", "301", "302", "303", "400", "403", "404", "405", "503", "login"}
NOTE_VISIBILITIES = ("public", "members", "attendees", "draft")
#: Which row of the world fills each URL parameter unless a case says otherwise.
DEFAULT_PARAMS = {"session_id": "session", "series_id": "series", "poll_id": "poll",
                  "note_id": "note:public", "message_id": "message", "user_id": "target",
                  "reg_id": "reg", "number": "1"}


@dataclass(frozen=True)
class Case:
    """One way to call a route, and what each viewer gets."""

    expected: tuple[str, ...]
    label: str = ""
    params: dict = field(default_factory=dict)
    query: str = ""
    data: object = None
    fresh: bool = False


def case(expected: str, label: str = "", *, query: str = "", data=None, fresh: bool = False,
         **params) -> Case:
    """A case: `expected` has one outcome per viewer; `params` name rows of the world (or values)."""
    outcomes = tuple(expected.split())
    assert len(outcomes) == len(VIEWERS) and set(outcomes) <= OUTCOMES, expected
    return Case(outcomes, label, params, query, data, fresh)


# The rows --------------------------------------------------------------------------------------

def build_world() -> dict:
    """The rows URLs are filled from, committed: one account per kind of viewer, a series with a
    published session (hosted by `host`, with `attendee` in a seat), one under way (the same) and
    a draft, polls, a note of each visibility with two revisions and an attachment, an outbox
    message and link tokens."""
    from community.notes import services as notes

    people = {
        "unconfirmed": make_user(name="Una Unconfirmed", confirmed=False),
        "member": make_user(name="Mia Member"),
        "attendee": make_user(name="Ada Attendee"),
        "analyst": make_user(name="Ann Analyst", role="analyst"),
        "host": make_user(name="Hal Host", role="analyst"),
        "organiser": make_user(name="Olga Organiser", role="organiser"),
    }
    host = people["host"]
    series = make_series()
    session = make_session(series=series, hosts=[host], title="The roundtable", slug="the-roundtable")
    draft = make_session(title="A draft topic", slug="a-draft-topic", status="draft", hosts=[host],
                         starts_at=session.starts_at + timedelta(days=14),
                         ends_at=session.ends_at + timedelta(days=14))
    reg = signups.sign_up(people["attendee"], session)
    # A session under way (check-in is open): signed up for before it started, then moved.
    live = make_session(title="Under way", slug="under-way", hosts=[host],
                        starts_at=session.starts_at + timedelta(days=1),
                        ends_at=session.ends_at + timedelta(days=1))
    live_reg = signups.sign_up(people["attendee"], live)
    live.starts_at, live.ends_at = utcnow() - timedelta(minutes=30), utcnow() + timedelta(minutes=30)
    polls = {
        "poll": make_poll(session, question="Is good enough, enough?", two_rounds=True, allow_comment=True),
        "attendees_poll": make_poll(session, question="For the room", audience="attendees", position=2),
        "draft_poll": make_poll(session, question="Not asked yet", status="draft", position=3),
        "draft_session_poll": make_poll(draft, question="On a draft", status="draft"),
        "closed_poll": make_poll(session, question="Asked and closed", status="closed", position=4),
    }
    world = {name: user.id for name, user in people.items()}
    world.update({f"email:{name}": user.email for name, user in people.items()})
    for visibility in NOTE_VISIBILITIES:
        note = make_note(author=host, title=f"A {visibility} note", visibility=visibility,
                         sessions=[session] if visibility == "attendees" else [])
        notes.update(host, note, body=note.body + "\n\nSecond thoughts.", message="Second")
        attachment = make_attachment(note)
        world.update({f"note:{visibility}": note.id, f"slug:note:{visibility}": note.slug,
                      f"attachment:note:{visibility}": attachment.id,
                      f"filename:note:{visibility}": attachment.filename})
    newcomer = make_user(name="Ned Newcomer", confirmed=False)
    resetter = make_user(name="Rita Resetter")
    target = make_user(name="Tom Target")
    message = make_email(people["member"], subject="Welcome")
    received = inbound.receive(b"From: someone@example.com\r\nSubject: Hello\r\n"
                               b"Message-ID: <world@example.com>\r\n\r\nJust saying hello.\r\n")
    db.session.commit()
    world.update({
        "series": series.id, "slug:series": series.slug, "session": session.id,
        "slug:session": session.slug, "draft": draft.id, "slug:draft": draft.slug,
        "reg": reg.id, "underway": live.id, "slug:underway": live.slug, "underway_reg": live_reg.id,
        "message": message.id, "target": target.id, "email:resetter": resetter.email,
        "confirm_token": accounts.confirmation_token(newcomer), "reset_token": accounts.reset_token(resetter),
        "cancel_token": cancel_token(reg), "calendar_token": people["member"].calendar_token,
        "decline_token": inbound_tokens.decline_token(reg), "rejoin_token": inbound_tokens.rejoin_token(reg),
        "signup_token": inbound_tokens.signup_token(people["member"], session, utcnow()),
        "inbound": received.id,
    })
    for name, poll in polls.items():
        world[name] = poll.id
        world[f"option:{name}"] = poll.options[0].id
    return world


PARAM = re.compile(r"<(?:[^>]*:)?(\w+)>")
#: Which URL parameter names the object whose slug, attachment and file name fill the others.
OWNER = {"/notes/": "note_id", "/sessions/": "session_id", "/series/": "series_id"}


def build_url(rule: str, c: Case, world: dict) -> str:
    """The rule's path with every parameter filled from the world (rows named by the case, else
    DEFAULT_PARAMS; slugs, attachments and file names follow the object the URL names)."""
    chosen = {**DEFAULT_PARAMS, **c.params}
    owner_param = next((p for prefix, p in OWNER.items() if rule.startswith(prefix)), None)
    owner = chosen.get(owner_param, "")

    def value(match):
        name = match.group(1)
        if name in c.params or name not in ("slug", "attachment_id", "filename"):
            key = chosen[name]
        elif name == "slug":
            key = f"slug:{owner}"
        else:
            key = f"{name.split('_')[0]}:{owner}"
        return quote(str(world.get(key, key)), safe="/")

    path = PARAM.sub(value, rule)
    return f"{path}?{c.query}" if c.query else path


def outcome(response) -> str:
    """The status, or `login` for a redirect to the login page."""
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login":
        return "login"
    return str(response.status_code)


@contextmanager
def cheap_passwords():
    """Accounts made here get a one-round hash, so the matrix's many logins take no time (the
    login path and the password policy are tested in tests/accounts), also in an app whose
    configuration chose another method."""
    config = current_app.config
    before = config["PASSWORD_HASH_METHOD"]
    config["PASSWORD_HASH_METHOD"] = CHEAP_HASH_METHOD
    try:
        yield
    finally:
        config["PASSWORD_HASH_METHOD"] = before


@contextmanager
def app_with_world(instance_folder, smtp_server, world: dict | None = None, **config):
    """An app of its own (a test client per request, like the `app` fixture) on a clean database
    holding the world; yields (app, world) with no app context pushed. Given a `world` already
    built in this instance folder, the app serves that one instead of building another (on
    PostgreSQL every app of a test process shares one database)."""
    application = create_app(make_config(instance_folder, smtp_server, **config))
    application.test_client_class = RequestPerContextClient
    if world is None:
        with application.app_context():
            _reset_database()
            with cheap_passwords():
                world = build_world()
            db.session.remove()
    try:
        yield application, world
    finally:
        with application.app_context():
            db.engine.dispose()
