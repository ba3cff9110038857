"""Organisers email a session's attendees from the panel, through the outbox."""
from community.db import db
from community.signups import services as signups
from tests.factories import make_session, make_user


def test_organiser_emails_the_confirmed_attendees(client, auth, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1)
    seated, waiting = make_user(), make_user()
    signups.sign_up(seated, session)
    signups.sign_up(waiting, session)
    db.session.commit()
    auth.login(organiser)
    mailbox.clear()
    response = client.post(f"/admin/sessions/{session.id}/message",
                           data={"subject": "Room change", "body": "We meet in room 4."},
                           follow_redirects=True)
    assert "is on its way" in response.get_data(as_text=True)
    assert [m["To"] for m in mailbox.messages] == [seated.email]
    assert "room 4" in mailbox.messages[0].get_body(preferencelist=("plain",)).get_content()


def test_message_without_subject_or_body_is_refused_clearly(client, auth, mailbox):
    organiser = make_user(role="organiser")
    session = make_session()
    signups.sign_up(make_user(), session)
    db.session.commit()
    auth.login(organiser)
    mailbox.clear()
    response = client.post(f"/admin/sessions/{session.id}/message", data={"subject": "", "body": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Write a subject." in page and "Write the message." in page
    assert mailbox.messages == []


def test_members_cannot_email_attendees(client, auth):
    member = make_user()
    session = make_session()
    db.session.commit()
    auth.login(member)
    response = client.post(f"/admin/sessions/{session.id}/message", data={"subject": "x", "body": "y"})
    assert response.status_code == 403
