"""Who may read a note: every role x every visibility, for the page, its attachment, search, the
library, the session page and the JSON API; then embargoes, the Chatham House banner and open counts."""
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from community.db import db, utcnow
from community.notes import services as notes
from community.signups import services as signups
from tests.factories import make_attachment, make_note, make_session, make_user
from tests.notes.helpers import PDF, download

TITLE = "Quokka ledger briefing"
#: The unique search word, and a phrase that only a reader of the body may see.
WORD = "zanzibarite"
SECRET = "seventeen maturity levels"
BODY = f"Our {WORD} estimate: {SECRET} across the panel.\n\nQuestions for the room follow."

ROLES = ("anonymous", "unconfirmed", "member", "attendee", "author", "other_analyst", "organiser")
VISIBILITIES = ("draft", "public", "members", "attendees", "embargoed")
OK, LOGIN, FORBIDDEN, MISSING = 200, 302, 403, 404

#: The note page and its attachment: allowed (200), or refused with 302 to /login, 403 or 404.
EXPECTED = {
    #                 draft    public  members    attendees  embargoed
    "anonymous":     (MISSING, OK,     LOGIN,     LOGIN,     MISSING),
    "unconfirmed":   (MISSING, OK,     FORBIDDEN, FORBIDDEN, MISSING),
    "member":        (MISSING, OK,     OK,        FORBIDDEN, MISSING),
    "attendee":      (MISSING, OK,     OK,        OK,        MISSING),
    "author":        (OK,      OK,     OK,        OK,        OK),
    "other_analyst": (MISSING, OK,     OK,        FORBIDDEN, MISSING),
    "organiser":     (OK,      OK,     OK,        OK,        OK),
}
#: Lists of published notes (library, API list) never show drafts or embargoed notes, even to
#: their authors (who find them under "My notes").
UNPUBLISHED = {"draft", "embargoed"}


def _cells():
    return [pytest.param(role, visibility, EXPECTED[role][i], id=f"{role}-{visibility}")
            for role in ROLES for i, visibility in enumerate(VISIBILITIES)]


CELLS = _cells()


@dataclass
class Cell:
    """One note of the matrix, its attachment and the viewer (None for anonymous)."""

    note_id: int
    slug: str
    session_id: int
    attachment_id: int
    attachment_name: str


def _note_fields(visibility: str) -> dict:
    if visibility == "embargoed":
        return {"visibility": "public", "embargo_until": utcnow() + timedelta(days=1)}
    return {"visibility": visibility}


def _viewer(role: str, author, session):
    """The account of `role` (None for anonymous)."""
    if role == "anonymous":
        return None
    if role == "author":
        return author
    if role == "attendee":
        attendee = make_user(name="Attending Member")
        signups.sign_up(attendee, session)
        return attendee
    return {"unconfirmed": lambda: make_user(confirmed=False),
            "member": lambda: make_user(),
            "other_analyst": lambda: make_user(role="analyst"),
            "organiser": lambda: make_user(role="organiser")}[role]()


@pytest.fixture
def cell(auth):
    """Builds the note for a (role, visibility) pair and logs the viewer in."""

    def build(role: str, visibility: str) -> Cell:
        session = make_session(title="Data maturity roundtable", description="Panel.")
        author = make_user(role="analyst", name="Ana Analyst")
        note = make_note(author=author, title=TITLE, body=BODY, sessions=[session],
                         **_note_fields(visibility))
        attachment = make_attachment(note, filename="figures.pdf", data=PDF)
        viewer = _viewer(role, author, session)
        db.session.commit()
        if viewer is not None:
            assert auth.login(viewer).status_code == 302
        return Cell(note.id, note.slug, session.id, attachment.id, attachment.filename)

    return build


