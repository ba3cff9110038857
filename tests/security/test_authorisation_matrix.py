"""Who may do what, for every route of the application: one table, generated checks.

Every rule of `app.url_map` (each method apart, HEAD and OPTIONS aside) has an entry in MATRIX,
and `test_every_route_is_in_the_matrix` fails for a route without one ("add it to the matrix")
and for an entry whose route has gone. An entry has one or more cases: which rows of the world
fill the URL (a published or a draft session, a note of each visibility, ...), what is posted,
and what each kind of viewer gets, in the order of VIEWERS:

    anonymous  a visitor without an account
    unconfirmed  a member who has not confirmed the email address
    member     a confirmed member with no seat
    attendee   a confirmed member with a confirmed seat at the published session
    analyst    an analyst who neither hosts the session nor wrote the notes
    host       an analyst who hosts both sessions and wrote every note (author rights)
    organiser  an organiser

Outcomes: a status code, or `login` for a 302 to /login (how a protected page answers a
visitor). The application's promises, from README's Security section and the views: /admin/
sends visitors to log in and gives everyone else but organisers 403; drafts (sessions, polls,
notes) and anything else a viewer may not know exists give 404; a note that exists but is not
for the viewer asks a visitor to log in and refuses a member with 403. Posts carry a valid form
(CSRF is off here; tests/security/test_csrf.py covers tokens), so a refusal is the rule's doing,
not the form's. The viewers go in the order above over one world, so a viewer that is allowed
to change something changes it for those after it; a case marked `fresh` (a link that is used
up by the request) gives each viewer a world of its own.
"""
import io
from datetime import timedelta

import pytest
from werkzeug.routing import AnyConverter

from community import create_app
from community.accounts.models import User
from community.db import db, utcnow
from tests.admin.helpers import series_form, session_form
from tests.conftest import _reset_database, make_config
from tests.factories import PASSWORD
from tests.notes.helpers import PDF
from tests.security.world import (
    NOTE_VISIBILITIES,
    VIEWERS,
    Case,
    app_with_world,
    build_url,
    build_world,
    case,
    cheap_passwords,
    outcome,
)


def everyone(outcome: str, label: str = "", **kwargs) -> Case:
    """A case where every viewer gets the same."""
    return case(" ".join([outcome] * len(VIEWERS)), label, **kwargs)


def organisers_only(outcome: str, label: str = "", **kwargs) -> Case:
    """/admin/: visitors log in, organisers get `outcome`, everyone else 403."""
    return case(f"login 403 403 403 403 403 {outcome}", label, **kwargs)


def per_note(route_outcomes: dict[str, str], **kwargs) -> list[Case]:
    """One case per note visibility."""
    return [case(route_outcomes[v], v, note_id=f"note:{v}", **kwargs) for v in NOTE_VISIBILITIES]


# What is posted --------------------------------------------------------------------------------

def _in_two_weeks() -> str:
    return (utcnow() + timedelta(days=14)).date().isoformat()


def _series_form(w):
    return series_form(start_date=_in_two_weeks())


def _session_form(w):
    return {**session_form(date=_in_two_weeks()), "hosts": [w["host"]]}


def _poll_form(w):
    return {"question": "Is it worth it?", "context": "", "kind": "single", "options": "Yes\nNo",
            "audience": "members", "results_visibility": "after_answer"}


def _note_form(visibility: str):
    def form(w):
        data = {"title": f"A {visibility} note, edited", "summary": "Short.", "body": "## Edited",
                "kind": "pre_read", "visibility": visibility, "message": "Edited",
                "authors": [w["host"]]}
        if visibility == "attendees":
            data["sessions"] = [w["session"]]
        return data
    return form


def _upload(w):
    return {"file": (io.BytesIO(PDF), "figures.pdf")}


def _participants(w):
    return {"file": (io.BytesIO(b"Name (Original Name),User Email,Join Time,Duration (Minutes)\r\n"
                                b"Ada Attendee,someone@example.com,01/14/2027 02:00 PM,60\r\n"),
                     "participants.csv")}


def _answer(poll: str):
    return lambda w: {"option": [w[f"option:{poll}"]]}


PROFILE = {"profile-name": "New Name", "profile-organisation": "Example plc", "profile-job_title": "CIO",
           "profile-timezone": "Europe/Paris", "profile-submit": "1"}
