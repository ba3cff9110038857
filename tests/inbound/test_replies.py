"""Calendar replies read back in: decline, accept, tentative, waitlist, stale, unknown, trust."""
from sqlalchemy import func, select

from community.db import db
from community.inbound.models import InboundMessage
from community.signups import services as signups
from community.signups.models import Registration
from tests.factories import make_session, make_user
from tests.inbound.helpers import receive, reply_message


def _seated(capacity=1, waiting=1, seats=None):
    """A session with `capacity` seats, `seats` of them taken (all unless given) and `waiting`
    people on the waitlist."""
    session = make_session(capacity=capacity)
    seated = [make_user() for _ in range(capacity if seats is None else seats)]
    waitlisted = [make_user() for _ in range(waiting)]
    for user in seated + waitlisted:
        signups.sign_up(user, session)
    db.session.commit()
    return session, seated, waitlisted


def _reg(session, user) -> Registration:
    db.session.expire_all()
    return signups.registration_for(user, session)


def test_an_authenticated_decline_releases_the_seat_and_promotes_the_waitlist(runner, mailbox):
    session, (alice,), (bob,) = _seated()
    mailbox.clear()
    result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED"))
    assert result.exit_code == 0, result.output
    assert (row.kind, row.outcome) == ("calendar_reply", "done") and row.authenticated
    assert _reg(session, alice).status == "cancelled"
    assert _reg(session, alice).calendar_reply == "DECLINED"
    assert _reg(session, bob).status == "confirmed"
    subjects = sorted(m["Subject"] for m in mailbox.to(alice.email))
    assert subjects == [f"Sign-up cancelled: {session.title}", f"You gave up your seat: {session.title}"]
    (promoted,) = mailbox.to(bob.email)
    assert promoted["Subject"] == f"A seat is now yours: {session.title}"


def test_the_same_message_id_twice_acts_once(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    raw = reply_message(session.ical_uid, alice.email, "DECLINED", message_id="<once@client.example>")
    receive(runner, raw)
    signups.sign_up(db.session.merge(alice), session)
    db.session.commit()
    mailbox.clear()
    result, _row = receive(runner, raw)
    assert result.exit_code == 0
    assert _reg(session, alice).status == "confirmed"
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 1
    assert mailbox.messages == []


def test_the_take_back_link_gives_the_seat_back_while_seats_remain(runner, client, mailbox):
    session, (alice,), _ = _seated(capacity=2, waiting=0, seats=1)
    mailbox.clear()
    receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED"))
    (note,) = [m for m in mailbox.to(alice.email) if m["Subject"].startswith("You gave up")]
    text = note.get_body(preferencelist=("plain",)).get_content()
    link = next(w for w in text.split() if "/inbound/take-back/" in w).replace("http://127.0.0.1:5000", "")
    page = client.get(link).get_data(as_text=True)
    assert "2 seats remain" in page
    done = client.post(link).get_data(as_text=True)
    assert "Your seat is back" in done
    assert _reg(session, alice).status == "confirmed"
    assert client.post(link).status_code == 400  # used: the link no longer works


def test_a_waitlisted_decline_leaves_the_waitlist(runner, mailbox):
    session, (alice,), (bob,) = _seated()
    result, row = receive(runner, reply_message(session.ical_uid, bob.email, "DECLINED"))
    assert row.outcome == "done" and "left the waitlist" in row.detail
    assert _reg(session, bob).status == "cancelled"
    assert _reg(session, alice).status == "confirmed"


def test_an_acceptance_is_recorded_and_shown_to_organisers(runner, client, organiser, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    mailbox.clear()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "ACCEPTED"))
    assert row.outcome == "done"
    assert _reg(session, alice).calendar_reply == "ACCEPTED"
    assert mailbox.messages == []
    page = client.get(f"/admin/sessions/{session.id}/attendees").get_data(as_text=True)
    assert "In their calendar" in page and "Accepted" in page


def test_a_waitlisted_acceptance_stays_waitlisted_and_is_told_the_position(runner, mailbox):
    session, _, (bob, carol) = _seated(waiting=2)
    mailbox.clear()
    _result, row = receive(runner, reply_message(session.ical_uid, carol.email, "TENTATIVE"))
    assert row.outcome == "done" and "position 2" in row.detail
    assert _reg(session, carol).status == "waitlisted"
    (told,) = mailbox.to(carol.email)
    assert "position 2" in told.get_body(preferencelist=("plain",)).get_content()