def _assert_refused(response, expected: int) -> None:
    """Refused with the expected status, and nothing of the note in the answer."""
    assert response.status_code == expected
    if expected == LOGIN:
        assert urlsplit(response.headers["Location"]).path == "/login"
    data = response.get_data()
    assert TITLE.encode() not in data and SECRET.encode() not in data and PDF not in data


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_note_page(client, cell, role, visibility, expected):
    c = cell(role, visibility)
    response = client.get(f"/notes/{c.note_id}")
    if expected != OK:
        _assert_refused(response, expected)
        _assert_refused(client.get(f"/notes/{c.note_id}-{c.slug}"), expected)
        return
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/notes/{c.note_id}-{c.slug}")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert TITLE in text and SECRET in text and c.attachment_name in text


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_attachment_download(client, cell, role, visibility, expected):
    c = cell(role, visibility)
    response = download(client, f"/notes/{c.note_id}/files/{c.attachment_id}/{c.attachment_name}")
    if expected != OK:
        _assert_refused(response, expected)
        return
    assert response.status_code == 200 and response.get_data() == PDF


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_search_results(client, cell, role, visibility, expected):
    c = cell(role, visibility)
    response = client.get(f"/search?q={WORD}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if expected == OK:
        assert TITLE in page and f"<mark>{WORD}</mark>" in page
    else:
        assert TITLE not in page and SECRET not in page and f"/notes/{c.note_id}-" not in page
        assert "0 results" in page


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_library_lists_only_published_notes_the_viewer_may_read(client, cell, role, visibility, expected):
    c = cell(role, visibility)
    page = client.get("/notes").get_data(as_text=True)
    listed = expected == OK and visibility not in UNPUBLISHED
    assert (TITLE in page) is listed
    assert (f"/notes/{c.note_id}-" in page) is listed


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_session_page_lists_the_note_only_to_readers(client, cell, role, visibility, expected):
    c = cell(role, visibility)
    page = client.get(f"/sessions/{c.session_id}", follow_redirects=True).get_data(as_text=True)
    assert (TITLE in page) is (expected == OK)


def _require_api(app, path: str) -> None:
    """Skip (at run time) while the API has no such route."""
    if not any(rule.rule == path for rule in app.url_map.iter_rules()):
        pytest.skip("no API route yet")


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_api_note(app, client, cell, role, visibility, expected):
    _require_api(app, "/api/v1/notes/<int:note_id>")
    c = cell(role, visibility)
    response = client.get(f"/api/v1/notes/{c.note_id}")
    if visibility != "public":  # the API is the same for everyone: what a visitor may read
        # The API never redirects nor says "forbidden": what the caller may not read does not exist.
        assert response.status_code == MISSING
        assert response.get_json() == {"error": "not found"}
        assert TITLE.encode() not in response.get_data() and SECRET.encode() not in response.get_data()
        return
    assert response.status_code == 200
    data = response.get_json()
    assert data["title"] == TITLE and SECRET in data["body_markdown"]
    assert [a["filename"] for a in data["attachments"]] == [c.attachment_name]


@pytest.mark.parametrize(("role", "visibility", "expected"), CELLS)
def test_api_note_list(app, client, cell, role, visibility, expected):
    _require_api(app, "/api/v1/notes")
    c = cell(role, visibility)
    response = client.get("/api/v1/notes")
    assert response.status_code == 200
    ids = [n["id"] for n in response.get_json()["notes"]]
    assert (c.note_id in ids) is (visibility == "public")
    assert SECRET.encode() not in response.get_data()


# Beyond the matrix ---------------------------------------------------------------------------


def test_waitlisted_member_may_not_read_an_attendees_note(client, auth):
    session = make_session(capacity=1)
    signups.sign_up(make_user(), session)
    waiting = make_user()
    assert signups.sign_up(waiting, session).status == "waitlisted"
    note = make_note(title=TITLE, body=BODY, visibility="attendees", sessions=[session])
    db.session.commit()
    auth.login(waiting)
    _assert_refused(client.get(f"/notes/{note.id}"), FORBIDDEN)


def test_attendee_of_another_session_may_not_read_an_attendees_note(client, auth):
    linked, other = make_session(), make_session(title="Another topic", slug="another-topic")
    attendee = make_user()
    signups.sign_up(attendee, other)
    note = make_note(title=TITLE, body=BODY, visibility="attendees", sessions=[linked])
    db.session.commit()
    auth.login(attendee)
    _assert_refused(client.get(f"/notes/{note.id}"), FORBIDDEN)


def test_attendee_still_reads_the_note_after_the_session_took_place(client, auth):
    session = make_session()
    attendee = make_user()
    signups.sign_up(attendee, session)
    note = make_note(title=TITLE, body=BODY, visibility="attendees", sessions=[session])
    db.session.commit()
    with time_machine.travel(session.ends_at + timedelta(days=30), tick=False):
        auth.login(attendee)  # a login cookie is signed with the time: log in on the day
        page = client.get(f"/notes/{note.id}-{note.slug}")
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)