NEW_PASSWORD = "a brand new passphrase"
REGISTRATION = {"name": "Nia Newcomer", "email": "nia@example.com", "organisation": "Example plc",
                "job_title": "CDO", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "consent": "y"}

# The table --------------------------------------------------------------------------------------
#                       anonymous unconfirmed member attendee analyst host organiser

NOTE_READ = {"public": "200 200 200 200 200 200 200", "members": "login 403 200 200 200 200 200",
             "attendees": "login 403 403 200 403 200 200", "draft": "404 404 404 404 404 200 200"}
NOTE_SLUG_REDIRECT = {v: row.replace("200", "301") for v, row in NOTE_READ.items()}
#: The API is the same for everyone: what a visitor may read.
NOTE_API = {"public": "200 200 200 200 200 200 200", "members": "404 404 404 404 404 404 404",
            "attendees": "404 404 404 404 404 404 404", "draft": "404 404 404 404 404 404 404"}
#: Writing pages: visitors log in first; others see 403 for a note they may read, else 404.
NOTE_WRITE = {"public": "login 403 403 403 403 {ok} {ok}", "members": "login 404 403 403 403 {ok} {ok}",
              "attendees": "login 404 404 403 404 {ok} {ok}", "draft": "login 404 404 404 404 {ok} {ok}"}


def note_write(ok: str) -> dict[str, str]:
    """The writing pages' outcomes with `ok` for the note's authors and organisers."""
    return {v: row.format(ok=ok) for v, row in NOTE_WRITE.items()}


