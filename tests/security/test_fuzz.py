"""Property-based fuzzing of every form POST endpoint and every JSON endpoint (hypothesis).

Each endpoint is driven as the viewer who may use it, starting from a valid form, with any of
its fields replaced by arbitrary unicode, control characters (CR, LF, NUL, ...), hostile
strings or a huge value, or left out, plus unknown extra fields. Properties, for every example:

- never a server error (TESTING propagates exceptions, so one fails the example with its trace);
- on a refusal (the form shown again with its errors, a 4xx), every row of every table is as it
  was: nothing half-stored;
- every redirect stays on this site (no open redirect through `back` or `next`);
- nothing reaches the database that PostgreSQL would refuse with an error (a NUL in a text
  value, a string longer than its column), so these are caught on SQLite too;
- nothing is logged as an error (a queue task that failed inside the request is logged, not
  raised), and every calendar email it caused is one that calendar clients accept.

Every field first gets each SWEEP value in turn (NUL, a header injection, an escape sequence, a
huge value, left out), then the random examples combine them.

The run is bounded and deterministic: FUZZ_EXAMPLES examples an endpoint, `derandomize=True`,
no example database, no deadline and no timing health checks; every endpoint starts on a fresh
world (tests/security/world.py), and every example uses a new client.
"""
import io
import logging
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session as OrmSession

from community.db import db, utcnow
from tests.admin.helpers import series_form, session_form
from tests.factories import PASSWORD
from tests.imip import assert_valid_imip, calendar_part
from tests.notes.helpers import PDF
from tests.security.world import Case, build_url, build_world, cheap_passwords

#: Examples per endpoint: enough to reach every field with every kind of value, small enough
#: that the whole fuzz run takes well under a minute.
FUZZ_EXAMPLES = 25
FUZZ = settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example],
                print_blob=False)

CONTROL = "".join(map(chr, [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]))
HOSTILE = ["\x00", "a\x00b", "\r\n", "Subject\r\nBcc: victim@example.com", "line\nbreak", "\t",
           "\u202egnp.exe", "\ufeff", "\u200b", "🙂" * 3, "' OR 1=1 --", "<script>alert(1)</script>",
           "%00", "../../etc/passwd", "{{ 7 * 7 }}", "\\", "//evil.example/", "/\t/evil.example",
           "javascript:alert(1)", " ", "", "0", "-1", "99999999999999999999", "1e309", "NaN",
           "2027-02-30", "25:61", "Europe/Nowhere"]
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=CONTROL + "ab \n", min_size=1, max_size=12),
    st.sampled_from(HOSTILE),
    st.sampled_from([1_000, 70_000, 300_000]).map(lambda n: "x" * n),
)
#: A field's value: a text, several values (as repeated keys), or None to leave the field out.
value = st.one_of(st.none(), text, st.lists(text, min_size=2, max_size=3))


@dataclass(frozen=True)
class Endpoint:
    """One endpoint to fuzz: who uses it, its valid input and how it says it took the input."""

    name: str
    method: str
    rule: str
    viewer: str | None
    base: Callable[[dict], dict] = lambda w: {}
    params: dict = field(default_factory=dict)
    #: Whether the answer means the input was taken (else it is a refusal: nothing may change).
    accepted: Callable = lambda response: response.status_code in (301, 302, 303)
    headers: dict = field(default_factory=dict)
    #: "form" (fields in the body), "query" (fields in the query string) or "path" (the token).
    where: str = "form"
    #: A fixed form body for a POST whose query string is fuzzed.
    body: Callable[[dict], dict] | None = None
    upload: bool = False


def _in_two_weeks() -> str:
    return (utcnow() + timedelta(days=14)).date().isoformat()


def _note_form(w):
    return {"title": "A fuzzed note", "summary": "Short.", "body": "## Body", "kind": "pre_read",
            "visibility": "members", "message": "Saved", "authors": [str(w["host"])],
            "embargo_until": "", "sessions": [str(w["session"])], "chatham_house": "y"}