def test_a_reply_for_a_cancelled_session_changes_nothing(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    session.status = "cancelled"
    db.session.commit()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED"))
    assert row.outcome == "ignored" and "cancelled" in row.detail
    assert _reg(session, alice).status == "confirmed"


def test_a_reply_with_an_unknown_uid_is_recorded_and_ignored(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    mailbox.clear()
    result, row = receive(runner, reply_message("session-nope@elsewhere", alice.email, "DECLINED"))
    assert result.exit_code == 0
    assert (row.outcome, row.detail) == ("ignored", "No session has this UID.")
    assert _reg(session, alice).status == "confirmed" and mailbox.messages == []


def test_a_reply_to_an_older_sequence_is_ignored(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    session.sequence = 3
    db.session.commit()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED", sequence=2))
    assert row.outcome == "ignored" and "SEQUENCE 2, current 3" in row.detail
    assert _reg(session, alice).status == "confirmed"


def test_a_counter_proposal_is_recorded_for_the_organisers(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "ACCEPTED",
                                                 method="COUNTER"))
    assert (row.kind, row.outcome) == ("calendar_counter", "recorded")
    assert "proposes a new time" in row.detail and "2026-12-10" in row.detail
    assert _reg(session, alice).status == "confirmed"


def test_a_reply_from_an_alias_falls_back_to_the_from_address(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED",
                                                 attendee="alice.alias@other.example"))
    assert row.outcome == "done"
    assert _reg(session, alice).status == "cancelled"


def test_an_unauthenticated_decline_asks_the_member_and_changes_nothing_until_clicked(
        runner, client, mailbox):
    session, (alice,), (bob,) = _seated()
    mailbox.clear()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED",
                                                 authenticated=False))
    assert row.outcome == "awaiting_confirmation"
    assert _reg(session, alice).status == "confirmed"
    (ask,) = mailbox.to(alice.email)
    assert ask["Subject"].startswith("Did you mean to give up your seat?")
    assert mailbox.to(bob.email) == []
    text = ask.get_body(preferencelist=("plain",)).get_content()
    link = next(w for w in text.split() if "/inbound/decline/" in w).replace("http://127.0.0.1:5000", "")
    assert "Did you mean to give up your seat?" in client.get(link).get_data(as_text=True)
    assert _reg(session, alice).status == "confirmed"
    assert "Seat given up" in client.post(link).get_data(as_text=True)
    assert _reg(session, alice).status == "cancelled"
    assert _reg(session, bob).status == "confirmed"


def test_authentication_results_from_another_host_are_not_trusted(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    forged = "mx.attacker.example; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=example.com"
    raw = reply_message(session.ical_uid, alice.email, "DECLINED", authenticated=False,
                        headers={"Authentication-Results": forged})
    _result, row = receive(runner, raw)
    assert row.outcome == "awaiting_confirmation" and not row.authenticated
    assert _reg(session, alice).status == "confirmed"


def test_a_pass_for_another_domain_is_not_aligned_with_from(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    raw = reply_message(session.ical_uid, alice.email, "DECLINED", authenticated=False,
                        headers={"Authentication-Results":
                                 "mx.community.test; dkim=pass header.d=attacker.example"})
    _result, row = receive(runner, raw)
    assert row.outcome == "awaiting_confirmation"
    assert _reg(session, alice).status == "confirmed"


def test_a_reply_naming_another_member_as_attendee_changes_no_seat(runner, mailbox):
    session, (alice, bob), _ = _seated(capacity=2, waiting=0)
    mailbox.clear()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED",
                                                 attendee=bob.email))
    assert row.outcome == "ignored" and "another member" in row.detail
    assert _reg(session, bob).status == "confirmed" and _reg(session, alice).status == "confirmed"
    assert mailbox.messages == []


def test_an_auto_submitted_calendar_message_is_not_acted_on(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    mailbox.clear()
    raw = reply_message(session.ical_uid, alice.email, "DECLINED", headers={"Auto-Submitted": "auto-replied"})
    _result, row = receive(runner, raw)
    assert row.outcome == "ignored" and "Automatic" in row.detail
    assert _reg(session, alice).status == "confirmed" and mailbox.messages == []


def test_an_unauthenticated_waitlist_decline_asks_about_the_waitlist_place(runner, mailbox):
    session, _, (bob,) = _seated()
    mailbox.clear()
    _result, row = receive(runner, reply_message(session.ical_uid, bob.email, "DECLINED",
                                                 authenticated=False))
    assert row.outcome == "awaiting_confirmation"
    (ask,) = mailbox.to(bob.email)
    assert ask["Subject"] == f"Did you mean to leave the waitlist? {session.title}"
    assert _reg(session, bob).status == "waitlisted"


def test_a_second_unverified_decline_soon_after_sends_no_second_email(runner, mailbox):
    session, (alice,), _ = _seated(waiting=0)
    mailbox.clear()
    receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED", authenticated=False))
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED",
                                                 authenticated=False))
    assert row.outcome == "ignored" and "sent recently" in row.detail
    assert len(mailbox.to(alice.email)) == 1