MATRIX: dict[tuple[str, str], list[Case]] = {
    # Pages anyone may open.
    ("GET", "/"): [everyone("200")],
    ("GET", "/privacy"): [everyone("200")],
    ("GET", "/healthz"): [everyone("200")],
    # Open to everyone; 503 here because the suite makes its schema without migrations.
    ("GET", "/readyz"): [everyone("503")],
    ("GET", "/static/<path:filename>"): [everyone("200", filename="css/site.css")],
    ("GET", "/sessions/past"): [everyone("200")],
    ("GET", "/calendar.ics"): [everyone("200")],
    ("GET", "/calendar/<token>.ics"): [everyone("200", "a member's feed address", token="calendar_token")],
    ("GET", "/notes"): [everyone("200")],
    ("GET", "/search"): [everyone("200", query="q=roundtable")],
    ("GET", "/series/<int:series_id>"): [everyone("200")],
    ("GET", "/series/<int:series_id>-<slug>"): [everyone("200")],

    # Sessions: drafts are for organisers only; the address without its slug redirects.
    ("GET", "/sessions/<int:session_id>"): [
        everyone("301", "published"),
        case("404 404 404 404 404 404 301", "draft", session_id="draft")],
    ("GET", "/sessions/<int:session_id>-<slug>"): [
        everyone("200", "published"),
        case("404 404 404 404 404 404 200", "draft", session_id="draft")],
    ("GET", "/sessions/<int:session_id>/invite.ics"): [
        everyone("200", "published"),
        everyone("404", "draft", session_id="draft")],

    # The read-only API: what a visitor may see, the same for everyone (no cookie is read).
    ("GET", "/api/v1/series"): [everyone("200")],
    ("GET", "/api/v1/series/<int:series_id>"): [everyone("200")],
    ("GET", "/api/v1/sessions"): [everyone("200"), everyone("200", "past", query="when=past")],
    ("GET", "/api/v1/sessions/<int:session_id>"): [
        everyone("200", "published"), everyone("404", "draft", session_id="draft")],
    ("GET", "/api/v1/sessions/<int:session_id>/polls"): [
        everyone("200", "published"), everyone("404", "draft", session_id="draft")],
    ("GET", "/api/v1/<path:unknown>"): [everyone("404", unknown="no-such-list")],
    ("GET", "/api/v1/notes"): [everyone("200")],
    ("GET", "/api/v1/notes/<int:note_id>"): per_note(NOTE_API),
    ("GET", "/api/v1/openapi.json"): [everyone("200")],

    # Accounts.
    ("GET", "/login"): [case("200 302 302 302 302 302 302")],
    ("POST", "/login"): [everyone("302", data=lambda w: {"email": w["email:member"], "password": PASSWORD})],
    ("GET", "/logout"): [case("302 200 200 200 200 200 200")],
    ("POST", "/logout"): [everyone("302")],
    ("GET", "/register"): [case("200 302 302 302 302 302 302")],
    ("POST", "/register"): [case("200 302 302 302 302 302 302", data=REGISTRATION)],
    # The link confirms a newcomer's address whoever opens it, then asks them to log in.
    ("GET", "/confirm/<token>"): [everyone("login", "a newcomer's link", token="confirm_token", fresh=True)],
    ("POST", "/confirm/resend"): [case("login 302 302 302 302 302 302")],
    ("GET", "/password/forgot"): [everyone("200")],
    ("POST", "/password/forgot"): [everyone("200", data=lambda w: {"email": w["email:resetter"]})],
    ("GET", "/password/reset/<token>"): [everyone("200", token="reset_token")],
    # Whoever holds the link sets the password, is logged out and sent to log in.
    ("POST", "/password/reset/<token>"): [
        everyone("login", token="reset_token", fresh=True,
                 data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})],
    ("GET", "/account"): [case("login 200 200 200 200 200 200")],
    ("POST", "/account"): [case("login 302 302 302 302 302 302", data=PROFILE)],
    ("GET", "/account/export.json"): [case("login 200 200 200 200 200 200")],
    # The only organiser may not delete their account (400, with the reason on the form).
    ("POST", "/account/delete"): [case("login 302 302 302 302 302 400",
                                       data={"delete-password": PASSWORD, "delete-understand": "y"})],
    ("POST", "/account/calendar/renew"): [case("login 302 302 302 302 302 302")],
    # A change of address is asked for with the password; the link goes to the new address.
    ("POST", "/account/email"): [case("login 302 302 302 302 302 302",
                                      data={"email-email": "moved@example.net", "email-password": PASSWORD})],

    # Sign-ups: any logged-in account may try (the service refuses an unconfirmed one with a
    # message on the session page); a draft is not there for anyone but organisers.
    ("POST", "/sessions/<int:session_id>/signup"): [
        case("login 302 302 302 302 302 302", "published"),
        case("login 404 404 404 404 404 302", "draft", session_id="draft")],
    ("POST", "/sessions/<int:session_id>/cancel"): [
        case("login 302 302 302 302 302 302", "published"),
        case("login 404 404 404 404 404 302", "draft", session_id="draft")],
    ("GET", "/signups/cancel/<token>"): [everyone("200", "the attendee's link", token="cancel_token")],
    ("POST", "/signups/cancel/<token>"): [everyone("200", "the attendee's link", token="cancel_token",
                                                   fresh=True)],
    # Check-in: organisers and the session's hosts (a draft is not there for hosts either).
    ("GET", "/sessions/<int:session_id>/check-in"): [
        case("login 403 403 403 403 200 200", "upcoming"),
        case("login 403 403 403 403 200 200", "under way", session_id="underway", query="q=ada"),
        case("login 404 404 404 404 404 200", "draft", session_id="draft")],
    ("POST", "/sessions/<int:session_id>/check-in/<int:reg_id>/<any(attend, undo):action>"): [
        case("login 403 403 403 403 302 302", action, session_id="underway", reg_id="underway_reg",
             action=action)
        for action in ("attend", "undo")],
    ("POST", "/sessions/<int:session_id>/check-in/walk-in"): [
        case("login 403 403 403 403 302 302", "under way", session_id="underway",
             data={"email": "walk.in@example.com", "name": "Wally Walk-in"})],
    ("POST", "/sessions/<int:session_id>/check-in/import"): [
        case("login 403 403 403 403 200 200", "under way", session_id="underway", data=_participants)],
    ("POST", "/series/<int:series_id>/follow"): [case("login 302 302 302 302 302 302")],
    ("POST", "/series/<int:series_id>/unfollow"): [case("login 302 302 302 302 302 302")],

    # Polls on the session page.
    ("GET", "/p/<int:poll_id>"): [
        everyone("302", "open poll"),
        case("404 404 404 404 404 302 302", "draft poll", poll_id="draft_poll"),
        case("404 404 404 404 404 404 302", "poll of a draft session", poll_id="draft_session_poll")],
    ("POST", "/sessions/<int:session_id>/polls/<int:poll_id>/answer"): [
        case("login 403 302 302 302 302 302", "members' poll", data=_answer("poll")),
        case("login 403 403 302 403 403 403", "attendees' poll", poll_id="attendees_poll",
             data=_answer("attendees_poll")),
        case("login 404 404 404 404 400 400", "draft poll", poll_id="draft_poll",
             data=_answer("draft_poll")),
        case("login 404 404 404 404 404 400", "poll of a draft session", session_id="draft",
             poll_id="draft_session_poll", data=_answer("draft_session_poll"))],
    ("POST", "/sessions/<int:session_id>/polls/<int:poll_id>/<any(open, close, live):action>"): [
        *(case("login 403 403 403 403 302 302", f"{action} open poll", action=action)
          for action in ("open", "close", "live")),
        case("login 404 404 404 404 302 302", "open a draft poll", action="open", poll_id="draft_poll"),
        case("login 404 404 404 404 404 302", "open a poll of a draft session", action="open",
             session_id="draft", poll_id="draft_session_poll")],
    ("GET", "/sessions/<int:session_id>/polls/<int:poll_id>/present"): [
        case("login 403 403 403 403 200 200", "open poll"),
        case("login 404 404 404 404 200 200", "draft poll", poll_id="draft_poll")],
    ("GET", "/sessions/<int:session_id>/polls/<int:poll_id>/results.json"): [
        everyone("200", "open poll"),
        case("404 404 404 404 404 200 200", "draft poll", poll_id="draft_poll"),
        case("404 404 404 404 404 404 200", "poll of a draft session", session_id="draft",
             poll_id="draft_session_poll")],

    # Notes: reading.
    ("GET", "/notes/<int:note_id>"): per_note(NOTE_SLUG_REDIRECT),
    ("GET", "/notes/<int:note_id>-<slug>"): per_note(NOTE_READ),
    ("GET", "/notes/<int:note_id>/files/<int:attachment_id>/<path:filename>"): per_note(NOTE_READ),
    # Notes: writing (analysts and organisers; a note's own pages for its authors and organisers).
    ("GET", "/notes/mine"): [case("login 403 403 403 200 200 200")],
    ("GET", "/notes/new"): [case("login 403 403 403 200 200 200")],
    ("POST", "/notes/new"): [case("login 403 403 403 302 302 302", data=_note_form("public"))],
    ("POST", "/notes/preview"): [case("login 403 403 403 200 200 200", data={"body": "**Bold**"})],
    ("GET", "/notes/<int:note_id>/edit"): per_note(note_write("200")),
    ("POST", "/notes/<int:note_id>/edit"): [
        case(note_write("302")[v], v, note_id=f"note:{v}", data=_note_form(v)) for v in NOTE_VISIBILITIES],
    ("GET", "/notes/<int:note_id>/history"): per_note(note_write("200")),
    ("GET", "/notes/<int:note_id>/diff"): per_note(note_write("200"), query="from=1&to=2"),
    ("POST", "/notes/<int:note_id>/restore/<int:number>"): per_note(note_write("302")),
    ("POST", "/notes/<int:note_id>/attachments"): per_note(note_write("302"), data=_upload),
    ("POST", "/notes/<int:note_id>/attachments/<int:attachment_id>/delete"): per_note(note_write("302")),

    # The organisers' panel.
    ("GET", "/admin/"): [organisers_only("200"), organisers_only("200", "a year", query="period=365"),
                         organisers_only("200", "an unknown period", query="period=x")],
    ("GET", "/admin/dashboard/<any(upcoming, members, attendance, polls, filled, emails):chart>.csv"): [
        organisers_only("200", chart, chart=chart, query="period=30")
        for chart in ("upcoming", "members", "attendance", "polls", "filled", "emails")],
    ("GET", "/admin/audit"): [organisers_only("200"), organisers_only("200", "filtered",
                                                                  query="kind=seat.added&session=1&actor=1")],
    ("GET", "/admin/audit.csv"): [organisers_only("200")],
    ("GET", "/admin/members"): [organisers_only("200")],
    ("POST", "/admin/members/<int:user_id>/role"): [organisers_only("302", data={"role": "analyst"})],
    ("GET", "/admin/members.csv"): [organisers_only("200")],
    ("GET", "/admin/members/<int:user_id>"): [organisers_only("200")],
    ("POST", "/admin/members/<int:user_id>/<any(deactivate, reactivate):action>"): [
        organisers_only("302", "deactivate", action="deactivate"),
        organisers_only("302", "reactivate", action="reactivate")],
    ("GET", "/admin/notes"): [organisers_only("200")],
    ("GET", "/admin/inbound"): [organisers_only("200")],
    ("GET", "/admin/inbound/<int:message_id>"): [organisers_only("200", message_id="inbound")],
    ("POST", "/admin/inbound/<int:message_id>/reprocess"): [
        organisers_only("302", "a message that did not fail", message_id="inbound")],
    ("GET", "/inbound/decline/<token>"): [everyone("200", "the attendee's link", token="decline_token")],
    ("POST", "/inbound/decline/<token>"): [everyone("200", "the attendee's link", token="decline_token",
                                                    fresh=True)],
    ("GET", "/inbound/take-back/<token>"): [everyone("400", "a seat still held", token="rejoin_token")],
    ("POST", "/inbound/take-back/<token>"): [everyone("400", "a seat still held", token="rejoin_token")],
    ("GET", "/inbound/signup/<token>"): [everyone("200", "a member's emailed link", token="signup_token")],
    ("POST", "/inbound/signup/<token>"): [everyone("200", "a member's emailed link", token="signup_token",
                                                   fresh=True)],
    ("GET", "/admin/outbox"): [organisers_only("200")],
    ("GET", "/admin/outbox/<int:message_id>"): [organisers_only("200")],
    ("POST", "/admin/outbox/<int:message_id>/resend"): [organisers_only("302")],
    ("GET", "/admin/series"): [organisers_only("200")],
    ("GET", "/admin/series/new"): [organisers_only("200")],
    ("POST", "/admin/series/new"): [organisers_only("302", data=_series_form)],
    ("GET", "/admin/series/<int:series_id>"): [organisers_only("200")],
    ("GET", "/admin/series/<int:series_id>/edit"): [organisers_only("200")],
    ("POST", "/admin/series/<int:series_id>/edit"): [organisers_only("302", data=_series_form)],
    ("POST", "/admin/series/<int:series_id>/generate"): [organisers_only("302", data={"count": "2"})],
    ("GET", "/admin/sessions"): [organisers_only("200")],
    ("GET", "/admin/sessions/new"): [organisers_only("200")],
    ("POST", "/admin/sessions/new"): [organisers_only("302", data=_session_form)],
    ("GET", "/admin/sessions/<int:session_id>/edit"): [
        organisers_only("200", "published"), organisers_only("200", "draft", session_id="draft")],
    ("POST", "/admin/sessions/<int:session_id>/edit"): [organisers_only("302", data=_session_form)],
    ("POST", "/admin/sessions/<int:session_id>/<any(publish, cancel, skip, restore):action>"): [
        organisers_only("302", f"{action} the draft", action=action, session_id="draft")
        for action in ("publish", "cancel", "skip", "restore")],
    ("GET", "/admin/sessions/<int:session_id>/attendees"): [organisers_only("200")],
    ("POST", "/admin/sessions/<int:session_id>/attendees"): [
        organisers_only("302", data={"email": "guest@example.com"})],
    ("GET", "/admin/sessions/<int:session_id>/attendees.csv"): [organisers_only("200")],
    ("POST", "/admin/sessions/<int:session_id>/attendees/<int:reg_id>/<any(remove, promote):action>"): [
        organisers_only("302", action, action=action) for action in ("promote", "remove")],
    ("POST", "/admin/sessions/<int:session_id>/message"): [
        organisers_only("302", data={"subject": "Change of room", "body": "We moved upstairs."})],
    ("GET", "/admin/sessions/<int:session_id>/follow-up"): [organisers_only("200")],
    ("POST", "/admin/sessions/<int:session_id>/follow-up"): [organisers_only("302")],
    ("GET", "/admin/sessions/<int:session_id>/polls"): [organisers_only("200")],
    ("GET", "/admin/sessions/<int:session_id>/polls/new"): [organisers_only("200")],
    ("POST", "/admin/sessions/<int:session_id>/polls/new"): [organisers_only("302", data=_poll_form)],
    ("POST", "/admin/sessions/<int:session_id>/polls/copy"): [
        organisers_only("302", data=lambda w: {"source": w["draft_session_poll"]})],
    ("GET", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/edit"): [organisers_only("200")],
    ("POST", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/edit"): [
        organisers_only("302", data=_poll_form)],
    ("POST", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/"
             "<any(open, close, live, up, down, duplicate, delete):action>"): [
        organisers_only("302", action, action=action, poll_id="draft_poll")
        for action in ("open", "close", "live", "up", "down", "duplicate", "delete")],
    ("GET", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/results"): [organisers_only("200")],
    ("POST", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/results/<any(publish, hide):action>"): [
        organisers_only("302", f"{action} a closed poll's results", action=action, poll_id="closed_poll")
        for action in ("publish", "hide")],
    ("GET", "/admin/sessions/<int:session_id>/polls/<int:poll_id>/<any(results, comments):part>.csv"): [
        organisers_only("200", part, part=part) for part in ("results", "comments")],
}


def _cases(reading: bool):
    """pytest params: GET cases (read-only, on one shared world) or the others."""
    for (method, rule), cases in MATRIX.items():
        for c in cases:
            if (method == "GET" and not c.fresh) != reading:
                continue
            name = f"{method} {rule}" + (f" [{c.label}]" if c.label else "")
            if c.fresh:
                for i, viewer in enumerate(VIEWERS):
                    yield pytest.param(method, rule, c, (i,), id=f"{name} as {viewer}")
            else:
                yield pytest.param(method, rule, c, tuple(range(len(VIEWERS))), id=name)


def _visit(app, world: dict, viewer: str, method: str, url: str, c: Case) -> str:
    """Log a new client in as `viewer` (unless anonymous) and make the request."""
    client = app.test_client()
    if viewer != "anonymous":
        login = client.post("/login", data={"email": world[f"email:{viewer}"], "password": PASSWORD})
        assert login.status_code == 302, f"{viewer} could not log in"
    data = c.data(world) if callable(c.data) else c.data
    with client.open(url, method=method, data=data) as response:
        return outcome(response)


def _check(app, world: dict, method: str, rule: str, c: Case, viewers) -> None:
    """Each viewer in turn makes the request; every outcome must be the matrix's."""
    url = build_url(rule, c, world)
    got = tuple(_visit(app, world, VIEWERS[i], method, url, c) for i in viewers)
    want = tuple(c.expected[i] for i in viewers)
    assert got == want, "\n".join(
        [f"{method} {url}"] + [f"  {VIEWERS[i]:<12} expected {w:<6} got {g}"
                               for i, w, g in zip(viewers, want, got, strict=True) if w != g])


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory, smtp_server):
    """One app and world for every GET case (they change nothing a later case depends on)."""
    with app_with_world(tmp_path_factory.mktemp("matrix"), smtp_server) as app_and_world:
        yield app_and_world


