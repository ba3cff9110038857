"""Invitations follow the session: one UID, a rising SEQUENCE, REQUEST/CANCEL as things change."""
from datetime import timedelta

import pytest
import time_machine
from icalendar import Calendar

from community import queue
from community.core.errors import DomainError
from community.db import db, utcnow
from community.invites import services as invites
from community.invites import worker
from community.invites.models import Announcement
from community.sessions import services as sessions
from community.signups import services as signups
from community.signups.models import Registration, RegistrationStatus
from tests.factories import make_session, make_user
from tests.imip import calendar_part, event_of


def _events(mailbox, address):
    """(method, VEVENT) of every calendar email to `address`, in order."""
    out = []
    for message in mailbox.to(address):
        part = calendar_part(message)
        if part is not None:
            out.append((part.get_param("method"), event_of(message)))
    return out


def test_sign_up_sends_a_request_the_calendar_accepts(app, mailbox):
    session = make_session(title="Is good enough, enough?")
    user = make_user(email="ada@example.com", name="Ada Lovelace")
    signups.sign_up(user, session)
    db.session.commit()
    ((method, event),) = _events(mailbox, "ada@example.com")
    assert method == "REQUEST"
    assert str(event["UID"]) == session.ical_uid
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].dt == session.starts_at
    assert event["DTEND"].dt == session.ends_at
    assert str(event["SUMMARY"]) == "Is good enough, enough?"
    assert "https://meet.example.com/roundtable" in str(event["LOCATION"])
    assert str(event["URL"]).endswith(f"/sessions/{session.id}-is-good-enough-enough")
    attendee = event["ATTENDEE"]
    assert attendee.params["PARTSTAT"] == "ACCEPTED" and attendee.params["CN"] == "Ada Lovelace"