def test_embargoed_note_is_readable_by_its_audience_once_the_embargo_passes(client, auth):
    member = make_user()
    lifted = utcnow().replace(microsecond=0) + timedelta(days=2)
    note = make_note(title=TITLE, body=BODY, visibility="members", embargo_until=lifted)
    db.session.commit()
    with time_machine.travel(lifted - timedelta(minutes=1), tick=False):
        auth.login(member)  # in the travelled time: a session ends after two idle hours
        _assert_refused(client.get(f"/notes/{note.id}-{note.slug}"), MISSING)
        assert TITLE not in client.get(f"/search?q={WORD}").get_data(as_text=True)
    with time_machine.travel(lifted + timedelta(minutes=1), tick=False):
        auth.login(member)
        page = client.get(f"/notes/{note.id}-{note.slug}")
        assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
        assert TITLE in client.get(f"/search?q={WORD}").get_data(as_text=True)
        assert TITLE in client.get("/notes").get_data(as_text=True)


def test_embargoed_note_stays_hidden_from_visitors_after_the_embargo_if_members_only(client):
    lifted = utcnow() + timedelta(days=2)
    note = make_note(title=TITLE, body=BODY, visibility="members", embargo_until=lifted)
    db.session.commit()
    with time_machine.travel(lifted + timedelta(minutes=1), tick=False):
        _assert_refused(client.get(f"/notes/{note.id}-{note.slug}"), LOGIN)


def test_author_sees_the_embargo_on_the_note(client, auth):
    author = make_user(role="analyst")
    note = make_note(author=author, visibility="public", embargo_until=utcnow() + timedelta(days=2))
    db.session.commit()
    auth.login(author)
    page = client.get(f"/notes/{note.id}-{note.slug}").get_data(as_text=True)
    assert "Embargoed until" in page and "Only authors and organisers see it." in page


def test_chatham_house_banner_shows_on_a_marked_note(client):
    note = make_note(visibility="public", chatham_house=True)
    db.session.commit()
    page = client.get(f"/notes/{note.id}-{note.slug}").get_data(as_text=True)
    assert "Chatham House Rule." in page and 'class="notice notice-warn chatham"' in page


def test_no_chatham_house_banner_on_an_unmarked_note(client):
    note = make_note(visibility="public")
    db.session.commit()
    assert "Chatham House Rule." not in client.get(f"/notes/{note.id}-{note.slug}").get_data(as_text=True)


def _attendees_note_opened_by_one_attendee(client, auth):
    """An attendees' pre-read opened (twice) by one attendee; returns the note, author and attendee."""
    session = make_session()
    author = make_user(role="analyst")
    attendee = make_user(name="Grace Attendee")
    signups.sign_up(attendee, session)
    note = make_note(author=author, title=TITLE, body=BODY, visibility="attendees", sessions=[session])
    db.session.commit()
    auth.login(attendee)
    for _ in range(2):
        assert client.get(f"/notes/{note.id}-{note.slug}").status_code == 200
    auth.logout()
    return note, author, attendee


@pytest.mark.parametrize("role", ["author", "organiser"])
def test_authors_and_organisers_see_how_many_attendees_opened_the_note_not_who(client, auth, role):
    note, author, attendee = _attendees_note_opened_by_one_attendee(client, auth)
    viewer = author if role == "author" else make_user(role="organiser")
    db.session.commit()
    auth.login(viewer)
    page = client.get(f"/notes/{note.id}-{note.slug}").get_data(as_text=True)
    assert "Opened by 1 attendee." in page
    assert attendee.name not in page and attendee.email not in page


def test_readers_do_not_see_the_open_count(client, auth):
    note, _, attendee = _attendees_note_opened_by_one_attendee(client, auth)
    auth.login(attendee)
    assert "Opened by" not in client.get(f"/notes/{note.id}-{note.slug}").get_data(as_text=True)


def test_open_count_leaves_out_authors_organisers_and_members_without_a_seat(client, auth):
    session = make_session()
    author, organiser, member = make_user(role="analyst"), make_user(role="organiser"), make_user()
    note = make_note(author=author, title=TITLE, visibility="members", sessions=[session])
    db.session.commit()
    for viewer in (author, organiser, member):
        auth.login(viewer)
        assert client.get(f"/notes/{note.id}-{note.slug}").status_code == 200
        auth.logout()
    assert notes.open_count(note) == 0
    auth.login(author)
    assert "Opened by 0 attendees." in client.get(f"/notes/{note.id}-{note.slug}").get_data(as_text=True)
