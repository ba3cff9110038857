"""Markdown is rendered and sanitised once, when it is saved: pages show the stored HTML."""
from sqlalchemy import text

from community.db import db
from community.notes import services as notes
from tests.factories import make_note, make_series, make_session, make_user


def test_a_session_description_is_rendered_and_sanitised_when_set(app):
    session = make_session(description="**Bring** one example. <script>alert(1)</script>")
    assert "<strong>Bring</strong>" in session.description_html
    assert "<script" not in session.description_html
    session.description = "A [link](javascript:alert(1)) and _emphasis_"
    assert "<em>emphasis</em>" in session.description_html
    assert "href=\"javascript" not in session.description_html


def test_a_series_description_and_a_note_body_too(app):
    series = make_series(description="# Agenda")
    note = make_note(body="- first\n- second")
    assert "<h1>Agenda</h1>" in series.description_html
    assert "<li>first</li>" in note.body_html


def test_the_session_page_shows_the_stored_html_without_rendering_again(client):
    session = make_session(description="Rendered when saved.")
    db.session.commit()
    # What a page shows is the stored column: change it behind the model's back.
    db.session.execute(text("UPDATE sessions SET description_html = '<p>Stored copy.</p>' WHERE id = :id"),
                       {"id": session.id})
    db.session.commit()
    page = client.get(f"/sessions/{session.id}-{session.slug}").data
    assert b"<p>Stored copy.</p>" in page
    assert b"Rendered when saved." not in page


def test_restoring_a_note_revision_renders_its_body_again(app):
    author = make_user(role="analyst")
    note = notes.create(author, title="Customer data", body="First **version**")
    notes.update(author, note, body="Second version", message="rewrite")
    assert "<strong>" not in note.body_html
    notes.restore(author, note, 1)
    assert "<strong>version</strong>" in note.body_html