def _poll_form(w):
    return {"question": "Is it worth it?", "context": "Why we ask.", "kind": "single",
            "options": "Yes\nNo", "max_choices": "", "allow_comment": "y", "audience": "members",
            "results_visibility": "after_answer"}


def _shows(text_: str):
    return lambda response: response.status_code == 200 and text_ in response.get_data(as_text=True)


def _json_ok(response) -> bool:
    return response.status_code == 200 and response.is_json and response.json.get("ok") is True


REGISTER = {"name": "Nia Newcomer", "email": "nia@example.com", "organisation": "Example plc",
            "job_title": "CDO", "password": "a brand new passphrase",
            "confirm": "a brand new passphrase", "consent": "y"}
PROFILE = {"profile-name": "Mia Member", "profile-organisation": "Example plc", "profile-job_title": "CIO",
           "profile-timezone": "Europe/Paris", "profile-waitlist_in_calendar": "y", "profile-submit": "1"}
ANSWER = {"option": None, "comment": "Because."}
ZOOM_LIST = ("Name (Original Name),User Email,Join Time,Duration (Minutes)\r\n"
             "Ada Attendee,someone@example.com,01/14/2027 02:00 PM,60\r\n")

ENDPOINTS = [
    # Accounts.
    Endpoint("register", "POST", "/register", None, lambda w: REGISTER, accepted=_shows("Check your email")),
    Endpoint("login", "POST", "/login", None, lambda w: {"email": w["email:member"], "password": PASSWORD,
                                                         "remember": "y"}),
    Endpoint("login next", "POST", "/login", None, lambda w: {"next": "/account"}, where="query",
             body=lambda w: {"email": w["email:member"], "password": PASSWORD}),
    Endpoint("forgot password", "POST", "/password/forgot", None, lambda w: {"email": w["email:resetter"]},
             accepted=_shows("Check your email")),
    # The two passwords differ, so only the fuzzer's own choice could use the link up.
    Endpoint("reset password", "POST", "/password/reset/<token>", None,
             lambda w: {"password": "a brand new passphrase", "confirm": "another passphrase"},
             params={"token": "reset_token"}),
    Endpoint("profile", "POST", "/account", "member", lambda w: PROFILE),
    # A wrong current password: the fuzzer may not change it (it would log the next example out).
    Endpoint("change password", "POST", "/account", "member",
             lambda w: {"pw-current_password": "not the password", "pw-password": "a brand new passphrase",
                        "pw-confirm": "a brand new passphrase", "pw-submit": "1"}),
    Endpoint("delete account", "POST", "/account/delete", "member",
             lambda w: {"delete-password": "not the password", "delete-understand": "y"}),
    # The organisers' panel.
    Endpoint("change role", "POST", "/admin/members/<int:user_id>/role", "organiser",
             lambda w: {"role": "analyst", "back": "/admin/members"}),
    Endpoint("new series", "POST", "/admin/series/new", "organiser",
             lambda w: series_form(start_date=_in_two_weeks())),
    Endpoint("edit series", "POST", "/admin/series/<int:series_id>/edit", "organiser",
             lambda w: series_form(start_date=_in_two_weeks())),
    Endpoint("generate", "POST", "/admin/series/<int:series_id>/generate", "organiser",
             lambda w: {"count": "2"}),
    Endpoint("new session", "POST", "/admin/sessions/new", "organiser",
             lambda w: {**session_form(date=_in_two_weeks()), "hosts": [str(w["host"])]}),
    Endpoint("edit session", "POST", "/admin/sessions/<int:session_id>/edit", "organiser",
             lambda w: {**session_form(date=_in_two_weeks()), "hosts": [str(w["host"])]}),
    Endpoint("session status", "POST",
             "/admin/sessions/<int:session_id>/<any(publish, cancel, skip, restore):action>", "organiser",
             lambda w: {"back": "/admin/sessions"}, params={"session_id": "draft", "action": "skip"}),
    Endpoint("add attendee", "POST", "/admin/sessions/<int:session_id>/attendees", "organiser",
             lambda w: {"email": "guest@example.com"}),
    Endpoint("message attendees", "POST", "/admin/sessions/<int:session_id>/message", "organiser",
             lambda w: {"subject": "Change of room", "body": "We moved upstairs.", "include_waitlist": "y"}),
    Endpoint("new poll", "POST", "/admin/sessions/<int:session_id>/polls/new", "organiser", _poll_form),
    Endpoint("edit poll", "POST", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/edit", "organiser",
             _poll_form, params={"poll_id": "draft_poll"}),
    Endpoint("copy poll", "POST", "/admin/sessions/<int:session_id>/polls/copy", "organiser",
             lambda w: {"source": str(w["draft_session_poll"])}),
    # Check-in at the session under way, as its host.
    Endpoint("walk-in", "POST", "/sessions/<int:session_id>/check-in/walk-in", "host",
             lambda w: {"email": "walk.in@example.com", "name": "Wally Walk-in",
                        "organisation": "Example plc"}, params={"session_id": "underway"}),
    Endpoint("import attendance", "POST", "/sessions/<int:session_id>/check-in/import", "host",
             lambda w: {"filename": "participants.csv", "content": ZOOM_LIST}, upload=True,
             params={"session_id": "underway"}, accepted=lambda response: response.status_code == 200),
    Endpoint("check-in search", "GET", "/sessions/<int:session_id>/check-in", "host",
             lambda w: {"q": "ada"}, where="query", params={"session_id": "underway"}),
    # Notes.
    Endpoint("new note", "POST", "/notes/new", "host", _note_form),
    Endpoint("edit note", "POST", "/notes/<int:note_id>/edit", "host", _note_form),
    Endpoint("preview note", "POST", "/notes/preview", "host", lambda w: {"body": "**Bold**"},
             accepted=lambda response: False),
    Endpoint("attach a file", "POST", "/notes/<int:note_id>/attachments", "host",
             lambda w: {"filename": "figures.pdf", "content": PDF.decode()}, upload=True),
    # Polls on the session page, as a plain form and as the page's script sends it.
    Endpoint("answer", "POST", "/sessions/<int:session_id>/polls/<int:poll_id>/answer", "member",
             lambda w: {**ANSWER, "option": [str(w["option:poll"])]}),
    Endpoint("answer (script)", "POST", "/sessions/<int:session_id>/polls/<int:poll_id>/answer", "member",
             lambda w: {**ANSWER, "option": [str(w["option:poll"])]}, accepted=_json_ok,
             headers={"Accept": "application/json"}),
    Endpoint("poll state", "POST",
             "/sessions/<int:session_id>/polls/<int:poll_id>/<any(open, close, live):action>", "host",
             lambda w: {"back": "/admin/"}, params={"action": "close"}),
    # JSON endpoints (query strings) and the pages with a search box.
    Endpoint("API notes", "GET", "/api/v1/notes", "member", lambda w: {"kind": "pre_read"}, where="query"),
    Endpoint("API sessions", "GET", "/api/v1/sessions", None,
             lambda w: {"when": "past", "series": str(w["series"]), "limit": "5"}, where="query"),
    Endpoint("API note", "GET", "/api/v1/notes/<int:note_id>", None, where="query"),
    Endpoint("API series", "GET", "/api/v1/series", None, lambda w: {"limit": "5"}, where="query"),
    Endpoint("API session polls", "GET", "/api/v1/sessions/<int:session_id>/polls", None,
             lambda w: {"limit": "5"}, where="query"),
    Endpoint("poll results", "GET", "/sessions/<int:session_id>/polls/<int:poll_id>/results.json", "member",
             where="query"),
    Endpoint("search", "GET", "/search", "member", lambda w: {"q": "roundtable"}, where="query"),
    Endpoint("members search", "GET", "/admin/members", "organiser",
             lambda w: {"q": "mia", "role": "member"}, where="query"),
    Endpoint("outbox search", "GET", "/admin/outbox", "organiser",
             lambda w: {"q": "welcome", "status": "sent"}, where="query"),
    Endpoint("session list", "GET", "/admin/sessions", "organiser",
             lambda w: {"status": "draft", "when": "past"}, where="query"),
    Endpoint("dashboard", "GET", "/admin/", "organiser", lambda w: {"period": "30"}, where="query"),
    Endpoint("dashboard CSV", "GET", "/admin/dashboard/<any(upcoming, members, attendance, polls, filled, "
             "emails):chart>.csv", "organiser", lambda w: {"period": "365"}, params={"chart": "attendance"},
             where="query"),
    Endpoint("audit log", "GET", "/admin/audit", "organiser",
             lambda w: {"actor": "1", "session": str(w["session"]), "kind": "seat.added"}, where="query"),
    Endpoint("audit log CSV", "GET", "/admin/audit.csv", "organiser",
             lambda w: {"actor": "1", "session": str(w["session"]), "kind": "seat.added"}, where="query"),
    Endpoint("library", "GET", "/notes", None, lambda w: {"kind": "pre_read"}, where="query"),
    # Link tokens in the path.
    Endpoint("confirm link", "GET", "/confirm/<token>", None, where="path"),
    Endpoint("reset link", "GET", "/password/reset/<token>", None, where="path"),
    Endpoint("cancel link", "GET", "/signups/cancel/<token>", None, where="path"),
    Endpoint("email sign-up link", "GET", "/inbound/signup/<token>", None, where="path"),
    Endpoint("calendar feed", "GET", "/calendar/<token>.ics", None, where="path"),
]


