"""The JSON API names only what the caller may see."""
from community.db import db
from tests.factories import make_note, make_session, make_user


def test_api_note_lists_only_the_linked_sessions_the_caller_may_see(client):
    organiser = make_user(role="organiser")
    published = make_session(title="Open topic", slug="open-topic")
    draft = make_session(title="Secret merger talks", slug="secret", status="draft")
    note = make_note(author=organiser, visibility="public", sessions=[published, draft])
    db.session.commit()
    assert client.get(f"/api/v1/notes/{note.id}").get_json()["sessions"] == [published.id]
    (listed,) = client.get("/api/v1/notes").get_json()["notes"]
    assert listed["sessions"] == [published.id]
