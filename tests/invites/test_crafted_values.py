"""One crafted value must not stop the machine: line breaks in titles and subjects, and an
announcement that cannot be expanded, are refused or isolated, never a 500 or a stuck sweep."""
import pytest

from community import queue
from community.core.errors import DomainError
from community.db import db
from community.invites import services as invites
from community.invites import worker
from community.invites.models import Announcement, AnnouncementKind
from community.sessions import services as sessions
from community.signups import services as signups
from tests.factories import make_session, make_user

CRAFTED = "Roundtable\r\nBcc: everyone@example.com"


def test_a_stored_title_with_a_line_break_does_not_break_sign_up(client, auth, mailbox):
    session = make_session(title=CRAFTED)  # as if it had been stored before the forms checked
    member = make_user()
    db.session.commit()
    auth.login(member)
    response = client.post(f"/sessions/{session.id}/signup")
    assert response.status_code == 302
    [message] = mailbox.to(member.email)
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Bcc"] is None


def test_a_subject_with_a_line_break_is_refused_by_the_service(app):
    organiser = make_user(role="organiser")
    session = make_session()
    with pytest.raises(DomainError) as refused:
        invites.message(session, organiser, subject=CRAFTED, body="Hello", include_waitlist=False)
    assert refused.value.field == "subject"


def test_a_crafted_subject_posted_to_the_panel_is_refused_without_an_announcement(client, organiser):
    session = make_session()
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/message",
                           data={"subject": CRAFTED, "body": "Hello"}, follow_redirects=True)
    assert response.status_code in (200, 400)
    assert db.session.query(Announcement).count() == 0


@pytest.mark.parametrize("field", ["title", "venue", "join_url"])
def test_session_fields_with_line_breaks_are_refused(app, field):
    organiser = make_user(role="organiser")
    session = make_session(status="draft")
    value = "https://meet.example.com/a\nb" if field == "join_url" else "Line one\nline two"
    with pytest.raises(DomainError) as refused:
        sessions.update_session(organiser, session, **{field: value})
    assert refused.value.field == field


def test_a_description_keeps_its_line_breaks(app):
    organiser = make_user(role="organiser")
    session = make_session(status="draft")
    sessions.update_session(organiser, session, description="First paragraph.\n\nSecond one.")
    assert session.description == "First paragraph.\n\nSecond one."


def test_a_failing_announcement_is_set_aside_and_the_others_still_go_out(app, mailbox):
    session = make_session()
    member = make_user()
    signups.sign_up(member, session)
    db.session.commit()
    # Rows as a crash left them, never handed to the queue: the sweeper must find both. The
    # first has no "changes" in its payload, so writing its emails raises.
    broken = Announcement(session_id=session.id, kind=AnnouncementKind.CHANGED, payload={})
    good = Announcement(session_id=session.id, kind=AnnouncementKind.MESSAGE,
                        payload={"subject": "Bring an example", "body": "See you on Thursday.",
                                 "include_waitlist": False})
    db.session.add_all([broken, good])
    db.session.commit()
    mailbox.clear()
    assert queue.run_now("invites.sweep_announcements") == 2
    db.session.expire_all()
    assert db.session.get(Announcement, good.id).expanded_at is not None
    assert [m["Subject"] for m in mailbox.to(member.email)] == ["Bring an example"]
    row = db.session.get(Announcement, broken.id)
    assert row.expanded_at is None and row.attempts == 1 and "KeyError" in row.last_error
    for _ in range(worker.MAX_ATTEMPTS - 1):
        queue.run_now("invites.sweep_announcements")
    db.session.expire_all()
    assert db.session.get(Announcement, broken.id).failed_at is not None
    assert worker.unexpanded() == []