def test_uid_stays_and_sequence_rises_through_move_link_change_and_cancel(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session()
    user = make_user(email="ada@example.com")
    signups.sign_up(user, session)
    db.session.commit()
    sessions.update_session(organiser, session, starts_at=session.starts_at + timedelta(days=1),
                            ends_at=session.ends_at + timedelta(days=1))
    db.session.commit()
    sessions.update_session(organiser, session, join_url="https://meet.example.com/new-room")
    db.session.commit()
    sessions.cancel(organiser, session)
    db.session.commit()
    events = _events(mailbox, "ada@example.com")
    assert [m for m, _ in events] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    assert len({str(e["UID"]) for _, e in events}) == 1
    sequences = [e["SEQUENCE"] for _, e in events]
    assert sequences == sorted(set(sequences)), sequences
    assert events[1][1]["DTSTART"].dt == session.starts_at
    assert "new-room" in str(events[2][1]["LOCATION"])
    assert str(events[3][1]["STATUS"]) == "CANCELLED"


def test_update_email_says_what_changed_old_and_new(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session()
    user = make_user(email="ada@example.com", timezone="Europe/London")
    signups.sign_up(user, session)
    db.session.commit()
    old = session.starts_at
    sessions.update_session(organiser, session, starts_at=old + timedelta(hours=2),
                            ends_at=session.ends_at + timedelta(hours=2))
    db.session.commit()
    update = mailbox.to("ada@example.com")[-1]
    assert update["Subject"].startswith("Updated:")
    text = update.get_body(preferencelist=("plain",)).get_content()
    assert "Starts:" in text and "(was " in text


def test_member_cancelling_gets_a_cancel_for_their_copy(app, mailbox):
    session = make_session()
    user = make_user(email="ada@example.com")
    signups.sign_up(user, session)
    signups.cancel(user, session)
    db.session.commit()
    (first, second) = _events(mailbox, "ada@example.com")
    assert second[0] == "CANCEL" and second[1]["SEQUENCE"] > first[1]["SEQUENCE"]


def test_rejoining_after_cancelling_sends_a_newer_request(app, mailbox):
    session = make_session()
    user = make_user(email="ada@example.com")
    signups.sign_up(user, session)
    signups.cancel(user, session)
    signups.sign_up(user, session)
    db.session.commit()
    methods = [(m, e["SEQUENCE"]) for m, e in _events(mailbox, "ada@example.com")]
    assert [m for m, _ in methods] == ["REQUEST", "CANCEL", "REQUEST"]
    assert [s for _, s in methods] == [0, 1, 2]


def test_waitlist_gets_a_tentative_request_that_becomes_confirmed_on_promotion(app, mailbox):
    session = make_session(capacity=1)
    holder = make_user()
    waiting = make_user(email="grace@example.com")
    signups.sign_up(holder, session)
    signups.sign_up(waiting, session)
    signups.cancel(holder, session)
    db.session.commit()
    (tentative, confirmed) = _events(mailbox, "grace@example.com")
    assert tentative[0] == confirmed[0] == "REQUEST"
    assert str(tentative[1]["STATUS"]) == "TENTATIVE"
    assert tentative[1]["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert str(confirmed[1]["STATUS"]) == "CONFIRMED"
    assert confirmed[1]["SEQUENCE"] > tentative[1]["SEQUENCE"]
    assert str(tentative[1]["UID"]) == str(confirmed[1]["UID"])
    assert "meet.example.com" not in str(tentative[1].get("LOCATION", ""))


def test_waitlist_calendar_entry_can_be_turned_off(app, mailbox):
    session = make_session(capacity=1)
    signups.sign_up(make_user(), session)
    waiting = make_user(email="grace@example.com")
    waiting.waitlist_in_calendar = False
    signups.sign_up(waiting, session)
    db.session.commit()
    (message,) = mailbox.to("grace@example.com")
    assert calendar_part(message) is None
    assert "position 1" in message.get_body(preferencelist=("plain",)).get_content()


def test_leaving_the_waitlist_cancels_the_tentative_entry(app, mailbox):
    session = make_session(capacity=1)
    signups.sign_up(make_user(), session)
    waiting = make_user(email="grace@example.com")
    signups.sign_up(waiting, session)
    signups.cancel(waiting, session)
    db.session.commit()
    assert [m for m, _ in _events(mailbox, "grace@example.com")] == ["REQUEST", "CANCEL"]


def test_session_starting_without_a_seat_cancels_the_tentative_entry(app, mailbox):
    import time_machine

    from community.invites import worker

    session = make_session(capacity=1, starts_at=utcnow() + timedelta(hours=2))
    signups.sign_up(make_user(), session)
    waiting = make_user(email="grace@example.com")
    signups.sign_up(waiting, session)
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=2, minutes=1), tick=False):
        assert worker.close_started_waitlists() == 1
        assert worker.close_started_waitlists() == 0
    events = _events(mailbox, "grace@example.com")
    assert [m for m, _ in events] == ["REQUEST", "CANCEL"]
    assert mailbox.to("grace@example.com")[-1]["Subject"].startswith("No seat this time")


def test_organiser_removing_someone_sends_their_copy_a_cancel(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session()
    user = make_user(email="ada@example.com")
    reg = signups.sign_up(user, session)
    signups.remove(organiser, reg)
    db.session.commit()
    assert [m for m, _ in _events(mailbox, "ada@example.com")] == ["REQUEST", "CANCEL"]


def test_cancelled_session_sends_cancel_to_everyone_with_a_copy(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=2)
    users = [make_user() for _ in range(3)]
    for user in users:
        signups.sign_up(user, session)
    sessions.cancel(organiser, session)
    db.session.commit()
    for user in users:
        method, event = _events(mailbox, user.email)[-1]
        assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED"


def test_move_to_the_past_or_end_before_start_is_refused(app):
    organiser = make_user(role="organiser")
    session = make_session()
    with pytest.raises(DomainError, match="in the past"):
        sessions.update_session(organiser, session, starts_at=utcnow() - timedelta(hours=1),
                                ends_at=utcnow())
    with pytest.raises(DomainError, match="end after it starts"):
        sessions.update_session(organiser, session, ends_at=session.starts_at - timedelta(minutes=5))


def test_move_writes_one_announcement_and_the_worker_writes_each_email_once(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=50)
    users = [make_user() for _ in range(30)]
    for user in users:
        signups.sign_up(user, session)
    db.session.commit()
    mailbox.clear()
    sessions.update_session(organiser, session, starts_at=session.starts_at + timedelta(hours=1),
                            ends_at=session.ends_at + timedelta(hours=1))
    db.session.commit()  # the immediate queue expands the announcement after the commit
    ann = db.session.query(Announcement).one()
    assert ann.expanded_at is not None and ann.recipients == 30
    assert len(mailbox.messages) == 30
    ann.expanded_at = None  # as if the worker died before marking it done
    db.session.commit()
    assert worker.expand(ann.id) == 0
    assert len(mailbox.messages) == 30


def test_organiser_message_reaches_attendees_and_optionally_the_waitlist(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1)
    seated, waiting = make_user(), make_user()
    signups.sign_up(seated, session)
    signups.sign_up(waiting, session)
    db.session.commit()
    mailbox.clear()
    invites.message(session, organiser, subject="Pre-read is out", body="Please read **this**.",
                    include_waitlist=False)
    db.session.commit()
    assert [m["To"] for m in mailbox.messages] == [seated.email]
    invites.message(session, organiser, subject="Room change", body="Room 4.", include_waitlist=True)
    db.session.commit()
    assert sorted(m["To"] for m in mailbox.messages[1:]) == sorted([seated.email, waiting.email])
    html = mailbox.messages[0].get_body(preferencelist=("html",)).get_content()
    assert "<strong>this</strong>" in html


def test_invitation_bytes_pass_two_independent_validating_parsers(app, mailbox):
    session = make_session(title="Ünïcödé & “quotes”, a long title " * 3, venue="Salle 3, Paris",
                           format="hybrid")
    user = make_user(email="ada@example.com", name="Zoë d'Arcy-Ünal")
    signups.sign_up(user, session)
    db.session.commit()
    ics = calendar_part(mailbox.to("ada@example.com")[0]).get_content()
    cal = Calendar.from_ical(ics)
    assert "Salle 3, Paris" in str(cal.walk("VEVENT")[0]["LOCATION"])


def _unconfirmed_seat(session, email="squatter@example.com"):
    """A confirmed seat of an account that never confirmed its address, however it came about
    (rows from before the rule, or a path that forgot it)."""
    user = make_user(email=email, confirmed=False)
    reg = Registration(session_id=session.id, user_id=user.id, status=RegistrationStatus.CONFIRMED,
                       confirmed_at=utcnow(), source="organiser")
    db.session.add(reg)
    db.session.flush()
    return user, reg


def _everything_in(message) -> str:
    """Every part of an email decoded (text, HTML, calendar and attachments, lines unfolded)."""
    texts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        texts.append(content.decode() if isinstance(content, bytes) else content)
    return "".join(texts).replace("\r\n ", "").replace("\n ", "")


def test_an_unconfirmed_account_never_sees_the_join_link(client, auth, mailbox):
    organiser = make_user(role="organiser")
    start = utcnow() + timedelta(days=3)
    session = make_session(starts_at=start)
    user, reg = _unconfirmed_seat(session)
    invites.seat_confirmed(reg)
    db.session.commit()
    sessions.update_session(organiser, session, join_url="https://meet.example.com/moved")
    db.session.commit()
    with time_machine.travel(start - timedelta(minutes=50), tick=False):
        assert queue.run_now("invites.send_reminders") == 2  # the day-before and the hour-before
    sent = mailbox.to("squatter@example.com")
    assert [m["Subject"].split(":")[0] for m in sent] == ["Your seat is confirmed", "Updated",
                                                          "Reminder", "Reminder"]
    for message in sent:
        assert "meet.example.com" not in _everything_in(message), message["Subject"]
    auth.login(user)
    assert "meet.example.com" not in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    feed = client.get(f"/calendar/{user.calendar_token}.ics")
    assert feed.status_code == 200 and b"meet.example.com" not in feed.get_data()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):  # under way
        assert "meet.example.com" not in client.get(f"/sessions/{session.id}").get_data(as_text=True)
