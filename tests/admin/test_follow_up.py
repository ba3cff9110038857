"""The follow-up email after a session: summary, notes and closed polls, to those who held a seat."""
from datetime import timedelta

from community.db import db, utcnow
from community.notes import services as notes
from community.notes.models import NoteKind, Visibility
from community.polls.models import ResultsVisibility
from community.signups import services as signups
from tests.factories import make_poll, make_session, make_user


def _past_session_with_attendees(capacity=2):
    session = make_session(starts_at=utcnow() + timedelta(days=1), capacity=capacity)
    seated = [make_user() for _ in range(capacity)]
    waiting = make_user()
    for user in [*seated, waiting]:
        signups.sign_up(user, session)
    session.starts_at = utcnow() - timedelta(hours=3)
    session.ends_at = utcnow() - timedelta(hours=2)
    return session, seated, waiting


def test_follow_up_reaches_attendees_with_summary_notes_and_chatham_banner(client, auth, mailbox):
    organiser = make_user(role="organiser")
    analyst = make_user(role="analyst")
    session, seated, waiting = _past_session_with_attendees()
    notes.create(analyst, title="What the room concluded", summary="Good enough often is.",
                 body="Details.", kind=NoteKind.SUMMARY, visibility=Visibility.ATTENDEES,
                 chatham_house=True, sessions=[session])
    db.session.commit()
    auth.login(organiser)
    page = client.get(f"/admin/sessions/{session.id}/follow-up").get_data(as_text=True)
    assert "What the room concluded" in page and "Chatham House" in page
    mailbox.clear()
    response = client.post(f"/admin/sessions/{session.id}/follow-up", follow_redirects=True)
    assert "The follow-up is on its way" in response.get_data(as_text=True)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(u.email for u in seated)
    text = mailbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "SUMMARY: What the room concluded" in text and "Chatham House Rule" in text
    assert "/notes/" in text


def test_follow_up_with_nothing_to_send_is_refused_clearly(client, auth, mailbox):
    organiser = make_user(role="organiser")
    session, _, _ = _past_session_with_attendees()
    db.session.commit()
    auth.login(organiser)
    mailbox.clear()
    response = client.post(f"/admin/sessions/{session.id}/follow-up", follow_redirects=True)
    assert "There is nothing to send yet" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_admin_notes_list_shows_every_note_to_organisers_only(client, auth):
    analyst = make_user(role="analyst")
    notes.create(analyst, title="Secret draft", body="x")
    organiser, member = make_user(role="organiser"), make_user()
    db.session.commit()
    auth.login(member)
    assert client.get("/admin/notes").status_code == 403
    client.post("/logout")
    auth.login(organiser)
    assert "Secret draft" in client.get("/admin/notes").get_data(as_text=True)


def test_api_openapi_document_lists_the_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/sessions", "/sessions/{id}", "/notes", "/notes/{id}"} <= set(doc["paths"])


def test_api_lists_sessions_and_hides_drafts(client):
    make_session(title="Open one", slug="open-one")
    draft = make_session(title="Hidden", slug="hidden", status="draft")
    db.session.commit()
    data = client.get("/api/v1/sessions").get_json()
    assert [s["title"] for s in data["sessions"]] == ["Open one"]
    assert client.get(f"/api/v1/sessions/{draft.id}").status_code == 404


def test_follow_up_preview_page_shows_an_attendees_copy_and_what_stays_with_organisers(client, auth):
    organiser = make_user(role="organiser")
    session, _, _ = _past_session_with_attendees()
    make_poll(session, question="Shared with the room?", status="closed",
              results_visibility=ResultsVisibility.AFTER_CLOSE)
    make_poll(session, question="Kept for the organisers?", status="closed", position=2,
              results_visibility=ResultsVisibility.ORGANISERS)
    db.session.commit()
    auth.login(organiser)
    page = client.get(f"/admin/sessions/{session.id}/follow-up").get_data(as_text=True)
    sent = next(line for line in page.splitlines() if "Closed polls:" in line)
    assert "Shared with the room?" in sent and "Kept for the organisers?" not in sent
    kept = next(line for line in page.splitlines() if "Kept for organisers and hosts" in line)
    assert "Kept for the organisers?" in kept