@pytest.mark.parametrize("method,rule,c,viewers", list(_cases(reading=True)))
def test_reading(shared_world, method, rule, c, viewers):
    application, world = shared_world
    with application.app_context():
        if db.session.get(User, world["organiser"]) is None:  # PostgreSQL: a test emptied the database
            _reset_database()
            with cheap_passwords():
                world.update(build_world())
        _check(application, world, method, rule, c, viewers)
        db.session.remove()


@pytest.mark.parametrize("method,rule,c,viewers", list(_cases(reading=False)))
def test_acting(app, method, rule, c, viewers):
    with cheap_passwords():
        world = build_world()
    _check(app, world, method, rule, c, viewers)


def _routes(application) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in application.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_is_in_the_matrix(app):
    routes = _routes(app)
    missing = sorted(routes - MATRIX.keys())
    assert not missing, "add it to the matrix (tests/security/test_authorisation_matrix.py): " + ", ".join(
        f"{m} {r}" for m, r in missing)
    gone = sorted(MATRIX.keys() - routes)
    assert not gone, "the matrix names routes that no longer exist: " + ", ".join(f"{m} {r}" for m, r in gone)


def test_every_choice_of_an_any_converter_is_in_the_matrix(app):
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if not isinstance(converter, AnyConverter):
                continue
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                covered = {c.params.get(name) for c in MATRIX[(method, rule.rule)]}
                assert converter.items <= covered, (
                    f"{method} {rule.rule}: add a case for {sorted(converter.items - covered)}")


def test_a_new_route_without_an_entry_fails_the_check(tmp_path, smtp_server):
    application = create_app(make_config(tmp_path, smtp_server))

    @application.get("/brand-new")
    def brand_new():
        return "new"

    assert _routes(application) - MATRIX.keys() == {("GET", "/brand-new")}
    with application.app_context():
        db.engine.dispose()