def _id(endpoint) -> str:
    return endpoint.name if isinstance(endpoint, Endpoint) else endpoint.values[0].name


# The oracles ------------------------------------------------------------------------------------

def _strings(parameters):
    """Every string among a statement's parameters (a dict, a sequence, or several of them)."""
    if isinstance(parameters, str):
        yield parameters
    elif isinstance(parameters, dict):
        for v in parameters.values():
            yield from _strings(v)
    elif isinstance(parameters, list | tuple):
        for v in parameters:
            yield from _strings(v)


@contextmanager
def what_postgresql_would_refuse():
    """Collect what PostgreSQL would answer with an error and SQLite lets through: a NUL in a
    text parameter (psycopg refuses it) and a string longer than its String(n) column."""
    problems: list[str] = []

    def parameters(conn, cursor, statement, params, context, executemany):
        if any("\x00" in s for s in _strings(params)):
            problems.append(f"a NUL character in a parameter of: {statement[:80]}")

    def lengths(session, flush_context, instances):
        for obj in [*session.new, *session.dirty]:
            state = inspect(obj)
            for attr in state.mapper.column_attrs:
                limit = getattr(attr.columns[0].type, "length", None)
                current = state.dict.get(attr.key)
                if limit and isinstance(current, str) and len(current) > limit:
                    problems.append(f"{type(obj).__name__}.{attr.key}: {len(current)} characters "
                                    f"for a column of {limit}")

    event.listen(db.engine, "before_cursor_execute", parameters)
    event.listen(OrmSession, "before_flush", lengths)
    try:
        yield problems
    finally:
        event.remove(db.engine, "before_cursor_execute", parameters)
        event.remove(OrmSession, "before_flush", lengths)


