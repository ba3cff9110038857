"""Only a confirmed seat gets the join link: in every email, in every calendar part, on the page."""
from datetime import timedelta
from pathlib import Path

import time_machine

from community.db import db, utcnow
from community.invites import services as invites
from community.invites import worker
from community.sessions import services as sessions
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.imip import calendar_part

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
OLD_LINK = "https://meet.example.com/roundtable"
NEW_LINK = "https://meet.example.com/new-room"


def _everything(message) -> str:
    """Every decoded part of a message (text, HTML and calendar) and its headers, as text."""
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        if not part.is_multipart():
            content = part.get_content()
            parts.append(content.decode() if isinstance(content, bytes) else content)
    return "\n".join(parts)


def _full_session_with_waitlist():
    """A one-seat session: Ada holds the seat, Grace waits (with a tentative calendar entry)."""
    session = make_session(capacity=1, join_url=OLD_LINK)
    signups.sign_up(make_user(email="ada@example.com"), session)
    signups.sign_up(make_user(email="grace@example.com"), session)
    db.session.commit()
    return session


def test_changed_join_link_reaches_the_seat_and_not_the_waitlist(app, mailbox):
    organiser = make_user(role="organiser")
    session = _full_session_with_waitlist()
    mailbox.clear()
    sessions.update_session(organiser, session, join_url=NEW_LINK)
    db.session.commit()
    (seat,) = mailbox.to("ada@example.com")
    assert NEW_LINK in _everything(seat)
    for message in mailbox.to("grace@example.com"):
        assert "meet.example.com" not in _everything(message)


def test_move_and_new_link_tell_the_waitlist_the_new_time_without_the_link(app, mailbox):
    organiser = make_user(role="organiser")
    session = _full_session_with_waitlist()
    mailbox.clear()
    sessions.update_session(organiser, session, join_url=NEW_LINK,
                            starts_at=session.starts_at + timedelta(hours=1),
                            ends_at=session.ends_at + timedelta(hours=1))
    db.session.commit()
    (update,) = mailbox.to("grace@example.com")
    text = update.get_body(preferencelist=("plain",)).get_content()
    assert "Starts:" in text and "Join link" not in text
    assert "meet.example.com" not in _everything(update)
    assert calendar_part(update) is not None  # the tentative entry moves too
    assert NEW_LINK in _everything(mailbox.to("ada@example.com")[0])


def test_no_email_or_calendar_part_to_the_waitlist_carries_the_join_link(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1, join_url=OLD_LINK, starts_at=utcnow() + timedelta(hours=3))
    signups.sign_up(make_user(email="ada@example.com"), session)
    signups.sign_up(make_user(email="grace@example.com"), session)
    signups.add_by_email(organiser, session, "invited@example.com")
    db.session.commit()
    sessions.update_session(organiser, session, join_url=NEW_LINK, title="A new title")
    invites.message(session, organiser, subject="Room change", body="See you.", include_waitlist=True)
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=2, minutes=30), tick=False):
        worker.send_due()
    sessions.cancel(organiser, session)
    db.session.commit()
    waiting = mailbox.to("grace@example.com") + mailbox.to("invited@example.com")
    assert len(waiting) >= 6
    for message in waiting:
        assert "meet.example.com" not in _everything(message), message["Subject"]
    assert any(NEW_LINK in _everything(m) for m in mailbox.to("ada@example.com"))


def test_session_page_shows_the_join_link_to_the_seat_only(client, auth):
    session = make_session(capacity=1, join_url=OLD_LINK)
    seated, waiting = make_user(), make_user()
    signups.sign_up(seated, session)
    signups.sign_up(waiting, session)
    db.session.commit()
    auth.login(waiting)
    assert OLD_LINK not in client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)
    auth.logout()
    auth.login(seated)
    assert OLD_LINK in client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)


def test_templates_outside_the_panel_take_the_join_link_only_from_the_rule():
    """Emails and pages show `join_url` (from signups.services.join_link), never the session's own."""
    readers = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.*")
                     if "admin" not in p.parts and "session.join_url" in p.read_text(encoding="utf-8"))
    assert readers == []
