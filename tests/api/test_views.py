"""The JSON API names only what a visitor may see, and takes any text in its parameters."""
import pytest

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


@pytest.mark.parametrize("raw", ["%00", "summary%00", "%01%1B%7F", "%ED%A0%80", "pre_read%00"])
def test_api_refuses_control_characters_in_a_filter_and_ignores_unknown_parameters(client, raw):
    make_note(title="Data maturity", visibility="public")
    make_session(title="Open topic", slug="open-topic")
    db.session.commit()
    notes = client.get(f"/api/v1/notes?kind={raw}")
    assert notes.status_code == 400
    assert notes.get_json() == {"error": "kind must be one of: pre_read, summary."}
    sessions = client.get(f"/api/v1/sessions?q={raw}")
    assert sessions.status_code == 200 and len(sessions.get_json()["sessions"]) == 1