def _snapshot() -> dict[str, list[str]]:
    """Every row of every table."""
    return {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in db.metadata.sorted_tables}


def assert_on_site(location: str, host: str) -> None:
    """A redirect goes to a path of this site (or to its own absolute address, as werkzeug's
    slash-merging redirect does), however a browser would read it."""
    browser_reads = re.sub(r"[\t\r\n]", "", location)
    parts = urlsplit(browser_reads)
    if parts.scheme or parts.netloc:
        assert parts.scheme in ("http", "https") and parts.netloc == host, location
    else:
        assert location.startswith("/") and not browser_reads.startswith(("//", "/\\")), location


# The requests ------------------------------------------------------------------------------------

def _fields(endpoint: Endpoint, world: dict) -> list[str]:
    return sorted(endpoint.base(world)) or ["q", "kind"]


def _inputs(endpoint: Endpoint, world: dict):
    """A strategy for one example's input: the valid base with fields replaced or left out
    (None), and a few unknown fields; for a path endpoint, the token."""
    if endpoint.where == "path":
        return text
    return st.tuples(st.dictionaries(st.sampled_from(_fields(endpoint, world)), value, max_size=4),
                     st.dictionaries(st.text(min_size=1, max_size=8), text, max_size=2))


def _request(endpoint: Endpoint, world: dict, drawn) -> tuple[str, dict]:
    """The URL and the keyword arguments of the test client's call for one example."""
    if endpoint.where == "path":
        return endpoint.rule.replace("<token>", quote(drawn, safe="")), {}
    url = build_url(endpoint.rule, Case(expected=(), params=endpoint.params), world)
    overrides, extra = drawn
    data = {**endpoint.base(world), **extra}
    for name, new in overrides.items():
        if new is None:
            data.pop(name, None)
        else:
            data[name] = new
    if endpoint.upload:
        filename, content = data.pop("filename", None), data.pop("content", None)
        if filename is not None or content is not None:
            body = content if isinstance(content, str) else "\n".join(content or [])
            name = filename if isinstance(filename, str) else "/".join(filename or [])
            data["file"] = (io.BytesIO(body.encode()), name)
    if endpoint.where == "query":
        body = endpoint.body(world) if endpoint.body else None
        return f"{url}?{urlencode(data, doseq=True)}", ({"data": body} if body is not None else {})
    return url, {"data": data}


