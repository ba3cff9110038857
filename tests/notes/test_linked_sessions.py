"""A note names only the linked sessions its reader may see: on its page, in the writing form,
and in what its writers may link; links an analyst may not see stay as they are."""
import pytest
from sqlalchemy import select

from community.core.errors import DomainError
from community.db import db
from community.notes import services
from community.notes.models import Note
from tests.factories import make_note, make_session, make_user

OPEN_TOPIC = "Is good enough, enough?"
SECRET_TOPIC = "Secret merger talks"


def _sessions():
    """A published session and a draft one (whose topic is not announced yet)."""
    published = make_session(title=OPEN_TOPIC)
    draft = make_session(title=SECRET_TOPIC, slug="secret-merger-talks", status="draft")
    return published, draft


@pytest.mark.parametrize("role", [None, "member", "analyst"])
def test_public_note_names_only_the_linked_sessions_the_reader_may_see(client, auth, role):
    organiser = make_user(role="organiser")
    published, draft = _sessions()
    note = make_note(author=organiser, visibility="public", sessions=[published, draft])
    if role:
        auth.log_in_new_user(role=role)
    db.session.commit()
    page = client.get(f"/notes/{note.id}", follow_redirects=True).get_data(as_text=True)
    assert OPEN_TOPIC in page
    assert SECRET_TOPIC not in page and "secret-merger" not in page


def test_organisers_see_every_linked_session_of_a_note(client, auth):
    organiser = make_user(role="organiser")
    published, draft = _sessions()
    note = make_note(author=organiser, visibility="public", sessions=[published, draft])
    db.session.commit()
    auth.login(organiser)
    page = client.get(f"/notes/{note.id}", follow_redirects=True).get_data(as_text=True)
    assert OPEN_TOPIC in page and SECRET_TOPIC in page


def test_note_form_offers_draft_sessions_to_organisers_only(client, auth):
    _sessions()
    analyst = make_user(role="analyst")
    organiser = make_user(role="organiser")
    db.session.commit()
    auth.login(analyst)
    page = client.get("/notes/new").get_data(as_text=True)
    assert OPEN_TOPIC in page and SECRET_TOPIC not in page
    auth.logout()
    auth.login(organiser)
    assert SECRET_TOPIC in client.get("/notes/new").get_data(as_text=True)


def test_analyst_may_not_link_a_draft_session(app):
    _, draft = _sessions()
    analyst = make_user(role="analyst")
    with pytest.raises(DomainError, match="Choose the linked sessions from the list"):
        make_note(author=analyst, sessions=[draft])
    note = make_note(author=analyst)
    with pytest.raises(DomainError, match="Choose the linked sessions from the list"):
        services.update(analyst, note, sessions=[draft])


def test_analyst_editing_a_note_keeps_the_links_to_sessions_they_may_not_see(client, auth):
    organiser = make_user(role="organiser")
    analyst = make_user(role="analyst")
    published, draft = _sessions()
    note = make_note(author=organiser, authors=[analyst], visibility="members",
                     sessions=[published, draft])
    db.session.commit()
    auth.login(analyst)
    page = client.get(f"/notes/{note.id}/edit").get_data(as_text=True)
    assert SECRET_TOPIC not in page
    response = client.post(f"/notes/{note.id}/edit", data={
        "title": note.title, "body": "Changed.", "kind": "pre_read", "visibility": "members",
        "sessions": [str(published.id)], "authors": [str(a.id) for a in note.authors]})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(select(Note).where(Note.id == note.id))
    assert saved.body == "Changed."
    assert sorted(s.id for s in saved.sessions) == sorted([published.id, draft.id])