@pytest.fixture
def world(app):
    with cheap_passwords():
        return build_world()


class _Errors(logging.Handler):
    """Log records at ERROR and above (a task that failed inside the request, and the like)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


def exercise(app, world: dict, mailbox, endpoint: Endpoint, drawn) -> None:
    """One example: a new client, logged in as the endpoint's viewer, sends the input; every
    property of the module docstring is checked."""
    url, kwargs = _request(endpoint, world, drawn)
    client = app.test_client()
    if endpoint.viewer is not None:
        login = client.post("/login", data={"email": world[f"email:{endpoint.viewer}"], "password": PASSWORD})
        assert login.status_code == 302
    before, mail_before, errors = _snapshot(), len(mailbox.messages), _Errors()
    logging.getLogger().addHandler(errors)
    try:
        with what_postgresql_would_refuse() as problems:
            with client.open(url, method=endpoint.method, headers=endpoint.headers, **kwargs) as response:
                status = response.status_code
                assert status < 500, f"{endpoint.method} {url}: {status}"
                if 300 <= status < 400:
                    assert_on_site(response.headers["Location"], response.request.host)
                refused = not endpoint.accepted(response)
                if endpoint.headers.get("Accept") == "application/json":
                    assert response.is_json, "the script always gets JSON"
    finally:
        logging.getLogger().removeHandler(errors)
    assert not problems, problems
    assert not errors.records, f"{endpoint.method} {url} ({status}) logged errors: {errors.records}"
    for message in mailbox.messages[mail_before:]:
        if calendar_part(message) is not None:
            assert_valid_imip(message)
    if refused:
        assert _snapshot() == before, f"{endpoint.method} {url} was refused ({status}) but changed rows"


#: What every field of every endpoint gets in turn before the random examples: a NUL, a header
#: injection, an escape sequence, a huge value, a number too large for the database, and nothing.
SWEEP = ["\x00", "Subject\r\nBcc: victim@example.com", "\x1b[31m", "x" * 70_000, "9" * 30, None]


def _sweep(endpoint: Endpoint, world: dict) -> list:
    if endpoint.where == "path":
        return [v for v in SWEEP if v is not None]
    return [({name: v}, {}) for name in _fields(endpoint, world) for v in SWEEP]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_id)
def test_no_input_makes_a_server_error_or_stores_half_of_a_refusal(app, world, mailbox, endpoint):
    for drawn in _sweep(endpoint, world):
        exercise(app, world, mailbox, endpoint, drawn)

    @FUZZ
    @given(data=st.data())
    def random_examples(data):
        exercise(app, world, mailbox, endpoint, data.draw(_inputs(endpoint, world), label="input"))

    random_examples()
